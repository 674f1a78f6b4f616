"""OpenID4VCI 1.0: each organization's credential issuer metadata, offers by reference,
and the token, nonce and credential endpoints (see ``services/protocols/oid4vci_issuer``).

Errors are answered as OAuth JSON (``error``, ``error_description``), never as pages; the
request's transaction is still committed, so a used nonce or a wrong transaction code
counts whatever the answer."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from openler.services.protocols import oid4vci_authorize, oid4vci_offers
from openler.services.protocols import oid4vci_issuer as vci
from openler.services.protocols.oid4vci_issuer import OAuthError
from openler.vc import InputError, parse_json
from openler.web.deps import CommitRoute, PlatformDep, SessionDep

router = APIRouter(route_class=CommitRoute, tags=["OpenID4VCI"])
_NO_STORE = {"Cache-Control": "no-store"}


def _oauth_error(exc: OAuthError, *, nonce: str | None = None) -> JSONResponse:
    headers = dict(_NO_STORE)
    if exc.http_status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.code}"'
    body = exc.body()
    if nonce is not None:  # Draft-13 wallets retry with the nonce an error gives them
        body["c_nonce"] = nonce
        body["c_nonce_expires_in"] = vci.NONCE_SECONDS
    return JSONResponse(body, status_code=exc.http_status, headers=headers)


@router.get("/.well-known/openid-credential-issuer/orgs/{slug}")
def issuer_metadata(slug: str, session: SessionDep, platform: PlatformDep) -> dict[str, Any]:
    """The organization's credential issuer metadata (OpenID4VCI §12.2)."""
    return vci.issuer_metadata(session, platform, slug)


@router.get("/.well-known/oauth-authorization-server/orgs/{slug}")
def authorization_server(slug: str, session: SessionDep, platform: PlatformDep) -> Any:
    """The organization as its own OAuth authorization server (RFC 8414)."""
    return vci.authorization_server_metadata(session, platform, slug)


@router.get("/orgs/{slug}/oid4vci/offers/{secret}")
def offer(slug: str, secret: str, session: SessionDep, platform: PlatformDep) -> Any:
    """A credential offer by reference (``credential_offer_uri``)."""
    try:
        return JSONResponse(
            oid4vci_offers.offer_by_reference(session, platform, slug, secret), headers=_NO_STORE
        )
    except OAuthError as exc:
        return _oauth_error(exc)


@router.post("/orgs/{slug}/oid4vci/token")
async def token(slug: str, request: Request, session: SessionDep, platform: PlatformDep) -> Any:
    """The token endpoint: a pre-authorized code (and transaction code) for an access token."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return _oauth_error(OAuthError("invalid_request", "send the token request form-encoded"))
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    exchange = (
        oid4vci_authorize.exchange
        if form.get("grant_type") == vci.AUTHORIZATION_CODE_GRANT
        else vci.token
    )
    try:  # the database work off the event loop
        issued = await run_in_threadpool(exchange, session, platform, slug, form)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "c_nonce": issued.c_nonce,
            "c_nonce_expires_in": vci.NONCE_SECONDS,
        },
        headers=_NO_STORE,
    )


@router.post("/orgs/{slug}/oid4vci/nonce")
def nonce(slug: str, session: SessionDep, platform: PlatformDep) -> Any:
    """A fresh ``c_nonce`` for the wallet's proof."""
    return JSONResponse({"c_nonce": vci.new_nonce(session, platform, slug)}, headers=_NO_STORE)


@router.post("/orgs/{slug}/oid4vci/credential")
async def credential(
    slug: str, request: Request, session: SessionDep, platform: PlatformDep
) -> Any:
    """The credential endpoint: the credential, bound to the key the wallet proved."""
    try:
        try:
            body = parse_json(await request.body())
        except InputError as exc:
            raise OAuthError(
                "invalid_credential_request", f"the body is not JSON: {exc.message}"
            ) from None
        issued = await run_in_threadpool(
            partial(
                vci.credential,
                session,
                platform,
                slug,
                authorization=request.headers.get("authorization"),
                body=body,
            )
        )
    except OAuthError as exc:
        fresh = None
        if exc.code in ("invalid_proof", "invalid_nonce"):
            fresh = await run_in_threadpool(vci.new_nonce, session, platform, slug)
        return _oauth_error(exc, nonce=fresh)
    if issued.draft13:
        answer: dict[str, Any] = {"credential": issued.credential}
    else:
        answer = {"credentials": [{"credential": issued.credential}]}
    return JSONResponse(answer, headers=_NO_STORE)
