"""OpenID4VCI offers (§4.1): what openler offers, by value and by reference.

An offer is always of one credential: a claim-flow credential waiting to be claimed
(:func:`create_offer`, :func:`offer_new_credential` for the CLI, :func:`offer_for_claim_link`
for the claim page), or — in ``oid4vci_authorize`` — a resident's own. Its URI secret is
random (the CLI), derived from the claim link (the claim page, so a reload shows the same
offer) or from the key-encryption key (a resident's own); the pre-authorized code and the
``issuer_state`` derive from it, and only digests are stored.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, UsageError
from openler.services.issuers import achievements, claims, issuing
from openler.services.issuers.orgs import organization_by_slug
from openler.services.issuers.recipients import Recipient
from openler.services.people.accounts import Principal, require_role
from openler.services.protocols.oid4vci_issuer import (
    AUTHORIZATION_CODE_GRANT,
    FORMATS,
    OFFER_SCHEME,
    PRE_AUTHORIZED_GRANT,
    OAuthError,
    configuration_id,
    digest,
    endpoint,
    issuer_id,
    issuer_state_of,
)
from openler.store.models import (
    Achievement,
    Claim,
    CredentialOffer,
    IssuedCredential,
    Organization,
    new_id,
)


def _code_of(uri_secret: str) -> str:
    """The pre-authorized code an offer's URI secret stands for (so that neither is
    stored, and the offer can be served by reference from its URI alone)."""
    mac = hmac.new(uri_secret.encode("utf-8"), b"openler oid4vci pre-authorized code", "sha256")
    return mac.hexdigest()


@dataclass(frozen=True)
class MadeOffer:
    """An offer just made: by reference (``uri``), by value (``by_value``), and the
    transaction code the wallet must be told apart (None: none asked)."""

    offer: CredentialOffer
    uri: str
    by_value: str
    tx_code: str | None


def offer_object(
    platform: Platform, organization: Organization, row: CredentialOffer, uri_secret: str
) -> dict[str, Any]:
    """The credential offer (§4.1.1) an offer row stands for."""
    if row.grant == AUTHORIZATION_CODE_GRANT:
        return {
            "credential_issuer": issuer_id(platform, organization),
            "credential_configuration_ids": [row.configuration_id],
            "grants": {AUTHORIZATION_CODE_GRANT: {"issuer_state": issuer_state_of(uri_secret)}},
        }
    grant: dict[str, Any] = {"pre-authorized_code": _code_of(uri_secret)}
    if row.tx_code_hash is not None:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": row.tx_code_length,
            "description": f"The code {organization.name} gave you with this offer",
        }
    return {
        "credential_issuer": issuer_id(platform, organization),
        "credential_configuration_ids": [row.configuration_id],
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_uri_of(platform: Platform, organization: Organization, uri_secret: str) -> str:
    """``openid-credential-offer://?credential_offer_uri=…`` for an offer's secret."""
    url = endpoint(platform, organization, f"offers/{uri_secret}")
    return f"{OFFER_SCHEME}?{urlencode({'credential_offer_uri': url})}"


def by_value_uri(offer: dict[str, Any]) -> str:
    text = json.dumps(offer, separators=(",", ":"))
    return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"


def offered(session: Session, row: IssuedCredential) -> tuple[Achievement, Organization]:
    """The achievement and the issuer of a credential to offer (one of an achievement)."""
    achievement = session.get(Achievement, row.achievement_id) if row.achievement_id else None
    organization = session.get(Organization, row.organization_id)
    if achievement is None or organization is None:
        raise Conflict("only credentials of an achievement can be offered by OpenID4VCI")
    return achievement, organization


def record_offer(
    session: Session,
    platform: Platform,
    principal: Principal,
    offer: CredentialOffer,
    **data: str,
) -> None:
    """Keep a new offer, with its audit event (``oid4vci.offer`` on the credential)."""
    session.add(offer)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="oid4vci.offer",
        subject=offer.credential_id,
        data={
            "offer": offer.id,
            "grant": offer.grant,
            "organization_id": offer.organization_id,
            **data,
        },
    )


def create_offer(
    session: Session,
    platform: Platform,
    principal: Principal,
    claim: Claim,
    *,
    format: str = "ldp_vc",
    tx_code: bool = False,
    claim_token: str | None = None,
) -> MadeOffer:
    """An offer of the credential ``claim`` offers, in ``format``. ``principal`` is its
    issuer's staff, or openler acting for whoever holds the claim link (the link is the
    capability). Given the link's ``claim_token`` (the claim page), the offer's secret is
    derived from it, so the page can show the same offer again; else it is random."""
    if format not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    row = claims.current_credential(session, claim.credential_id)
    require_role(principal, row.organization_id, *issuing.ISSUERS)
    problem = claims.claim_problem(claim, row, platform.now())
    if problem is not None:
        raise Conflict(problem)
    achievement, organization = offered(session, row)
    now = platform.now()
    offer_id = new_id()
    uri_secret = (
        page_offer_secret(claim_token, offer_id) if claim_token else secrets.token_urlsafe(32)
    )
    code = f"{secrets.randbelow(10**6):06d}" if tx_code else None
    offer = CredentialOffer(
        id=offer_id,
        organization_id=organization.id,
        credential_id=claim.credential_id,
        claim_id=claim.id,
        configuration_id=configuration_id(achievement.slug, format),
        uri_hash=digest(uri_secret),
        code_hash=digest(_code_of(uri_secret)),
        tx_code_hash=digest(code) if code else None,
        tx_code_length=len(code) if code else None,
        tx_failures=0,
        created_at=now,
        expires_at=min(
            claim.expires_at, now + timedelta(hours=platform.settings.oid4vci_offer_hours)
        ),
        created_by=principal.label,
        grant="pre-authorized_code",
    )
    record_offer(session, platform, principal, offer, claim=claim.id)
    return MadeOffer(
        offer,
        offer_uri_of(platform, organization, uri_secret),
        by_value_uri(offer_object(platform, organization, offer, uri_secret)),
        code,
    )


def offer_new_credential(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    achievement_slug: str,
    email: str,
    name: str | None = None,
    format: str = "ldp_vc",
    tx_code: bool = False,
) -> MadeOffer:
    """Issue ``achievement_slug`` to ``email`` through the claim flow (a credential naming
    the address, a claim link mailed to it) and make an OpenID4VCI offer of it at once —
    what ``openler offers create`` does. Always the email-only credential, whether or not
    the address has an account here: the wallet that redeems the offer binds it. Refused
    (:class:`claims.AlreadyHolds`) when the address already holds a current credential of
    the achievement."""
    require_role(principal, organization.id, *issuing.ISSUERS)
    if format not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    achievement = achievements.achievement_by_slug(session, organization, achievement_slug)
    recipient = Recipient(email=email, name=name)
    held = issuing.holding(session, organization, achievement, recipient.key, now=platform.now())
    if held is not None:  # never a silent duplicate: renewal and re-issue are their own actions
        raise claims.AlreadyHolds(held, name or held.recipient_name or recipient.email or email)
    row = issuing.issue(
        session, platform, principal, organization, achievement, recipient=recipient
    )
    claim = claims.offer_claim(session, platform, row, recipient)
    if claim is None:  # pragma: no cover - an email-only credential always gets a claim
        raise Conflict("the credential could not be offered for claiming")
    session.flush()
    return create_offer(session, platform, principal, claim, format=format, tx_code=tx_code)


def offer_for_claim_link(session: Session, platform: Platform, claim_token: str) -> MadeOffer:
    """The claim page's "use another wallet app": an offer of what the link ``claim_token``
    offers, made by openler for whoever holds the link (the same capability), its secret
    derived from the link's so the page can show it again. An offer the page made that
    still works is given again rather than a new one."""
    found = claims.offer(session, platform, claim_token)
    if found.problem is not None:
        raise Conflict(found.problem)
    existing = page_offer(session, platform, claim_token)
    if existing is not None:
        return existing
    return create_offer(
        session,
        platform,
        Principal.system("claim-link"),
        found.claim,
        claim_token=claim_token,
    )


def page_offer(session: Session, platform: Platform, claim_token: str) -> MadeOffer | None:
    """The offer the claim page made for the claim link ``claim_token`` that still works
    (not redeemed, not expired), if any — shown again by its page."""
    found = claims.offer(session, platform, claim_token)
    row = session.execute(
        select(CredentialOffer)
        .where(
            CredentialOffer.claim_id == found.claim.id,
            CredentialOffer.redeemed_at.is_(None),
            CredentialOffer.expires_at > platform.now(),
            CredentialOffer.tx_code_hash.is_(None),
        )
        .order_by(CredentialOffer.created_at.desc())
        .limit(1)
    ).scalar()
    if row is None:
        return None
    organization = session.get(Organization, row.organization_id)
    if organization is None:  # pragma: no cover - a foreign key
        return None
    secret = page_offer_secret(claim_token, row.id)
    if digest(secret) != row.uri_hash:
        return None  # made by the CLI, whose secret is not derived from the link
    return MadeOffer(
        row,
        offer_uri_of(platform, organization, secret),
        by_value_uri(offer_object(platform, organization, row, secret)),
        None,
    )


def offer_by_reference(session: Session, platform: Platform, slug: str, uri_secret: str) -> Any:
    """The offer JSON ``credential_offer_uri`` points to (404 once expired or used)."""
    organization = organization_by_slug(session, slug)
    row = session.execute(
        select(CredentialOffer).where(
            CredentialOffer.uri_hash == digest(uri_secret),
            CredentialOffer.organization_id == organization.id,
        )
    ).scalar()
    if row is None or row.redeemed_at is not None or row.expires_at <= platform.now():
        raise OAuthError(
            "invalid_request", "this credential offer is not known, used or expired", status=404
        )
    return offer_object(platform, organization, row, uri_secret)


def page_offer_secret(claim_token: str, offer_id: str) -> str:
    """The URI secret of an offer the claim page made, derived from the claim link's
    secret, so the page can show it again while nothing but digests is stored."""
    mac = hmac.new(claim_token.encode("utf-8"), f"oid4vci offer {offer_id}".encode(), "sha256")
    return mac.hexdigest()
