"""Career navigation pages: a resident's navigator (``/record/career``: choose an occupation,
see what they have of what it needs, the gap as a chart and a table, the credentials offered
here that close it in order, related occupations), military translation
(``/record/career/military``), sharing both with a career navigator
(``/record/career/coaches``: grant, see who has access, withdraw — confirmed), and the
coach's pages (``/coach``: the people who granted access; each one's navigator read-only).
Registered before any ``/record/{ref}`` page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import ServiceError, UsageError
from openler.services.skills import coaching, navigation
from openler.services.skills.navigation import Holding, Navigation, Translation
from openler.services.wording import N_
from openler.web.deps import CommitRoute, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

T = TypeVar("T")

#: the required skills a gap chart draws at most (the table lists every one)
CHART_LIMIT = 30
_NOTICES = {"granted": "granted", "withdrawn": "withdrawn"}


def _chart(found: Navigation | None) -> dict[str, Any]:
    """The gap chart's figures: each required skill, missing ones first, by its weight."""
    if found is None:
        return {"labels": [], "held": [], "missing": []}
    rows = [(r, False) for r in found.gap.missing] + [(r, True) for r in found.gap.held]
    rows = rows[:CHART_LIMIT]
    return {
        "labels": [r.label for r, _ in rows],
        "held": [round(r.weight * 100) if held else 0 for r, held in rows],
        "missing": [0 if held else round(r.weight * 100) for r, held in rows],
    }


def _attempt(ask: Callable[[], T | None]) -> tuple[T | None, ServiceError | None]:
    """What ``ask`` answers (None: nothing was asked), or the error a page shows instead."""
    try:
        return ask(), None
    except ServiceError as exc:
        return None, exc


def _navigator_page(
    request: Request,
    principal: Any,
    *,
    base: str,
    q: str,
    results: list[navigation.Occupation],
    found: Navigation | None,
    holding: Holding,
    error: ServiceError | None,
    subject: str | None = None,
) -> Response:
    return page(
        request,
        "career.html",
        error.http_status if error is not None else 200,
        principal=principal,
        base=base,
        q=q,
        results=results,
        nav=found,
        holding=holding,
        error=error,
        subject=subject,
        chart=_chart(found),
        charted=min(CHART_LIMIT, found.gap.required) if found else 0,
    )


def _searched(session: Any, q: str) -> list[navigation.Occupation]:
    return navigation.search(session, q) if q.strip() else []


@router.get("/record/career", response_class=HTMLResponse)
def career(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    q: str = "",
    occupation: str = "",
) -> Response:
    holding = navigation.holding_of(session, platform, principal)
    found, error = _attempt(
        lambda: navigation.navigate(session, platform, holding, occupation) if occupation else None
    )
    return _navigator_page(
        request,
        principal,
        base="/record/career",
        q=q,
        results=_searched(session, q),
        found=found,
        holding=holding,
        error=error,
    )


def _military_page(
    request: Request,
    principal: Any,
    session: Any,
    *,
    base: str,
    service: str,
    code: str,
    found: Translation | None,
    error: ServiceError | None,
    subject: str | None = None,
) -> Response:
    return page(
        request,
        "career_military.html",
        error.http_status if error is not None else 200,
        principal=principal,
        base=base,
        services=navigation.services(session),
        service=service,
        code=code,
        translation=found,
        error=error,
        subject=subject,
    )


@router.get("/record/career/military", response_class=HTMLResponse)
def military(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    service: str = "",
    code: str = "",
) -> Response:
    found, error = _attempt(
        lambda: (
            navigation.my_translation(session, platform, principal, service, code)
            if service or code
            else None
        )
    )
    return _military_page(
        request,
        principal,
        session,
        base="/record/career",
        service=service,
        code=code,
        found=found,
        error=error,
    )


# --- sharing with a career navigator ---------------------------------------------------------


def _coaches_page(
    request: Request,
    session: Any,
    principal: Any,
    *,
    done: str = "",
    email: str = "",
    error: ServiceError | str | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "career_coaches.html",
        status,
        principal=principal,
        grants=coaching.grants_of(session, principal),
        done=_NOTICES.get(done, ""),
        email=email,
        error=error,
    )


@router.get("/record/career/coaches", response_class=HTMLResponse)
def coaches(request: Request, session: SessionDep, principal: Visitor, done: str = "") -> Response:
    return _coaches_page(request, session, principal, done=done)


@router.post("/record/career/coaches")
def grant(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    email: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
) -> Response:
    if consent != "yes":
        return _coaches_page(
            request,
            session,
            principal,
            email=email,
            error=UsageError.worded(
                N_("tick the box to agree that your career navigator may see your skills")
            ),
            status=400,
        )
    try:
        coaching.grant(session, platform, principal, email)
    except ServiceError as exc:
        return _coaches_page(
            request, session, principal, email=email, error=exc, status=exc.http_status
        )
    return RedirectResponse("/record/career/coaches?done=granted", status_code=303)


@router.post("/record/career/coaches/{grant_id}/withdraw")
def withdraw(
    grant_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    found = coaching.own_grant(session, principal, grant_id)
    if confirm != "yes":
        return confirmation(
            request,
            title=f"Withdraw {found.coach.name}'s access?",
            question=f"{found.coach.name} ({found.organization.name}) can see your skills "
            "and your career navigator.",
            consequences=[
                "From now on they are refused: they no longer see you in their list.",
                "What they saw before stays with them; you can grant access again later.",
            ],
            action=f"/record/career/coaches/{quote(found.id)}/withdraw",
            fields={},
            button="Withdraw access",
            cancel="/record/career/coaches",
        )
    coaching.withdraw(session, platform, principal, found.id)
    return RedirectResponse("/record/career/coaches?done=withdrawn", status_code=303)


# --- the coach's pages -----------------------------------------------------------------------


@router.get("/coach", response_class=HTMLResponse)
def coach_home(request: Request, session: SessionDep, principal: Visitor) -> Response:
    organizations = coaching.require_coach(session, principal)
    return page(
        request,
        "career_coach.html",
        principal=principal,
        organizations=organizations,
        people=coaching.coachees(session, principal),
    )


@router.get("/coach/people/{person_id}", response_class=HTMLResponse)
def coach_navigator(
    person_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    q: str = "",
    occupation: str = "",
) -> Response:
    asked, error = _attempt(
        lambda: (
            coaching.navigator(session, platform, principal, person_id, occupation)
            if occupation
            else None
        )
    )
    seen, found = asked or (None, None)
    if seen is None:  # the person's profile alone (refused, again, without a grant)
        seen = coaching.view(session, platform, principal, person_id)
    return _navigator_page(
        request,
        principal,
        base=f"/coach/people/{quote(person_id)}",
        q=q,
        results=_searched(session, q),
        found=found,
        holding=seen.holding,
        error=error,
        subject=seen.grant.person.name,
    )


@router.get("/coach/people/{person_id}/military", response_class=HTMLResponse)
def coach_military(
    person_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    service: str = "",
    code: str = "",
) -> Response:
    asked, error = _attempt(
        lambda: (
            coaching.translation(session, platform, principal, person_id, service, code)
            if service or code
            else None
        )
    )
    seen, translated = asked or (None, None)
    if seen is None:  # the person's profile alone (refused, again, without a grant)
        seen = coaching.view(session, platform, principal, person_id)
    return _military_page(
        request,
        principal,
        session,
        base=f"/coach/people/{quote(person_id)}",
        service=service,
        code=code,
        found=translated,
        error=error,
        subject=seen.grant.person.name,
    )
