"""Request-scoped dependencies: the platform, a database session, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from openler.services import accounts
from openler.services.accounts import Principal
from openler.services.context import Platform
from openler.services.errors import Unauthenticated

SESSION_COOKIE = "openler_session"


def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_session(platform: PlatformDep) -> Iterator[Session]:
    with platform.db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def optional_principal(
    request: Request, session: SessionDep, platform: PlatformDep
) -> Principal | None:
    """From a bearer API token or the session cookie; None when neither is valid."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = accounts.resolve_api_token(session, header[7:].strip())
        if principal is None:
            raise Unauthenticated("the API token is not valid (revoked, or its role was removed)")
        return principal
    info = accounts.resolve_session(session, platform, request.cookies.get(SESSION_COOKIE))
    if info is None:
        return None
    request.state.csrf_token = info.csrf_token
    return info.principal


def require_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthenticated("sign in, or send an API token as 'Authorization: Bearer …'")
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
