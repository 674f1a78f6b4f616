"""The people of an organization, for those who may grant its roles: who has which role,
grant one to an existing account, remove one; and its API tokens: create one (shown once),
list them, revoke one. Decisions are ``services.people``'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services.errors import Conflict, NotFound, UsageError
from openler.services.people import members, tokens
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


def _tokens_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Principal,
    organization: Organization,
    *,
    status: int = 200,
    error: str | None = None,
    done: str = "",
    created: tokens.NewToken | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    response = page(
        request,
        "tokens.html",
        status,
        principal=principal,
        organization=organization,
        tokens=tokens.tokens_of(session, platform, principal, organization),
        roles=tokens.creatable_roles(principal, organization),
        error=error,
        done=done,
        created=created,
        values=values or {"email": principal.email, "expires": "90"},
    )
    response.headers["Cache-Control"] = "no-store"  # a new token is on this page once
    return response


@router.get("/manage/{slug}/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    done: str = "",
) -> Response:
    notice = {"revoked": "The token was revoked; it stopped working at once."}
    return _tokens_page(
        request, session, platform, principal, organization, done=notice.get(done, "")
    )


@router.post("/manage/{slug}/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    expires: Annotated[str, Form()] = "",
) -> Response:
    values = {"email": email, "role": role, "name": name, "expires": expires}
    try:
        if expires.strip() and not expires.strip().isdigit():
            raise UsageError("the expiry is a whole number of days (or empty: never)")
        created = tokens.create(
            session,
            platform,
            principal,
            organization,
            email=email,
            role=role,
            name=name,
            expires_days=int(expires) if expires.strip() else None,
        )
    except (UsageError, NotFound, Conflict) as exc:
        return _tokens_page(
            request,
            session,
            platform,
            principal,
            organization,
            status=exc.http_status,
            error=exc.message,
            values=values,
        )
    return _tokens_page(
        request, session, platform, principal, organization, status=201, created=created
    )


@router.post("/manage/{slug}/tokens/{token_id}/revoke")
def revoke_token(
    token_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    try:
        if confirm != "yes":
            raise UsageError("revoking a token is final: tick the box to confirm it")
        tokens.revoke(session, platform, principal, token_id, organization=organization)
    except (UsageError, NotFound, Conflict) as exc:
        return _tokens_page(
            request,
            session,
            platform,
            principal,
            organization,
            status=exc.http_status,
            error=exc.message,
        )
    return RedirectResponse(f"/manage/{organization.slug}/tokens?done=revoked", status_code=303)
