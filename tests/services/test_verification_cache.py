"""Verification inside the platform keeps DID documents, verified status lists and the
trust registry per process — and never answers from them once anything they came from has
changed, committed or not, rolled back or not."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from openler.services.issuers import issuing, orgs
from openler.services.office import registry
from openler.services.people import accounts
from openler.services.verifiers.verifying import verify_document
from openler.store import publication
from openler.store.models import (
    Achievement,
    IssuedCredential,
    IssuerKey,
    Organization,
    Person,
    TrustEntryRow,
)
from tests.conftest import SETUP, load_demo


@pytest.fixture
def world(platform: Any) -> Any:
    with platform.db.session() as session:
        load_demo(session, platform)
    return platform


def license_of(platform: Any, email: str = "maria@demo.openler.org") -> dict[str, Any]:
    with platform.db.session() as session:
        person = session.execute(select(Person).where(Person.email == email)).scalar_one()
        return next(
            dict(c.document)
            for c in issuing.credentials_of(session, person.id)
            if c.document["name"] == "Registered Nurse"
        )


def check(platform: Any, document: dict[str, Any]) -> Any:
    with platform.db.session() as session:
        return verify_document(session, platform, document)


def admin(platform: Any, session: Any, email: str) -> Any:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def test_repeated_verifications_reuse_the_cache(world: Any) -> None:
    document = license_of(world)
    assert check(world, document).verified
    cached = world.memo["verifying"]
    assert check(world, document).verified
    assert world.memo["verifying"] is cached  # nothing changed: nothing rebuilt
    with world.db.session() as session:
        assert cached.token == publication.current(session) != "none"


def test_issuing_does_not_invalidate_but_a_status_change_does(world: Any) -> None:
    document = license_of(world)
    check(world, document)
    token = world.memo["verifying"].token
    with world.db.session() as session:
        ohio = session.execute(
            select(Organization).where(Organization.slug == "ohio-nursing")
        ).scalar_one()
        james = session.execute(
            select(Person).where(Person.email == "james@demo.openler.org")
        ).scalar_one()
        achievement = session.execute(
            select(Achievement).where(
                Achievement.organization_id == ohio.id, Achievement.slug == "registered-nurse"
            )
        ).scalar_one()
        issuing.issue(session, world, SETUP, ohio, achievement, recipient=james)
        assert publication.current(session) == token  # an allocation publishes nothing
    with world.db.session() as session:
        issuing.set_status(session, world, SETUP, document["id"], action="suspend")
    report = check(world, document)
    assert not report.verified and "Suspended by Ohio Board of Nursing" in report.summary
    with world.db.session() as session:
        issuing.set_status(session, world, SETUP, document["id"], action="reinstate")
    assert check(world, document).verified


def test_a_trust_registry_change_is_seen_at_once(world: Any) -> None:
    document = license_of(world)
    assert check(world, document).verified
    with world.db.session() as session:
        issuer = document["issuer"]["id"]
        registry.set_state(
            session,
            world,
            admin(world, session, "renee@demo.openler.org"),
            issuer,
            state="suspended",
            reason="audit",
        )
    report = check(world, document)
    assert not report.verified and "suspended in the trust registry" in report.summary


def test_a_key_revocation_is_seen_at_once(world: Any) -> None:
    document = license_of(world)
    assert check(world, document).verified
    with world.db.session() as session:
        olivia = admin(world, session, "olivia@demo.openler.org")
        orgs.rotate_key(session, world, olivia, "ohio-nursing")
        first = session.execute(
            select(IssuerKey).where(IssuerKey.method_id.endswith("ohio-nursing#key-1"))
        ).scalar_one()
        orgs.revoke_key(session, world, olivia, first.id)
    report = check(world, document)
    assert not report.verified and "was revoked on" in report.summary


def test_an_uncommitted_change_is_seen_by_its_own_transaction_only_and_a_rollback_undoes_it(
    world: Any,
) -> None:
    document = license_of(world)
    assert check(world, document).verified
    session = world.db.sessions()
    with session.begin():
        issuing.set_status(session, world, SETUP, document["id"], action="revoke")
        session.flush()
        inside = verify_document(session, world, document)
        assert not inside.verified and "Revoked" in inside.summary
        session.rollback()
    session.close()
    after = check(world, document)  # the revocation never happened
    assert after.verified, after.summary
    with world.db.session() as session:
        row = session.get(IssuedCredential, document["id"])
        assert row is not None and row.state == "active"


def test_the_token_changes_as_the_transaction_commits(world: Any) -> None:
    document = license_of(world)
    with world.db.session() as session:
        before = publication.current(session)
    session = world.db.sessions()
    with session.begin():
        issuing.set_status(session, world, SETUP, document["id"], action="suspend")
        session.flush()
        assert publication.pending(session)
        assert publication.current(session) == before  # locked last, as it commits
    session.close()
    with world.db.session() as session:
        assert publication.current(session) != before
        assert not publication.pending(session)


def test_a_change_not_yet_flushed_is_seen_by_its_own_transaction(world: Any) -> None:
    """``verify_document`` flushes before it decides whether the cache may answer: a change
    still waiting in the session (here the issuer's trust registry entry deleted) marks the
    transaction as changed, as a flushed one does."""
    document = license_of(world)
    assert check(world, document).verified  # the cache now holds the registry, issuer in it
    session = world.db.sessions()
    with session.begin():
        entry = session.execute(
            select(TrustEntryRow).where(TrustEntryRow.issuer == document["issuer"]["id"])
        ).scalar_one()
        session.delete(entry)
        assert session.deleted and not publication.pending(session)  # not flushed yet
        inside = verify_document(session, world, document)
        assert not inside.verified and "is not in the trust registry" in inside.summary
        session.rollback()
    session.close()
    assert check(world, document).verified
