"""Presentation requests in the browser. A verifier asks for credentials (a link with a
single-use challenge to send to the person); the person, signed in, chooses what to
present and consents; the verifier sees the answer, verified again whenever opened."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, NotFound, ServiceError, UsageError
from openler.services.people.accounts import Principal
from openler.services.protocols import oid4vp_verifier
from openler.services.verifiers import requests as requests_service
from openler.services.wording import N_
from openler.store.models import Organization
from openler.vc import ACHIEVEMENT_TYPES
from openler.web.claim_pages import qr_svg
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import error_page, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
HOURS = N_("a request stays open from 1 to 24 hours")


def _verifier_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    *,
    status: int = 200,
    error: ServiceError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    rows = requests_service.requests_of(session, principal, organization)
    now = platform.now()
    return page(
        request,
        "verifier.html",
        status,
        principal=principal,
        organization=organization,
        requests=[
            (r, requests_service.reason_of(r), requests_service.state_of(r, now)) for r in rows
        ],
        error=error,
        values=values or {},
        achievement_types=ACHIEVEMENT_TYPES,
        state_words=requests_service.STATE_WORDS,
    )


@router.get("/verifier/{slug}", response_class=HTMLResponse)
def verifier_home(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    return _verifier_page(request, session, platform, principal, organization)


@router.post("/verifier/{slug}/requests")
def create(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    reason: Annotated[str, Form(max_length=300)] = "",
    hours: Annotated[str, Form()] = "24",
) -> Response:
    try:
        if not reason.strip():
            raise UsageError.worded(N_("say what you ask for and why; the person sees it"))
        if not hours.isdigit() or not 1 <= int(hours) <= 24:
            raise UsageError.worded(HOURS)
        row = requests_service.create_request(
            session,
            platform,
            principal,
            organization_slug=organization.slug,
            query=requests_service.request_query(reason.strip()),
            minutes=int(hours) * 60,
        )
    except UsageError as exc:
        return _verifier_page(
            request,
            session,
            platform,
            principal,
            organization,
            status=400,
            error=exc,
            values={"reason": reason, "hours": hours},
        )
    return RedirectResponse(f"/verifier/{organization.slug}/requests/{row.id}", status_code=303)


@router.post("/verifier/{slug}/oid4vp")
def create_oid4vp(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    achievement_type: Annotated[str, Form(max_length=60)] = "License",
    name: Annotated[str, Form(max_length=300)] = "",
    skills: Annotated[str, Form(max_length=1000)] = "",
    hours: Annotated[str, Form()] = "24",
) -> Response:
    """An OpenID4VP request any wallet can answer, from what the form asks for."""
    try:
        if achievement_type not in ACHIEVEMENT_TYPES:
            raise UsageError.worded(N_("choose a kind of credential from the list"))
        if not hours.isdigit() or not 1 <= int(hours) <= 24:
            raise UsageError.worded(HOURS)
        created = oid4vp_verifier.create_request(
            session,
            platform,
            principal,
            organization_slug=organization.slug,
            query=oid4vp_verifier.query_for(
                achievement_type=achievement_type, name=name, skills=skills.split(",")
            ),
            minutes=int(hours) * 60,
        )
    except UsageError as exc:
        return _verifier_page(
            request,
            session,
            platform,
            principal,
            organization,
            status=400,
            error=exc,
            values={"achievement_type": achievement_type, "name": name, "skills": skills},
        )
    return RedirectResponse(
        f"/verifier/{organization.slug}/requests/{created.request.id}", status_code=303
    )


@router.get("/verifier/{slug}/requests/{request_id}", response_class=HTMLResponse)
def request_detail(
    request_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    row, report, verdict = requests_service.view_answer(session, platform, principal, request_id)
    if row.organization_id != organization.id:
        raise NotFound(f"no request {request_id} of {organization.name}")
    updates, notes = requests_service.answer_notes(session, platform, row)
    oid4vp = oid4vp_verifier.answer_fields(session, platform, row)
    return page(
        request,
        "request_detail.html",
        principal=principal,
        organization=organization,
        row=row,
        reason=requests_service.reason_of(row),
        state=requests_service.state_of(row, platform.now()),
        state_words=requests_service.STATE_WORDS,
        link=oid4vp.get("uri")
        or f"{platform.settings.public_url.rstrip('/')}/requests/{row.challenge}",
        oid4vp=oid4vp if oid4vp["protocol"] == "oid4vp" else None,
        qr=qr_svg(oid4vp["uri"]) if oid4vp.get("uri") else None,
        report=report,
        verdict=verdict,
        updates=updates,
        notes=notes,
    )


def _answer_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    challenge: str,
    *,
    status: int = 200,
    error: str | ServiceError | None = None,
    chosen: list[str] | None = None,
) -> HTMLResponse:
    row, organization = requests_service.open_request(session, platform, challenge)
    return page(
        request,
        "request_answer.html",
        status,
        principal=principal,
        organization=organization,
        row=row,
        reason=requests_service.reason_of(row),
        candidates=requests_service.candidates_for(session, platform, principal, row),
        chosen=chosen or [],
        error=error,
    )


@router.get("/requests/{challenge}", response_class=HTMLResponse)
def answer_form(
    challenge: str, request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    return _answer_page(request, session, platform, principal, challenge)


@router.post("/requests/{challenge}")
def answer(
    challenge: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    credentials: Annotated[list[str] | None, Form()] = None,
    consent: Annotated[str, Form()] = "",
) -> Response:
    chosen = credentials or []
    try:
        if consent != "yes":
            raise UsageError.worded(
                N_("tick the consent box to send: the verifier will see these credentials")
            )
        _open, organization = requests_service.open_request(session, platform, challenge)
        report = requests_service.answer_from_wallet(
            session, platform, principal, challenge, credential_ids=chosen
        )
    except (UsageError, NotFound) as exc:
        return _answer_page(
            request,
            session,
            platform,
            principal,
            challenge,
            status=400,
            error=exc,
            chosen=chosen,
        )
    except Conflict as exc:
        return error_page(request, 409, exc.message)
    return page(
        request,
        "request_sent.html",
        principal=principal,
        organization=organization,
        report=report,
    )
