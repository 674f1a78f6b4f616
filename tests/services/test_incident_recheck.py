"""Everyone checked again: a licence revoked, suspended or expired after its holder checked in
turns their row refused, with the reason, and the counts follow (a reinstated one back);
checking again twice changes nothing; a large roster is checked by a job that resumes where
it stopped; the roster page's own re-check starts only when one is due; only the
incident's organization's verifiers may; expired, unanswered check-in requests go."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services import jobs
from openler.services.errors import Conflict, NotFound
from openler.services.issuers import issuing
from openler.services.verifiers import incident_checkins, incident_rechecks, incidents
from openler.services.verifiers.incident_rechecks import Pass
from openler.store.models import (
    AuditEvent,
    IncidentCheckin,
    IncidentRequest,
    IncidentVerdict,
    IssuedCredential,
    Job,
    PresentationRequest,
)
from tests.conftest import SETUP
from tests.services.incident_world import (
    Held,
    Opened,
    check_in,
    holder,
    issue_to,
    nurses_check_in,
    open_incident,
    principal,
    scan,
)
from tests.services.test_incidents import counts, verdicts


def later(platform: Any, **delta: float) -> Any:
    return replace(platform, clock=lambda: platform.now() + timedelta(**delta))


def nurses(platform: Any, opened: Opened, numbers: range) -> dict[int, str]:
    return nurses_check_in(platform, opened.token, numbers)


def recheck(platform: Any, opened: Opened, **options: Any) -> Pass | None:
    return incident_rechecks.start(platform, Held(), opened.verifier, opened.incident_id, **options)


def events(platform: Any, action: str) -> list[AuditEvent]:
    with platform.db.session() as s:
        found = s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
        return list(found)


def test_a_licence_revoked_after_check_in_is_refused_once_checked_again(platform: Any) -> None:
    opened = open_incident(platform)
    ids = nurses(platform, opened, range(1, 4))
    medic = holder(4)
    with platform.db.session() as s:
        document = issue_to(s, platform, "68w", medic, 4).document
    assert check_in(platform, opened.token, [document], medic).status == 200
    assert counts(platform, opened.incident_id, opened.verifier)[:2] == [
        ("RN", 3, 0),
        ("Medic", 1, 0),
    ]
    with platform.db.session() as s:
        issuing.set_status(
            s, platform, SETUP, ids[1], action="revoke", reason="Licence surrendered"
        )
        issuing.set_status(s, platform, SETUP, ids[2], action="suspend", reason="Under review")
    # the roster still says what each showed at check-in
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 3, 0)

    an_hour_on = later(platform, hours=1)
    ended = recheck(an_hour_on, opened)
    assert ended is not None and ended.state == "done" and ended.job is None
    assert (ended.total, ended.checked, ended.changed, ended.stale) == (4, 4, 2, 0)
    assert counts(platform, opened.incident_id, opened.verifier) == [
        ("RN", 1, 2),
        ("Medic", 1, 0),
        ("-", 0, 0),
    ]
    found = verdicts(platform, opened.incident_id, opened.verifier)
    assert found["RN.1"][0][:3] == ("RN", False, "Registered Nurse")
    assert found["RN.1"][0][3] == (
        "revoked on 2026-11-24 by Ohio Board of Nursing: Licence surrendered"
    )
    assert found["RN.2"][0][3] == "suspended on 2026-11-24 by Ohio Board of Nursing: Under review"
    assert found["RN.3"] == [("RN", True, "Registered Nurse", None)]
    with platform.db.session() as s:
        roster = incidents.roster(s, opened.verifier, opened.incident_id)
        rows = {r.checkin.name: r for r in roster.refused}
        assert rows["RN.1"].checkin.verified is False
        assert rows["RN.1"].checked_again and rows["RN.1"].checkin.times == 1
        assert rows["RN.1"].checkin.checked_at == platform.now()
        assert rows["RN.1"].checkin.verified_at == an_hour_on.now()
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        assert incident.rechecked_at == an_hour_on.now()
    (chunk,) = events(platform, "incident.recheck")
    assert chunk.actor == opened.verifier.label
    assert {c["responder"] for c in chunk.data["changed"]} == {
        holder(1).controller,
        holder(2).controller,
    }
    assert all(c["verified"] is False and c["roles"] == [] for c in chunk.data["changed"])
    (done,) = events(platform, "incident.recheck_done")
    assert done.data["changed"] == 2 and done.data["checked"] == 4
    assert len(events(platform, "incident.recheck_start")) == 1

    # reinstated: verified again at the next re-check
    with platform.db.session() as s:
        issuing.set_status(s, platform, SETUP, ids[2], action="reinstate")
    again = recheck(later(platform, hours=2), opened)
    assert again is not None and again.changed == 1
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 2, 1)

    # years on, the licences have expired (the revoked one says it was revoked)
    expired = recheck(later(platform, days=4 * 365), opened)
    assert expired is not None and expired.changed == 2
    found = verdicts(platform, opened.incident_id, opened.verifier)
    assert found["RN.2"][0][3].startswith("expired on ")
    assert found["RN.3"][0][3].startswith("expired on ")
    assert found["RN.1"][0][3].startswith("revoked on ")
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 0, 3)


def test_checking_again_twice_changes_nothing(platform: Any) -> None:
    opened = open_incident(platform)
    ids = nurses(platform, opened, range(1, 3))
    with platform.db.session() as s:
        issuing.set_status(s, platform, SETUP, ids[1], action="revoke", reason="Surrendered")
    first = recheck(later(platform, minutes=5), opened)
    assert first is not None and first.changed == 1

    def snapshot() -> tuple[list[Any], list[Any]]:
        with platform.db.session() as s:
            kept = s.execute(
                select(IncidentVerdict.id, IncidentVerdict.role, IncidentVerdict.verified).order_by(
                    IncidentVerdict.id
                )
            ).all()
            rows = s.execute(
                select(
                    IncidentCheckin.responder, IncidentCheckin.verified, IncidentCheckin.times
                ).order_by(IncidentCheckin.responder)
            ).all()
            return [tuple(k) for k in kept], [tuple(r) for r in rows]

    before = snapshot()
    second = recheck(later(platform, minutes=10), opened)
    assert second is not None and second.id != first.id
    assert (second.checked, second.changed) == (2, 0)
    assert snapshot() == before  # the same verdicts, not even rewritten
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 1, 1)
    # running an ended pass again checks nobody
    assert incident_rechecks.run(platform, opened.incident_id, second.id, opened.verifier) == second
    assert len(events(platform, "incident.recheck")) == 2


def test_only_the_organizations_verifiers_may_check_everyone_again(platform: Any) -> None:
    opened = open_incident(platform)
    nurses(platform, opened, range(1, 2))
    with platform.db.session() as s:
        maria = principal(s, "maria@demo.openler.org")  # a learner
        olivia = principal(s, "olivia@demo.openler.org")  # Ohio's issuer admin
    for outsider in (maria, olivia):
        with pytest.raises(NotFound):
            incident_rechecks.start(platform, Held(), outsider, opened.incident_id)
    with pytest.raises(NotFound):
        incident_rechecks.start(platform, Held(), opened.verifier, "no-such-incident")
    assert events(platform, "incident.recheck_start") == []
    assert recheck(platform, opened) is not None  # the commander may
    with platform.db.session() as s:
        incidents.close_incident(s, platform, opened.verifier, opened.incident_id)
    with pytest.raises(Conflict, match="has closed"):
        recheck(later(platform, hours=1), opened)


def test_a_large_roster_is_checked_by_a_job_that_resumes(
    platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(incident_rechecks, "INLINE_MAX", 3)
    monkeypatch.setattr(incident_rechecks, "CHUNK", 2)
    opened = open_incident(platform)
    ids = nurses(platform, opened, range(1, 6))
    with platform.db.session() as s:
        issuing.set_status(s, platform, SETUP, ids[4], action="revoke", reason="Surrendered")
    queue = Held()
    at = later(platform, minutes=30)
    started = incident_rechecks.start(at, queue, opened.verifier, opened.incident_id)
    assert started is not None and started.state == "running" and started.job is not None
    assert queue.submitted == [started.job]
    # asked again while it runs: the same pass, no second job
    assert incident_rechecks.start(at, queue, opened.verifier, opened.incident_id) == started
    assert queue.submitted == [started.job]
    with at.db.session() as s:
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        assert incident_rechecks.running(s, at, incident) == started

    # a nurse checking in while it runs is as fresh as it: not checked again by it
    late_key = holder(6)
    with platform.db.session() as s:
        late = issue_to(s, platform, "registered-nurse", late_key, 6, licenseNumber="RN.6")
        late_document = late.document
    late_at = later(platform, minutes=31)
    assert check_in(late_at, opened.token, [late_document], late_key).status == 200

    # a worker checks one chunk, then dies; the job run again finishes the rest
    assert incident_rechecks._chunk(at, opened.incident_id, started.id, opened.verifier, None, {})
    with at.db.session() as s:
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        partial = incident_rechecks.last_pass(incident)
        assert partial is not None and (partial.checked, partial.state) == (2, "running")
        job = s.get(Job, started.job)
        assert job is not None and job.done == 2
    assert jobs.run_job(at, started.job) == "done"
    with at.db.session() as s:
        job = s.get(Job, started.job)
        assert job is not None and (job.done, job.total) == (5, 5)
        assert job.result == {"checked": 5, "changed": 1, "stale": 0}
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        ended = incident_rechecks.last_pass(incident)
        assert ended is not None and (ended.state, ended.checked, ended.changed) == ("done", 5, 1)
        assert incident_rechecks.running(s, at, incident) is None
        assert (
            s.execute(
                select(func.count()).where(IncidentCheckin.recheck_pass == started.id)
            ).scalar_one()
            == 5
        )
    checked = sum(e.data["checked"] for e in events(platform, "incident.recheck"))
    assert checked == 5  # nobody twice
    assert counts(platform, opened.incident_id, opened.verifier)[0] == ("RN", 5, 1)


def test_a_re_check_that_breaks_may_be_asked_again(
    platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = open_incident(platform)
    nurses(platform, opened, range(1, 3))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug met while checking")

    monkeypatch.setattr(incident_checkins, "recheck", broken)
    with pytest.raises(RuntimeError):
        recheck(later(platform, minutes=1), opened)
    with platform.db.session() as s:
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        failed = incident_rechecks.last_pass(incident)
        assert failed is not None and failed.state == "failed"
        assert incident_rechecks.running(s, platform, incident) is None
    monkeypatch.undo()
    again = recheck(later(platform, minutes=2), opened)
    assert again is not None and (again.state, again.checked) == ("done", 2)


def test_the_roster_page_checks_everyone_again_only_when_due(platform: Any) -> None:
    opened = open_incident(platform)
    nurses(platform, opened, range(1, 3))
    assert recheck(platform, opened, automatic=True) is None  # every verdict is fresh
    nine = later(platform, minutes=9)
    assert recheck(nine, opened, automatic=True) is None
    eleven = later(platform, minutes=11)
    with eleven.db.session() as s:
        incident = incidents.incident_of(s, opened.verifier, opened.incident_id)
        assert incident_rechecks.due(s, eleven, incident)
    ran = recheck(eleven, opened, automatic=True)
    assert ran is not None and ran.automatic and ran.checked == 2
    assert recheck(eleven, opened, automatic=True) is None  # just done
    assert recheck(later(platform, minutes=15), opened, automatic=True) is None
    # a responder checking in meanwhile is fresh: the oldest verdict sets the clock
    assert recheck(later(platform, minutes=22), opened, automatic=True) is not None
    off = replace(
        later(platform, hours=5),
        settings=platform.settings.model_copy(update={"incident_recheck_minutes": 0}),
    )
    assert recheck(off, opened, automatic=True) is None
    (start, *_rest) = events(platform, "incident.recheck_start")
    assert start.data["automatic"] is True


def test_answers_that_cannot_be_checked_again_keep_their_verdict(platform: Any) -> None:
    opened = open_incident(platform)
    ids = nurses(platform, opened, range(1, 3))
    key = holder(9)
    # someone else's licence, presented by another wallet: never checked in as its holder
    with platform.db.session() as s:
        licence = s.get(IssuedCredential, ids[1])
        assert licence is not None
        stolen = licence.document
    assert check_in(platform, opened.token, [stolen], key).status == 400
    with platform.db.session() as s:  # a row checked in before presentations were kept
        row = s.execute(select(IncidentCheckin).where(IncidentCheckin.name == "RN.2")).scalar_one()
        row.presentations = None
    ended = recheck(later(platform, hours=1), opened)
    assert ended is not None and (ended.total, ended.checked) == (1, 1)
    found = verdicts(platform, opened.incident_id, opened.verifier)
    (unproven,) = [name for name in found if name.startswith("unproven:")]
    assert "not signed by the wallet" in found[unproven][0][3]
    assert found["RN.2"] == [("RN", True, "Registered Nurse", None)]


def test_expired_unanswered_check_in_requests_are_cleared_away(platform: Any) -> None:
    opened = open_incident(platform)
    nurses(platform, opened, range(1, 3))  # two scans answered
    for _ in range(3):
        scan(platform, opened.token)  # three nobody answered

    def kept() -> tuple[int, int]:
        with platform.db.session() as s:
            return (
                s.execute(select(func.count()).select_from(PresentationRequest)).scalar_one(),
                s.execute(select(func.count()).select_from(IncidentRequest)).scalar_one(),
            )

    assert kept() == (5, 5)
    recheck(later(platform, minutes=20), opened)  # expired, but only just: a wallet is told so
    assert kept() == (5, 5)
    scan(later(platform, minutes=40), opened.token)  # open until 55 minutes on
    ended = recheck(later(platform, minutes=45), opened)
    assert ended is not None
    assert kept() == (3, 3)  # the two answered and the one still open
    assert events(platform, "incident.recheck_done")[-1].data["purged"] == 3
    with later(platform, hours=2).db.session() as s:
        two_hours = later(platform, hours=2)
        incidents.close_incident(s, two_hours, opened.verifier, opened.incident_id)
    assert kept() == (2, 2)
    assert events(platform, "incident.close")[0].data == {"purged": 1}
