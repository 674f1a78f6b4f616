"""A person's own data as JSON: everything openler holds about them, and who saw their
shares. The person themselves only (an organization's API token is refused)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from openler.services.errors import UsageError
from openler.services.holders import my_data
from openler.web.deps import CommitRoute, CurrentPrincipal, PlatformDep, SessionDep
from openler.web.sharing_pages import share_log_file

router = APIRouter(route_class=CommitRoute)


@router.get("/api/me/data", tags=["wallet"])
def my_everything(
    session: SessionDep, platform: PlatformDep, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Everything openler holds about you: profile (no password hash, no keys), credentials
    issued to you and from elsewhere, what you wrote yourself, your shares with who opened
    them, consents, requests you answered, and the audit events about you."""
    return my_data.everything(session, platform, principal)


@router.get("/api/me/share-log", tags=["wallet"])
def my_share_log(
    session: SessionDep,
    platform: PlatformDep,
    principal: CurrentPrincipal,
    kind: Annotated[str, Query(alias="format", max_length=10)] = "json",
) -> Response:
    """Who opened your shares and when (``?format=csv`` for a spreadsheet)."""
    if kind not in ("csv", "json"):
        raise UsageError("the share log comes as csv or json")
    return share_log_file(my_data.share_log(session, platform, principal), kind)
