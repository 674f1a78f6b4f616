"""OpenID4VCI 1.0 (final), issuer side: each organization is a credential issuer.

Its identifier is ``{public_url}/orgs/{slug}``; its metadata is served at
``/.well-known/openid-credential-issuer/orgs/{slug}`` and, as the OAuth authorization
server of itself, at ``/.well-known/oauth-authorization-server/orgs/{slug}`` (the
well-known segment inserted between host and path, as §12.2.2 and RFC 8414 §3 derive it).

The credentials offered are those of the **claim flow** (``oid4vci_offers``): a credential
issued to an email address waits to be claimed; its claim link lets the recipient (or an
issuer, from the CLI) make an offer of it. The offer carries a pre-authorized code (and
optionally asks for a transaction code); the wallet exchanges the code for an access token
(:func:`token`), fetches a ``c_nonce`` (:func:`new_nonce`), and asks for the credential
with a proof of possession of its key — a ``jwt`` or a ``di_vp`` presentation
(:func:`credential`). What it gets is a copy bound to that key (``credentialSubject.id``
the wallet's did:key or did:jwk), issued as the replacement of the email-only credential,
which is revoked — as claiming into openler's own wallet does — with status entries, a
record and an audit event. A signed-in resident's own credential reaches their wallet app
by the authorization code flow instead (``oid4vci_authorize``), as a copy.

Every secret (the offer URI's, the pre-authorized code, the transaction code, the access
token, nonces) is stored as its SHA-256 only. Errors are :class:`OAuthError` with the code
OpenID4VCI / RFC 6749 names.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, ServiceError
from openler.services.issuers import claims, issuing
from openler.services.issuers.orgs import organization_by_slug, signing_key
from openler.services.issuers.recipients import Recipient
from openler.services.people.accounts import Principal
from openler.services.verifiers.verifying import verify_document
from openler.store.models import (
    Achievement,
    CredentialOffer,
    IssuedCredential,
    IssuerNonce,
    Organization,
)
from openler.vc import (
    CRYPTOSUITES,
    KeyProofError,
    check_key_proof,
    encode_jwt_credential,
)

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
AUTHORIZATION_CODE_GRANT = "authorization_code"
FORMATS = ("ldp_vc", "jwt_vc_json")
OFFER_SCHEME = "openid-credential-offer://"
NONCE_SECONDS = 300
TOKEN_SECONDS = 600
#: wrong transaction codes an offer takes before it stops working
MAX_TX_FAILURES = 5
#: the algorithms a ``jwt`` proof may be signed with (Ed25519, P-256)
_SIGNING_ALGS = ["EdDSA", "ES256"]


class OAuthError(ServiceError):
    """An error answered as OAuth 2.0 / OpenID4VCI JSON: ``error`` and
    ``error_description`` (with ``WWW-Authenticate`` for a bad access token)."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.code = error
        self.http_status = status

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.message}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issuer_state_of(uri_secret: str) -> str:
    """The ``issuer_state`` of an authorization code offer, derived from its URI secret."""
    mac = hmac.new(uri_secret.encode("utf-8"), b"openler oid4vci issuer_state", "sha256")
    return mac.hexdigest()


# --- identifiers and metadata ----------------------------------------------------------


def issuer_id(platform: Platform, organization: Organization) -> str:
    """The credential issuer identifier of ``organization``."""
    return f"{platform.settings.public_url.rstrip('/')}/orgs/{organization.slug}"


def endpoint(platform: Platform, organization: Organization, name: str) -> str:
    return f"{issuer_id(platform, organization)}/oid4vci/{name}"


def configuration_id(achievement_slug: str, format: str) -> str:
    return f"{achievement_slug}.{format}"


def split_configuration(value: str) -> tuple[str, str]:
    slug, _, format = value.rpartition(".")
    return slug, format


def _definition(format: str) -> dict[str, Any]:
    types = ["VerifiableCredential", "OpenBadgeCredential"]
    if format == "ldp_vc":
        return {"@context": list(issuing.OB_CONTEXT), "type": types}
    return {"type": types}


def _configuration(organization: Organization, achievement: Achievement, format: str) -> Any:
    name = str(achievement.data.get("name") or achievement.slug)
    display: dict[str, Any] = {"name": name, "locale": "en-US"}
    if achievement.data.get("description"):
        display["description"] = str(achievement.data["description"])
    return {
        "format": format,
        "scope": configuration_id(achievement.slug, format),
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
        "credential_signing_alg_values_supported": (
            ["eddsa-rdfc-2022"] if format == "ldp_vc" else ["EdDSA"]
        ),
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": _SIGNING_ALGS},
            "di_vp": {"proof_signing_alg_values_supported": list(CRYPTOSUITES)},
        },
        "credential_definition": _definition(format),
        "credential_metadata": {
            "display": [display],
            "claims": [
                {
                    "path": ["credentialSubject", "achievement", "name"],
                    "display": [{"name": "Achievement", "locale": "en-US"}],
                },
            ],
        },
    }


def issuer_metadata(session: Session, platform: Platform, slug: str) -> dict[str, Any]:
    """The credential issuer metadata of organization ``slug`` (§12.2): a configuration per
    active achievement and format."""
    organization = organization_by_slug(session, slug)
    active = session.execute(
        select(Achievement)
        .where(Achievement.organization_id == organization.id, Achievement.retired_at.is_(None))
        .order_by(Achievement.slug)
    ).scalars()
    configurations = {
        configuration_id(a.slug, f): _configuration(organization, a, f)
        for a in active
        for f in FORMATS
    }
    return {
        "credential_issuer": issuer_id(platform, organization),
        "credential_endpoint": endpoint(platform, organization, "credential"),
        "nonce_endpoint": endpoint(platform, organization, "nonce"),
        "display": [{"name": organization.name, "locale": "en-US"}],
        "credential_configurations_supported": configurations,
    }


def authorization_server_metadata(session: Session, platform: Platform, slug: str) -> Any:
    """RFC 8414 metadata of the organization as its own authorization server: the token
    endpoint, the pre-authorized code grant with anonymous access, and the authorization
    code grant for signed-in residents (PKCE with S256 required)."""
    organization = organization_by_slug(session, slug)
    return {
        "issuer": issuer_id(platform, organization),
        "authorization_endpoint": endpoint(platform, organization, "authorize"),
        "token_endpoint": endpoint(platform, organization, "token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT, AUTHORIZATION_CODE_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
    }


# --- the token endpoint ----------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_in: int
    c_nonce: str


def token(session: Session, platform: Platform, slug: str, form: dict[str, str]) -> Token:
    """The token endpoint (§6): a pre-authorized code (and the transaction code when the
    offer asked for one) for an access token. A code works once."""
    organization = organization_by_slug(session, slug)
    grant = form.get("grant_type")
    if grant != PRE_AUTHORIZED_GRANT:
        raise OAuthError(
            "unsupported_grant_type",
            f"this issuer accepts only the grant type {PRE_AUTHORIZED_GRANT}",
        )
    code = form.get("pre-authorized_code") or ""
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing")
    now = platform.now()
    row = session.execute(
        select(CredentialOffer)
        .where(
            CredentialOffer.code_hash == digest(code),
            CredentialOffer.organization_id == organization.id,
            CredentialOffer.grant == "pre-authorized_code",  # an issuer_state is no code
        )
        .with_for_update()
    ).scalar()
    if row is None:
        raise OAuthError("invalid_grant", "the pre-authorized code is not known here")
    if row.redeemed_at is not None:
        raise OAuthError("invalid_grant", "the pre-authorized code was already used")
    if row.expires_at <= now:
        raise OAuthError("invalid_grant", "the credential offer has expired")
    if row.tx_failures >= MAX_TX_FAILURES:
        raise OAuthError("invalid_grant", "too many wrong transaction codes: ask for a new offer")
    if row.tx_code_hash is not None:
        given = form.get("tx_code")
        if not given:
            raise OAuthError("invalid_request", "this offer needs its transaction code (tx_code)")
        if not hmac.compare_digest(digest(given), row.tx_code_hash):
            row.tx_failures += 1
            audit.record(  # kept with the refusal (the endpoint commits): a guess counted
                session,
                at=now,
                actor="system:oid4vci",
                action="oid4vci.tx_code_refused",
                subject=row.credential_id,
                data={"offer": row.id, "failures": row.tx_failures},
            )
            raise OAuthError("invalid_grant", "the transaction code (tx_code) is wrong")
    elif "tx_code" in form:
        raise OAuthError("invalid_request", "this offer asked for no transaction code")
    return redeem(
        session,
        platform,
        slug,
        row,
        now,
        used="the pre-authorized code was already used",
        audited={"offer": row.id, "organization_id": organization.id},
    )


def redeem(
    session: Session,
    platform: Platform,
    slug: str,
    row: CredentialOffer,
    now: datetime,
    *,
    used: str,
    audited: dict[str, Any],
) -> Token:
    """The access token for the offer ``row`` whose one-time code (pre-authorized or
    authorization code) was checked: the code is used up — once, even when two requests
    race with the same code (the loser gets ``invalid_grant`` saying ``used``) — and the
    token recorded by its digest, with an ``oid4vci.token`` audit event (data
    ``audited``)."""
    access = secrets.token_urlsafe(32)
    redeemed = session.execute(
        update(CredentialOffer)
        .where(CredentialOffer.id == row.id, CredentialOffer.redeemed_at.is_(None))
        .values(
            redeemed_at=now,
            token_hash=digest(access),
            token_expires_at=now + timedelta(seconds=TOKEN_SECONDS),
        )
        .execution_options(synchronize_session=False)
    )
    if rows_changed(redeemed) != 1:
        raise OAuthError("invalid_grant", used)
    audit.record(
        session,
        at=now,
        actor="system:oid4vci",
        action="oid4vci.token",
        subject=row.credential_id,
        data=audited,
    )
    return Token(access, TOKEN_SECONDS, new_nonce(session, platform, slug))


# --- nonces -----------------------------------------------------------------------------


def new_nonce(session: Session, platform: Platform, slug: str) -> str:
    """A fresh ``c_nonce`` (§7): single use, for :data:`NONCE_SECONDS`."""
    organization = organization_by_slug(session, slug)
    now = platform.now()
    nonce = secrets.token_urlsafe(24)
    sweep_nonces(session, platform)
    session.add(
        IssuerNonce(
            nonce_hash=digest(nonce),
            organization_id=organization.id,
            created_at=now,
            expires_at=now + timedelta(seconds=NONCE_SECONDS),
        )
    )
    session.flush()
    return nonce


def _use_nonce(
    session: Session, organization: Organization, nonce: str | None, now: datetime
) -> None:
    if not nonce:
        raise OAuthError(
            "invalid_nonce", "the proof carries no nonce: get one from the nonce endpoint"
        )
    row = session.get(IssuerNonce, digest(nonce), with_for_update=True)
    if row is None or row.organization_id != organization.id:
        raise OAuthError("invalid_nonce", "the proof's nonce was not given out by this issuer")
    if row.used_at is not None:
        raise OAuthError("invalid_nonce", "the proof's nonce was already used")
    if row.expires_at <= now:
        raise OAuthError("invalid_nonce", "the proof's nonce has expired")
    used = session.execute(
        update(IssuerNonce)
        .where(IssuerNonce.nonce_hash == row.nonce_hash, IssuerNonce.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(used) != 1:
        raise OAuthError("invalid_nonce", "the proof's nonce was already used")


def rows_changed(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def sweep_nonces(session: Session, platform: Platform) -> int:
    """Forget nonces that expired (they can no longer be used anyway): done as new ones
    are given out, so the table holds about a nonce lifetime's worth."""
    result = session.execute(delete(IssuerNonce).where(IssuerNonce.expires_at <= platform.now()))
    return rows_changed(result)


# --- the credential endpoint ------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """What the credential endpoint answers: the credential in the format asked for, and
    whether the request had the Draft-13 shape (answered as ``credential`` then)."""

    credential: dict[str, Any] | str
    draft13: bool
    row: IssuedCredential


def bearer(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError(
            "invalid_token", "send the access token as Authorization: Bearer", status=401
        )
    return value.strip()


def _requested(body: Any, offered: str) -> tuple[str, tuple[str, Any], bool]:
    """(configuration id, (proof type, proof), Draft-13 shape) of a credential request."""
    if not isinstance(body, dict):
        raise OAuthError(
            "invalid_credential_request", "the credential request must be a JSON object"
        )
    draft13 = "format" in body
    if "credential_identifier" in body:
        wanted = body["credential_identifier"]
        if wanted != offered:
            raise OAuthError("unknown_credential_identifier", f"{wanted!r} was not offered")
    elif "credential_configuration_id" in body:
        wanted = body["credential_configuration_id"]
        if not isinstance(wanted, str):
            raise OAuthError(
                "invalid_credential_request", "credential_configuration_id must be a string"
            )
    elif draft13:
        format = body["format"]
        if format not in FORMATS:
            raise OAuthError(
                "unsupported_credential_format", f"format {format!r} is not issued here"
            )
        slug, _ = split_configuration(offered)
        wanted = configuration_id(slug, str(format))
    else:
        raise OAuthError(
            "invalid_credential_request",
            "name the credential by credential_configuration_id (or credential_identifier)",
        )
    return str(wanted), _proof_of(body), draft13


#: the proof types taken, and the member a Draft-13 ``proof`` object carries each in
PROOF_TYPES = {"jwt": "jwt", "di_vp": "di_vp", "ldp_vp": "ldp_vp"}


def _proof_of(body: dict[str, Any]) -> tuple[str, Any]:
    """(proof type, the one proof) of a credential request: ``proofs`` (1.0) or a single
    ``proof`` (Draft 13, where a Data Integrity presentation is ``ldp_vp``)."""
    if "proofs" in body and "proof" in body:
        raise OAuthError("invalid_credential_request", "send proof or proofs, not both")
    if "proofs" in body:
        given = body["proofs"]
        if not isinstance(given, dict) or len(given) != 1:
            raise OAuthError("invalid_proof", "proofs must hold one list, of one proof type")
        ((kind, listed),) = given.items()
        proofs = listed if isinstance(listed, list) else []
    elif "proof" in body:
        given = body["proof"]
        kind = given.get("proof_type") if isinstance(given, dict) else None
        proofs = [given.get(PROOF_TYPES[kind])] if kind in PROOF_TYPES else []
    else:
        raise OAuthError(
            "invalid_proof", "the request has no proof of possession of the wallet's key"
        )
    if kind not in PROOF_TYPES:
        raise OAuthError(
            "invalid_proof", f"proofs of type {kind!r} are not taken here (jwt, di_vp)"
        )
    if len(proofs) != 1 or not isinstance(proofs[0], str if kind == "jwt" else dict):
        raise OAuthError(
            "invalid_proof", f"send exactly one {kind} proof: one credential is issued"
        )
    return ("jwt" if kind == "jwt" else "di_vp"), proofs[0]


def _holder_of_presentation(
    session: Session, platform: Platform, presentation: dict[str, Any], audience: str
) -> tuple[str, str | None]:
    """(holder DID, challenge) of a ``di_vp`` proof (Appendix F.2): a presentation signed
    by its holder — a did:key — for ``authentication``, with ``domain`` the issuer and the
    ``challenge`` a nonce (whose freshness the caller checks), carrying no credentials."""
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if not isinstance(holder, str) or not holder.startswith("did:key:"):
        raise OAuthError("invalid_proof", "the presentation's holder must be a did:key")
    if presentation.get("verifiableCredential"):
        raise OAuthError("invalid_proof", "the proof presentation must carry no credentials")
    proofs = presentation.get("proof")
    first = proofs[0] if isinstance(proofs, list) and proofs else proofs
    challenge = first.get("challenge") if isinstance(first, dict) else None
    report = verify_document(
        session,
        platform,
        presentation,
        challenge=challenge if isinstance(challenge, str) else "",
        domain=audience,
        proof_purpose="authentication",
        require_holder_binding=True,
        use_registry=False,
    )
    if not report.verified:
        raise OAuthError("invalid_proof", "; ".join(report.errors()) or "it does not verify")
    return holder, challenge if isinstance(challenge, str) else None


def credential(
    session: Session,
    platform: Platform,
    slug: str,
    *,
    authorization: str | None,
    body: Any,
) -> Issued:
    """The credential endpoint (§8): the access token's offer, the wallet's key proven,
    a copy bound to that key issued."""
    organization = organization_by_slug(session, slug)
    now = platform.now()
    access = bearer(authorization)
    offer = session.execute(
        select(CredentialOffer)
        .where(
            CredentialOffer.token_hash == digest(access),
            CredentialOffer.organization_id == organization.id,
        )
        .with_for_update()
    ).scalar()
    if offer is None or offer.token_expires_at is None or offer.token_expires_at <= now:
        raise OAuthError(
            "invalid_token", "the access token is not known or has expired", status=401
        )
    if offer.issued_at is not None:
        raise OAuthError(
            "invalid_token", "this access token was already used for its credential", status=401
        )
    wanted, (proof_type, given), draft13 = _requested(body, offer.configuration_id)
    slug_wanted, format = split_configuration(wanted)
    slug_offered, _ = split_configuration(offer.configuration_id)
    if format not in FORMATS or slug_wanted != slug_offered:
        raise OAuthError(
            "unknown_credential_configuration",
            f"{wanted!r} is not what this access token was given for ({offer.configuration_id})",
        )
    audience = issuer_id(platform, organization)
    if proof_type == "jwt":
        try:
            proof = check_key_proof(given, audience=audience, at=now)
        except KeyProofError as exc:
            raise OAuthError("invalid_proof", exc.message) from None
        holder, nonce = proof.holder, proof.nonce
    else:
        holder, nonce = _holder_of_presentation(session, platform, given, audience)
    _use_nonce(session, organization, nonce, now)
    taken = session.execute(  # one credential per access token, even under a race
        update(CredentialOffer)
        .where(CredentialOffer.id == offer.id, CredentialOffer.issued_at.is_(None))
        .values(issued_at=now, holder=holder)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(taken) != 1:
        raise OAuthError("invalid_token", "this access token was already used", status=401)
    if offer.grant == AUTHORIZATION_CODE_GRANT:
        new = _copy_to_wallet(session, platform, offer, holder=holder)
    else:
        new = _issue_to_wallet(session, platform, offer, holder=holder)
    offer.issued_id = new.id
    audit.record(
        session,
        at=now,
        actor="system:oid4vci",
        action="oid4vci.credential",
        subject=new.id,
        data={
            "offer": offer.id,
            "format": format,
            "holder": holder,
            "organization_id": organization.id,
        },
    )
    if format == "jwt_vc_json":
        _row, key = signing_key(session, platform, organization)
        return Issued(encode_jwt_credential(new.document, key, at=now), draft13, new)
    return Issued(copy.deepcopy(new.document), draft13, new)


def _issue_to_wallet(
    session: Session, platform: Platform, offer: CredentialOffer, *, holder: str
) -> IssuedCredential:
    """The offered credential issued again, bound to ``holder``; the email-only one revoked
    as replaced, and its claim link used up (:func:`claims.claim_for_did`)."""
    try:
        return claims.claim_for_did(
            session,
            platform,
            claim_id=offer.claim_id,
            credential_id=offer.credential_id,
            holder=holder,
            actor=Principal.system(f"oid4vci:offer:{offer.id}"),
        )
    except Conflict as exc:
        raise OAuthError("credential_request_denied", exc.message) from None


def _copy_to_wallet(
    session: Session, platform: Platform, offer: CredentialOffer, *, holder: str
) -> IssuedCredential:
    """The authorization code flow: a copy of the resident's own credential, bound to the
    wallet app's key, issued anew (its own id and status entries). The resident keeps
    theirs; revoking or suspending either leaves the other as it is."""
    held = session.get(IssuedCredential, offer.credential_id)
    if (
        held is None
        or held.state != "active"
        or held.replaced_by is not None
        or (held.valid_until is not None and held.valid_until <= platform.now())
    ):
        raise OAuthError(
            "credential_request_denied", "the credential is no longer current: nothing to copy"
        )
    organization = session.get(Organization, held.organization_id)
    achievement = session.get(Achievement, held.achievement_id) if held.achievement_id else None
    if organization is None:  # pragma: no cover - a foreign key
        raise OAuthError("credential_request_denied", "the issuer no longer exists")
    new = issuing.issue_document(
        session,
        platform,
        Principal.system(f"oid4vci:person:{offer.person_id}"),
        organization,
        _bound(held, holder),
        achievement=achievement,
        recipient=Recipient(
            email=held.recipient_email,
            identifier=claims.identifier_of(held),
            name=held.recipient_name,
            person_id=offer.person_id,
            did=holder,
        ),
        cryptosuite=issuing.cryptosuite_of(held.document),
    )
    new.achievement_version = held.achievement_version
    return new


def _bound(held: IssuedCredential, holder: str) -> dict[str, Any]:
    try:
        return claims.bound_document(held, holder)
    except Conflict as exc:
        raise OAuthError("credential_request_denied", exc.message) from None
