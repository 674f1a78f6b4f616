"""Rendering server-side pages: the templates, the CSRF check every form passes, and error
pages for people (API clients get JSON from the same handler)."""

from __future__ import annotations

import hmac
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from openler.services.errors import Forbidden

templates = Jinja2Templates(directory=str(resources.files("openler.web").joinpath("templates")))

#: paths answered in JSON whatever the client accepts
_API_PREFIXES = ("/api/", "/credentials/", "/presentations/", "/trust", "/status/", "/orgs/")


#: the page to come back to after signing in (a same-site path; only /login reads it)
RETURN_COOKIE = "openler_return"
_NOT_RETURNED_TO = ("/login", "/logout")


def return_path(value: str | None) -> str | None:
    """``value`` when it is a path on this site worth coming back to after signing in, else
    None: one leading ``/`` (``//host`` and ``/\\host`` name other sites to a browser), no
    scheme or host, printable ASCII without spaces or backslashes (control characters can
    split headers), at most 2,000 characters, and not the sign-in pages themselves.

    >>> return_path("/requests/abc?x=1")
    '/requests/abc?x=1'
    >>> [return_path(v) for v in ("//evil.example", "/\\evil.example", "https://evil.example/")]
    [None, None, None]
    """
    if not value or len(value) > 2000 or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or any(not "!" <= c <= "~" or c == "\\" for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    if any(parts.path == p or parts.path.startswith(p + "/") for p in _NOT_RETURNED_TO):
        return None
    return value


def requested_path(request: Request) -> str | None:
    """The path and query of a page request, as a :func:`return_path` (None for a form
    post, which cannot be repeated by a redirect)."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = quote(request.url.path, safe="/:@!$&'()*+,;=-._~")
    query = request.url.query
    return return_path(f"{path}?{query}" if query else path)


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
    titles = {401: "Please sign in", 403: "Not allowed", 404: "Not found", 409: "Not possible"}
    return page(
        request,
        "error.html",
        status,
        principal=getattr(request.state, "principal", None),
        title=titles.get(status, "Something went wrong"),
        message=message,
        code=status,
    )
