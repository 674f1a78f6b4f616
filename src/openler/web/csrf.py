"""Cross-site request forgery: a change made with a session cookie must come from this site.

A browser sends the session cookie with any request to openler, whichever page made it.
So every request that may change something (not GET, HEAD or OPTIONS) and is signed in by
the cookie passes :func:`require_same_site`, from the one place that resolves the cookie
(``deps.optional_principal``): no route can forget it. Requests signed in with a bearer
token are not checked (a browser never adds that header by itself).

Such a request is accepted when it carries the session's CSRF token (the ``csrf_token``
field every form has, or an ``X-CSRF-Token`` header). Without the token it is refused when

- the browser says it came from elsewhere (``Sec-Fetch-Site`` other than ``same-origin`` or
  ``none``, or an ``Origin`` whose host is not the one asked), or
- its body is of a kind any page may send without asking (a form, ``text/plain``, or a body
  with no type at all, which FastAPI would read as JSON).

What is left is JSON, or no body, from a program that is not a browser or a script on this
site: a page elsewhere can send JSON only after a CORS preflight, which openler never grants.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from fastapi import Request
from starlette.exceptions import HTTPException

from openler.services.errors import Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"
#: the body types a page on another site may send without a CORS preflight
_SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
_FORM_TYPES = _SIMPLE_TYPES[:2]
REFUSED = "the form expired or did not come from this site; reload the page and try again"


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def submitted_token(request: Request) -> AsyncIterator[str]:
    """The CSRF token a request that may change something carries ("" when none): the
    ``X-CSRF-Token`` header, else the ``csrf_token`` field of a form body (parsed once:
    FastAPI reuses it; its uploaded files are closed when the request is done)."""
    header = request.headers.get(HEADER)
    if request.method in SAFE_METHODS:
        yield ""
    elif header:
        yield header
    elif _content_type(request) not in _FORM_TYPES:
        yield ""
    else:
        try:
            try:
                value = (await request.form()).get(FIELD)
            except HTTPException:  # a malformed body; the route's own parsing says so
                value = ""
            yield value if isinstance(value, str) else ""
        finally:
            await request.close()


def _from_elsewhere(request: Request) -> bool:
    """What the browser says about where the request was made (nothing, outside browsers)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


def _simple_body(request: Request) -> bool:
    kind = _content_type(request)
    if kind:
        return kind in _SIMPLE_TYPES
    has_body = request.headers.get("content-length", "0") != "0"
    return has_body or "transfer-encoding" in request.headers


def require_same_site(request: Request, *, expected: str, submitted: str) -> None:
    """Refuse (403) a cookie-authenticated change that another site could have made.

    >>> from starlette.requests import Request as R
    >>> form = R({"type": "http", "method": "POST", "path": "/", "headers": [
    ...     (b"content-type", b"application/x-www-form-urlencoded")]})
    >>> require_same_site(form, expected="abc", submitted="abc")
    >>> require_same_site(form, expected="abc", submitted="")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    openler.services.errors.Forbidden: the form expired ...
    """
    if request.method in SAFE_METHODS:
        return
    if submitted and hmac.compare_digest(expected.encode(), submitted.encode()):
        return
    if _from_elsewhere(request) or _simple_body(request):
        raise Forbidden(REFUSED)
