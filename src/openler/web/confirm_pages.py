"""``/confirm``: a confirmation page asked for by a form, shown again by a GET (see
``render.confirmation``), so that Back and Reload never send the form twice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from openler.web.deps import CommitRoute, Visitor
from openler.web.render import CONFIRM_PATH, confirmation_page, error_page, opened_confirmation

router = APIRouter(include_in_schema=False, route_class=CommitRoute)

EXPIRED = (
    "this confirmation is no longer open (it belongs to another sign-in, or you signed in "
    "again since): go back to the page you came from and ask again"
)


@router.get(CONFIRM_PATH, response_class=HTMLResponse)
def confirm(
    request: Request, principal: Visitor, c: Annotated[str, Query(max_length=8000)] = ""
) -> Response:
    shown = opened_confirmation(request, c)
    if shown is None:
        return error_page(request, 400, EXPIRED)
    return confirmation_page(request, shown)
