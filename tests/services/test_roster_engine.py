"""The roster engine (services/issuers/bulk.py): chunks, "already holds", dry runs, rows
that fail alone, status lists that fill up, signing workers, and a worker killed mid-run
that is run again — on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from openler.services import jobs
from openler.services.errors import Forbidden, UsageError
from openler.services.issuers import achievements, bulk, issuing, orgs, statusblocks
from openler.services.issuers.recipients import Award, Recipient
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers.verifying import verify_document
from openler.store.models import (
    AuditEvent,
    Claim,
    IssuedCredential,
    Job,
    JobRow,
    Member,
    OutboxMessage,
    Person,
    StatusAllocation,
    StatusList,
)
from openler.vc import add_proof, parse_datetime
from tests.conftest import SETUP

ORG, ACHIEVEMENT = "state-board", "rn"


class Held:
    """A queue that holds jobs for the test to run (as a worker would)."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)


def world(platform: Any) -> Principal:
    """An organization with a key and an achievement, a trainer who issues, an account."""
    with platform.db.session() as s:
        organization = orgs.create_organization(
            s, platform, SETUP, slug=ORG, name="State Board", kind="issuer"
        )
        orgs.create_key(s, platform, organization, actor=SETUP)
        achievements.create_achievement(
            s,
            platform,
            SETUP,
            organization,
            slug=ACHIEVEMENT,
            data={
                "name": "Registered Nurse",
                "description": "Licensed to practise.",
                "criteria": {"narrative": "Passed the examination."},
            },
        )
        trainer = accounts.create_person(
            s, platform, name="Tia Trainer", email="tia@board.example", password=None, actor=SETUP
        )
        accounts.add_member(
            s, platform, person=trainer, organization=organization, role="issuer_staff", actor=SETUP
        )
        accounts.create_person(
            s, platform, name="Ana Account", email="ana@example.org", password=None, actor=SETUP
        )
        return accounts.principal_for(s, trainer)


def submit(platform: Any, principal: Principal, awards: Any, **kwargs: Any) -> str:
    return bulk.submit_roster(
        platform,
        Held(),
        principal,
        organization_slug=ORG,
        achievement_slug=ACHIEVEMENT,
        awards=awards,
        **kwargs,
    )


def emails(*addresses: str, start: int = 1) -> Iterator[Award]:
    """Awards for addresses, numbered from ``start`` (a generator: rosters stream)."""
    for row, address in enumerate(addresses, start=start):
        yield Award(Recipient(email=address), row=row)


def rows_of(platform: Any, job_id: str) -> list[JobRow]:
    with platform.db.session() as s:
        return list(
            s.execute(select(JobRow).where(JobRow.job_id == job_id).order_by(JobRow.row)).scalars()
        )


def count(platform: Any, *where: Any, of: Any = IssuedCredential) -> int:
    with platform.db.session() as s:
        return int(s.execute(select(func.count()).select_from(of).where(*where)).scalar_one())


def test_chunks_issue_every_row_once_with_an_audit_event_per_chunk(platform: Any) -> None:
    principal = world(platform)
    addresses = [f"learner{i}@example.org" for i in range(1, 24)] + ["ana@example.org"]
    job_id = submit(platform, principal, emails(*addresses))
    with platform.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        assert (job.total, job.done) == (24, 0)
        assert "awards" not in job.payload  # the rows are stored apart, one per row
    result = bulk.issue_roster(platform, job_id, chunk_rows=7)
    assert result == {"issued": 24, "already_holds": 0, "would_issue": 0, "failed": 0}
    rows = rows_of(platform, job_id)
    assert [r.row for r in rows] == list(range(1, 25))
    with platform.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        assert job.done == job.total == 24
        credentials = {
            c.id: c
            for c in s.execute(
                select(IssuedCredential).where(IssuedCredential.job_id == job_id)
            ).scalars()
        }
        assert {c.job_row for c in credentials.values()} == set(range(1, 25))
        assert {r.credential_id for r in rows} == set(credentials)
        events = list(
            s.execute(
                select(AuditEvent).where(
                    AuditEvent.action == "credential.issue", AuditEvent.subject == f"job:{job_id}"
                )
            ).scalars()
        )
        named = [c for e in events for c in e.data["credentials"]]
        assert len(events) == math.ceil(24 / 7)
        assert sorted(named) == sorted(credentials)  # each credential named exactly once
        ana = s.execute(select(Person).where(Person.email == "ana@example.org")).scalar_one()
        bound = credentials[rows[-1].credential_id or ""]
        # an address with an account is bound to that account's wallet (made now)
        assert bound.person_id == ana.id
        assert ana.did is not None
        assert bound.document["credentialSubject"]["id"] == ana.did
        unbound = credentials[rows[0].credential_id or ""]
        assert unbound.person_id is None
        assert "id" not in unbound.document["credentialSubject"]
        assert unbound.recipient_key == "email:learner1@example.org"
        # every status index is distinct and allocated to its credential
        for purpose in ("revocation", "suspension"):
            pairs = {
                (getattr(c, f"{purpose}_list_id"), getattr(c, f"{purpose}_index"))
                for c in credentials.values()
            }
            assert len(pairs) == 24
        allocated = s.execute(select(StatusAllocation.credential_id)).scalars().all()
        assert sorted(allocated) == sorted([*credentials, *credentials])
        # each credential issued to an address without an account is offered a claim
        # (one email each), named in one audit event per chunk
        offered = dict(s.execute(select(Claim.credential_id, Claim.email)).all())
        assert set(offered) == {c.id for c in credentials.values() if c.person_id is None}
        assert len(offered) == 23
        assert sorted(s.execute(select(OutboxMessage.to_address)).scalars()) == sorted(
            offered.values()
        )
        offers = s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "claim.offer", AuditEvent.subject == f"job:{job_id}"
            )
        ).scalars()
        assert sorted(c for e in offers for c in e.data["credentials"]) == sorted(offered)
        # and the credentials verify, status included
        report = verify_document(s, platform, bound.document, use_registry=False)
        failed = [c for c in report.checks if c.status == "failed"]
        assert failed == []


def test_a_recipient_twice_in_a_roster_is_issued_once(platform: Any) -> None:
    principal = world(platform)
    # rows 1, 3 in one chunk; row 6 in the next one; different case, the same address
    roster = emails(
        "sam@example.org",
        "kim@example.org",
        "SAM@example.org",
        "lee@example.org",
        "max@example.org",
        "Sam@Example.org",
    )
    job_id = submit(platform, principal, roster)
    result = bulk.issue_roster(platform, job_id, chunk_rows=4)
    assert result == {"issued": 4, "already_holds": 2, "would_issue": 0, "failed": 0}
    rows = rows_of(platform, job_id)
    assert [r.outcome for r in rows] == [
        "issued",
        "issued",
        "already_holds",
        "issued",
        "issued",
        "already_holds",
    ]
    assert rows[2].credential_id == rows[5].credential_id == rows[0].credential_id
    assert rows[2].message == "already holds it (row 1 of this roster)"
    assert rows[5].message is not None
    assert rows[5].message.startswith("already holds it (issued ")
    assert count(platform, IssuedCredential.recipient_key == "email:sam@example.org") == 1


def test_already_holds_follows_issuing_holding(platform: Any) -> None:
    """Held means: same organization, achievement and recipient; not revoked, replaced or
    expired — the same as a single issue's check."""
    principal = world(platform)
    first = submit(platform, principal, emails("a@example.org", "b@example.org", "c@example.org"))
    bulk.issue_roster(platform, first)
    earlier = {r.recipient: r.credential_id for r in rows_of(platform, first)}
    with platform.db.session() as s:
        issuing.set_status(s, platform, principal, earlier["b@example.org"] or "", action="revoke")
        expired = s.get(IssuedCredential, earlier["c@example.org"])
        assert expired is not None
        expired.valid_until = platform.now() - timedelta(days=1)
    again = submit(
        platform, principal, emails("a@example.org", "b@example.org", "c@example.org", "d@x.org")
    )
    assert bulk.issue_roster(platform, again) == {
        "issued": 3,
        "already_holds": 1,
        "would_issue": 0,
        "failed": 0,
    }
    rows = rows_of(platform, again)
    assert rows[0].outcome == "already_holds"
    assert rows[0].credential_id == earlier["a@example.org"]
    assert [r.outcome for r in rows[1:]] == ["issued", "issued", "issued"]
    with platform.db.session() as s:
        organization = orgs.organization_by_slug(s, ORG)
        achievement = achievements.achievement_by_slug(s, organization, ACHIEVEMENT)
        for row in rows:
            key = f"email:{row.recipient}"
            one = issuing.holding(s, organization, achievement, key, now=platform.now())
            assert one is not None
            many = issuing.holdings(s, organization, achievement, [key], now=platform.now())
            assert many[key][0] == one.id == row.credential_id


def test_a_dry_run_issues_nothing_and_allocates_nothing(platform: Any) -> None:
    principal = world(platform)
    held = submit(platform, principal, emails("old@example.org"))
    bulk.issue_roster(platform, held)
    credentials = count(platform)
    allocations = count(platform, of=StatusAllocation)
    lists = count(platform, of=StatusList)
    events = count(platform, of=AuditEvent)
    roster = emails(
        "old@example.org",
        "new@example.org",
        "ana@example.org",
        "NEW@example.org",  # the same chunk
        "x@example.org",
        "new@example.org",  # a later chunk: an earlier chunk would issue it
    )
    job_id = submit(platform, principal, roster, dry_run=True)
    events_after_submit = count(platform, of=AuditEvent)
    result = bulk.issue_roster(platform, job_id, chunk_rows=4)
    assert result == {"issued": 0, "already_holds": 3, "would_issue": 3, "failed": 0}
    rows = rows_of(platform, job_id)
    assert [r.outcome for r in rows] == [
        "already_holds",
        "would_issue",
        "would_issue",
        "already_holds",
        "would_issue",
        "already_holds",
    ]
    assert rows[3].message == rows[5].message == "row 2 of this roster would issue it"
    assert count(platform) == credentials
    assert count(platform, of=StatusAllocation) == allocations
    assert count(platform, of=StatusList) == lists
    assert count(platform, of=AuditEvent) == events_after_submit == events + 1  # job.create
    with platform.db.session() as s:
        ana = s.execute(select(Person).where(Person.email == "ana@example.org")).scalar_one()
        assert ana.did is None  # a dry run makes no wallet key either


def test_a_row_that_breaks_the_data_model_fails_alone(platform: Any) -> None:
    principal = world(platform)
    roster = [
        Award(Recipient(email="one@example.org"), row=1),
        Award(Recipient(email="two@example.org"), row=2, evidence_url="not a url"),
        Award(Recipient(email="three@example.org"), row=3, subject={"creditsEarned": "many"}),
        Award(Recipient(email="four@example.org"), row=4),
        # the same recipient again: tried after the failed row 2, in the same chunk
        Award(Recipient(email="two@example.org"), row=5),
    ]
    job_id = submit(platform, principal, roster)
    assert bulk.issue_roster(platform, job_id) == {
        "issued": 3,
        "already_holds": 0,
        "would_issue": 0,
        "failed": 2,
    }
    rows = rows_of(platform, job_id)
    assert [r.outcome for r in rows] == ["issued", "failed", "failed", "issued", "issued"]
    assert rows[1].message is not None
    assert "evidence[0].id" in rows[1].message
    assert rows[2].message is not None
    assert "creditsEarned" in rows[2].message
    assert rows[1].credential_id is None
    # the failed rows' status indexes were given back
    assert count(platform, of=StatusAllocation) == 2 * count(platform) == 6
    with platform.db.session() as s:
        used = s.execute(select(func.sum(StatusList.used))).scalar_one()
    assert used == 6


def test_status_lists_fill_and_roll_over_mid_roster(platform: Any) -> None:
    principal = world(platform)
    first = submit(platform, principal, emails("first@example.org"))
    bulk.issue_roster(platform, first)
    with platform.db.session() as s:  # the lists have room for three more each
        for status_list in s.execute(select(StatusList)).scalars():
            status_list.used = statusblocks.room(status_list) + status_list.used - 3
    addresses = [f"p{i}@example.org" for i in range(8)]
    job_id = submit(platform, principal, emails(*addresses))
    assert bulk.issue_roster(platform, job_id, chunk_rows=5)["issued"] == 8
    with platform.db.session() as s:
        lists = list(s.execute(select(StatusList).order_by(StatusList.updated_at)).scalars())
        assert len(lists) == 4  # a new list for each purpose
        for status_list in lists:
            assert status_list.credential is not None  # every list is published
            assert statusblocks.room(status_list) == 0 or status_list.used == 5
        issued = list(
            s.execute(select(IssuedCredential).where(IssuedCredential.job_id == job_id)).scalars()
        )
        assert len({c.revocation_list_id for c in issued}) == 2
        assert len({c.suspension_list_id for c in issued}) == 2
        per_list = dict(
            s.execute(
                select(StatusAllocation.status_list_id, func.count()).group_by(
                    StatusAllocation.status_list_id
                )
            ).all()
        )
        assert all(per_list[sl.id] <= sl.used for sl in lists)


def test_a_block_never_takes_an_allocated_index(platform: Any) -> None:
    """A small list with 85 of its 100 indexes allocated and room for 5 more (it is full at
    90): the block draws around what is taken, and goes on in a new list."""
    world(platform)
    with platform.db.session() as s:
        organization = orgs.organization_by_slug(s, ORG)
        status_list = issuing.open_status_list(s, platform, organization, "revocation")
        status_list.entries = 100
        taken = [i for i in range(100) if i % 5 != 4] + [4, 9, 14, 19, 24]
        s.add_all(StatusAllocation(status_list_id=status_list.id, index=i) for i in taken)
        status_list.used = len(taken)
        s.flush()
        block = statusblocks.BlockAllocator().allocate(
            s, platform, organization, "revocation", [f"urn:x:{i}" for i in range(10)]
        )
        here = [index for found, index in block if found.id == status_list.id]
        assert len(here) == len(set(here)) == 5
        assert not set(here) & set(taken)
        assert len(block) == 10
        assert len({found.id for found, _ in block}) == 2  # the rest went to a new list
        assert status_list.used == 90


def test_signing_workers_sign_what_the_process_would(platform: Any) -> None:
    principal = world(platform)
    addresses = [f"w{i}@example.org" for i in range(150)]
    job_id = submit(platform, principal, emails(*addresses, "ana@example.org"))
    result = bulk.issue_roster(platform, job_id, chunk_rows=100, workers=2)
    assert result["issued"] == 151
    with platform.db.session() as s:
        documents = [
            c.document
            for c in s.execute(
                select(IssuedCredential).where(IssuedCredential.job_row.in_([1, 99, 151]))
            ).scalars()
        ]
        for document in documents:
            report = verify_document(s, platform, document, use_registry=False)
            assert [c for c in report.checks if c.status == "failed"] == []
        # the workers keep only the proof and write the document with it (new_proof): the
        # very credential add_proof makes of the unsigned document, byte for byte
        _row, key = orgs.signing_key(s, platform, orgs.organization_by_slug(s, ORG))
        for document in documents:
            unsigned = {k: v for k, v in document.items() if k != "proof"}
            created = parse_datetime(document["proof"]["created"])
            slow = add_proof(unsigned, key, created=created)
            assert json.dumps(slow) == json.dumps(document)


def test_the_key_seed_stays_out_of_reprs(platform: Any) -> None:
    from openler.services.issuers.signing_pool import SigningKey
    from openler.vc import Multikey

    key = Multikey.from_seed(bytes(range(32)))
    wrapped = SigningKey.of(key)
    assert wrapped.multikey().public_key_multibase == key.public_key_multibase
    assert bytes(range(32)).hex() not in repr(wrapped)
    assert repr(bytes(range(32))) not in repr(wrapped)


def test_submission_streams_and_refuses_bad_rosters(platform: Any) -> None:
    principal = world(platform)
    with pytest.raises(UsageError, match="at least one row"):
        submit(platform, principal, iter(()))
    with pytest.raises(UsageError, match="appears twice"):
        submit(platform, principal, [*emails("a@example.org"), *emails("b@example.org")])
    assert count(platform, of=Job) == 0  # nothing was queued
    rejected = [(2, "not an address", "'not an address' is not an email address")]
    job_id = submit(
        platform, principal, emails("a@example.org", "c@example.org", start=3), rejected=rejected
    )
    with platform.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        assert (job.total, job.done) == (3, 1)
    assert bulk.issue_roster(platform, job_id)["failed"] == 1
    assert [r.outcome for r in rows_of(platform, job_id)] == ["failed", "issued", "issued"]


def test_a_job_stops_when_its_submitter_lost_the_role(platform: Any) -> None:
    principal = world(platform)
    job_id = submit(platform, principal, emails("a@example.org"))
    with platform.db.session() as s:
        s.execute(delete(Member).where(Member.person_id == principal.person_id))
    with pytest.raises(Forbidden):
        bulk.issue_roster(platform, job_id)
    assert jobs.run_job(platform, job_id) == "failed"
    assert count(platform) == 0
    # while one who keeps the role has it run (the allowed side)
    other = submit(platform, world_again(platform), emails("a@example.org"))
    assert jobs.run_job(platform, other) == "done"
    assert count(platform) == 1


def world_again(platform: Any) -> Principal:
    with platform.db.session() as s:
        organization = orgs.organization_by_slug(s, ORG)
        person = accounts.create_person(
            s, platform, name="Pat", email="pat@board.example", password=None, actor=SETUP
        )
        accounts.add_member(
            s, platform, person=person, organization=organization, role="issuer_staff", actor=SETUP
        )
        return accounts.principal_for(s, person)


#: run in a subprocess: the roster job through ``jobs.run_job``, each chunk held open for a
#: moment (so that the kill lands inside a chunk's transaction as well as between chunks)
WORKER = """
import sys, time
from openler.services import jobs
from openler.services.context import Platform
from openler.services.issuers import bulk
from openler.settings import Settings

bulk.CHUNK_ROWS = 5
after_chunk = bulk._after_chunk

def slow(context, issued):
    after_chunk(context, issued)
    time.sleep(0.05)

bulk._after_chunk = slow
jobs.run_job(Platform.from_settings(Settings()), sys.argv[1])
"""


def test_a_killed_worker_resumes_without_losing_or_repeating_a_row(platform: Any) -> None:
    principal = world(platform)
    total = 120
    addresses = [f"k{i}@example.org" for i in range(total - 1)] + ["ana@example.org"]
    job_id = submit(platform, principal, emails(*addresses))
    env = {
        **os.environ,
        "OPENLER_DATABASE_URL": platform.settings.database_url,
        "OPENLER_KEY_ENCRYPTION_KEY": platform.settings.key_encryption_key.get_secret_value(),
        "OPENLER_PUBLIC_URL": platform.settings.public_url,
        "OPENLER_DATA_DIR": str(platform.settings.data_dir),
    }
    with subprocess.Popen(
        [sys.executable, "-c", WORKER, job_id], env=env, stderr=subprocess.PIPE, text=True
    ) as worker:
        try:
            done_at_kill = wait_for_progress(platform, job_id, worker, at_least=20)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    assert 20 <= done_at_kill < total  # killed half way
    with platform.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        assert job.state == "running"  # as a killed worker leaves it
        committed = job.done
    assert committed % 5 == 0  # whole chunks or nothing
    assert count(platform, IssuedCredential.job_id == job_id) == committed
    # run again: it carries on where the killed one stopped
    assert jobs.run_job(platform, job_id) == "done"
    with platform.db.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        assert job.done == job.total == total
        per_row = s.execute(
            select(IssuedCredential.job_row, func.count())
            .where(IssuedCredential.job_id == job_id)
            .group_by(IssuedCredential.job_row)
        ).all()
        assert sorted(r for r, _ in per_row) == list(range(1, total + 1))
        assert {n for _, n in per_row} == {1}
        outcomes = s.execute(select(JobRow.outcome).where(JobRow.job_id == job_id)).scalars()
        assert list(outcomes) == ["issued"] * total
        # no status index is left allocated to a credential that does not exist, and each
        # list counts exactly what it handed out
        allocated = s.execute(select(StatusAllocation.credential_id)).scalars().all()
        issued = s.execute(select(IssuedCredential.id)).scalars().all()
        assert sorted(allocated) == sorted([*issued, *issued])
        for status_list in s.execute(select(StatusList)).scalars():
            handed_out = s.execute(
                select(func.count()).where(StatusAllocation.status_list_id == status_list.id)
            ).scalar_one()
            assert status_list.used == handed_out


def wait_for_progress(
    platform: Any, job_id: str, worker: subprocess.Popen[str], *, at_least: int
) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            why = worker.stderr.read() if worker.stderr else ""
            raise AssertionError(f"the worker ended before it was killed: {why}")
        with platform.db.session() as s:
            done = s.execute(select(Job.done).where(Job.id == job_id)).scalar_one()
        if done >= at_least:
            return int(done)
        time.sleep(0.01)
    raise AssertionError("the worker made no progress")


def test_bad_rows_among_good_ones_of_their_shape_fail_alone_on_the_workers(
    platform: Any,
) -> None:
    """Rows of one document shape, every tenth with an evidence address that is not a URL:
    the workers check each shape in full once and the rest where they differ
    (``vc.ShapeChecks``); the bad rows fail with the full check's words, the others are
    issued, and the bad rows' status indexes are given back."""
    principal = world(platform)
    roster = [
        Award(
            Recipient(email=f"e{i}@example.org"),
            row=i,
            evidence_url="not a url" if i % 10 == 0 else f"https://evidence.example/{i}",
        )
        for i in range(1, 161)
    ]
    job_id = submit(platform, principal, roster)
    result = bulk.issue_roster(platform, job_id, chunk_rows=80, workers=2)
    assert result == {"issued": 144, "already_holds": 0, "would_issue": 0, "failed": 16}
    rows = rows_of(platform, job_id)
    failed = [r for r in rows if r.outcome == "failed"]
    assert [r.row for r in failed] == list(range(10, 161, 10))
    with platform.db.session() as s:
        organization = orgs.organization_by_slug(s, ORG)
        achievement = achievements.achievement_by_slug(s, organization, ACHIEVEMENT)
        award = Award(Recipient(email="x@example.org"), row=1, evidence_url="not a url")
        document = issuing.credential_document(
            platform, organization, achievement, award, now=platform.now()
        )
        issuing.complete_document(platform, organization, document, now=platform.now())
    # what the full check says of such a document, word for word (its id and status
    # entries aside, which the message does not name)
    assert {r.message for r in failed} == {issuing.invalid_reason(document)}
    assert count(platform, of=StatusAllocation) == 2 * count(platform) == 288


def test_a_job_leaves_the_garbage_collector_as_it_found_it(
    platform: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    principal = world(platform)
    job_id = submit(platform, principal, emails("gc@example.org"))
    frozen: list[int] = []
    original = bulk._issue_round

    def watching(context: Any, rows: Any) -> Any:
        frozen.append(gc.get_freeze_count())
        return original(context, rows)

    monkeypatch.setattr(bulk, "_issue_round", watching)
    bulk.issue_roster(platform, job_id)
    assert frozen and frozen[0] > 0  # the heap the job started with is left out meanwhile
    assert gc.get_freeze_count() == 0


def test_status_indexes_are_drawn_uniformly_from_the_whole_list() -> None:
    """The draws read the system's generator a block at a time: every index of a small
    list comes up, each about as often, never one at or beyond the end; a block of none
    takes none."""
    from collections import Counter

    draws = Counter(itertools.islice(statusblocks._uniform(7, 100), 70_000))
    assert set(draws) == set(range(7))
    assert all(9_000 < n < 11_000 for n in draws.values()), draws  # ±10 %: 11 standard deviations
    taken = statusblocks._Taken(0, bytearray(2))
    assert statusblocks._draw(16, 0, taken) == []
    assert sorted(statusblocks._draw(16, 16, taken)) == list(range(16))
    with pytest.raises(ValueError, match="0 entries"):
        next(statusblocks._uniform(0, 1))
