"""The trust registry kept by the platform: registry administrators add, suspend and
withdraw issuers and recognition rules; every change is audited; anyone can fetch a
snapshot signed by the registry authority for offline verification."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import orgs
from openler.services.people.accounts import Principal
from openler.services.verifiers.verifying import registry as load_registry
from openler.store.models import Organization, RecognitionRow, TrustEntryRow
from openler.vc import TRUST_STATES as STATES
from openler.vc import Recognition, TrustEntry, VCError, add_proof


def authority_of(session: Session, principal: Principal) -> Organization:
    """The registry authority the principal administers."""
    for org_id in principal.organizations_with("registry_admin"):
        organization = session.get(Organization, org_id)
        if organization is not None and organization.kind == "registry_authority":
            return organization
    # Platform administrators run the platform; the registry belongs to the state's office.
    raise Forbidden("this needs the registry_admin role in a registry authority")


def add_entry(
    session: Session, platform: Platform, principal: Principal, data: dict[str, Any]
) -> TrustEntry:
    authority = authority_of(session, principal)
    try:
        entry = TrustEntry.from_json(
            {**data, "registeredBy": data.get("registeredBy", authority.name)}
        )
    except VCError as exc:
        raise UsageError(exc.message) from None
    row = session.get(TrustEntryRow, entry.issuer)
    if row is None:
        session.add(
            TrustEntryRow(issuer=entry.issuer, data=entry.to_json(), updated_at=platform.now())
        )
    else:
        row.data, row.updated_at = entry.to_json(), platform.now()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="trust.add",
        subject=entry.issuer,
        data=entry.to_json(),
    )
    return entry


def set_state(
    session: Session,
    platform: Platform,
    principal: Principal,
    issuer: str,
    *,
    state: str,
    reason: str | None,
) -> TrustEntry:
    authority_of(session, principal)
    if state not in STATES:
        raise UsageError(f"state must be one of {', '.join(STATES)}")
    row = session.get(TrustEntryRow, issuer)
    if row is None:
        raise NotFound(f"{issuer} is not in the trust registry")
    registry = load_registry(session)
    entry = registry.set_state(issuer, state, at=platform.now(), reason=reason)
    row.data, row.updated_at = entry.to_json(), platform.now()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action=f"trust.{state}",
        subject=issuer,
        data={"reason": reason},
    )
    return entry


def add_recognition(
    session: Session, platform: Platform, principal: Principal, data: dict[str, Any]
) -> Recognition:
    authority_of(session, principal)
    try:
        rule = Recognition.from_json(data)
    except VCError as exc:
        raise UsageError(exc.message) from None
    session.add(RecognitionRow(data=rule.to_json()))
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="trust.recognize",
        subject=rule.jurisdiction,
        data=rule.to_json(),
    )
    return rule


def entries(session: Session) -> list[dict[str, Any]]:
    return [
        row.data
        for row in session.execute(select(TrustEntryRow).order_by(TrustEntryRow.issuer)).scalars()
    ]


def snapshot(session: Session, platform: Platform) -> dict[str, Any]:
    """The registry as a ``TrustRegistryCredential`` signed by the registry authority."""
    authority = (
        session.execute(select(Organization).where(Organization.kind == "registry_authority"))
        .scalars()
        .first()
    )
    if authority is None:
        raise Conflict("this platform has no registry authority to sign a snapshot")
    _row, key = orgs.signing_key(session, platform, authority)
    registry = load_registry(session)
    registry.name = f"{authority.name} trust registry"
    registry.jurisdiction = authority.jurisdiction
    unsigned = registry.snapshot(
        registry_id=f"{platform.settings.public_url}/trust",
        authority=orgs.org_did(platform, authority),
        at=platform.now(),
    )
    return add_proof(unsigned, key, created=platform.now())


def recognitions(session: Session) -> list[dict[str, Any]]:
    return [row.data for row in session.execute(select(RecognitionRow)).scalars()]


def candidates(session: Session, platform: Platform) -> list[tuple[str, str, str | None]]:
    """The platform's issuing organizations not yet in the registry: (DID, name,
    jurisdiction), for the registry office to add."""
    registered = {row.issuer for row in session.execute(select(TrustEntryRow)).scalars()}
    found = []
    for organization in session.execute(
        select(Organization)
        .where(Organization.kind != "registry_authority")
        .order_by(Organization.name)
    ).scalars():
        did = orgs.org_did(platform, organization)
        if did not in registered:
            found.append((did, organization.name, organization.jurisdiction))
    return found
