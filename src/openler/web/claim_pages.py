"""Pages for people without an account yet: the claim link (what is offered; create an
account, sign in or use the identity provider; claim it into the wallet), creating an
account through a link sent to the address, and the in-app mailbox that shows what the
outbox holds (the demo sends no mail). Decisions are the services'; these render.

Forms shown to someone not signed in carry a token that must match a cookie set with the
form (``SameSite=Strict``), as the sign-in form does; forms of a signed-in person carry
the session's CSRF token, which ``deps`` checks."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openler.services import outbox
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import claims, issuing
from openler.services.people import signup
from openler.services.people.oidc import OidcProvider
from openler.web.deps import (
    CommitRoute,
    MaybePrincipal,
    OrgDep,
    PlatformDep,
    SessionDep,
    Visitor,
)
from openler.web.pages import signed_in
from openler.web.render import RETURN_COOKIE, confirmation, page

router = APIRouter(include_in_schema=False, route_class=CommitRoute)
FORM_COOKIE = "openler_form_csrf"
_LINK = re.compile(r"https?://[^\s<>\"']+")


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (for an ``<img>``; the page's policy
    allows ``data:`` images)."""
    code = segno.make(text, error="m")
    return str(code.svg_data_uri(scale=4, border=4, dark="#000", light="#fff"))


def _anonymous_form(response: Response, token: str, platform: Platform) -> Response:
    response.set_cookie(
        FORM_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=platform.settings.secure_cookies,
        max_age=3600,
    )
    return response


def _check_anonymous_form(request: Request, submitted: str) -> None:
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), submitted.encode()):
        raise Forbidden("the form expired or did not come from this site; reload the page")


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _deliver_soon(background: BackgroundTasks, platform: Platform) -> None:
    """Once the response is sent (and the transaction committed), hand what waits in the
    outbox to the mail server, when one is configured."""
    if outbox.smtp_connect(platform.settings) is not None:
        background.add_task(deliver_now, platform)


def deliver_now(platform: Platform) -> None:
    """One delivery run in its own transaction (failures are written on the messages)."""
    with platform.db.session() as session:
        outbox.deliver(session, platform)


# --- the claim link --------------------------------------------------------------------


def _claim_page(
    request: Request,
    session: SessionDep,
    platform: Platform,
    principal: MaybePrincipal,
    token: str,
    *,
    status: int = 200,
    error: str | None = None,
    name: str = "",
) -> Response:
    try:
        offer = claims.offer(session, platform, token)
    except NotFound as exc:
        return page(request, "claim.html", 404, principal=principal, missing=exc.message)
    form_token = secrets.token_urlsafe(24)
    provider: OidcProvider | None = request.app.state.oidc
    response = page(
        request,
        "claim.html",
        410 if offer.problem and status == 200 else status,
        principal=principal,
        offer=offer,
        token=token,
        error=error,
        person_name=name or offer.recipient_name or "",
        form_token=form_token,
        oidc_name=provider.name if provider else None,
        # without an account, the provider helps only when it may create one
        oidc_creates=bool(provider and provider.create_learners),
        mine=principal is not None and principal.email.lower() == offer.email,
        qr=qr_svg(claims.claim_url(platform, token)),
        link=claims.claim_url(platform, token),
    )
    if principal is None and offer.problem is None:
        _anonymous_form(response, form_token, platform)
        # signing in (with a password or the identity provider) comes back here
        response.set_cookie(
            RETURN_COOKIE,
            f"/claim/{quote(token, safe='')}",
            httponly=True,
            samesite="lax",
            secure=platform.settings.secure_cookies,
            max_age=1800,
            path="/login",
        )
    return response


@router.get("/claim/{token}", response_class=HTMLResponse)
def claim_page(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
) -> Response:
    return _claim_page(request, session, platform, principal, token)


@router.post("/claim/{token}")
def claim_it(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
) -> Response:
    """A signed-in person claims into their wallet (the session's CSRF token was checked)."""
    try:
        row = claims.claim(session, platform, principal, token)
    except (Conflict, Forbidden, NotFound) as exc:
        session.rollback()
        return _claim_page(
            request, session, platform, principal, token, status=exc.http_status, error=exc.message
        )
    request.app.state.metrics.events["claim.accept"] += 1
    return RedirectResponse(f"/wallet/{quote(row.id)}", status_code=303)


@router.post("/claim/{token}/account")
def claim_with_new_account(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: MaybePrincipal,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
) -> Response:
    """Create an account with the address the link was sent to, and claim into it."""
    _check_anonymous_form(request, form_token)
    offer = claims.offer(session, platform, token)
    try:
        if principal is not None:
            raise Conflict("you are signed in already; claim it into this account or sign out")
        if offer.problem is not None:
            raise Conflict(offer.problem)
        if offer.account is not None:
            raise Conflict(f"an account with {offer.email} exists; sign in to claim it")
        result = signup.create_proven_account(
            session,
            platform,
            email=offer.email,
            name=name,
            password=password,
            client=_client(request),
            proof="claim-link",
        )
        row = claims.claim(session, platform, result.principal, token)
    except (UsageError, Conflict, signup.TooManyAttempts) as exc:
        session.rollback()
        return _claim_page(
            request,
            session,
            platform,
            principal,
            token,
            status=exc.http_status,
            error=exc.message,
            name=name,
        )
    request.app.state.metrics.events["claim.accept"] += 1
    response = signed_in(request, platform, result, to=f"/wallet/{quote(row.id)}")
    response.delete_cookie(FORM_COOKIE)
    return response


# --- creating an account ---------------------------------------------------------------


def _signup_page(
    request: Request,
    platform: Platform,
    *,
    status: int = 200,
    error: str | None = None,
    email: str = "",
    sent_to: str | None = None,
) -> Response:
    form_token = secrets.token_urlsafe(24)
    response = page(
        request,
        "signup.html",
        status,
        error=error,
        email=email,
        sent_to=sent_to,
        form_token=form_token,
    )
    return _anonymous_form(response, form_token, platform)


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, platform: PlatformDep, principal: MaybePrincipal) -> Response:
    if principal is not None:
        return RedirectResponse("/home", status_code=303)
    return _signup_page(request, platform)


@router.post("/signup", response_class=HTMLResponse)
def signup_request(
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    background: BackgroundTasks,
    email: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
) -> Response:
    _check_anonymous_form(request, form_token)
    try:
        address = signup.request_link(session, platform, email=email, client=_client(request))
    except (UsageError, signup.TooManyAttempts) as exc:
        session.rollback()
        return _signup_page(
            request, platform, status=exc.http_status, error=exc.message, email=email
        )
    _deliver_soon(background, platform)
    return _signup_page(request, platform, sent_to=address)


def _account_page(
    request: Request,
    platform: Platform,
    token: str,
    *,
    status: int = 200,
    error: str | None = None,
    name: str = "",
) -> Response:
    try:
        email = signup.email_of_link(platform, token)
    except (NotFound, Conflict) as exc:
        return page(request, "signup_account.html", exc.http_status, problem=exc.message)
    form_token = secrets.token_urlsafe(24)
    response = page(
        request,
        "signup_account.html",
        status,
        email=email,
        token=token,
        error=error,
        person_name=name,
        form_token=form_token,
    )
    return _anonymous_form(response, form_token, platform)


@router.get("/signup/{token}", response_class=HTMLResponse)
def account_form(token: str, request: Request, platform: PlatformDep) -> Response:
    return _account_page(request, platform, token)


@router.post("/signup/{token}")
def account_create(
    token: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
) -> Response:
    _check_anonymous_form(request, form_token)
    try:
        email = signup.email_of_link(platform, token)
        result = signup.create_proven_account(
            session,
            platform,
            email=email,
            name=name,
            password=password,
            client=_client(request),
            proof="signup-link",
        )
    except (UsageError, Conflict, NotFound, signup.TooManyAttempts) as exc:
        session.rollback()
        return _account_page(
            request, platform, token, status=exc.http_status, error=exc.message, name=name
        )
    response = signed_in(request, platform, result, to="/home")
    response.delete_cookie(FORM_COOKIE)
    return response


# --- the mailbox -----------------------------------------------------------------------


def linked(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is_link) pieces, so a template can link the URLs in a plain
    text message without marking anything safe.

    >>> linked("Open https://x.example/claim/a1 now.")
    [('Open ', False), ('https://x.example/claim/a1', True), (' now.', False)]
    """
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in _LINK.finditer(text):
        url = match.group(0).rstrip(".,;:)")
        if match.start() > at:
            pieces.append((text[at : match.start()], False))
        pieces.append((url, True))
        at = match.start() + len(url)
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


@router.get("/mailbox", response_class=HTMLResponse)
def mailbox_page(
    request: Request, session: SessionDep, platform: PlatformDep, principal: Visitor
) -> Response:
    messages = outbox.mailbox(session, principal)
    own = f"{platform.settings.public_url.rstrip('/')}/"
    shown = []
    for message in messages:
        pieces = linked(message.body)
        links = [p for p, is_link in pieces if is_link and p.startswith(own)]
        shown.append(
            {"message": message, "pieces": pieces, "qr": qr_svg(links[0]) if links else None}
        )
    return page(
        request,
        "mailbox.html",
        principal=principal,
        messages=shown,
        smtp=platform.settings.smtp_url is not None,
    )


# --- issuer staff: the claim link again ------------------------------------------------


@router.post("/issuer/{slug}/claim-link/{credential_id:path}")
def resend_claim(
    credential_id: str,
    request: Request,
    session: SessionDep,
    platform: PlatformDep,
    principal: Visitor,
    organization: OrgDep,
    background: BackgroundTasks,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Send the recipient a new claim link (asked first: the one sent before stops
    working)."""
    row = issuing.issued_by(session, principal, organization, credential_id)
    back = f"/issuer/{organization.slug}/credentials/{quote(row.id)}"
    if confirm != "yes":
        claims.claim_for_credential(session, principal, row)  # issuer staff only
        return confirmation(
            request,
            title="Send the claim link again?",
            question=f"A new claim link goes to {row.recipient_email or 'the recipient'}.",
            consequences=[
                "Any claim link sent before stops working.",
                f"The new one works once, for {platform.settings.claim_days} days.",
            ],
            action=f"/issuer/{organization.slug}/claim-link/{quote(row.id)}",
            fields={},
            button="Send a new link",
            cancel=back,
            danger=False,
        )
    claims.resend(session, platform, principal, row)
    _deliver_soon(background, platform)
    return RedirectResponse(f"{back}?done=claim-resent", status_code=303)
