"""Choosing the language of the pages: kept for a signed-in person (``Person.locale``) and,
for anyone, in a cookie; back to the page the choice was made on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from openler.services.people import accounts
from openler.web import i18n
from openler.web.deps import CommitRoute, MaybePrincipal, PlatformDep, SessionDep
from openler.web.render import same_site_path

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
_YEAR = 365 * 24 * 3600


@router.post("/language")
def choose_language(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
    language: Annotated[str, Form(max_length=20)] = "",
    back: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    """Read the pages in ``language`` from now on (an unknown one is English)."""
    chosen = language if language in i18n.catalogues() else i18n.DEFAULT_LANGUAGE
    if principal is not None and not principal.is_system and principal.token_scope is None:
        accounts.set_locale(session, platform, principal, chosen)
    response = RedirectResponse(same_site_path(back) or "/", status_code=303)
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        chosen,
        max_age=_YEAR,
        httponly=True,
        samesite="lax",
        secure=platform.settings.secure_cookies,
    )
    return response
