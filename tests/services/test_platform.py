"""Issuing, status, keys, audit and accounts on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from openler.services import audit
from openler.services.errors import Conflict, Forbidden, Unauthenticated
from openler.services.issuers import achievements, issuing, orgs
from openler.services.people import accounts
from openler.services.verifiers.verifying import verify_document
from openler.store.models import AuditEvent, IssuerKey
from tests.conftest import NOW, SETUP

RN = {
    "name": "Registered Nurse",
    "description": "Licensed to practise as a Registered Nurse in Ohio.",
    "criteria": {"narrative": "NCLEX-RN and Ohio Revised Code 4723."},
    "achievementType": "License",
}


def setup_board(platform: Any) -> dict[str, Any]:
    with platform.db.session() as s:
        board = orgs.create_organization(
            s,
            platform,
            SETUP,
            slug="ohio-nursing",
            name="Ohio Board of Nursing",
            kind="issuer",
            jurisdiction="US-OH",
        )
        other = orgs.create_organization(
            s,
            platform,
            SETUP,
            slug="other-board",
            name="Other Board",
            kind="issuer",
            jurisdiction="US-VA",
        )
        orgs.create_key(s, platform, board, actor=SETUP)
        orgs.create_key(s, platform, other, actor=SETUP)
        staff = accounts.create_person(
            s,
            platform,
            name="Sam Staff",
            email="sam@board.example",
            password="correct horse battery",
            actor=SETUP,
        )
        stranger = accounts.create_person(
            s,
            platform,
            name="Val Other",
            email="val@other.example",
            password="correct horse battery",
            actor=SETUP,
        )
        maria = accounts.create_person(
            s,
            platform,
            name="Maria",
            email="maria@example.org",
            password="correct horse battery",
            did="did:example:maria",
            actor=SETUP,
        )
        accounts.add_member(
            s, platform, person=staff, organization=board, role="issuer_staff", actor=SETUP
        )
        accounts.add_member(
            s, platform, person=stranger, organization=other, role="issuer_admin", actor=SETUP
        )
        achievement = achievements.create_achievement(
            s, platform, SETUP, board, slug="rn", data=RN, valid_days=730
        )
        return {
            "board": board.id,
            "achievement": achievement.id,
            "staff": accounts.principal_for(s, staff),
            "stranger": accounts.principal_for(s, stranger),
            "maria": maria.id,
        }


def issue_to_maria(platform: Any, ids: dict[str, Any], principal: Any = None) -> str:
    from openler.store.models import Achievement, Organization, Person

    with platform.db.session() as s:
        credential = issuing.issue(
            s,
            platform,
            principal or ids["staff"],
            s.get(Organization, ids["board"]),
            s.get(Achievement, ids["achievement"]),
            recipient=s.get(Person, ids["maria"]),
            extra_subject={"licenseNumber": "RN.123456"},
        )
        return credential.id


def verify_stored(platform: Any, credential_id: str, at: Any = None) -> Any:
    from openler.store.models import IssuedCredential

    with platform.db.session() as s:
        document = s.get(IssuedCredential, credential_id).document
        return verify_document(s, platform, document, at=at)


def test_issue_verify_suspend_reinstate_revoke(platform: Any) -> None:
    ids = setup_board(platform)
    credential_id = issue_to_maria(platform, ids)
    report = verify_stored(platform, credential_id)
    assert report.verified, report.summary
    assert report.check("status").message.startswith("Not revoked; not suspended")
    with platform.db.session() as s:
        issuing.set_status(s, platform, ids["staff"], credential_id, action="suspend")
    board = "did:web:127.0.0.1%3A8000:orgs:ohio-nursing"  # not in a trust registry here
    assert f"Suspended by {board} (" in verify_stored(platform, credential_id).summary
    with platform.db.session() as s:
        issuing.set_status(s, platform, ids["staff"], credential_id, action="reinstate")
    assert verify_stored(platform, credential_id).verified
    with platform.db.session() as s:
        issuing.set_status(s, platform, ids["staff"], credential_id, action="revoke")
    assert f"Revoked by {board} (" in verify_stored(platform, credential_id).summary
    with platform.db.session() as s, pytest.raises(Conflict, match="stays revoked"):
        issuing.set_status(s, platform, ids["staff"], credential_id, action="reinstate")


def test_other_organizations_cannot_issue_or_revoke(platform: Any) -> None:
    ids = setup_board(platform)
    with pytest.raises(Forbidden):
        issue_to_maria(platform, ids, principal=ids["stranger"])
    credential_id = issue_to_maria(platform, ids)
    with platform.db.session() as s, pytest.raises(Forbidden):
        issuing.set_status(s, platform, ids["stranger"], credential_id, action="revoke")


def test_key_rotation_keeps_old_credentials_and_revocation_stops_them(platform: Any) -> None:
    ids = setup_board(platform)
    old = issue_to_maria(platform, ids)
    with platform.db.session() as s:
        from openler.store.models import Organization

        board = s.get(Organization, ids["board"])
        first_key = orgs.keys_of(s, board)[0]
        orgs.create_key(s, platform, board, actor=SETUP)
    new = issue_to_maria(platform, ids)
    assert verify_stored(platform, old).verified
    assert verify_stored(platform, new).verified
    with platform.db.session() as s:
        board_admin = accounts.Principal(
            "x", "Admin", "a@x", {ids["board"]: frozenset({"issuer_admin"})}
        )
        orgs.revoke_key(s, platform, board_admin, first_key.id)
    report = verify_stored(platform, old)
    assert not report.verified
    assert "was revoked on" in report.check("proof").message
    fresh = verify_stored(platform, new)
    assert fresh.verified, fresh.summary


def test_private_keys_are_sealed_at_rest(platform: Any) -> None:
    ids = setup_board(platform)
    with platform.db.session() as s:
        from openler.store.models import Organization

        row, key = orgs.signing_key(s, platform, s.get(Organization, ids["board"]))
        assert key.secret_seed() not in row.encrypted_secret
        assert "secret" not in repr(key) and "seed" not in repr(
            row.__dict__.get("public_key_multibase")
        )
        document = orgs.did_document(s, platform, s.get(Organization, ids["board"]))
        assert "secretKeyMultibase" not in str(document)


def test_audit_chain_detects_edits_deletions_and_reordering(platform: Any) -> None:
    ids = setup_board(platform)
    issue_to_maria(platform, ids)
    with platform.db.session() as s:
        report = audit.verify_chain(s)
        assert report.ok and report.events >= 8, report.message
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone-else"))
    with platform.db.session() as s:
        assert "event 3" in audit.verify_chain(s).message and not audit.verify_chain(s).ok
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor=SETUP.label))
        assert audit.verify_chain(s).ok
    with platform.db.session() as s:
        s.delete(s.get(AuditEvent, 4))
    with platform.db.session() as s:
        assert "event 4 is missing" in audit.verify_chain(s).message


def test_login_throttling_and_sessions(platform: Any) -> None:
    setup_board(platform)
    with platform.db.session() as s:
        result = accounts.login(
            s, platform, email="maria@example.org", password="correct horse battery"
        )
        info = accounts.resolve_session(s, platform, result.token)
        assert info is not None and info.principal.name == "Maria"
    for _ in range(platform.settings.login_attempts):
        with (
            platform.db.session() as s,
            pytest.raises(Unauthenticated, match="wrong email or password"),
        ):
            accounts.login(s, platform, email="maria@example.org", password="wrong password!")
    with (
        platform.db.session() as s,
        pytest.raises(Unauthenticated, match="too many failed sign-in attempts"),
    ):
        accounts.login(s, platform, email="maria@example.org", password="correct horse battery")
    with platform.db.session() as s, pytest.raises(Unauthenticated):
        accounts.login(s, platform, email="nobody@example.org", password="whatever password")
    with platform.db.session() as s:
        actions = [e.action for e in s.execute(select(AuditEvent)).scalars()]
        assert "login" in actions and "login.failed" in actions and "login.locked" in actions


def test_expired_sessions_are_removed_when_a_new_one_starts(platform: Any) -> None:
    from openler.store.models import SessionRow

    setup_board(platform)
    with platform.db.session() as s:
        old = accounts.login(
            s, platform, email="maria@example.org", password="correct horse battery"
        )
    later = platform.clock() + timedelta(hours=platform.settings.session_hours + 1)
    platform.clock = lambda: later
    with platform.db.session() as s:
        assert accounts.resolve_session(s, platform, old.token) is None  # expired
        new = accounts.login(
            s, platform, email="maria@example.org", password="correct horse battery"
        )
        rows = s.execute(select(SessionRow)).scalars().all()
        assert [r.id for r in rows] == [accounts.token_digest(new.token)]


def test_status_indexes_are_distinct(platform: Any) -> None:
    ids = setup_board(platform)
    credential_ids = [issue_to_maria(platform, ids) for _ in range(20)]
    from openler.store.models import IssuedCredential

    with platform.db.session() as s:
        rows = [s.get(IssuedCredential, c) for c in credential_ids]
        assert len({r.revocation_index for r in rows}) == 20
        assert len({r.suspension_index for r in rows}) == 20


def test_expired_credential(platform: Any) -> None:
    ids = setup_board(platform)
    credential_id = issue_to_maria(platform, ids)
    report = verify_stored(platform, credential_id, at=NOW + timedelta(days=800))
    assert report.check("validity").status == "failed"
    with platform.db.session() as s:
        assert s.execute(select(IssuerKey)).scalars().first() is not None


def _allocate_many(url: str, kek: str, org_id: str, count: int) -> list[int]:
    from pydantic import SecretStr

    from openler.services.context import Platform
    from openler.settings import Settings
    from openler.store import Database
    from openler.store.models import Organization

    settings = Settings(database_url=url, key_encryption_key=SecretStr(kek))
    platform = Platform(settings, Database(url), clock=lambda: NOW)
    got = []
    for n in range(count):
        with platform.db.session() as s:
            organization = s.get(Organization, org_id)
            assert organization is not None
            _list, index = issuing.allocate_index(s, platform, organization, "revocation", f"c{n}")
            got.append(index)
    platform.db.dispose()
    return got


def test_two_processes_never_get_the_same_index(platform: Any) -> None:
    import multiprocessing

    ids = setup_board(platform)
    with platform.db.session() as s:  # make sure the list exists before the race
        from openler.store.models import Organization

        issuing.allocate_index(s, platform, s.get(Organization, ids["board"]), "revocation", "seed")
    kek = platform.settings.key_encryption_key.get_secret_value()
    args = (platform.settings.database_url, kek, ids["board"], 150)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        first, second = pool.starmap(_allocate_many, [args, args])
    assert len(set(first) | set(second)) == 300
