"""Rendering server-side pages: the templates, the CSRF check every form passes, and error
pages for people (API clients get JSON from the same handler)."""

from __future__ import annotations

import hmac
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from openler.services.errors import Forbidden

templates = Jinja2Templates(directory=str(resources.files("openler.web").joinpath("templates")))

#: paths answered in JSON whatever the client accepts
_API_PREFIXES = ("/api/", "/credentials/", "/presentations/", "/trust", "/status/", "/orgs/")


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("principal", None)
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    return templates.TemplateResponse(request, name, context, status_code=status)


def check_csrf(request: Request, submitted: str) -> None:
    expected = getattr(request.state, "csrf_token", None)
    if not expected or not hmac.compare_digest(expected, submitted):
        raise Forbidden(
            "the form expired or did not come from this site; reload the page and try again"
        )


def wants_html(request: Request) -> bool:
    """A person's browser asking for a page (not an API client)."""
    if request.url.path.startswith(_API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    titles = {
        401: "Please sign in",
        403: "Not allowed",
        404: "Not found",
        409: "Not possible",
        413: "Too large",
    }
    return page(
        request,
        "error.html",
        status,
        principal=getattr(request.state, "principal", None),
        title=titles.get(status, "Something went wrong"),
        message=message,
        code=status,
    )
