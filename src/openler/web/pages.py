"""Server-rendered pages: sign-in and a home page per role. Thin: a service call, a template."""

from __future__ import annotations

import hmac
import secrets
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, ServiceError, Unauthenticated
from openler.services.holders import reading, sharing
from openler.services.issuers import endorsements, issuing, lifecycle, orgs
from openler.services.office import registry
from openler.services.people import accounts, oidc, workspaces
from openler.services.people.accounts import LoginResult, Principal
from openler.services.people.oidc import OidcProvider
from openler.services.verifiers import answers
from openler.services.verifiers.credential_state import CredentialState
from openler.store.models import IssuedCredential
from openler.web.deps import (
    SESSION_COOKIE,
    CommitRoute,
    MaybePrincipal,
    PlatformDep,
    SessionDep,
    Visitor,
)
from openler.web.record_pages import entry_address
from openler.web.render import RETURN_COOKIE, page, return_path

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
LOGIN_CSRF_COOKIE = "openler_login_csrf"
OIDC_COOKIE = "openler_oidc"


def mount_static(app: FastAPI) -> None:
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("openler.web").joinpath("static"))),
        name="static",
    )


@router.get("/", response_class=HTMLResponse)
def index(request: Request, principal: MaybePrincipal) -> Response:
    if principal is not None:
        return RedirectResponse("/home", status_code=303)
    return page(request, "index.html")


def _loginpage(
    request: Request, error: str | None = None, status: int = 200, email: str = ""
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    provider: OidcProvider | None = request.app.state.oidc
    response = page(
        request,
        "login.html",
        status,
        error=error,
        email=email,
        login_csrf=token,
        oidc_name=provider.name if provider else None,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _loginpage(request)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        raise Forbidden("the sign-in form expired; reload the page and try again")
    try:
        result = accounts.login(
            session,
            platform,
            email=email,
            password=password,
            client=request.client.host if request.client else None,
        )
    except Unauthenticated as exc:
        session.commit()  # keep the failed attempt (throttling, audit) although we answer 401
        return _loginpage(request, exc.message, 401, email=email)
    redirect = signed_in(request, platform, result)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE)
    return redirect


def signed_in(
    request: Request, platform: Platform, result: LoginResult, *, to: str | None = None
) -> Response:
    """Into the new session: to ``to`` (a path of this site) when given, else back to the
    page that asked for it (re-checked: the cookie could have been planted) or home."""
    back = to or return_path(request.cookies.get(RETURN_COOKIE)) or "/home"
    redirect = RedirectResponse(back, status_code=303)
    redirect.delete_cookie(RETURN_COOKIE, path="/login")
    redirect.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        secure=platform.settings.secure_cookies,
        max_age=platform.settings.session_hours * 3600,
    )
    request.app.state.metrics.events["login"] += 1
    return redirect


def _oidc(request: Request) -> OidcProvider:
    provider: OidcProvider | None = request.app.state.oidc
    if provider is None:
        raise NotFound("sign-in through an identity provider is not configured here")
    return provider


def _oidc_redirect_uri(platform: Platform) -> str:
    return platform.settings.public_url.rstrip("/") + "/login/oidc/callback"


@router.get("/login/oidc")
def oidc_begin(request: Request, platform: PlatformDep) -> Response:
    """Send the browser to the identity provider (authorization code flow with PKCE)."""
    provider = _oidc(request)
    try:
        url, pending = provider.begin(_oidc_redirect_uri(platform))
    except ServiceError as exc:
        return _loginpage(request, exc.message, 502)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_COOKIE,
        pending.cookie(),
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a top-level GET
        secure=platform.settings.secure_cookies,
        max_age=oidc.PENDING_SECONDS,
        path="/login/oidc",
    )
    return response


@router.get("/login/oidc/callback")
def oidc_callback(request: Request, session: SessionDep, platform: PlatformDep) -> Response:
    provider = _oidc(request)
    try:
        result = provider.finish(
            session,
            platform,
            query=dict(request.query_params),
            pending=oidc.PendingLogin.from_cookie(request.cookies.get(OIDC_COOKIE)),
            redirect_uri=_oidc_redirect_uri(platform),
        )
    except ServiceError as exc:
        session.rollback()
        audit.record(
            session,
            at=platform.now(),
            actor="anonymous",
            action="login.failed",
            subject=f"oidc:{provider.issuer}",
            data={"reason": exc.message},
        )
        response: Response = _loginpage(request, exc.message, exc.http_status)
    else:
        response = signed_in(request, platform, result)
    response.delete_cookie(OIDC_COOKIE, path="/login/oidc")
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
) -> Response:
    if principal is not None:  # the form's CSRF token was checked with the cookie
        accounts.logout(session, platform, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _credential_card(
    row: IssuedCredential, state: CredentialState, recipient: str | None = None
) -> dict[str, Any]:
    doc = row.document
    achievement = doc.get("credentialSubject", {}).get("achievement", {})
    issuer = doc.get("issuer")
    return {
        "id": row.id,
        "name": achievement.get("name") or doc.get("name", "Credential"),
        "kind": achievement.get("achievementType", "Credential"),
        "issuer": issuer.get("name", issuer.get("id")) if isinstance(issuer, dict) else issuer,
        "state": state,
        "valid_until": row.valid_until.date().isoformat() if row.valid_until else None,
        "recipient": recipient or row.recipient,
    }


@router.get("/home", response_class=HTMLResponse)
def home(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    found = workspaces.of(session, platform, principal)
    issuer_orgs = [
        {
            "slug": summary.organization.slug,
            "name": summary.organization.name,
            "summary": summary,
            "standing": lifecycle.standing(session, platform, summary.organization),
            "recent": [
                {
                    **_credential_card(
                        row,
                        found.states[row.id],
                        issuing.recipient_label(row, issuing.recipient_of(session, row)),
                    ),
                    "endorsement": endorsements.title_of(session, platform, row),
                }
                for row in summary.recent
            ],
        }
        for summary in found.issuing
    ]
    return page(
        request,
        "home.html",
        principal=principal,
        learner=reading.overview_of(session, platform, principal),
        record_address=entry_address,
        issuer_orgs=issuer_orgs,
        verifying=found.verifying,
        registry=found.registry,
        registry_states=registry.STATE_WORDS,
        platform_orgs=found.platform,
        organization_kinds=orgs.KIND_WORDS,
        manageable=found.managing,
    )


#: the cookie that names this browser's last opening of a share link (``sharing.view_share``)
SEEN_COOKIE = "openler_share_seen"


@router.get("/s/{token}", response_class=HTMLResponse)
def view_share(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
) -> Response:
    """The page an employer opens from a share link: verified now, every view audited."""
    viewer = (
        principal.label if principal else f"link:{request.client.host if request.client else '?'}"
    )
    try:
        view = sharing.view_share(
            session,
            platform,
            token,
            viewer=viewer,
            principal=principal or Principal.system("share link"),
            jurisdiction=answers.jurisdiction_for(
                session, principal.organizations_with("verifier") if principal else None
            ),
            seen=request.cookies.get(SEEN_COOKIE),
        )
    except NotFound as exc:
        return page(request, "share.html", 404, principal=principal, problem=exc.message)
    except Conflict as exc:
        return page(request, "share.html", 410, principal=principal, problem=exc.message)
    request.app.state.metrics.events["share.view"] += 1
    response = page(
        request,
        "share.html",
        principal=principal,
        share=view.share,
        report=view.report,
        viewed_at=view.viewed_at,
        holder=view.holder,
        updates=view.updates,
        notes=view.notes,
        verdict=view.verdict,
    )
    # reading the page again in this browser (a reload, another language) is not another
    # opening; the cookie names the opening, and only for share pages
    response.set_cookie(
        SEEN_COOKIE,
        view.view_id or "",
        max_age=int(sharing.SEEN_FOR.total_seconds()),
        path="/s/",
        httponly=True,
        samesite="lax",
        secure=request.app.state.platform.settings.secure_cookies,
    )
    return response
