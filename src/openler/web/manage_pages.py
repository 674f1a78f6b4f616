"""The people of an organization, for those who may grant its roles: who has which role,
grant one to an existing account, remove one. Decisions are ``services.members``'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.people import members
from openler.services.people.accounts import Principal
from openler.store.models import Organization
from openler.web.deps import CommitRoute, OrgDep, PlatformDep, SessionDep, Visitor
from openler.web.render import confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)


def _members_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    organization: Organization,
    *,
    status: int = 200,
    error: str | None = None,
    done: str = "",
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "members.html",
        status,
        principal=principal,
        organization=organization,
        members=members.members_of(session, principal, organization),
        roles=members.grantable(principal, organization),
        error=error,
        done=done,
        values=values or {},
    )


@router.get("/manage/{slug}", response_class=HTMLResponse)
def members_page(
    request: Request, session: SessionDep, principal: Visitor, organization: OrgDep, done: str = ""
) -> Response:
    notice = {"granted": "The role was granted.", "removed": "The role was removed."}
    return _members_page(request, session, principal, organization, done=notice.get(done, ""))


@router.post("/manage/{slug}/grant")
def grant(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    try:
        members.grant_role(session, platform, principal, organization, email=email, role=role)
    except (UsageError, NotFound, Conflict) as exc:
        return _members_page(
            request,
            session,
            principal,
            organization,
            status=exc.http_status,
            error=exc.message,
            values={"email": email, "role": role},
        )
    return RedirectResponse(f"/manage/{organization.slug}?done=granted", status_code=303)


@router.post("/manage/{slug}/remove")
def remove(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    person: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        member = next(
            (
                m
                for m in members.members_of(session, principal, organization)
                if m.person.id == person
            ),
            None,
        )
        if member is None or role not in member.roles:
            raise NotFound(f"no such role in {organization.name}")
        words = role.replace("_", " ")
        return confirmation(
            request,
            title=f"Remove the {words} role from {member.person.name}?",
            question=f"{member.person.name} ({member.person.email}) is {words} of "
            f"{organization.name}.",
            consequences=[
                "It stops working at their next page or API call.",
                "You can grant it again later.",
            ],
            action=f"/manage/{organization.slug}/remove",
            fields={"person": person, "role": role},
            button="Remove the role",
            cancel=f"/manage/{organization.slug}",
        )
    try:
        members.remove_role(session, platform, principal, organization, person_id=person, role=role)
    except (NotFound, Conflict) as exc:
        return _members_page(
            request, session, principal, organization, status=exc.http_status, error=exc.message
        )
    return RedirectResponse(f"/manage/{organization.slug}?done=removed", status_code=303)
