"""The trust registry kept by the platform: registry administrators register, edit,
suspend, withdraw and remove issuers and add and remove recognition rules; every change is
checked (``registry_input``), never silent (registering a DID twice is refused: an edit
says what it replaces) and audited; anyone can fetch a snapshot signed by the registry
authority for offline verification."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.issuers import orgs
from openler.services.office.registry_input import (
    Edit,
    check_entry,
    check_name,
    check_recognition,
)
from openler.services.people.accounts import Principal
from openler.services.verifiers.verifying import registry as load_registry
from openler.services.wording import N_
from openler.store.models import Organization, RecognitionRow, TrustEntryRow
from openler.vc import TRUST_STATES as STATES
from openler.vc import Recognition, TrustEntry, add_proof

#: an entry's state (``STATES``) as pages name it
STATE_WORDS = {"active": N_("active"), "suspended": N_("suspended"), "withdrawn": N_("withdrawn")}


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
    """Register a new issuer. An issuer already registered is refused (409): replacing it
    is an edit, which shows what it replaces."""
    authority = authority_of(session, principal)
    entry = check_entry({**data, "registeredBy": data.get("registeredBy", authority.name)})
    if entry.state != "active" or entry.state_changed or entry.reason:
        raise UsageError("a new issuer is registered active; change its state afterwards")
    existing = session.get(TrustEntryRow, entry.issuer)
    if existing is not None:
        old = TrustEntry.from_json(existing.data)
        raise Conflict(
            f"{entry.issuer} is already registered as {old.name} ({old.jurisdiction}); "
            f"nothing was changed. To change its entry, edit it (PUT /api/trust/entries"
            f"?issuer=… or Edit on the registry page), which shows the old and the new"
        )
    session.add(TrustEntryRow(issuer=entry.issuer, data=entry.to_json(), updated_at=platform.now()))
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="trust.add",
        subject=entry.issuer,
        data=entry.to_json(),
    )
    return entry


def entry_of(session: Session, issuer: str) -> TrustEntry:
    row = session.get(TrustEntryRow, issuer)
    if row is None:
        raise NotFound(f"{issuer} is not in the trust registry")
    return TrustEntry.from_json(row.data)


def plan_edit(session: Session, principal: Principal, issuer: str, data: dict[str, Any]) -> Edit:
    """What editing ``issuer`` with ``data`` would change (nothing is stored). The DID and
    the registry state stay: a different DID is another issuer, and states change with
    :func:`set_state`."""
    authority = authority_of(session, principal)
    old = entry_of(session, issuer)
    if data.get("issuer", issuer) != issuer:
        raise UsageError("an edit keeps the issuer's DID; register the other DID as a new issuer")
    new = check_entry(
        {
            **data,
            "issuer": issuer,
            "registeredBy": data.get("registeredBy") or old.registered_by or authority.name,
            "state": old.state,
            **({"stateChanged": old.state_changed} if old.state_changed else {}),
            **({"reason": old.reason} if old.reason else {}),
        }
    )
    edit = Edit(old, new)
    if not edit.changes:
        raise UsageError("the edit changes nothing")
    return edit


def edit_entry(
    session: Session, platform: Platform, principal: Principal, issuer: str, data: dict[str, Any]
) -> Edit:
    """Replace an issuer's entry (registry administrators); audited with the old and new."""
    edit = plan_edit(session, principal, issuer, data)
    row = session.get(TrustEntryRow, issuer)
    assert row is not None  # plan_edit found it
    row.data, row.updated_at = edit.new.to_json(), platform.now()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="trust.edit",
        subject=issuer,
        data={"old": edit.old.to_json(), "new": edit.new.to_json()},
    )
    return edit


def remove_entry(
    session: Session, platform: Platform, principal: Principal, issuer: str
) -> TrustEntry:
    """Take an issuer out of the registry: its credentials stop being trusted at once.
    Audited with the entry as it was."""
    authority_of(session, principal)
    row = session.get(TrustEntryRow, issuer)
    if row is None:
        raise NotFound(f"{issuer} is not in the trust registry")
    removed = TrustEntry.from_json(row.data)
    session.delete(row)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="trust.remove",
        subject=issuer,
        data=removed.to_json(),
    )
    return removed


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
    if reason is not None:
        reason = check_name(reason, "the reason")
    registry = load_registry(session)
    before = registry.entries[issuer].state
    entry = registry.set_state(issuer, state, at=platform.now(), reason=reason)
    row.data, row.updated_at = entry.to_json(), platform.now()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action=f"trust.{state}",
        subject=issuer,
        data={"reason": reason, "from": before},
    )
    return entry


def add_recognition(
    session: Session, platform: Platform, principal: Principal, data: dict[str, Any]
) -> Recognition:
    authority_of(session, principal)
    rule = check_recognition(data)
    for _rule_id, existing in recognition_rules(session):
        if existing == rule:
            raise Conflict(f"the rule {rule.name!r} is already in force; nothing was added")
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


def recognition_rules(session: Session) -> list[tuple[str, Recognition]]:
    """The recognition rules with their ids (to remove one), by jurisdiction and name."""
    rules = [
        (row.id, Recognition.from_json(row.data))
        for row in session.execute(select(RecognitionRow)).scalars()
    ]
    return sorted(rules, key=lambda item: (item[1].jurisdiction, item[1].name, item[0]))


def rule_of(session: Session, rule_id: str) -> Recognition:
    row = session.get(RecognitionRow, rule_id)
    if row is None:
        raise NotFound(f"there is no recognition rule {rule_id}")
    return Recognition.from_json(row.data)


def remove_recognition(
    session: Session, platform: Platform, principal: Principal, rule_id: str
) -> Recognition:
    """Remove a recognition rule; audited with the rule as it was."""
    authority_of(session, principal)
    row = session.get(RecognitionRow, rule_id)
    if row is None:
        raise NotFound(f"there is no recognition rule {rule_id}")
    removed = Recognition.from_json(row.data)
    session.delete(row)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="trust.unrecognize",
        subject=removed.jurisdiction,
        data={"id": rule_id, **removed.to_json()},
    )
    return removed


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
