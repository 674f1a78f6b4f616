"""VC API exchanges (the Learner Credential Wallet's interaction URLs): the exchange URL a
wallet talks to, and the endpoints issuers and verifiers make exchanges with. Thin: each
route parses, calls :mod:`openler.services.protocols.exchanges`, renders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from openler.services.errors import ServiceError
from openler.services.protocols import exchanges
from openler.web.claim_pages import qr_svg
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep
from openler.web.render import error_page, page, wants_html

router = APIRouter(route_class=CommitRoute)


def _refusal(exc: ServiceError) -> JSONResponse:
    """A refusal a wallet reads in the body whatever the status (LCW ignores status codes)."""
    body = (
        exc.body()
        if isinstance(exc, exchanges.ExchangeError)
        else {"error": exc.code, "error_description": exc.message}
    )
    return JSONResponse(body, status_code=exc.http_status)


@router.get("/exchanges/{secret}", tags=["VC API exchanges"], response_model=None)
def interaction(
    secret: str, request: Request, session: SessionDep, platform: PlatformDep
) -> Response:
    """The interaction URL: ``{"protocols": {"vcapi": …}}`` for a wallet asking for JSON; a
    page saying what it is and how to use it for a person's browser."""
    if wants_html(request):
        try:
            described = exchanges.describe(session, platform, secret)
        except exchanges.ExchangeError as exc:
            return error_page(request, exc.http_status, exc.message)
        link = f"{exchanges.exchange_url(platform, secret)}?iuv=1"
        return page(request, "exchange.html", described=described, link=link, qr=qr_svg(link))
    try:
        return JSONResponse(exchanges.protocols(session, platform, secret))
    except ServiceError as exc:
        return _refusal(exc)


@router.post("/exchanges/{secret}", tags=["VC API exchanges"])
def participate(
    secret: str,
    session: SessionDep,
    platform: PlatformDep,
    body: Annotated[Any, Body()] = None,
) -> JSONResponse:
    """A wallet's step in the exchange: ``{}`` asks what is wanted; ``{"verifiablePresentation":
    …}`` answers it."""
    try:
        return JSONResponse(exchanges.participate(session, platform, secret, body or {}))
    except ServiceError as exc:
        return _refusal(exc)


class IssuanceBody(BaseModel):
    organization: str
    achievement: str
    email: str
    name: str = ""
    minutes: int = Field(default=exchanges.DEFAULT_MINUTES, ge=1, le=7 * 24 * 60)


class PresentationBody(BaseModel):
    organization: str
    query: Any
    holderSigns: bool = True
    minutes: int = Field(default=exchanges.DEFAULT_MINUTES, ge=1, le=24 * 60)


def _made(made: exchanges.Made) -> dict[str, Any]:
    row = made.exchange
    return {
        "id": row.id,
        "kind": row.kind,
        "request": row.request_id,
        "exchangeUrl": made.exchange_url,
        "interactionUrl": made.interaction_url,
        "expires": row.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@router.post("/api/exchanges/issuance", status_code=201, tags=["VC API exchanges"])
def create_issuance(
    body: IssuanceBody, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """An issuer makes an exchange that issues an achievement to the DID that authenticates."""
    made = exchanges.create_issuance(
        session,
        platform,
        principal,
        organization_slug=body.organization,
        achievement_slug=body.achievement,
        email=body.email,
        name=body.name,
        minutes=body.minutes,
    )
    return _made(made)


@router.post("/api/exchanges/presentation", status_code=201, tags=["VC API exchanges"])
def create_presentation(
    body: PresentationBody, session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A verifier makes an exchange asking by QueryByExample; the answer lands in a
    presentation request (``request`` in the answer: ``GET /api/requests/{request}``)."""
    made = exchanges.create_presentation(
        session,
        platform,
        principal,
        organization_slug=body.organization,
        query=body.query,
        holder_signs=body.holderSigns,
        minutes=body.minutes,
    )
    return _made(made)
