"""Rosters: one achievement issued to many recipients as a background job.

A roster job's input is its awards, stored one ``JobInput`` per row when it is submitted
(streamed in chunks, so a roster of a million rows never sits in memory or in the job's
payload), and the rows refused before it started (recorded then as failed ``JobRow``\\ s).
Its output is one ``JobRow`` per row — issued, already_holds, would_issue (a dry run) or
failed — written in the same transaction as the credential it names.

The job works through its rows in chunks of :data:`CHUNK_ROWS`, one transaction each: the
chunk's holdings and accounts are looked up in one query each, its status indexes
allocated in blocks (:mod:`statusblocks`), the signing key unsealed once, its documents
checked and signed on every core (:mod:`signing_pool`), its credentials and rows written
in bulk, one audit event names its credentials, and the job's ``done`` counter moves on by
the chunk (the live progress). So running it again, after a crash or a killed worker,
carries on where it stopped and issues no row twice (a credential also records its job
and row, unique together); a chunk that did not commit left nothing behind, its status
indexes included. A recipient who already holds the achievement — from an earlier file,
or an earlier row of this one — is reported as such, never issued a second credential; a
row whose document breaks the data model fails alone, and the rest of its chunk is issued.
"""

from __future__ import annotations

import copy
import gc
import itertools
import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import and_, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from openler.services import audit, jobs
from openler.services.context import Platform
from openler.services.errors import Conflict, ServiceError, UsageError
from openler.services.files.parallel import default_jobs
from openler.services.issuers import achievements, claims, issuing, orgs, stacking, statusblocks
from openler.services.issuers.recipients import (
    Award,
    Recipient,
    award_from_json,
    award_to_json,
)
from openler.services.issuers.signing_pool import Pending, SigningKey, SigningPool
from openler.services.people.accounts import Principal, require_role
from openler.store.bulkwrite import table_of, write_rows
from openler.store.models import (
    Achievement,
    Claim,
    IssuedCredential,
    Job,
    JobInput,
    JobRow,
    Organization,
    OutboxMessage,
    Person,
    StatusList,
)
from openler.vc import Purpose

ROSTER_JOB = "roster_issue"
#: what each outcome means, in the words the pages and the results file use
OUTCOMES = {
    "issued": "issued",
    "already_holds": "already holds it",
    "would_issue": "would be issued",
    "failed": "not issued",
}
#: rows per transaction: big enough that per-chunk costs (the key, the audit event, the
#: lookups) vanish, small enough that a killed run repeats little
CHUNK_ROWS = 1000
#: rows to issue below which a job signs in its own process (starting workers costs ~1 s)
PARALLEL_ROWS = 3000
#: how often a chunk that lost a race with another writer is tried again
CHUNK_ATTEMPTS = 3
#: rows written per statement when a roster is submitted
_SUBMIT_ROWS = 2000
log = logging.getLogger("openler.roster")
# rows are written as tables, many per statement, not as ORM objects
_INPUTS = table_of(JobInput)
_ROWS = table_of(JobRow)
_CREDENTIALS = table_of(IssuedCredential)
T = TypeVar("T")


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def submit_roster(
    platform: Platform,
    queue: jobs.JobQueue,
    principal: Principal,
    *,
    organization_slug: str,
    achievement_slug: str,
    awards: Iterable[Award],
    rejected: Iterable[tuple[int, str, str]] = (),
    dry_run: bool = False,
    source: str | None = None,
) -> str:
    """Queue a roster: ``awards`` to issue and ``rejected`` rows (row number, recipient as
    written, why) reported as failed. Both may be any iterable (a generator reading a
    file): they are read once, in that order, and stored in chunks as they come. Issuer
    staff of the organization only; a retired achievement is refused before anything is
    queued, and so is a roster without rows or with a row number twice. Returns the job id."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        require_role(principal, organization.id, *issuing.ISSUERS)
        achievement = achievements.achievement_by_slug(session, organization, achievement_slug)
        if achievement.retired_at is not None:
            raise Conflict(f"{achievement.data.get('name', achievement_slug)} is retired")
        organization_id = organization.id
    payload = {
        "organization": organization_slug,
        "achievement": achievement_slug,
        "dry_run": dry_run,
        "source": source,
    }

    def store_rows(session: Session, job: Job) -> None:
        stored = refused = 0
        try:
            for batch in _batches(awards, _SUBMIT_ROWS):
                write_rows(
                    session,
                    _INPUTS,
                    [
                        {
                            "job_id": job.id,
                            "row": award.row,
                            "recipient_key": award.recipient.key,
                            "data": award_to_json(award),
                        }
                        for award in batch
                    ],
                )
                stored += len(batch)
            for refusals in _batches(rejected, _SUBMIT_ROWS):
                write_rows(
                    session,
                    _ROWS,
                    [
                        {
                            "job_id": job.id,
                            "row": row,
                            "outcome": "failed",
                            "recipient": written,
                            "message": why,
                        }
                        for row, written, why in refusals
                    ],
                )
                refused += len(refusals)
        except IntegrityError:
            raise UsageError("a row number appears twice in the roster") from None
        if not stored and not refused:
            raise UsageError("a roster needs at least one row")
        if stored >= _SUBMIT_ROWS and session.get_bind().dialect.name == "postgresql":
            # the planner's view of the rows the job will read, chunk by chunk (run by
            # anyone else than the table's owner, PostgreSQL skips it with a warning)
            session.execute(text("ANALYZE job_inputs"))
        job.total, job.done = stored + refused, refused

    return jobs.create_job(
        platform,
        queue,
        principal,
        kind=ROSTER_JOB,
        payload=payload,
        organization_id=organization_id,
        before_submit=store_rows,
    )


def outcome_counts(session: Session, job_id: str) -> dict[str, int]:
    """How many rows of a job ended each way (counted in the database)."""
    counts = session.execute(
        select(JobRow.outcome, func.count()).where(JobRow.job_id == job_id).group_by(JobRow.outcome)
    ).all()
    return {outcome: int(n) for outcome, n in counts}


@jobs.handler(ROSTER_JOB)
def run_roster(platform: Platform, job: Job) -> dict[str, Any]:
    """Issue a roster's rows not yet recorded (:func:`issue_roster`)."""
    return issue_roster(platform, job.id)


def issue_roster(
    platform: Platform,
    job_id: str,
    *,
    chunk_rows: int | None = None,
    workers: int | None = None,
) -> dict[str, int]:
    """Work through a roster job's rows not yet recorded, ``chunk_rows`` per transaction,
    signing on ``workers`` processes (by default every core the process may use when
    there are at least :data:`PARALLEL_ROWS` rows to go, else this process alone).
    Returns how many rows ended each way."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    with platform.db.session() as session:  # the whole job stops when its submitter may not
        job = session.get(Job, job_id)
        if job is None:
            raise UsageError(f"no job {job_id}")
        organization = orgs.organization_by_slug(session, job.payload["organization"])
        require_role(jobs.submitter(session, job), organization.id, *issuing.ISSUERS)
        remaining = (job.total or 0) - (job.done or 0)
    if workers is None:
        workers = default_jobs() if remaining >= PARALLEL_ROWS else 1
    with _frozen_heap(), SigningPool(workers) as pool:
        run = _Run(job_id, chunk_rows, pool, statusblocks.BlockAllocator())
        after = -1  # row numbers start at 0 or 1; a chunk goes on after the last one
        while True:
            last = _attempt_chunk(platform, run, after)
            if last is None:
                break
            after = last
    with platform.db.session() as session:
        counts = outcome_counts(session, job_id)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


_FROZEN = [0]  # jobs running in this process with the heap frozen
_FROZEN_LOCK = threading.Lock()


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Leave the objects alive when a job starts (the imported modules, the ORM's and
    pydantic's structures: most of the heap) out of the cyclic garbage collector's
    collections while it runs (``gc.freeze``), so that the collections the job's own
    allocations trigger scan what the job made, not the whole process — a full collection
    of that heap cost about 80 ms, several times a thousand rows. They go back to the
    collector when the last job running in the process ends (``gc.unfreeze``)."""
    with _FROZEN_LOCK:
        _FROZEN[0] += 1
        if _FROZEN[0] == 1:
            gc.freeze()
    try:
        yield
    finally:
        with _FROZEN_LOCK:
            _FROZEN[0] -= 1
            if _FROZEN[0] == 0:
                gc.unfreeze()


def _next_inputs(
    session: Session, job_id: str, after: int, size: int
) -> tuple[list[tuple[int, dict[str, Any]]], int | None]:
    """Up to ``size`` input rows after row ``after`` that have no outcome yet, in row order,
    and the last row looked at (None: there is no row after ``after``). Two range reads
    on primary keys, whatever the tables' statistics say (a join would let a planner that
    has not yet seen the roster's rows read them all for every chunk)."""
    while True:
        window = session.execute(
            select(JobInput.row, JobInput.data)
            .where(JobInput.job_id == job_id, JobInput.row > after)
            .order_by(JobInput.row)
            .limit(size)
        ).all()
        if not window:
            return [], None
        last = int(window[-1].row)
        recorded = set(
            session.execute(
                select(JobRow.row).where(
                    JobRow.job_id == job_id, JobRow.row > after, JobRow.row <= last
                )
            ).scalars()
        )
        fresh = [(int(r.row), r.data) for r in window if r.row not in recorded]
        if fresh:
            return fresh, last
        after = last  # every row of this window has its outcome: on to the next


@dataclass
class _Run:
    """What the chunks of one run of a job share."""

    job_id: str
    size: int
    pool: SigningPool
    allocator: statusblocks.BlockAllocator


def _attempt_chunk(platform: Platform, run: _Run, after: int) -> int | None:
    """One chunk in its own transaction, tried again when it lost a race with another
    writer (what it wrote rolled back with it). Returns its last row (None: no rows left)."""
    for attempt in range(1, CHUNK_ATTEMPTS + 1):
        try:
            with platform.db.session() as session:
                return _chunk(session, platform, run, after)
        except (IntegrityError, OperationalError) as exc:
            run.allocator.forget()
            if attempt == CHUNK_ATTEMPTS:
                raise
            log.warning(
                "roster job %s: chunk after row %s tried again (%s)", run.job_id, after, exc
            )
        except BaseException:
            run.allocator.forget()  # what it kept of the rolled-back allocations is stale
            raise
    return None  # pragma: no cover - the loop returns or raises


@dataclass
class _Row:
    """One input row as the chunk works on it."""

    row: int
    written: str | None
    award: Award | None = None
    recipient: Recipient | None = None
    person_id: str | None = None
    outcome: str | None = None
    credential_id: str | None = None
    message: str | None = None
    document: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    #: later rows of this chunk for the same recipient, settled once this one is
    later: list[_Row] = field(default_factory=list)

    def settle(
        self, outcome: str, *, credential_id: str | None = None, message: str | None = None
    ) -> None:
        self.outcome, self.credential_id, self.message = outcome, credential_id, message


@dataclass
class _Context:
    """What every row of a chunk shares."""

    session: Session
    platform: Platform
    run: _Run
    job_id: str
    principal: Principal
    organization: Organization
    achievement: Achievement
    now: datetime
    dry_run: bool
    #: the claims offered so far in this chunk, with their credentials
    offered: list[tuple[str, str]] = field(default_factory=list)


def _chunk(session: Session, platform: Platform, run: _Run, after: int) -> int | None:
    job_id = run.job_id
    # the job's row is locked first: two runs of one job take turns, chunk by chunk
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise UsageError(f"no job {job_id}")
    inputs, last = _next_inputs(session, job_id, after, run.size)
    if last is None:
        return None
    principal = jobs.submitter(session, job)
    organization = orgs.organization_by_slug(session, job.payload["organization"])
    require_role(principal, organization.id, *issuing.ISSUERS)
    achievement = achievements.achievement_by_slug(
        session, organization, job.payload["achievement"]
    )
    context = _Context(
        session,
        platform,
        run,
        job_id,
        principal,
        organization,
        achievement,
        platform.now(),
        bool(job.payload.get("dry_run")),
    )
    rows = [_read(row, data) for row, data in inputs]
    if achievement.retired_at is not None:
        name = achievement.data.get("name", achievement.slug)
        for item in rows:
            if item.outcome is None:
                item.settle("failed", message=f"{name} is retired")
    else:
        _bind_accounts(context, [r for r in rows if r.outcome is None])
        first = _sort_out(context, [r for r in rows if r.outcome is None])
        issued: list[_Row] = []
        while first:  # a round per recipient whose earlier row of this chunk failed
            issued.extend(_issue_round(context, first))
            first = _next_round(context, first)
        _record_issued(context, issued)
    write_rows(
        session,
        _ROWS,
        [
            {
                "job_id": job_id,
                "row": r.row,
                "outcome": r.outcome,
                "recipient": r.written,
                "credential_id": r.credential_id,
                "message": r.message,
            }
            for r in rows
        ],
    )
    job.done = (job.done or 0) + len(rows)
    return last


def _read(row: int, data: dict[str, Any]) -> _Row:
    written = data.get("email") or data.get("identifier")
    try:
        award = award_from_json(data)
    except (ServiceError, ValueError, TypeError) as exc:
        item = _Row(row, written)
        item.settle("failed", message=getattr(exc, "message", None) or str(exc))
        return item
    return _Row(row, award.recipient.email or award.recipient.identifier, award=award)


def _bind_accounts(context: _Context, rows: Sequence[_Row]) -> None:
    """Each row's recipient as issued to: a row naming an account keeps it; an address
    that has an account here is bound to that account's wallet DID (made now when it has
    none, :func:`issuing.person_recipient`). Two queries for the whole chunk, reading the
    accounts' columns, not ORM objects (an account without a wallet yet is loaded whole)."""
    session = context.session
    ids = {r.award.recipient.person_id for r in rows if r.award and r.award.recipient.person_id}
    emails = {
        r.award.recipient.email
        for r in rows
        if r.award and r.award.recipient.person_id is None and r.award.recipient.email
    }
    found = (Person.id, Person.email, Person.name, Person.did)
    known = (
        set(session.execute(select(Person.id).where(Person.id.in_(ids))).scalars())
        if ids
        else set()
    )
    by_email = (
        {p.email: p for p in session.execute(select(*found).where(Person.email.in_(emails)))}
        if emails
        else {}
    )
    for item in rows:
        assert item.award is not None
        recipient = item.award.recipient
        if recipient.person_id is not None:
            known_id = recipient.person_id if recipient.person_id in known else None
            item.recipient, item.person_id = recipient, known_id
            continue
        person = by_email.get(recipient.email) if recipient.email else None
        if person is None:
            item.recipient = recipient
            continue
        if context.dry_run or person.did is not None:  # a dry run makes no wallet key
            bound = Recipient(
                email=person.email, name=person.name, person_id=person.id, did=person.did
            )
        else:
            account = session.get(Person, person.id)
            assert account is not None
            bound = issuing.person_recipient(session, context.platform, account)
        item.recipient = issuing.bound_to(recipient, bound)
        item.person_id = person.id


def _sort_out(context: _Context, rows: Sequence[_Row]) -> list[_Row]:
    """Settle the rows whose recipient already holds the achievement (one query for the
    chunk) and, in a dry run, the rest; return the first row of each other recipient,
    with the later rows of the same recipient attached to it."""
    keys = {r.recipient.key for r in rows if r.recipient}
    held = issuing.holdings(
        context.session, context.organization, context.achievement, keys, now=context.now
    )
    earlier = _dry_run_earlier(context, keys) if context.dry_run else {}
    first: dict[str, _Row] = {}
    for item in rows:
        assert item.recipient is not None
        key = item.recipient.key
        if key in held:
            credential_id, issued_at = held[key]
            item.settle(
                "already_holds",
                credential_id=credential_id,
                message=f"already holds it (issued {issued_at:%Y-%m-%d})",
            )
        elif key in earlier:
            item.settle(
                "already_holds", message=f"row {earlier[key]} of this roster would issue it"
            )
        elif key in first:
            first[key].later.append(item)
        else:
            first[key] = item
    if context.dry_run:
        for item in first.values():
            item.settle("would_issue")
            for later in item.later:
                later.settle(
                    "already_holds", message=f"row {item.row} of this roster would issue it"
                )
        return []
    return list(first.values())


def _dry_run_earlier(context: _Context, keys: set[str]) -> dict[str, int]:
    """For a dry run: the recipients an earlier chunk of this job would issue to, with
    the row that would."""
    if not keys:
        return {}
    found = context.session.execute(
        select(JobInput.recipient_key, func.min(JobInput.row))
        .join(JobRow, and_(JobRow.job_id == JobInput.job_id, JobRow.row == JobInput.row))
        .where(
            JobInput.job_id == context.job_id,
            JobInput.recipient_key.in_(list(keys)),
            JobRow.outcome == "would_issue",
        )
        .group_by(JobInput.recipient_key)
    ).all()
    return {key: int(row) for key, row in found if key is not None}


def _issue_round(context: _Context, rows: list[_Row]) -> list[_Row]:
    """Build, allocate, check, sign and write one credential per row; returns the rows
    issued, having settled the failed ones (whose status indexes are given back). The
    round's credential ids and status indexes are drawn first; then the rows go to the
    signing workers a slice at a time, each as soon as it is built (the workers sign it
    while the next one is built), and the slices signed are written while the workers
    sign the next ones."""
    session, platform, organization = context.session, context.platform, context.organization
    pool, allocator = context.run.pool, context.run.allocator
    shared = copy.deepcopy(context.achievement.data)  # one copy for the round's documents
    key_row, key = orgs.signing_key(session, platform, organization)
    signer = SigningKey.of(key)
    ids = [f"urn:uuid:{uuid.uuid4()}" for _ in rows]
    lists: dict[Purpose, list[tuple[StatusList, int]]] = {
        purpose: allocator.allocate(session, platform, organization, purpose, ids)
        for purpose in issuing.PURPOSES
    }
    placed = [{p: lists[p][i] for p in issuing.PURPOSES} for i in range(len(rows))]
    given_back: list[tuple[StatusList, int]] = []
    parallel = pool.parallel(len(rows))
    size = pool.slice_size(len(rows))
    slices: list[tuple[list[tuple[_Row, dict[Purpose, tuple[StatusList, int]]]], Pending]] = []
    try:
        for start in range(0, len(rows), size):
            ready: list[tuple[_Row, dict[Purpose, tuple[StatusList, int]]]] = []
            for item, credential_id, entries in zip(
                rows[start : start + size],
                ids[start : start + size],
                placed[start : start + size],
                strict=True,
            ):
                document = _build(context, item, credential_id, shared)
                if document is None:
                    given_back.extend(entries.values())
                    continue
                issuing.add_status(platform, document, entries)
                ready.append((item, entries))
            if ready:
                documents = [item.document for item, _entries in ready if item.document]
                pending = pool.submit(signer, context.now, documents, parallel=parallel)
                slices.append((ready, pending))
        issued: list[_Row] = []
        for ready, pending in slices:
            written: list[dict[str, Any]] = []
            for outcome, (item, entries) in zip(pending.result(), ready, strict=True):
                unsigned, item.document = item.document, None
                if isinstance(outcome, str) or unsigned is None:
                    item.settle("failed", message=str(outcome))
                    given_back.extend(entries.values())
                    continue
                signed = outcome.credential(unsigned)
                item.values = issuing.credential_values(
                    signed,
                    organization=organization,
                    achievement=context.achievement,
                    person_id=item.person_id,
                    recipient=item.recipient,
                    lists=entries,
                    key_id=key_row.id,
                    now=context.now,
                )
                item.values.update(job_id=context.job_id, job_row=item.row)
                item.settle("issued", credential_id=signed["id"])
                issued.append(item)
                written.append({**item.values, "document": outcome.text})
            if written:  # this slice is written while the workers sign the next ones
                write_rows(session, _CREDENTIALS, written, json_text={"document"})
                _offer_claims(context, [(r.values, r.recipient) for r in issued[-len(written) :]])
    finally:
        for _ready, pending in slices:
            pending.cancel()  # what is still queued when this round fails
    allocator.release(session, given_back)
    return issued


def _build(
    context: _Context, item: _Row, credential_id: str, shared: dict[str, Any]
) -> dict[str, Any] | None:
    """Build the row's unsigned document (sharing the achievement's data ``shared``) with
    the id drawn for it; None, the row settled as failed, when it cannot be built."""
    assert item.award is not None
    assert item.recipient is not None
    try:
        document = issuing.credential_document(
            context.platform,
            context.organization,
            context.achievement,
            replace(item.award, recipient=item.recipient),
            now=context.now,
            achievement_data=shared,
        )
        document["id"] = credential_id  # where complete_document would put it: last
        issuing.complete_document(context.platform, context.organization, document, now=context.now)
    except ServiceError as exc:
        item.settle("failed", message=exc.message)
        return None
    item.document = document
    return document


def _next_round(context: _Context, rows: list[_Row]) -> list[_Row]:
    """Settle the later rows of each recipient: they already hold what an earlier row was
    issued (while it is current); after a row that failed, the next one is tried."""
    again: list[_Row] = []
    for item in rows:
        if not item.later:
            continue
        if item.outcome == "issued" and _current(item.values, context.now):
            for later in item.later:
                later.settle(
                    "already_holds",
                    credential_id=item.credential_id,
                    message=f"already holds it (row {item.row} of this roster)",
                )
            continue
        successor, successor.later = item.later[0], item.later[1:]
        again.append(successor)
    return again


def _current(values: dict[str, Any] | None, now: datetime) -> bool:
    valid_until = values.get("valid_until") if values else None
    return valid_until is None or valid_until > now


def _record_issued(context: _Context, rows: list[_Row]) -> None:
    """One audit event naming the chunk's credentials (written as they were signed)."""
    if not rows:
        return
    values = [r.values for r in rows if r.values]
    audit.record(
        context.session,
        at=context.now,
        actor=context.principal.label,
        action="credential.issue",
        subject=f"job:{context.job_id}",
        data={
            "organization": context.organization.slug,
            "achievement": context.achievement.slug,
            "rows": [rows[0].row, rows[-1].row],
            "credentials": [v["id"] for v in values],
        },
    )
    _after_chunk(
        context, [(v, r.recipient) for v, r in zip(values, rows, strict=True) if r.recipient]
    )


def _offer_claims(
    context: _Context, issued: list[tuple[dict[str, Any] | None, Recipient | None]]
) -> None:
    """Offer a claim for each credential of a slice issued to a recipient without an
    account — a ``Claim`` row and one outbox email, as :func:`claims.offer_claim` would
    (:func:`claims.claim_records`) — written in bulk, not one ``INSERT`` each."""
    offers, messages = [], []
    for values, recipient in issued:
        if values is None or recipient is None or values["person_id"] is not None:
            continue  # bound to an account's wallet: nothing to claim
        if not recipient.email or recipient.did:
            continue  # no address to send a link to
        claim, message, _token = claims.claim_records(
            context.platform,
            credential_id=values["id"],
            document=values["document"],
            organization_id=values["organization_id"],
            email=recipient.email,
            name=recipient.name,
        )
        offers.append(claim)
        messages.append(message)
        context.offered.append((claim["id"], values["id"]))
    write_rows(context.session, table_of(Claim), offers)
    write_rows(context.session, table_of(OutboxMessage), messages)


def _after_chunk(context: _Context, issued: list[tuple[dict[str, Any], Recipient]]) -> None:
    """What follows the issuing of a chunk, in the chunk's transaction, for its credentials
    (each record — the columns of ``IssuedCredential`` — with the recipient it was issued
    to): one audit event naming the claims offered as its slices were written
    (:func:`_offer_claims`); and the organization's stacking rules that name this
    achievement, when there are any, evaluated for each recipient
    (:func:`stacking.after_issue`)."""
    session, platform = context.session, context.platform
    if context.offered:
        audit.record(
            session,
            at=context.now,
            actor="system:claims",
            action="claim.offer",
            subject=f"job:{context.job_id}",
            data={
                "organization_id": context.organization.id,
                "claims": [claim for claim, _ in context.offered],
                "credentials": [credential for _, credential in context.offered],
            },
        )
    if stacking.requiring(session, context.organization, context.achievement):
        for values, _recipient in issued:
            stacking.after_issue(session, platform, IssuedCredential(**values))


def awards_from_emails(emails: Sequence[str]) -> tuple[list[Award], list[tuple[int, str, str]]]:
    """A list of addresses as roster rows (numbered from 1): the awards, and the rows that
    are not email addresses with why."""
    awards: list[Award] = []
    rejected: list[tuple[int, str, str]] = []
    for row, written in enumerate(emails, start=1):
        try:
            awards.append(Award(Recipient(email=written), row=row))
        except UsageError as exc:
            rejected.append((row, written, exc.message))
    return awards, rejected


def submit_emails(
    platform: Platform,
    queue: jobs.JobQueue,
    principal: Principal,
    *,
    organization_slug: str,
    achievement_slug: str,
    recipients: Sequence[str],
    dry_run: bool = False,
) -> str:
    """Queue a roster of email addresses (:func:`awards_from_emails`)."""
    awards, rejected = awards_from_emails(recipients)
    return submit_roster(
        platform,
        queue,
        principal,
        organization_slug=organization_slug,
        achievement_slug=achievement_slug,
        awards=awards,
        rejected=rejected,
        dry_run=dry_run,
    )
