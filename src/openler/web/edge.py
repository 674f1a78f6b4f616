"""The network edge: what every request and response passes through before any route.

- :class:`BodyLimit` counts the bytes of a request body as they arrive and refuses with
  413 as soon as the limit is passed, whatever ``Content-Length`` says (or does not say:
  a chunked body has none).
- :class:`SecurityHeaders` adds the security headers (:func:`protect`): a content security
  policy on pages, ``Cache-Control: no-store`` on everything that does not declare itself
  public, and ``Strict-Transport-Security`` when the site is served over HTTPS.
- :class:`NoNul` refuses a path or query holding a NUL character with 400.
- :class:`RedactCapabilities` keeps capability URLs (share links, request challenges,
  sign-in codes) out of the access log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openler.services.context import Platform
from openler.services.people import accounts, tokens
from openler.web.deps import SESSION_COOKIE

#: what a 413 looks like to the client that sent too much (an HTML page or JSON)
Refusal = Callable[[Request], Response]


class NoNul:
    """Refuse with 400 a request whose path or query holds a NUL character (``%00``): no
    name, code or search here contains one, and PostgreSQL refuses to store or compare
    text that does, so it would otherwise surface as a server error deep in a page."""

    def __init__(self, app: ASGIApp, *, refuse: Refusal) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            await self.refuse(Request(scope, receive))(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"")
    return (
        "\x00" in scope.get("path", "")
        or b"\x00" in query
        or any("\x00" in k or "\x00" in v for k, v in parse_qsl(query.decode("latin-1")))
    )


class _TooLarge(Exception):  # noqa: N818 - a signal between receive and the middleware
    """The body passed the limit; raised from ``receive`` into whoever was reading."""


class BodyLimit:
    """Refuse request bodies larger than ``max_bytes``, counting what actually arrives.

    A declared ``Content-Length`` over the limit is refused before the app runs. Otherwise
    each body chunk is counted as the app reads it; the chunk that passes the limit raises
    inside the app's read, and whatever the app then answers is replaced by ``refuse``'s
    413 (with ``Connection: close``, so the server stops reading the rest).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        refuse: Refusal,
        uploads: tuple[re.Pattern[str], int] | None = None,
        signed_in: Callable[[Scope], bool] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse = refuse
        #: POSTs to paths matching the pattern may send up to the larger limit (the
        #: roster uploads) when ``signed_in`` says the request is someone's (a session or
        #: an API token that is valid, not only present); the limit that applied is in
        #: ``scope["openler.body_limit"]``
        self.uploads = uploads
        self.signed_in = signed_in

    async def _limit(self, scope: Scope) -> int:
        if (
            self.uploads is not None
            and self.signed_in is not None
            and scope.get("method") == "POST"
            and self.uploads[0].fullmatch(scope.get("path", ""))
            and _signed(scope)  # something to look up at all
            and await anyio.to_thread.run_sync(self.signed_in, scope)
        ):
            return max(self.uploads[1], self.max_bytes)
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = await self._limit(scope)
        scope["openler.body_limit"] = limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _TooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a failed read (often a 400) gives way to the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.refuse(Request(scope, receive))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _signed(scope: Scope) -> bool:
    """Whether the request carries something that may be a session cookie or a bearer
    token (whether it is valid is :class:`BodyLimit`'s ``signed_in``'s to say)."""
    for name, value in scope.get("headers", []):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return True
        if name == b"cookie" and b"openler_session=" in value:
            return True
    return False


def signed_in_by(platform: Platform) -> Callable[[Scope], bool]:
    """Whether a request is signed in: its bearer token or its session cookie is valid now
    (as the routes will find it). Only then may it send an upload's larger body — a
    stranger's request, whatever cookie it makes up, is held to the usual limit before
    anything reads it; the route still checks the role."""

    def signed_in(scope: Scope) -> bool:
        request = Request(scope)
        header = request.headers.get("authorization", "")
        with platform.db.session() as session:
            if header.lower().startswith("bearer "):
                return tokens.resolve(session, platform, header[7:].strip()) is not None
            token = request.cookies.get(SESSION_COOKIE)
            return accounts.resolve_session(session, platform, token) is not None

    return signed_in


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


#: paths whose responses are the same for everyone and may be cached (they set their own
#: Cache-Control); everything else gets ``no-store``
_PUBLIC_PREFIXES = ("/static/",)

_CSP = (
    "default-src 'self'; script-src 'self'{inline}; style-src 'self'{inline}; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def csp_with_form_target(target: str) -> str:
    """The pages' policy, letting a form's answer go on to ``target`` too (an origin such as
    ``https://wallet.example`` or an app's scheme such as ``wallet:``): the OpenID4VCI
    consent page, whose "yes" is answered by a redirect to the wallet app."""
    return _CSP.format(inline="").replace("form-action 'self'", f"form-action 'self' {target}")


class SecurityHeaders:
    """Adds the security headers to every HTTP response (:func:`protect`) and counts it
    (``count(method, status)``), as the response starts.

    A plain ASGI middleware: it wraps ``send`` and nothing else, so a request costs no task,
    stream or copy of the response (Starlette's ``BaseHTTPMiddleware`` costs all three).
    """

    def __init__(
        self, app: ASGIApp, *, hsts_seconds: int | None, count: Callable[[str, int], None]
    ) -> None:
        self.app = app
        self.hsts_seconds = hsts_seconds
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def protected_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                protect(scope, MutableHeaders(scope=message), hsts_seconds=self.hsts_seconds)
                self.count(scope["method"], message["status"])
            await send(message)

        await self.app(scope, receive, protected_send)


def protect(scope: Scope, headers: MutableHeaders, *, hsts_seconds: int | None) -> None:
    """Add the security headers to the ``headers`` of the response to the request of
    ``scope`` (headers a route set itself are kept).

    ``Cache-Control: no-store`` goes on every response that did not declare its own
    caching: pages and API answers depend on who is signed in or carry a capability (a
    share), and must not be kept by the browser or a shared cache. Public documents (DID
    documents, status lists, the registry snapshot) declare ``public, max-age=…``
    themselves.

    ``Strict-Transport-Security`` goes only on responses to requests that came over HTTPS
    (RFC 6797 §7.2 forbids it over plain HTTP): the request's scheme is https when TLS ends at
    openler, or when a trusted proxy says so in ``X-Forwarded-Proto`` (uvicorn's proxy
    headers, ``OPENLER_TRUSTED_PROXIES``). ``hsts_seconds`` is None when the deployment is
    not an HTTPS one (its public URL is http://) or HSTS is turned off.
    """
    path = scope["path"]
    if headers.get("content-type", "").startswith("text/html"):
        # pages load nothing but this site's own files; /docs (Swagger UI) starts itself
        # with an inline script
        inline = " 'unsafe-inline'" if path == "/docs" else ""
        headers.setdefault("Content-Security-Policy", _CSP.format(inline=inline))
    if "cache-control" not in headers and not path.startswith(_PUBLIC_PREFIXES):
        headers["Cache-Control"] = "no-store"
    if hsts_seconds is not None and scope.get("scheme", "http") == "https":
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")


# --- logs -------------------------------------------------------------------------------

REDACTED = "[redacted]"

#: path segments that are capabilities: whoever knows them may act
#: (anywhere in the path, so that a root path in front changes nothing; a request id
#: after ``/verifier/…/requests/`` is redacted too, which costs nothing)
_CAPABILITY_PATHS = (
    re.compile(r"(/s/)[^/?]+"),  # a share link
    re.compile(r"(/requests/)[^/?]+"),  # a request's answer page and /api/requests/…/answer
    re.compile(r"(/claim/)[^/?]+"),  # a claim link
    re.compile(r"(/signup/)[^/?]+"),  # a link that creates an account
    re.compile(r"(/exchanges/)[^/?]+"),  # a VC API exchange (issuance or presentation)
    re.compile(r"(/oid4vci/offers/)[^/?]+"),  # an OpenID4VCI offer by reference
    re.compile(r"(/checkin/)[^/?]+"),  # an incident's check-in link
)
#: query parameters that carry secrets (OpenID Connect's code and state, tokens)
_SECRET_PARAMETERS = frozenset(
    {
        "code",
        "state",
        "token",
        "challenge",
        "access_token",
        "id_token",
        "session_state",
        "credential_offer",  # an OpenID4VCI offer by value carries its pre-authorized code
        "credential_offer_uri",
        "uri",  # the wallet's /oid4vp/answer?uri=openid4vp://…&request_uri=… (a capability)
        "request_uri",  # an OpenID4VP request by reference: whoever has it reads the request
        "issuer_state",  # names a credential offered by the authorization code flow
        "pre-authorized_code",
        "tx_code",
        "vp_token",
        "c",  # a confirmation page in the address (/confirm?c=…) repeats what a form sent
    }
)


def redact(path: str) -> str:
    """``path`` (with its query) as it may be written to a log.

    >>> redact("/s/q3Jx9v?ref=mail")
    '/s/[redacted]?ref=mail'
    >>> redact("/login/oidc/callback?code=abc&state=xyz")
    '/login/oidc/callback?code=%5Bredacted%5D&state=%5Bredacted%5D'
    >>> redact("/api/requests/9f2c/answer")
    '/api/requests/[redacted]/answer'
    >>> redact("/exchanges/k3y?iuv=1")
    '/exchanges/[redacted]?iuv=1'
    """
    base, sep, query = path.partition("?")
    for pattern in _CAPABILITY_PATHS:
        base = pattern.sub(rf"\g<1>{REDACTED}", base)
    if not query:
        return base + sep
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name.lower() in _SECRET_PARAMETERS for name, _ in pairs):
        return f"{base}?{query}"
    kept = [(n, REDACTED if n.lower() in _SECRET_PARAMETERS else v) for n, v in pairs]
    return f"{base}?{urlencode(kept)}"


class RedactCapabilities(logging.Filter):
    """A filter for uvicorn's access log: rewrites the request path of each record.

    uvicorn logs ``'%s - "%s %s HTTP/%s" %d'`` with the arguments (client, method, path,
    HTTP version, status); the path is the third.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


ACCESS_LOGGER = "uvicorn.access"


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Attach :class:`RedactCapabilities` to the access logger (once)."""
    target = logger or logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactCapabilities) for f in target.filters):
        target.addFilter(RedactCapabilities())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the redaction filter on the access log, for
    ``uvicorn.run(log_config=…)`` (which would otherwise configure the loggers afresh)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {
        **LOGGING_CONFIG,
        "filters": {"capabilities": {"()": RedactCapabilities}},
        "handlers": {name: dict(h) for name, h in LOGGING_CONFIG["handlers"].items()},
    }
    config["handlers"]["access"]["filters"] = ["capabilities"]
    return config
