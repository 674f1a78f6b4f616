"""The FastAPI application: one error handler, request limits, metrics, health."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections import Counter
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from openler import __version__
from openler.services import jobs
from openler.services.context import Platform
from openler.services.errors import ServiceError
from openler.services.people.oidc import OidcProvider
from openler.settings import Settings
from openler.vc import VCError
from openler.web import (
    account_pages,
    achievement_pages,
    api,
    career_pages,
    claim_pages,
    confirm_pages,
    exchange_pages,
    export_pages,
    framework_pages,
    import_pages,
    incident_pages,
    issuer_pages,
    language_pages,
    lifecycle_pages,
    manage_pages,
    oid4vci_pages,
    oid4vp_pages,
    pages,
    posting_pages,
    record_pages,
    registry_pages,
    roster_pages,
    sharing_pages,
    skills_pages,
    stacking_pages,
    transcript_pages,
    verification_roster_pages,
    verifier_pages,
    verify_pages,
    wallet_pages,
)
from openler.web.deps import InvalidJsonBody, SignInRequired
from openler.web.edge import (
    BodyLimit,
    NoNul,
    SecurityHeaders,
    install_log_redaction,
    signed_in_by,
)
from openler.web.render import RETURN_COOKIE, error_page, requested_path, wants_html

log = logging.getLogger("openler.web")


class Metrics:
    """Counters exposed at /metrics in the Prometheus text format (per process)."""

    def __init__(self) -> None:
        self.started = time.time()
        self.requests: Counter[tuple[str, int]] = Counter()
        self.events: Counter[str] = Counter()

    def count(self, method: str, status: int) -> None:
        """Count one response (``SecurityHeaders`` calls it as each response starts)."""
        self.requests[(method, status)] += 1

    def render(self) -> str:
        lines = [
            "# HELP openler_http_requests_total HTTP requests by method and status.",
            "# TYPE openler_http_requests_total counter",
        ]
        for (method, status), count in sorted(self.requests.items()):
            lines.append(
                f'openler_http_requests_total{{method="{method}",status="{status}"}} {count}'
            )
        lines += [
            "# HELP openler_events_total Domain events (verifications, issuances, logins).",
            "# TYPE openler_events_total counter",
        ]
        for name, count in sorted(self.events.items()):
            lines.append(f'openler_events_total{{event="{name}"}} {count}')
        lines += [
            "# HELP openler_uptime_seconds Seconds since this process started.",
            "# TYPE openler_uptime_seconds gauge",
            f"openler_uptime_seconds {time.time() - self.started:.0f}",
        ]
        return "\n".join(lines) + "\n"


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


def problem(request: Request, status: int, code: str, message: str | ServiceError) -> Response:
    """Every error answered once: a page with a way on for a person's browser (a service's
    refusal in the page's language when it is worded), JSON with a code and the English
    message for an API client (whichever asked)."""
    if wants_html(request):
        return error_page(request, status, message)
    text = message.message if isinstance(message, ServiceError) else message
    return error_response(status, code, text)


def _size(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB" if limit >= 100_000 else f"{limit / 1000:g} kB"


def _field_problems(exc: RequestValidationError) -> list[str]:
    """Pydantic's errors as "field: what is wrong" (``body``/``query`` prefixes dropped)."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"] if p not in ("body", "query", "path"))
        what = (
            "is missing"
            if error["type"] == "missing"
            else error["msg"][:1].lower() + error["msg"][1:]
        )
        problems.append(f"{where}: {what}" if where else what)
    return problems


#: the roster uploads and the registry office's framework imports, which may be larger
#: than other requests (``max_upload_bytes``)
ROSTER_UPLOADS = re.compile(r"/(issuer|verifier)/[^/]+/rosters|/registry/frameworks/import")


def create_app(settings: Settings, *, platform: Platform | None = None) -> FastAPI:
    """The app for ``settings``; refuses to start on an un-migrated database."""
    platform = platform or Platform.from_settings(settings)
    platform.db.require_migrated()
    app = FastAPI(
        title="openler",
        version=__version__,
        description="Learning and Employment Records: issue, hold, share and verify credentials.",
        docs_url=None,  # served below from vendored assets, never from a CDN
        redoc_url=None,
    )
    app.state.platform = platform
    app.state.metrics = Metrics()
    app.state.jobs = jobs.queue_for(platform)
    app.state.oidc = OidcProvider.from_settings(settings)
    install_log_redaction()  # whichever server runs the app, its access log hides capabilities

    def too_large(request: Request) -> Response:
        limit = request.scope.get("openler.body_limit", settings.max_request_bytes)
        return problem(
            request,
            413,
            "too_large",
            f"what was sent is larger than this site accepts ({_size(limit)} "
            "at most); send a smaller file or split a batch into parts",
        )

    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_request_bytes,
        refuse=too_large,
        uploads=(ROSTER_UPLOADS, settings.upload_limit_bytes),
        signed_in=signed_in_by(platform),
    )
    app.add_middleware(
        NoNul,
        refuse=lambda request: problem(
            request,
            400,
            "bad_request",
            "the address holds a NUL character (%00), which no name, code or search here "
            "contains; check the link or what was typed",
        ),
    )
    hsts = settings.hsts_seconds if settings.secure_cookies and settings.hsts_seconds else None

    app.add_middleware(SecurityHeaders, hsts_seconds=hsts, count=app.state.metrics.count)

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _exc: SignInRequired) -> Response:
        response = RedirectResponse("/login", status_code=303)
        back = requested_path(request)
        if back is not None:
            # a cookie, not ?next=: a request link's challenge stays out of URLs and logs
            response.set_cookie(
                RETURN_COOKIE,
                back,
                httponly=True,
                samesite="lax",  # sent back by the identity provider's redirect too
                secure=settings.secure_cookies,
                max_age=1800,
                path="/login",
            )
        return response

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        return problem(request, exc.http_status, exc.code, exc)

    @app.exception_handler(InvalidJsonBody)
    async def invalid_json(_request: Request, exc: InvalidJsonBody) -> Response:
        return error_response(400, "invalid_json", exc.message)

    @app.exception_handler(VCError)
    async def vc_error(request: Request, exc: VCError) -> Response:
        return problem(request, 400, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = _field_problems(exc)
        if wants_html(request):
            return error_page(
                request, 422, "the form could not be used: " + "; ".join(problems or ["invalid"])
            )
        return error_response(422, "invalid_request", "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_html(request):
            message = (
                "there is no page at this address" if exc.status_code == 404 else str(exc.detail)
            )
            return error_page(request, exc.status_code, message)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        reference = uuid.uuid4().hex[:12]
        log.exception("unexpected error %s", reference)
        return problem(
            request,
            500,
            "internal",
            "something went wrong on our side. If it happens again, "
            f"give the operators this reference: {reference}",
        )

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="openler API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        platform.db.ping()
        return {"status": "ok", "database": "ok", "version": __version__}

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    def metrics() -> str:
        return str(app.state.metrics.render())

    for router in api.routers:
        app.include_router(router)
    # before any /record/{ref} page: /record/skills is not an entry's address
    app.include_router(skills_pages.router)
    app.include_router(career_pages.router)  # before /record/{ref} too: /record/career
    app.include_router(pages.router)
    # before any /record/{ref} route, which would take /record/import for a ref
    app.include_router(import_pages.router)
    app.include_router(sharing_pages.router)
    app.include_router(wallet_pages.router)
    app.include_router(issuer_pages.router)
    app.include_router(stacking_pages.router)
    app.include_router(transcript_pages.router)
    app.include_router(achievement_pages.router)
    app.include_router(lifecycle_pages.router)
    app.include_router(roster_pages.router)
    app.include_router(manage_pages.router)
    app.include_router(registry_pages.router)
    app.include_router(framework_pages.router)
    app.include_router(verifier_pages.router)
    app.include_router(claim_pages.router)
    app.include_router(confirm_pages.router)
    app.include_router(exchange_pages.router)
    app.include_router(oid4vci_pages.router)
    app.include_router(oid4vp_pages.router)
    app.include_router(language_pages.router)
    app.include_router(export_pages.router)
    app.include_router(account_pages.router)
    app.include_router(verify_pages.router)
    app.include_router(record_pages.router)
    app.include_router(incident_pages.router)
    app.include_router(verification_roster_pages.router)
    app.include_router(posting_pages.router)
    pages.mount_static(app)
    return app


def from_environment() -> FastAPI:
    """The app for the settings in the environment (``OPENLER_*``): the factory each
    process of ``openler serve --workers N`` calls."""
    return create_app(Settings())
