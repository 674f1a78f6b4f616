"""Request-scoped dependencies: the platform, a database session, who is asking (with the
CSRF check of every change a session cookie signs in), and the organization a path names."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from openler.services.context import Platform
from openler.services.errors import Unauthenticated
from openler.services.issuers import orgs
from openler.services.people import accounts, tokens
from openler.services.people.accounts import Principal
from openler.store.models import Organization
from openler.vc import MAX_JSON_DEPTH, InputError, parse_json
from openler.web.csrf import require_same_site, submitted_token

SESSION_COOKIE = "openler_session"


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_session(request: Request, platform: PlatformDep) -> Iterator[Session]:
    """One transaction per request. ``CommitRoute`` commits it before the response is sent
    (FastAPI runs the code after ``yield`` only once the response has gone out, which would
    let a quick follow-up request miss what this one wrote); an error rolls it back."""
    session = platform.db.sessions()
    session.begin()
    request.state.db_session = session
    try:
        yield session
        if session.in_transaction():
            session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


class InvalidJsonBody(HTTPException):
    """A JSON request body that openler does not accept (see :class:`IJsonRequest`)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=400, detail=message)
        self.message = message


class IJsonRequest(Request):
    """A request whose JSON body is read as I-JSON (``openler.vc.parse_json``): a duplicate
    member name, an unpaired surrogate, NaN, an out-of-range number or nesting deeper than
    a credential may (plus the request's own envelope) is refused with a 400 before
    validation, instead of being read last-name-wins by Python's ``json``."""

    async def json(self) -> Any:
        if not hasattr(self, "_ijson"):
            try:
                self._ijson = parse_json(await self.body(), max_depth=MAX_JSON_DEPTH + 1)
            except InputError as exc:
                raise InvalidJsonBody(f"the request body is refused: {exc.message}") from None
        return self._ijson


class CommitRoute(APIRoute):
    """Commits the request's transaction when the endpoint succeeded, before responding;
    reads JSON bodies as I-JSON (:class:`IJsonRequest`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = super().get_route_handler()

        async def handler(request: Request) -> Response:
            request = IJsonRequest(request.scope, request.receive)
            response = await endpoint(request)
            session: Session | None = getattr(request.state, "db_session", None)
            if session is not None and session.in_transaction():
                await run_in_threadpool(session.commit)
            return response

        return handler


SessionDep = Annotated[Session, Depends(get_session)]


def optional_principal(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    csrf_token: Annotated[str, Depends(submitted_token)],
) -> Principal | None:
    """From a bearer API token or the session cookie; None when neither is valid. A change
    the cookie signs in must come from this site (``csrf.require_same_site``): every route
    that takes a principal is protected without asking."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = tokens.resolve(session, platform, header[7:].strip())
        if principal is None:
            raise Unauthenticated(
                "the API token is not valid (unknown, expired, revoked, or its role was removed)"
            )
        return principal
    info = accounts.resolve_session(session, platform, request.cookies.get(SESSION_COOKIE))
    if info is None:
        return None
    request.state.csrf_token = info.csrf_token
    request.state.principal = info.principal  # for error pages
    require_same_site(request, expected=info.csrf_token, submitted=csrf_token)
    return info.principal


def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthenticated("sign in, or send an API token as 'Authorization: Bearer …'")
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


class SignInRequired(Exception):  # noqa: N818 - the condition it names
    """A page needs a signed-in person; the app answers with a redirect to /login."""


def page_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise SignInRequired
    return principal


#: for pages: the signed-in person, or a redirect to the sign-in page
Visitor = Annotated[Principal, Depends(page_principal)]


def organization_in_path(slug: str, session: SessionDep) -> Organization:
    """The organization named by the path's ``{slug}`` (404 when there is none)."""
    return orgs.organization_by_slug(session, slug)


#: the organization a route's ``{slug}`` names
OrgDep = Annotated[Organization, Depends(organization_in_path)]
