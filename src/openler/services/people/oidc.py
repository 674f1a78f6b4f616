"""Sign-in through an OpenID Connect provider (optional; password sign-in stays).

The authorization code flow with PKCE (S256), a ``state`` against login CSRF and a
``nonce`` against replayed ID tokens. The provider's discovery document and JWKS are
fetched over HTTPS and cached in the process; the ID token's signature (RS*/PS*/ES*/EdDSA,
never ``none`` or a shared-secret MAC), issuer, audience, authorized party, expiry and nonce
are all checked before anyone is signed in.

Who signs in: a person already linked to the provider's (issuer, subject); else the person
whose email the provider says it has *verified* — the link is then recorded, and a second
subject from the same provider for that person is refused; else, only when the deployment
allows it, a new learner.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import ServiceError, Unauthenticated
from openler.services.people import accounts
from openler.settings import Settings
from openler.store.models import Identity, Person

#: asymmetric signatures only: "none" and HS* (keyed with the client secret) are refused
ID_TOKEN_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "EdDSA",
)
LEEWAY_SECONDS = 60
PENDING_SECONDS = 600
MAX_RESPONSE_BYTES = 1_000_000


class ProviderError(ServiceError):
    """The identity provider could not be reached or answered something unusable."""

    http_status = 502
    code = "identity_provider"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class PendingLogin:
    """What the browser keeps (in an HttpOnly cookie) between leaving and coming back."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> PendingLogin:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        return _b64url(hashlib.sha256(self.verifier.encode("ascii")).digest())

    def cookie(self) -> str:
        return f"{self.state}.{self.nonce}.{self.verifier}"

    @classmethod
    def from_cookie(cls, value: str | None) -> PendingLogin | None:
        parts = (value or "").split(".")
        if len(parts) != 3 or not all(parts):
            return None
        return cls(*parts)


class OidcProvider:
    """One configured provider. Build one per process (``from_settings``); it caches the
    discovery document and keys for ``cache_seconds``."""

    def __init__(
        self,
        settings: Settings,
        *,
        http: httpx.Client | None = None,
        cache_seconds: float = 3600,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if settings.oidc_issuer is None or settings.oidc_client_id is None:
            raise ServiceError("OpenID Connect is not configured (OPENLER_OIDC_ISSUER)")
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        secret = settings.oidc_client_secret
        self._client_secret = secret.get_secret_value() if secret is not None else None
        self.name = settings.oidc_name
        self.scopes = settings.oidc_scopes
        self.create_learners = settings.oidc_create_learners
        self._http = http or httpx.Client(timeout=10.0, follow_redirects=False)
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcProvider | None:
        return cls(settings) if settings.oidc_issuer else None

    def __repr__(self) -> str:
        return f"OidcProvider({self.issuer!r}, client_id={self.client_id!r})"

    # -- talking to the provider -------------------------------------------------------

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"could not reach the identity provider for its {what}: {exc}"
            ) from None
        return self._json(response, what)

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise ProviderError(f"the identity provider's {what} is larger than 1 MB")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            detail = ""
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                detail = f": {body['error']}"
                if isinstance(body.get("error_description"), str):
                    detail += f" ({body['error_description']})"
            raise ProviderError(
                f"the identity provider answered HTTP {response.status_code} for its {what}{detail}"
            )
        return body

    def metadata(self) -> dict[str, Any]:
        now = self._monotonic()
        if self._metadata is not None and now - self._metadata[0] < self._cache_seconds:
            return self._metadata[1]
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        found = self._get_json(url, "discovery document")
        if found.get("issuer") != self.issuer:
            raise ProviderError(
                f"the discovery document names the issuer {found.get('issuer')!r}, not the "
                f"configured {self.issuer!r}; check OPENLER_OIDC_ISSUER"
            )
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(found.get(name), str):
                raise ProviderError(f"the discovery document has no {name}")
        self._metadata = (now, found)
        return found

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        now = self._monotonic()
        if not refresh and self._keys is not None and now - self._keys[0] < self._cache_seconds:
            return self._keys[1]
        document = self._get_json(self.metadata()["jwks_uri"], "signing keys")
        try:
            keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise ProviderError(
                f"the identity provider's signing keys are unusable: {exc}"
            ) from None
        self._keys = (now, keys)
        return keys

    # -- the flow ------------------------------------------------------------------------

    def begin(self, redirect_uri: str) -> tuple[str, PendingLogin]:
        """The provider's authorization URL to send the browser to, and what to remember."""
        pending = PendingLogin.new()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.scopes,
                "state": pending.state,
                "nonce": pending.nonce,
                "code_challenge": pending.challenge,
                "code_challenge_method": "S256",
            }
        )
        endpoint = self.metadata()["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", pending

    def finish(
        self,
        session: Session,
        platform: Platform,
        *,
        query: Mapping[str, str],
        pending: PendingLogin | None,
        redirect_uri: str,
    ) -> accounts.LoginResult:
        """Handle the provider's redirect back: check it, sign the person in."""
        if pending is None:
            raise Unauthenticated(
                "the sign-in took too long or began in another browser; start again"
            )
        if not secrets.compare_digest(query.get("state", ""), pending.state):
            raise Unauthenticated(
                "the sign-in response does not belong to this browser; start again"
            )
        if "error" in query:
            description = query.get("error_description")
            raise Unauthenticated(
                f"the identity provider refused the sign-in: {query['error']}"
                + (f" ({description})" if description else "")
            )
        code = query.get("code")
        if not code:
            raise Unauthenticated("the identity provider sent no authorization code; start again")
        id_token = self._exchange(code, pending.verifier, redirect_uri)
        claims = self.check_id_token(id_token, nonce=pending.nonce, now=platform.now())
        person = self._person_for(session, platform, claims)
        return accounts.start_session(
            session, platform, person, method="oidc", data={"issuer": self.issuer}
        )

    def _exchange(self, code: str, verifier: str, redirect_uri: str) -> str:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        if self._client_secret is not None:
            # client_secret_basic: each part form-encoded first (RFC 6749, section 2.3.1)
            pair = f"{quote(self.client_id, safe='')}:{quote(self._client_secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        else:
            form["client_id"] = self.client_id  # a public client: PKCE is the proof
        try:
            response = self._http.post(
                self.metadata()["token_endpoint"], data=form, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ProviderError(
                f"could not reach the identity provider's token endpoint: {exc}"
            ) from None
        body = self._json(response, "token response")
        id_token = body.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderError("the token response has no id_token")
        return id_token

    def check_id_token(self, token: str, *, nonce: str, now: datetime) -> dict[str, Any]:
        """The ID token's claims, once its signature and every required claim check out."""
        header = _header(token)
        alg = header.get("alg")
        if alg not in ID_TOKEN_ALGORITHMS:
            raise Unauthenticated(
                f"the ID token is signed with {alg!r}; only {', '.join(ID_TOKEN_ALGORITHMS)} "
                "are accepted"
            )
        kid = header.get("kid")
        kid = kid if isinstance(kid, str) else None
        keys = self._key_set()
        if not _has_key(keys, kid):
            keys = self._key_set(refresh=True)  # the provider may have rotated its keys
            if not _has_key(keys, kid):
                raise Unauthenticated(
                    f"the ID token is signed with a key (kid {kid!r}) the identity provider "
                    "does not publish"
                )
        try:
            decoded = jwt.decode(token, keys, algorithms=[alg])
        except JoseError as exc:
            raise Unauthenticated(
                f"the ID token's signature does not verify ({exc.error})"
            ) from None
        except (ValueError, TypeError):
            raise Unauthenticated("the ID token is not a well-formed JWT") from None
        claims = dict(decoded.claims)
        self._check_claims(claims, nonce=nonce, now=now.timestamp())
        return claims

    def _check_claims(self, claims: dict[str, Any], *, nonce: str, now: float) -> None:
        if claims.get("iss") != self.issuer:
            raise Unauthenticated(
                f"the ID token was issued by {claims.get('iss')!r}, not {self.issuer!r}"
            )
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.client_id not in audiences:
            raise Unauthenticated("the ID token was issued for another client (aud)")
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise Unauthenticated("the ID token names several audiences but not us as azp")
        if "azp" in claims and claims["azp"] != self.client_id:
            raise Unauthenticated("the ID token was requested by another client (azp)")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise Unauthenticated("the ID token lacks exp or iat")
        if now > exp + LEEWAY_SECONDS:
            raise Unauthenticated("the ID token has expired; sign in again")
        if iat > now + LEEWAY_SECONDS:
            raise Unauthenticated("the ID token was issued in the future; check the clocks")
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise Unauthenticated("the ID token's nonce does not match this sign-in (a replay?)")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Unauthenticated("the ID token has no subject (sub)")

    def _person_for(self, session: Session, platform: Platform, claims: dict[str, Any]) -> Person:
        subject = claims["sub"]
        now = platform.now()
        identity = session.execute(
            select(Identity).where(Identity.issuer == self.issuer, Identity.subject == subject)
        ).scalar()
        if identity is not None:
            person = session.get(Person, identity.person_id)
            if person is None:  # pragma: no cover - the foreign key cascades
                raise Unauthenticated("the account linked to this sign-in no longer exists")
            identity.last_login_at = now
            return person
        email = claims.get("email")
        if not isinstance(email, str) or claims.get("email_verified") not in (True, "true"):
            raise Unauthenticated(
                "the identity provider did not confirm an email address for this account, so "
                "it cannot be matched to a person here; sign in with your password"
            )
        email = email.strip().lower()
        person = session.execute(select(Person).where(Person.email == email)).scalar()
        if person is None:
            if not self.create_learners:
                raise Unauthenticated(
                    f"no account here uses {email}; ask an administrator to create one, then "
                    "sign in again"
                )
            name = claims.get("name")
            person = accounts.create_person(
                session,
                platform,
                name=name if isinstance(name, str) and name.strip() else email,
                email=email,
                password=None,
                actor=accounts.Principal.system(f"oidc:{self.issuer}"),
            )
        else:
            other = session.execute(
                select(Identity).where(
                    Identity.person_id == person.id, Identity.issuer == self.issuer
                )
            ).scalar()
            if other is not None:
                raise Unauthenticated(
                    f"{email} is already linked to another account at this identity provider; "
                    "an administrator must unlink it first"
                )
        session.add(
            Identity(
                person_id=person.id,
                issuer=self.issuer,
                subject=subject,
                created_at=now,
                last_login_at=now,
            )
        )
        audit.record(
            session,
            at=now,
            actor=f"oidc:{self.issuer}",
            action="identity.link",
            subject=f"person:{person.id}",
            data={"issuer": self.issuer, "subject": subject},
        )
        return person


def _has_key(keys: KeySet, kid: str | None) -> bool:
    try:
        keys.get_by_kid(kid)
    except JoseError:
        return False
    return True


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        raise Unauthenticated("the ID token is not a JWT") from None
    if not isinstance(header, dict):
        raise Unauthenticated("the ID token is not a JWT")
    return header
