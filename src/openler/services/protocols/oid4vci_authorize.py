"""OpenID4VCI 1.0 authorization code flow (§5, RFC 6749 §4.1, PKCE RFC 7636): a signed-in
resident copies a credential they hold to a wallet app.

The resident makes an offer from their credential's page (:func:`offer_own_credential`:
an ``authorization_code`` grant whose ``issuer_state`` names that credential), or the
wallet app starts on its own with a ``scope`` (a credential configuration id of the
metadata). The wallet sends the resident's browser to the authorization endpoint; they
sign in and are asked whether to send a copy to the app at its redirect address
(:func:`request_from` reads and checks the request; :func:`authorize` answers it with a
one-time code, ten minutes). The wallet exchanges the code — with the PKCE verifier,
``S256`` only, and the same redirect URI and client id — for an access token
(:func:`exchange`); the credential endpoint then issues a copy bound to the wallet's key
(``oid4vci_issuer``). The resident's own credential stays theirs.

Errors before the redirect URI is known to be the wallet's are shown to the person, never
redirected; the token endpoint answers ``invalid_grant`` for a wrong, used or expired code,
a wrong verifier or redirect URI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers.orgs import organization_by_slug
from openler.services.people.accounts import Principal
from openler.services.protocols.oid4vci_issuer import (
    AUTHORIZATION_CODE_GRANT,
    OAuthError,
    Token,
    configuration_id,
    digest,
    issuer_id,
    issuer_state_of,
    redeem,
    split_configuration,
)
from openler.services.protocols.oid4vci_offers import (
    MadeOffer,
    by_value_uri,
    offer_object,
    offer_uri_of,
    offered,
    record_offer,
)
from openler.store.models import Achievement, CredentialOffer, IssuedCredential, Organization
from openler.store.models import new_id as _new_id

CODE_SECONDS = 600
_MAX_PARAM = 2000


def _own_secret(platform: Platform, offer_id: str) -> str:
    """The URI secret of a resident's own offer, derived under the key-encryption key so
    that its page can show it again while only its digest is stored."""
    mac = hmac.new(platform.settings.kek(), f"oid4vci own offer {offer_id}".encode(), "sha256")
    return mac.hexdigest()


def offer_own_credential(
    session: Session,
    platform: Platform,
    principal: Principal,
    credential_id: str,
    *,
    format: str = "ldp_vc",
) -> MadeOffer:
    """An offer (authorization code grant) of a credential ``principal`` holds, for a
    wallet app of theirs; redeeming it needs them signed in."""
    row = session.get(IssuedCredential, credential_id)
    if row is None or row.person_id != principal.person_id or principal.is_system:
        raise NotFound("you hold no such credential")
    if row.achievement_id is None or row.state != "active" or row.replaced_by is not None:
        raise Conflict("only a current credential of an achievement can go to a wallet app")
    achievement, organization = offered(session, row)
    now = platform.now()
    offer_id = _new_id()
    uri_secret = _own_secret(platform, offer_id)
    state = issuer_state_of(uri_secret)
    offer = CredentialOffer(
        id=offer_id,
        organization_id=organization.id,
        credential_id=row.id,
        configuration_id=configuration_id(achievement.slug, format),
        uri_hash=digest(uri_secret),
        code_hash=digest(state),
        tx_failures=0,
        created_at=now,
        expires_at=now + timedelta(hours=platform.settings.oid4vci_offer_hours),
        created_by=principal.label,
        grant=AUTHORIZATION_CODE_GRANT,
        person_id=principal.person_id,
    )
    record_offer(session, platform, principal, offer)
    return _made(platform, organization, offer, uri_secret)


def _made(
    platform: Platform, organization: Organization, offer: CredentialOffer, uri_secret: str
) -> MadeOffer:
    body = offer_object(platform, organization, offer, uri_secret)
    return MadeOffer(
        offer, offer_uri_of(platform, organization, uri_secret), by_value_uri(body), None
    )


def own_offer(
    session: Session, platform: Platform, principal: Principal, offer_id: str
) -> MadeOffer:
    """A resident's own offer, shown again to them (until it is used or expires)."""
    offer = session.get(CredentialOffer, offer_id)
    if (
        offer is None
        or offer.person_id != principal.person_id
        or offer.grant != AUTHORIZATION_CODE_GRANT
        or offer.auth_code_hash is not None
        or offer.expires_at <= platform.now()
    ):
        raise NotFound("this offer is not yours, or it was used or has expired")
    organization = session.get(Organization, offer.organization_id)
    if organization is None:  # pragma: no cover - a foreign key
        raise NotFound("the issuer no longer exists")
    return _made(platform, organization, offer, _own_secret(platform, offer.id))


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorization request read and checked: what the consent page shows and posts
    back, and the credential it would copy."""

    params: dict[str, str]
    organization: Organization
    credential: IssuedCredential
    configuration_id: str
    credential_name: str
    wallet: str  # the redirect URI's host, as the person is shown it

    def denied(self) -> str:
        """Where "No" sends the browser: the wallet's redirect URI with ``access_denied``."""
        return _redirect(self.params, {"error": "access_denied"}, self.organization_iss)

    @property
    def organization_iss(self) -> str:
        return self.params["_iss"]

    @property
    def redirect_target(self) -> str:
        """The redirect URI's origin (``https://host``), or its scheme (``app:``)."""
        parts = urlsplit(self.params["redirect_uri"])
        if parts.scheme in ("https", "http"):
            return f"{parts.scheme}://{parts.netloc}"
        return f"{parts.scheme}:"


def _redirect(params: dict[str, str], answer: dict[str, str], iss: str) -> str:
    query = {**answer, "iss": iss}
    if params.get("state"):
        query["state"] = params["state"]
    uri = params["redirect_uri"]
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(query)}"


_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def _allowed_redirect(uri: str) -> bool:
    """An https address (a host and port, nothing else before the path), a loopback http
    one, or an app's own scheme; never a fragment (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    if parts.fragment or not parts.scheme or any(c in uri for c in " \t\r\n\"'<>;,"):
        return False
    if parts.scheme in ("https", "http") and not _HOST.match(parts.netloc):
        return False
    if parts.scheme == "https":
        return bool(parts.netloc)
    if parts.scheme == "http":  # RFC 8252 §7.3: loopback redirects of native apps
        return parts.hostname in ("127.0.0.1", "localhost", "::1")
    return parts.scheme not in ("javascript", "data", "file", "vbscript")  # an app's scheme


def request_from(
    session: Session, platform: Platform, principal: Principal, slug: str, query: dict[str, str]
) -> AuthorizationRequest:
    """Check an authorization request of ``principal`` (signed in) to organization
    ``slug``; raises :class:`UsageError` saying what is wrong (shown, never redirected)."""
    if principal.is_system or principal.token_scope is not None:
        raise Forbidden("a wallet app is authorized by a person signed in")
    organization = organization_by_slug(session, slug)
    params = {k: v[:_MAX_PARAM] for k, v in query.items() if isinstance(v, str)}
    if params.get("response_type") != "code":
        raise UsageError("the wallet app asked for something other than a code (response_type)")
    redirect = params.get("redirect_uri", "")
    if not _allowed_redirect(redirect):
        raise UsageError("the wallet app gave no usable address to come back to (redirect_uri)")
    if not params.get("client_id"):
        raise UsageError("the wallet app did not say who it is (client_id)")
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        raise UsageError("the wallet app must use PKCE with S256 (code_challenge)")
    held = _held_credential(session, principal, organization, params, platform.now())
    params["_iss"] = issuer_id(platform, organization)
    name = held[0].document.get("name") or held[1]
    return AuthorizationRequest(
        params=params,
        organization=organization,
        credential=held[0],
        configuration_id=held[1],
        credential_name=str(name),
        wallet=urlsplit(redirect).hostname or urlsplit(redirect).scheme,
    )


def _held_credential(
    session: Session,
    principal: Principal,
    organization: Organization,
    params: dict[str, str],
    now: datetime,
) -> tuple[IssuedCredential, str]:
    state = params.get("issuer_state")
    if state:
        offer = session.execute(
            select(CredentialOffer).where(
                CredentialOffer.code_hash == digest(state),
                CredentialOffer.grant == AUTHORIZATION_CODE_GRANT,
                CredentialOffer.organization_id == organization.id,
            )
        ).scalar()
        if offer is None or offer.redeemed_at is not None:
            raise UsageError("this offer is not known here, or was used already")
        if offer.expires_at <= now:  # not revived by authorizing it (which sets a new expiry)
            raise UsageError("this offer has expired: make a new one on the credential's page")
        if offer.person_id != principal.person_id:
            raise Forbidden("this offer is for another person's credential: sign in as them")
        row = session.get(IssuedCredential, offer.credential_id)
        if row is None:  # pragma: no cover - a foreign key
            raise NotFound("the credential offered no longer exists")
        return row, offer.configuration_id
    wanted = next(iter(params.get("scope", "").split()), "")
    slug, format = split_configuration(wanted)
    if format not in ("ldp_vc", "jwt_vc_json"):
        raise UsageError(f"the wallet app asked for {wanted!r}, which is not issued here (scope)")
    found = session.execute(
        select(IssuedCredential)
        .join(Achievement, Achievement.id == IssuedCredential.achievement_id)
        .where(
            Achievement.slug == slug,
            IssuedCredential.organization_id == organization.id,
            IssuedCredential.person_id == principal.person_id,
            IssuedCredential.state == "active",
            IssuedCredential.replaced_by.is_(None),
        )
        .order_by(IssuedCredential.issued_at.desc())
        .limit(1)
    ).scalar()
    if found is None:
        raise UsageError(f"you hold no current {slug} credential from {organization.name}")
    return found, wanted


def authorize(
    session: Session, platform: Platform, principal: Principal, slug: str, query: dict[str, str]
) -> str:
    """The resident said yes: a one-time code, and the address to send the browser to."""
    request = request_from(session, platform, principal, slug, query)
    params = request.params
    now = platform.now()
    code = secrets.token_urlsafe(32)
    state = params.get("issuer_state")
    row = None
    if state:
        row = session.execute(
            select(CredentialOffer).where(CredentialOffer.code_hash == digest(state))
        ).scalar()
    if row is None:  # started by the wallet app: a row for this authorization
        row = CredentialOffer(
            id=_new_id(),
            organization_id=request.organization.id,
            credential_id=request.credential.id,
            configuration_id=request.configuration_id,
            uri_hash=digest(secrets.token_urlsafe(32)),
            code_hash=digest(secrets.token_urlsafe(32)),
            tx_failures=0,
            created_at=now,
            expires_at=now,
            created_by=principal.label,
            grant=AUTHORIZATION_CODE_GRANT,
            person_id=principal.person_id,
        )
        session.add(row)
    row.client_id = params["client_id"]
    row.redirect_uri = params["redirect_uri"]
    row.code_challenge = params["code_challenge"]
    row.auth_code_hash = digest(code)
    row.expires_at = now + timedelta(seconds=CODE_SECONDS)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="oid4vci.authorize",
        subject=request.credential.id,
        data={"offer": row.id, "client_id": row.client_id, "redirect": request.wallet},
    )
    return _redirect(params, {"code": code}, params["_iss"])


def _s256(verifier: str) -> str:
    digest_bytes = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest_bytes).rstrip(b"=").decode()


def exchange(session: Session, platform: Platform, slug: str, form: dict[str, str]) -> Token:
    """The token endpoint for ``grant_type=authorization_code``."""
    organization = organization_by_slug(session, slug)
    code = form.get("code") or ""
    verifier = form.get("code_verifier") or ""
    if not code or not verifier:
        raise OAuthError("invalid_request", "code and code_verifier are needed (PKCE)")
    now = platform.now()
    row = session.execute(
        select(CredentialOffer).where(
            CredentialOffer.auth_code_hash == digest(code),
            CredentialOffer.organization_id == organization.id,
        )
    ).scalar()
    if row is None or row.redeemed_at is not None:
        raise OAuthError("invalid_grant", "the authorization code is not known or was used")
    if row.expires_at <= now:
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if form.get("redirect_uri") != row.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri is not the one the code was given to")
    if form.get("client_id") not in (None, row.client_id):
        raise OAuthError("invalid_grant", "the code was given to another client")
    if not hmac.compare_digest(_s256(verifier), row.code_challenge or ""):
        raise OAuthError("invalid_grant", "the code_verifier does not match the code_challenge")
    return redeem(
        session,
        platform,
        slug,
        row,
        now,
        used="the authorization code was already used",
        audited={"offer": row.id, "grant": AUTHORIZATION_CODE_GRANT},
    )
