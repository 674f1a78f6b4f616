"""Presentation requests: a verifier asks, a holder answers once, the verifier reads it."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from openler.services.protocols import oid4vp_verifier
from openler.services.verifiers import requests as requests_service
from openler.web.api.common import count, verification_body
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute)


class PresentationRequestBody(BaseModel):
    organization: str
    query: dict[str, Any] = Field(default_factory=dict)
    minutes: int = Field(default=30, ge=1, le=24 * 60)
    protocol: Literal["openler", "oid4vp"] = Field(
        default="openler",
        description="oid4vp: an OpenID4VP 1.0 request whose query is a DCQL query; the "
        "answer is the openid4vp:// link in 'uri'",
    )


class AnswerBody(BaseModel):
    verifiablePresentation: dict[str, Any] | str


@router.post("/api/requests", status_code=201, tags=["presentation requests"])
def create_request(
    body: PresentationRequestBody,
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
) -> dict[str, Any]:
    """A verifier asks for a presentation; the holder signs with this challenge and domain
    (or, with ``protocol: oid4vp``, any OpenID4VP wallet answers the link in ``uri``)."""
    if body.protocol == "oid4vp":
        created = oid4vp_verifier.create_request(
            session,
            platform,
            principal,
            organization_slug=body.organization,
            query=body.query,
            minutes=body.minutes,
        )
        return {
            "id": created.request.id,
            "protocol": "oid4vp",
            "uri": created.uri,
            "query": created.request.query,
            "expires": created.request.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    row = requests_service.create_request(
        session,
        platform,
        principal,
        organization_slug=body.organization,
        query=body.query,
        minutes=body.minutes,
    )
    return {
        "id": row.id,
        "challenge": row.challenge,
        "domain": row.domain,
        "query": row.query,
        "expires": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@router.post("/api/requests/{challenge}/answer", tags=["presentation requests"])
def answer_request(
    challenge: str, body: AnswerBody, request: Request, session: SessionDep, platform: PlatformDep
) -> JSONResponse:
    """Answer a request: verified against its challenge and domain, once."""
    report = requests_service.answer_request(
        session, platform, challenge, body.verifiablePresentation
    )
    count(request, "verify." + ("verified" if report.verified else "failed"))
    return JSONResponse(verification_body(report), status_code=200 if report.verified else 400)


@router.get("/api/requests/{request_id}", tags=["presentation requests"])
def get_request(
    request_id: str, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A request's state and, once answered, the presentation verified again now (the
    requesting organization's verifiers only)."""
    row, report = requests_service.view_request(session, platform, principal, request_id)
    return {
        "id": row.id,
        "state": requests_service.state_of(row, platform.now()),
        "query": row.query,
        "expires": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verifiablePresentation": row.presentation,
        "verified": report.verified if report is not None else None,
        "verification": verification_body(report) if report is not None else None,
        **oid4vp_verifier.answer_fields(session, platform, row),
    }
