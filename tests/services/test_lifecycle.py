"""A credential's life after issuance: reasons verifiers see, renewal and extension as
replacements, the bulk extension job (resumable), expiry reminders, the organization's
standing in the trust registry, and shares and request answers that follow replacements."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services import jobs
from openler.services.errors import Conflict, Forbidden, UsageError
from openler.services.holders import sharing
from openler.services.issuers import achievements, issuing, lifecycle, orgs, reminders
from openler.services.issuers.recipients import Recipient
from openler.services.office import registry
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers import requests as requests_service
from openler.services.verifiers.credential_state import issuer_notes
from openler.services.verifiers.verifying import verify_document
from openler.store.models import (
    AuditEvent,
    IssuedCredential,
    Job,
    JobRow,
    OutboxMessage,
    Person,
    TrustEntryRow,
)
from openler.vc import parse_datetime
from tests.conftest import NOW, load_demo


@pytest.fixture
def world(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
    return platform


def who(s: Session, email: str) -> Principal:
    person = s.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(s, person)


def person(s: Session, email: str) -> Person:
    return s.execute(select(Person).where(Person.email == email)).scalar_one()


def licence_of(s: Session, email: str) -> IssuedCredential:
    """The person's current Ohio RN licence."""
    return s.execute(
        select(IssuedCredential)
        .join(Person, Person.id == IssuedCredential.person_id)
        .where(
            Person.email == email,
            IssuedCredential.replaced_by.is_(None),
            IssuedCredential.kind == "OpenBadgeCredential",
            IssuedCredential.document["name"].as_string() == "Registered Nurse",
        )
    ).scalar_one()


def issue_rn(s: Session, platform: Any, email: str, *, days_ago: int = 0) -> IssuedCredential:
    """An Ohio RN licence (valid 730 days) issued ``days_ago`` days ago."""
    olivia = who(s, "olivia@demo.openler.org")
    ohio = orgs.organization_by_slug(s, "ohio-nursing")
    achievement = achievements.achievement_by_slug(s, ohio, "registered-nurse")
    when = replace(platform, clock=lambda: platform.now() - timedelta(days=days_ago))
    return issuing.issue(s, when, olivia, ohio, achievement, recipient=person(s, email))


# --- reasons ----------------------------------------------------------------------------


def test_a_revocation_reason_is_kept_audited_and_shown_to_verifiers(world: Any) -> None:
    with world.db.session() as s:
        row = licence_of(s, "maria@demo.openler.org")
        olivia = who(s, "olivia@demo.openler.org")
        issuing.set_status(
            s, world, olivia, row.id, action="revoke", reason="  Licence   surrendered "
        )
        assert row.state_reason == "Licence surrendered"
        event = s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "credential.revoke", AuditEvent.subject == row.id
            )
        ).scalar_one()
        assert event.data == {"reason": "Licence surrendered"}
        notes = issuer_notes(s, world, row.document)
        assert [n.sentence for n in notes] == [
            f"Registered Nurse: Revoked on {NOW:%Y-%m-%d} by Ohio Board of Nursing: "
            "Licence surrendered."
        ]
        # the status check fails on the bit; the reason is openler's own note beside it
        report = verify_document(s, world, row.document)
        assert report.status_of("status") == "failed"
        # a copy whose proof is not the one issued gets no note from the issuer
        forged = copy.deepcopy(row.document)
        forged["proof"]["proofValue"] = "z" + "1" * 80
        assert issuer_notes(s, world, forged) == []


def test_a_reason_has_a_limit_and_a_suspension_keeps_its_own(world: Any) -> None:
    with world.db.session() as s:
        row = licence_of(s, "maria@demo.openler.org")
        olivia = who(s, "olivia@demo.openler.org")
        with pytest.raises(UsageError):
            issuing.set_status(s, world, olivia, row.id, action="suspend", reason="x" * 501)
        assert row.state == "active"
        issuing.set_status(s, world, olivia, row.id, action="suspend", reason="Under review")
        assert (
            "by Ohio Board of Nursing: Under review"
            in issuer_notes(s, world, row.document)[0].sentence
        )
        issuing.set_status(s, world, olivia, row.id, action="reinstate")
        assert row.state_reason is None and issuer_notes(s, world, row.document) == []


def test_only_the_issuer_changes_a_status(world: Any) -> None:
    with world.db.session() as s:
        row = licence_of(s, "maria@demo.openler.org")
        for email in ("trainer@demo.openler.org", "maria@demo.openler.org"):
            with pytest.raises(Forbidden):
                issuing.set_status(s, world, who(s, email), row.id, action="revoke", reason="x")
        assert row.state == "active" and row.state_reason is None


# --- renewal and extension --------------------------------------------------------------


def test_renewal_replaces_the_credential_from_now(world: Any) -> None:
    with world.db.session() as s:
        old = issue_rn(s, world, "james@demo.openler.org", days_ago=700)
        olivia = who(s, "olivia@demo.openler.org")
        new = lifecycle.renew(s, world, olivia, old.id)
        assert new.previous_id == old.id and old.replaced_by == new.id
        # superseded, not revoked: a copy handed out before stays valid to its own end
        assert old.state == "active" and old.state_reason == f"renewed as {new.id}"
        assert parse_datetime(new.document["validFrom"]) == NOW
        assert new.valid_until == NOW + timedelta(days=730)
        assert new.person_id == old.person_id
        assert verify_document(s, world, new.document).verified
        assert verify_document(s, world, old.document).verified
        assert issuer_notes(s, world, old.document)[0].current_id == new.id
        with pytest.raises(Conflict):
            lifecycle.renew(s, world, olivia, old.id)  # already replaced
        shorter = lifecycle.renew(s, world, olivia, new.id, days=30)
        assert shorter.valid_until == NOW + timedelta(days=30)
        # revoking the current licence revokes every copy it superseded, for its reason
        issuing.set_status(s, world, olivia, shorter.id, action="revoke", reason="Surrendered")
        for row in (old, new):
            assert row.state == "revoked" and row.state_reason == "Surrendered"
            assert not verify_document(s, world, row.document).verified
        assert "Revoked" in issuer_notes(s, world, old.document)[0].sentence


def test_a_superseded_copy_follows_a_suspension_and_its_reinstatement(world: Any) -> None:
    with world.db.session() as s:
        old = licence_of(s, "maria@demo.openler.org")
        olivia = who(s, "olivia@demo.openler.org")
        new = lifecycle.extend(s, world, olivia, old.id, days=90)
        issuing.set_status(s, world, olivia, new.id, action="suspend", reason="Under review")
        assert old.state == "suspended" and not verify_document(s, world, old.document).verified
        issuing.set_status(s, world, olivia, new.id, action="reinstate")
        assert old.state == "active" and verify_document(s, world, old.document).verified


def test_renewal_is_for_the_issuers_staff(world: Any) -> None:
    with world.db.session() as s:
        row = licence_of(s, "maria@demo.openler.org")
        for email in ("trainer@demo.openler.org", "maria@demo.openler.org"):
            with pytest.raises(Forbidden):
                lifecycle.renew(s, world, who(s, email), row.id)
        assert row.replaced_by is None


def test_extension_moves_the_end_and_keeps_the_start(world: Any) -> None:
    with world.db.session() as s:
        old = licence_of(s, "maria@demo.openler.org")
        olivia = who(s, "olivia@demo.openler.org")
        assert old.valid_until is not None
        new = lifecycle.extend(s, world, olivia, old.id, days=90)
        assert new.valid_until == old.valid_until + timedelta(days=90)
        assert new.document["validFrom"] == old.document["validFrom"]
        assert old.state_reason == f"extended as {new.id}"
        # a credential without an end date has nothing to extend
        iv = s.execute(
            select(IssuedCredential).where(
                IssuedCredential.document["name"].as_string() == "IV Therapy and Infusion Safety"
            )
        ).scalar_one()
        trainer = who(s, "trainer@demo.openler.org")
        with pytest.raises(Conflict):
            lifecycle.extend(s, world, trainer, iv.id, days=30)


# --- the bulk extension job -------------------------------------------------------------


class Held:
    """A queue that keeps jobs for the test to run."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def submit(self, job_id: str) -> None:
        self.ids.append(job_id)


def five_more_licences(world: Any) -> list[str]:
    with world.db.session() as s:
        return [
            issue_rn(s, world, email, days_ago=days).id
            for email, days in (
                ("james@demo.openler.org", 100),
                ("dana@demo.openler.org", 600),
                ("luis@demo.openler.org", 650),
                ("james@demo.openler.org", 10),
                ("dana@demo.openler.org", 800),  # expired: not extended
            )
        ]


def olivia_of(world: Any) -> Principal:
    with world.db.session() as s:
        return who(s, "olivia@demo.openler.org")


def test_extending_every_active_licence_as_one_job(world: Any) -> None:
    issued = five_more_licences(world)
    olivia = olivia_of(world)
    with world.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        preview = lifecycle.preview_extension(
            s, world, olivia, ohio, days=180, achievement_slug="registered-nurse"
        )
    # Maria's licence and four of the five; not Kevin's (suspended) nor the expired one
    assert preview.count == 5
    queue = Held()
    job_id = lifecycle.submit_extension(
        world, queue, olivia, organization_slug="ohio-nursing", days=180
    )
    assert jobs.run_job(world, queue.ids[0]) == "done"
    with world.db.session() as s:
        found = lifecycle.extension_job(s, olivia, job_id)
        assert (found.job.total, found.job.done, found.extended, found.failed) == (5, 5, 5, 0)
        assert found.job.organization_id == ohio.id
        for r in found.rows:
            old = s.get(IssuedCredential, r.credential_id)
            new = s.get(IssuedCredential, r.replacement_id)
            assert old is not None and new is not None and old.valid_until is not None
            assert old.replaced_by == new.id and new.job_id == job_id
            assert new.valid_until == old.valid_until + timedelta(days=180)
            assert verify_document(s, world, new.document).verified
            assert old.state == "active"  # superseded: valid to its own end, not revoked
            assert verify_document(s, world, old.document).verified
        expired = s.get(IssuedCredential, issued[4])
        assert expired is not None and expired.replaced_by is None
        actions = [
            e.action
            for e in s.execute(
                select(AuditEvent).where(AuditEvent.subject == f"job:{job_id}")
            ).scalars()
        ]
        assert "extension.start" in actions and "extension.finish" in actions
        lines = list(lifecycle.report_lines(lifecycle.extension_job(s, olivia, job_id)))
        assert lines[0][:2] == ["row", "outcome"] and len(lines) == 6
    # running it again does nothing twice
    assert jobs.run_job(world, job_id) == "done"
    with world.db.session() as s:
        assert s.scalar(select(func.count()).where(IssuedCredential.job_id == job_id)) == 5


def test_an_extension_can_be_narrowed_by_dates(world: Any) -> None:
    five_more_licences(world)
    olivia = olivia_of(world)
    with world.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        soon = (NOW + timedelta(days=200)).date().isoformat()
        # Dana's (600 days ago) and Luis's (650) end within 200 days
        assert (
            lifecycle.preview_extension(s, world, olivia, ohio, days=30, expiring_before=soon).count
            == 2
        )
        early = (NOW - timedelta(days=50)).date().isoformat()
        assert (
            lifecycle.preview_extension(s, world, olivia, ohio, days=30, issued_before=early).count
            == 3
        )
        with pytest.raises(UsageError):
            lifecycle.preview_extension(s, world, olivia, ohio, days=30, issued_before="soon")
        with pytest.raises(UsageError):
            lifecycle.preview_extension(s, world, olivia, ohio, days=0)


def test_only_issuer_admins_extend_many(world: Any) -> None:
    for email in ("trainer@demo.openler.org", "maria@demo.openler.org"):
        with world.db.session() as s:
            principal = who(s, email)
        with pytest.raises(Forbidden):
            lifecycle.submit_extension(
                world, Held(), principal, organization_slug="ohio-nursing", days=30
            )
    with world.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_a_crashed_extension_resumes_without_doubling(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    five_more_licences(world)
    olivia = olivia_of(world)
    monkeypatch.setattr(lifecycle, "CHUNK", 2)
    real = lifecycle.extend
    calls = {"n": 0}

    def crash_on_the_fourth(*args: Any, **kwargs: Any) -> IssuedCredential:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("the worker was killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "extend", crash_on_the_fourth)
    queue = Held()
    job_id = lifecycle.submit_extension(
        world, queue, olivia, organization_slug="ohio-nursing", days=30
    )
    assert jobs.run_job(world, job_id) == "failed"
    with world.db.session() as s:
        outcomes = sorted(
            r.outcome for r in s.execute(select(JobRow).where(JobRow.job_id == job_id)).scalars()
        )
        # the first chunk (two) was committed; the crashed chunk rolled back entirely
        assert outcomes == ["extended", "extended", "pending", "pending", "pending"]
        assert s.scalar(select(func.count()).where(IssuedCredential.job_id == job_id)) == 2
    assert jobs.run_job(world, job_id) == "done"
    with world.db.session() as s:
        made = list(
            s.execute(select(IssuedCredential).where(IssuedCredential.job_id == job_id)).scalars()
        )
        assert len(made) == 5 and len({m.previous_id for m in made}) == 5
        job = s.get(Job, job_id)
        assert job is not None and (job.total, job.done) == (5, 5)


# --- expiry reminders -------------------------------------------------------------------


def test_reminders_go_once_per_credential_and_threshold(world: Any) -> None:
    with world.db.session() as s:
        in_30 = issue_rn(s, world, "james@demo.openler.org", days_ago=700)  # ends in 30 days
        in_10 = issue_rn(s, world, "dana@demo.openler.org", days_ago=720)  # ends in 10 days
        olivia = who(s, "olivia@demo.openler.org")
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        achievement = achievements.achievement_by_slug(s, ohio, "registered-nurse")
        past = replace(world, clock=lambda: world.now() - timedelta(days=700))
        numbered = issuing.issue(
            s, past, olivia, ohio, achievement, recipient=Recipient(identifier="RN-1", name="Al")
        )
        in_30_id, in_10_id, numbered_id = in_30.id, in_10.id, numbered.id
    first = reminders.send_due(world, thresholds=(60, 14))
    assert (first.sent, first.without_address) == (2, 1)
    with world.db.session() as s:
        sent = {m.ref: m for m in s.execute(select(OutboxMessage)).scalars()}
        assert set(sent) == {f"60d:{in_30_id}", f"14d:{in_10_id}"}  # the nearest only
        assert sent[f"60d:{in_30_id}"].to_address == "james@demo.openler.org"
        assert "Registered Nurse" in sent[f"14d:{in_10_id}"].body
        assert f"60d:{numbered_id}" not in sent
    again = reminders.send_due(world, thresholds=(60, 14))
    assert (again.sent, again.already_sent) == (0, 2)
    # twenty days on, the 30-day one comes within 14 days: its second reminder
    later = replace(world, clock=lambda: world.now() + timedelta(days=20))
    assert reminders.send_due(later, thresholds=(60, 14)).sent == 1


def test_reminders_for_an_organization_are_its_admins(world: Any) -> None:
    with world.db.session() as s:
        issue_rn(s, world, "james@demo.openler.org", days_ago=700)
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        with pytest.raises(Forbidden):
            reminders.send_reminders(
                s, world, who(s, "trainer@demo.openler.org"), organization=ohio
            )
        with pytest.raises(Forbidden):  # everyone's: the platform's, not an organization's
            reminders.send_reminders(s, world, who(s, "olivia@demo.openler.org"))
        run = reminders.send_reminders(
            s, world, who(s, "olivia@demo.openler.org"), organization=ohio
        )
        assert run.sent == 1


# --- standing in the trust registry -----------------------------------------------------


def test_standing_follows_the_registry(world: Any) -> None:
    with world.db.session() as s:
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        assert lifecycle.standing(s, world, ohio).trusted
        renee = who(s, "renee@demo.openler.org")
        did = orgs.org_did(world, ohio)
        registry.set_state(s, world, renee, did, state="suspended", reason="Audit pending")
        found = lifecycle.standing(s, world, ohio)
        assert (found.code, found.trusted) == ("suspended", False)
        assert "Audit pending" in found.message
        registry.remove_entry(s, world, renee, did)
        assert lifecycle.standing(s, world, ohio).code == "not-registered"
        for row in s.execute(select(TrustEntryRow)).scalars():
            s.delete(row)
        s.flush()
        assert lifecycle.standing(s, world, ohio).code == "no-registry"


# --- shares and request answers follow replacements -------------------------------------


def test_a_share_follows_a_renewal_and_a_reissue(world: Any) -> None:
    with world.db.session() as s:
        maria = who(s, "maria@demo.openler.org")
        row = licence_of(s, "maria@demo.openler.org")
        created = sharing.create_share(
            s, world, maria, credential_ids=[row.id], audience="Employer", purpose="a job"
        )
        token, old_id = created.token, row.id
    later = replace(world, clock=lambda: world.now() + timedelta(days=2))
    with later.db.session() as s:
        new = lifecycle.renew(s, later, who(s, "olivia@demo.openler.org"), old_id)
        renewed_id = new.id
    with later.db.session() as s:
        view = sharing.view_share(
            s, later, token, viewer="link:test", principal=Principal.system("share link")
        )
        assert view.report.verified, view.report.errors()
        assert sharing.credential_ids(view.presentation) == [renewed_id]
        assert sharing.credential_ids(view.share.presentation) == [old_id]  # as the holder made it
        assert [u.sentence for u in view.updates] == [
            f"Registered Nurse was updated since it was shared: renewed on {later.now():%Y-%m-%d}."
        ]
        viewed = s.execute(select(AuditEvent).where(AuditEvent.action == "share.view")).scalar_one()
        assert viewed.data == {"verified": True, "presented_anew": [renewed_id]}
    # a key revocation and re-issue: the share keeps verifying
    with later.db.session() as s:
        olivia = who(s, "olivia@demo.openler.org")
        ohio = orgs.organization_by_slug(s, "ohio-nursing")
        orgs.rotate_key(s, later, olivia, "ohio-nursing")
        first = s.get(IssuedCredential, renewed_id)
        assert first is not None and first.key_id is not None
        orgs.revoke_key(s, later, olivia, first.key_id)
        reissued = issuing.reissue(s, later, olivia, renewed_id)
        reissued_id = reissued.id
        assert ohio.id == reissued.organization_id
    with later.db.session() as s:
        view = sharing.view_share(
            s, later, token, viewer="link:test", principal=Principal.system("share link")
        )
        assert view.report.verified, view.report.errors()
        assert sharing.credential_ids(view.presentation) == [reissued_id]
        assert [u.how for u in view.updates] == ["re-issued"]  # the latest step


def test_a_revoked_shared_credential_shows_the_reason(world: Any) -> None:
    with world.db.session() as s:
        maria = who(s, "maria@demo.openler.org")
        row = licence_of(s, "maria@demo.openler.org")
        created = sharing.create_share(
            s, world, maria, credential_ids=[row.id], audience="Employer", purpose="a job"
        )
        issuing.set_status(
            s, world, who(s, "olivia@demo.openler.org"), row.id, action="revoke", reason="Fraud"
        )
    with world.db.session() as s:
        view = sharing.view_share(
            s, world, created.token, viewer="link:test", principal=Principal.system("share link")
        )
        assert not view.report.verified and view.updates == ()
        assert [n.sentence for n in view.notes] == [
            f"Registered Nurse: Revoked on {NOW:%Y-%m-%d} by Ohio Board of Nursing: Fraud."
        ]


def test_a_request_answer_follows_an_extension(world: Any) -> None:
    with world.db.session() as s:
        hr = who(s, "hr@demo.openler.org")
        asked = requests_service.create_request(
            s, world, hr, organization_slug="piedmont-hospital", query={}
        )
        challenge, request_id = asked.challenge, asked.id
        row = licence_of(s, "maria@demo.openler.org")
        old_id = row.id
    with world.db.session() as s:
        answered = requests_service.answer_from_wallet(
            s, world, who(s, "maria@demo.openler.org"), challenge, credential_ids=[old_id]
        )
        assert answered.verified
    later = replace(world, clock=lambda: world.now() + timedelta(minutes=5))
    with later.db.session() as s:
        new = lifecycle.extend(s, later, who(s, "olivia@demo.openler.org"), old_id, days=60)
        new_id = new.id
    with later.db.session() as s:
        hr = who(s, "hr@demo.openler.org")
        request, report = requests_service.view_request(s, later, hr, request_id)
        assert report is not None and report.verified, report and report.errors()
        assert request.presentation is not None
        assert sharing.credential_ids(request.presentation) == [old_id]  # the answer as given
        assert "Registered Nurse" in report.credentials[0].description
        updates, notes = requests_service.answer_notes(s, later, request)
        assert [u.how for u in updates] == ["extended"] and notes == []
        viewed = s.execute(
            select(AuditEvent).where(AuditEvent.action == "request.view")
        ).scalar_one()
        assert viewed.data == {"verified": True, "presented_anew": [new_id]}
        with pytest.raises(Forbidden):
            requests_service.view_request(s, later, who(s, "olivia@demo.openler.org"), request_id)
