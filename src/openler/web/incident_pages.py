"""Incident check-in in the browser. An incident commander (a verifier of the agency) opens
an incident with the roles it needs, puts its check-in QR code up at the scene and watches
the roster fill in without reloading; responders open the check-in link and present
credentials from their wallet here, or scan the OpenID4VP code with any wallet app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from openler.services.errors import Conflict, NotFound, ServiceError, UsageError
from openler.services.people.accounts import Principal
from openler.services.verifiers import (
    incident_checkins,
    incident_rechecks,
    incidents,
    rate_limit,
)
from openler.services.verifiers.fetched_copies import age_words
from openler.services.verifiers.incidents import RoleInput
from openler.services.wording import N_
from openler.store.models import Incident, Organization
from openler.vc import ACHIEVEMENT_TYPES
from openler.web.api.oid4vp import request_object_response
from openler.web.claim_pages import qr_svg
from openler.web.deps import (
    CommitRoute,
    MaybePrincipal,
    OrgDep,
    PlatformDep,
    SessionDep,
    Visitor,
)
from openler.web.render import confirmation, error_page, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
MAX_ROWS = incidents.MAX_ROLES
_NO_STORE = {"Cache-Control": "no-store"}


def _roles_posted(form: FormData) -> list[RoleInput]:
    """The role rows of the form as typed, with one more blank row when "Add another role"
    was pressed."""

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    try:
        count = min(int(text("role_rows") or 0), MAX_ROWS)
    except ValueError:
        count = 0
    rows = [
        RoleInput(
            name=text(f"role-{n}-name"),
            achievement_types=text(f"role-{n}-kind"),
            names=text(f"role-{n}-names"),
            issuers=tuple(str(v) for v in form.getlist(f"role-{n}-issuers") if v),
            jurisdictions=text(f"role-{n}-places"),
        )
        for n in range(1, count + 1)
    ]
    if text("step") == "more-role" and len(rows) < MAX_ROWS:
        rows.append(RoleInput())
    return rows or [RoleInput(), RoleInput()]


def _form_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    organization: Organization,
    *,
    name: str = "",
    roles: list[RoleInput] | None = None,
    status: int = 200,
    error: ServiceError | None = None,
) -> HTMLResponse:
    return page(
        request,
        "incident_new.html",
        status,
        principal=principal,
        organization=organization,
        incident_name=name,
        roles=roles or [RoleInput(), RoleInput()],
        issuers=incidents.issuer_choices(session, principal, organization),
        achievement_types=ACHIEVEMENT_TYPES,
        error=error,
    )


@router.get("/verifier/{slug}/incidents", response_class=HTMLResponse)
def incident_list(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    return page(
        request,
        "incidents.html",
        principal=principal,
        organization=organization,
        incidents=incidents.incidents_of(session, principal, organization),
    )


@router.get("/verifier/{slug}/incidents/new", response_class=HTMLResponse)
def new_incident(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep
) -> Response:
    return _form_page(request, session, principal, organization)


@router.post("/verifier/{slug}/incidents")
async def create(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    posted = await request.form()
    name = str(posted.get("name") or "")[:400]
    roles = _roles_posted(posted)
    if posted.get("step") == "more-role":
        return _form_page(request, session, principal, organization, name=name, roles=roles)
    try:
        incident = incidents.open_incident(
            session,
            platform,
            principal,
            organization_slug=organization.slug,
            name=name,
            roles=roles,
        )
    except UsageError as exc:
        return _form_page(
            request,
            session,
            principal,
            organization,
            name=name,
            roles=roles,
            status=400,
            error=exc,
        )
    return RedirectResponse(
        f"/verifier/{organization.slug}/incidents/{incident.id}", status_code=303
    )


def _incident_in(
    session: SessionDep, principal: Principal, organization: Organization, incident_id: str
) -> Incident:
    incident = incidents.incident_of(session, principal, incident_id)
    if incident.organization_id != organization.id:
        raise NotFound(f"no incident {incident_id} of {organization.name}")
    return incident


@router.get("/verifier/{slug}/incidents/{incident_id}", response_class=HTMLResponse)
def roster_page(
    incident_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> Response:
    incident = _incident_in(session, principal, organization, incident_id)
    roster = incidents.roster(session, principal, incident.id)
    link = incidents.checkin_link(platform, incident)
    wallet = incidents.wallet_link(platform, incident, organization)
    now = platform.now()
    return page(
        request,
        "incident.html",
        principal=principal,
        organization=organization,
        roster=roster,
        role_names={r.key: r.name for r in roster.roles},
        copy_age=age_words(roster.oldest_copy, now) if roster.oldest_copy else None,
        recheck=incident_rechecks.standing(session, platform, incident),
        incident=incident,
        now=now,
        link=link,
        link_qr=qr_svg(link),
        wallet=wallet,
        wallet_qr=qr_svg(wallet),
    )


@router.get("/verifier/{slug}/incidents/{incident_id}/roster.json")
def roster_json(
    incident_id: str,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
) -> JSONResponse:
    """What a roster page asks every few seconds: the roster's version (it changes with
    every check-in and as everyone is checked again), the counts per role, and how
    checking everyone again stands (``due``: the page should ask for it now)."""
    incident = _incident_in(session, principal, organization, incident_id)
    counts = incidents.counts_of(session, incident)
    recheck = incident_rechecks.standing(session, platform, incident)
    last = recheck.last
    return JSONResponse(
        {
            "version": incidents.version_of(session, incident),
            "open": incident.closed_at is None,
            "recheck": {
                "due": recheck.due,
                "running": recheck.running,
                "checked": last.checked if last else 0,
                "total": last.total if last else 0,
                "last": incident.rechecked_at.isoformat() if incident.rechecked_at else None,
            },
            "counts": [
                {
                    "role": c.role.name if c.role else None,
                    "verified": c.verified,
                    "refused": c.refused,
                }
                for c in counts
            ],
        },
        headers=_NO_STORE,
    )


@router.post("/verifier/{slug}/incidents/{incident_id}/close")
def close(
    incident_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    incident = _incident_in(session, principal, organization, incident_id)
    where = f"/verifier/{organization.slug}/incidents/{incident.id}"
    if confirm != "yes":
        return confirmation(
            request,
            title=f"Close check-in for {incident.name}?",
            question=f"Close check-in for {incident.name}?",
            action=f"{where}/close",
            fields={},
            button="Close check-in",
            cancel=where,
            consequences=[
                "Responders can no longer check in at its link or QR code.",
                "The roster stays, as it is now, for you to read.",
            ],
        )
    try:
        incidents.close_incident(session, platform, principal, incident.id)
    except Conflict as exc:
        return error_page(request, 409, exc.message)
    return RedirectResponse(where, status_code=303)


@router.post("/verifier/{slug}/incidents/{incident_id}/recheck")
def recheck(
    incident_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    automatic: Annotated[str, Form()] = "",
) -> Response:
    """Check everyone again: within the request for a few responders, else as a job whose
    progress the roster page shows. ``automatic=yes`` is the roster page's own script
    asking once a re-check is due: it is answered in JSON, and nothing starts unless one
    is due."""
    incident = _incident_in(session, principal, organization, incident_id)
    by_itself = automatic == "yes"
    try:
        started = incident_rechecks.start(
            platform, request.app.state.jobs, principal, incident.id, automatic=by_itself
        )
    except Conflict as exc:
        if by_itself:
            return JSONResponse({"started": False, "error": exc.message}, 409, _NO_STORE)
        return error_page(request, 409, exc.message)
    if by_itself:
        state = started.state if started is not None else None
        return JSONResponse({"started": started is not None, "state": state}, headers=_NO_STORE)
    return RedirectResponse(
        f"/verifier/{organization.slug}/incidents/{incident.id}#recheck", status_code=303
    )


# --- the responder's side ----------------------------------------------------------


def _checkin_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal | None,
    token: str,
    *,
    status: int = 200,
    error: ServiceError | None = None,
    chosen: list[str] | None = None,
) -> HTMLResponse:
    incident, organization = incidents.incident_by_token(session, token)
    offered = (
        incident_checkins.checkin_candidates(session, platform, principal, incident)
        if principal is not None and not principal.is_system and principal.person_id
        else None
    )
    wallet = incidents.wallet_link(platform, incident, organization)
    return page(
        request,
        "checkin.html",
        status,
        principal=principal,
        organization=organization,
        incident=incident,
        roles=incidents.roles_of(incident),
        token=token,
        candidates=offered,
        chosen=chosen or [],
        wallet=wallet,
        wallet_qr=qr_svg(wallet),
        error=error,
    )


@router.get(incidents.CHECKIN_PATH + "{token}", response_class=HTMLResponse)
def checkin_form(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
) -> Response:
    return _checkin_page(request, session, platform, principal, token)


@router.get(incidents.CHECKIN_PATH + "{token}/sign-in")
def checkin_sign_in(token: str, principal: Visitor) -> Response:
    """Sign in first, then back to the check-in page."""
    return RedirectResponse(incidents.CHECKIN_PATH + token, status_code=303)


@router.post(incidents.CHECKIN_PATH + "{token}")
def checkin(
    token: str,
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
                N_("tick the consent box to check in: the incident's staff will see these")
            )
        checked = incident_checkins.check_in_from_wallet(
            session, platform, principal, token, credential_ids=chosen
        )
    except (UsageError, NotFound) as exc:
        return _checkin_page(
            request, session, platform, principal, token, status=400, error=exc, chosen=chosen
        )
    except Conflict as exc:
        return error_page(request, 409, exc.message)
    incident, organization = incidents.incident_by_token(session, token)
    return page(
        request,
        "checkin_done.html",
        principal=principal,
        organization=organization,
        incident=incident,
        checked=checked,
        roles={r.key: r for r in checked.roles},
        token=token,
    )


@router.get(incidents.CHECKIN_PATH + "{token}/request")
def checkin_request(
    token: str, request: Request, session: SessionDep, platform: PlatformDep
) -> Response:
    """The ``request_uri`` of the check-in's OpenID4VP link: a fresh request each time a
    wallet fetches it (``application/oauth-authz-req+jwt``), at most
    ``checkin_requests_per_minute`` a minute from one client address. Past that, 429 with
    ``Retry-After`` and an OAuth error body (``temporarily_unavailable``, RFC 6749 §4.1.2.1):
    OpenID4VP 1.0 has a wallet stop at any HTTP error from the ``request_uri``, and the
    person scans again."""
    client = request.client.host if request.client else "?"
    try:
        rate_limit.take_checkin_request(platform, client)
    except rate_limit.TooManyCheckinRequests as exc:
        return JSONResponse(
            {"error": "temporarily_unavailable", "error_description": exc.message},
            status_code=exc.http_status,
            headers={**_NO_STORE, "Retry-After": str(exc.seconds)},
        )
    return request_object_response(lambda: incidents.wallet_request(session, platform, token))
