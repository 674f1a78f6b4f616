"""Verification rosters: a verifier uploads a ZIP of credential files or a list of share
links (:mod:`roster_files`), and a background job gives every item a verdict
(:mod:`verdicts`) — for a licensing board re-checking every licence it relies on.

A roster is a :class:`~openler.store.models.Job` of its organization. When it is submitted
its items are stored, one ``JobInput`` each (a file's bytes, a link, or why it was refused
as it was read), so a worker on another machine reads them from the database. The job
works through them in chunks of :data:`CHUNK`, one transaction each: the chunk's verdicts
are written (``RosterVerdict``) and its inputs deleted together, and the job's ``done``
counter moves on (the live progress). A re-run — after a crash, a killed worker, or a
second worker taking the same job — starts at the inputs still there, so nothing is
verified twice and no share link is opened twice. The uploaded files are not kept once
verified; the verdicts are.

Only the organization's verifiers (and platform administrators) may submit a roster or
see one; anyone else, another organization's verifiers included, is told it does not
exist. The job runs as the person who submitted it, checked again at every chunk: one who
lost the role stops it.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from openler.services import audit, jobs
from openler.services.context import Platform
from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.issuers import orgs
from openler.services.issuers.job_reports import (
    JobView,
    csv_pages,
    recent_jobs,
    spreadsheet_safe,
    view_of,
)
from openler.services.people.accounts import Principal, require_role
from openler.services.verifiers.roster_files import LIMITS, Item, RosterLimits, read_roster
from openler.services.verifiers.verdicts import (
    OUTCOMES,
    Judge,
    Verdict,
    clean,
    document_of,
    issuer_said,
    refused,
)
from openler.services.wording import N_, Wording, filled, phrase, worded
from openler.store.bulkwrite import table_of, write_rows
from openler.store.models import Job, JobInput, Organization, RosterVerdict

ROSTER_KIND = "verification_roster"
VERIFIER = "verifier"
#: items per transaction: the progress moves this often, and a killed run repeats no more
CHUNK = 100
#: how often a chunk that lost a race with another writer is tried again
CHUNK_ATTEMPTS = 3
#: input rows written per statement, and the bytes after which a batch is written anyway
_BATCH_ROWS, _BATCH_BYTES = 500, 8_000_000
#: the filters of a roster's table besides one verdict: everything, or what is not active
ALL, ATTENTION = "all", "attention"
#: the verdicts' columns of the CSV file, after a list's own (:func:`export_columns`)
CSV_COLUMNS = (
    "item",
    "source",
    "verdict",
    "verified",
    "holder",
    "credential",
    "licence number",
    "issuer",
    "state",
    "valid until",
    "credential id",
    "reason",
    "technical detail",
)
#: how much of a list's cell is kept for the verdicts' file (a link's length, and more)
MAX_CELL = 2100
log = logging.getLogger("openler.verification_roster")
_INPUTS = table_of(JobInput)
_VERDICTS = table_of(RosterVerdict)


def _organization(session: Session, principal: Principal, slug: str) -> Organization:
    organization = orgs.organization_by_slug(session, slug)
    require_role(principal, organization.id, VERIFIER)
    return organization


def submit(
    platform: Platform,
    queue: jobs.JobQueue,
    principal: Principal,
    *,
    organization_slug: str,
    content: bytes,
    filename: str,
    limits: RosterLimits = LIMITS,
) -> str:
    """Queue a verification roster of the organization from the uploaded ``content``; its
    verifiers only. Raises :class:`UsageError` (nothing queued) when the file cannot be a
    roster (:func:`~roster_files.read_roster`). Returns the job id."""
    with platform.db.session() as session:
        organization_id = _organization(session, principal, organization_slug).id
    source = clean(filename.replace("\\", "/").rsplit("/", 1)[-1]) or "roster"

    def store_items(session: Session, job: Job) -> None:
        count, batch, size = 0, [], 0
        sources: dict[int, str] = {}
        for item in read_roster(content, filename, limits):
            if count == 0 and item.columns is not None:  # a list: its columns, for its CSV
                job.payload = {**job.payload, "columns": list(item.columns)}
            sources[item.number] = item.source
            data = _input(item, sources)
            batch.append({"job_id": job.id, "row": item.number, "data": data})
            count, size = count + 1, size + len(data.get("text") or data.get("b64") or "")
            if len(batch) >= _BATCH_ROWS or size >= _BATCH_BYTES:
                write_rows(session, _INPUTS, batch)
                batch, size = [], 0
        write_rows(session, _INPUTS, batch)
        job.total = count
        audit.record(
            session,
            at=platform.now(),
            actor=principal.label,
            action="verification_roster.submit",
            subject=f"job:{job.id}",
            data={"organization_id": organization_id, "file": source, "bytes": len(content)},
        )

    return jobs.create_job(
        platform,
        queue,
        principal,
        kind=ROSTER_KIND,
        payload={"verifier_organization": organization_slug, "source": source},
        organization_id=organization_id,
        before_submit=store_items,
    )


def _input(item: Item, sources: dict[int, str]) -> dict[str, Any]:
    """What the job reads of an item (a ``JobInput``'s data): a file as text when it is
    UTF-8 without NULs (most are), else in base64."""
    data: dict[str, Any] = {"source": item.source}
    if item.reference:
        data["reference"] = item.reference
    if item.cells is not None:
        data["cells"] = [clean(cell, MAX_CELL) or "" for cell in item.cells]
    if item.data is not None:
        try:
            text = item.data.decode("utf-8")
            if "\x00" in text:
                raise ValueError("NUL")
            data["text"] = text
        except ValueError:
            data["b64"] = base64.b64encode(item.data).decode("ascii")
    elif item.link is not None:
        data["link"] = item.link
    elif item.duplicate_of is not None:
        first = sources.get(item.duplicate_of, "")
        what = "link" if item.source.startswith("line ") else "file"
        data["refused"] = f"the same {what} as item {item.duplicate_of} ({first}): see its verdict"
        data["outcome"] = "duplicate"
    else:
        data["refused"], data["outcome"] = item.refused, item.outcome
    return data


# --- the job ---------------------------------------------------------------------------


@jobs.handler(ROSTER_KIND)
def run_roster(platform: Platform, job: Job) -> dict[str, Any]:
    """Verify a roster's items not yet judged (:func:`verify_roster`)."""
    return dict(verify_roster(platform, job.id))


def verify_roster(platform: Platform, job_id: str, *, chunk: int = CHUNK) -> dict[str, int]:
    """Work through the roster's items not yet judged, ``chunk`` per transaction; returns
    how many items ended with each verdict (all of the roster's, earlier runs' too)."""
    while verify_chunk(platform, job_id, chunk):
        pass
    with platform.db.session() as session:
        return outcome_counts(session, job_id)


def verify_chunk(platform: Platform, job_id: str, size: int = CHUNK) -> bool:
    """Judge the next ``size`` items of a roster in one transaction, tried again when it
    lost a race with another writer (what it wrote rolled back with it). Returns whether
    there were any: a run stopped between two chunks leaves the rest to the next."""
    for attempt in range(1, CHUNK_ATTEMPTS + 1):
        try:
            with platform.db.session() as session:
                return _chunk(session, platform, job_id, size)
        except (IntegrityError, OperationalError) as exc:
            if attempt == CHUNK_ATTEMPTS:
                raise
            log.warning("verification roster %s: chunk tried again (%s)", job_id, exc)
    return False  # pragma: no cover - the loop returns or raises


def _chunk(session: Session, platform: Platform, job_id: str, size: int) -> bool:
    # the job's row is locked first: two runs of one job take turns, chunk by chunk
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.kind != ROSTER_KIND or job.organization_id is None:
        raise UsageError(f"no verification roster {job_id}")
    principal = jobs.submitter(session, job)
    require_role(principal, job.organization_id, VERIFIER)
    inputs = session.execute(
        select(JobInput.row, JobInput.data)
        .where(JobInput.job_id == job_id)
        .order_by(JobInput.row)
        .limit(size)
    ).all()
    if not inputs:
        return False
    judge = Judge(session, platform, principal)
    files = {row: _file_of(data) for row, data in inputs}
    documents = {row: _read(raw) for row, raw in files.items() if raw is not None}
    judge.prefetch(documents.values())
    rows = []
    for row, data in inputs:
        verdict = _judged(judge, session, data, files[row])
        rows.append(
            {
                "job_id": job_id,
                "row": row,
                "source": clean(str(data.get("source", "")), 400) or f"item {row}",
                "reference": clean(data.get("reference")),
                "cells": data.get("cells"),
                **verdict.columns(),
            }
        )
    write_rows(session, _VERDICTS, rows)
    last = int(inputs[-1].row)
    session.execute(delete(JobInput).where(JobInput.job_id == job_id, JobInput.row <= last))
    job.done = (job.done or 0) + len(rows)
    return True


def _file_of(data: dict[str, Any]) -> bytes | None:
    """The bytes of an item that is a file (None for a link or a refusal)."""
    if "text" in data:
        return str(data["text"]).encode("utf-8")
    if "b64" in data:
        return base64.b64decode(str(data["b64"]))
    return None


def _read(raw: bytes) -> dict[str, Any] | None:
    """What :func:`document_of` reads of a file, for the chunk's one query of the rows
    issued here; a fault is met again, and said, when the item is judged on its own."""
    try:
        return document_of(raw)
    except Exception:  # noqa: BLE001 - the item's own verdict says it
        return None


def _judged(
    judge: Judge,
    session: Session,
    data: dict[str, Any],
    raw: bytes | None,
) -> Verdict:
    """An item's verdict. A bug met on one item (in openler or a library it uses) is that
    item's verdict, ``error``, logged with its traceback, and the roster goes on; what a
    share link's opening wrote is rolled back with its savepoint (a file writes nothing)."""
    source = str(data.get("source", ""))
    try:
        if raw is not None:
            return judge.file(raw, source)
        if "link" in data:
            with session.begin_nested():
                return judge.link(str(data["link"]))
    except SQLAlchemyError:
        raise
    except Exception as exc:  # the item's verdict says it, and the log keeps it
        log.exception("verification roster: checking %s failed", source)
        return refused(
            "error", f"openler could not check it ({type(exc).__name__}): report this, please"
        )
    return refused(str(data.get("outcome") or "not-credential"), str(data.get("refused", "")))


def outcome_counts(session: Session, job_id: str) -> dict[str, int]:
    """How many items of a roster ended with each verdict (counted in the database)."""
    counts = session.execute(
        select(RosterVerdict.outcome, func.count())
        .where(RosterVerdict.job_id == job_id)
        .group_by(RosterVerdict.outcome)
    ).all()
    return {outcome: int(n) for outcome, n in counts}


# --- what the verifier sees --------------------------------------------------------------


def count_words(counts: dict[str, int], total: int | None = None) -> list[Wording]:
    """A roster's verdicts counted, in the words the page, the CLI and the progress say,
    verified and active first.

    >>> from openler.services.wording import filled
    >>> words = count_words({"active": 982, "revoked": 9, "forged": 6, "not-credential": 3})
    >>> "; ".join(filled(w) for w in words)
    '982 of 1,000 verified and active; 9 revoked; 6 forged or altered; 3 not credentials'
    """
    judged = sum(counts.values())
    parts = [
        worded(
            N_("%(active)s of %(total)s verified and active"),
            active=f"{counts.get('active', 0):,}",
            total=f"{total if total is not None else judged:,}",
        )
    ]
    for outcome, (one, many) in OUTCOMES.items():
        n = counts.get(outcome, 0)
        if outcome != "active" and n:
            parts.append(
                worded(N_("%(num)s %(what)s"), num=f"{n:,}", what=phrase(one if n == 1 else many))
            )
    return parts


def _job_of(session: Session, principal: Principal, organization: Organization, job_id: str) -> Job:
    """The roster ``job_id`` of ``organization``, to its verifiers; anyone else is told it
    does not exist (its verdicts name the holders)."""
    job = session.get(Job, job_id)
    if job is None or job.kind != ROSTER_KIND or job.organization_id != organization.id:
        raise NotFound(f"no verification roster {job_id}")
    try:
        require_role(principal, organization.id, VERIFIER)
    except Forbidden:
        raise NotFound(f"no verification roster {job_id}") from None
    return job


def roster_view(
    session: Session, principal: Principal, organization: Organization, job_id: str
) -> JobView:
    """One roster's state, progress and verdicts counted so far (live)."""
    job = _job_of(session, principal, organization, job_id)
    return view_of(session, job, outcome_counts(session, job.id))


def rosters_of(
    session: Session, principal: Principal, organization: Organization, *, limit: int = 50
) -> list[JobView]:
    """The organization's most recent rosters, newest first (its verifiers only)."""
    require_role(principal, organization.id, VERIFIER)
    return recent_jobs(session, organization, (ROSTER_KIND,), RosterVerdict, limit=limit)


@dataclass(frozen=True)
class VerdictPage:
    """One page of a roster's table: the verdicts shown (``show``: all, what needs
    attention, or one verdict), how many there are in all, and where this page starts."""

    show: str
    rows: list[RosterVerdict]
    matching: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.matching // self.per_page))


def filters() -> list[str]:
    """What the table can show: everything, what needs attention, or one verdict."""
    return [ALL, ATTENTION, *OUTCOMES]


def verdict_page(
    session: Session,
    principal: Principal,
    organization: Organization,
    job_id: str,
    *,
    show: str = ALL,
    page: int = 1,
    per_page: int = 100,
) -> VerdictPage:
    """The verdicts of a roster that ``show`` selects, ``per_page`` from page ``page``
    (an unknown filter shows everything; a page past the end, the last one)."""
    job = _job_of(session, principal, organization, job_id)
    show = show if show in filters() else ALL
    where = [RosterVerdict.job_id == job.id]
    if show == ATTENTION:
        where.append(RosterVerdict.outcome != "active")
    elif show != ALL:
        where.append(RosterVerdict.outcome == show)
    matching = int(
        session.execute(select(func.count()).select_from(RosterVerdict).where(*where)).scalar_one()
    )
    last_page = max(1, -(-matching // per_page))
    page = min(max(1, page), last_page)
    rows = list(
        session.execute(
            select(RosterVerdict)
            .where(*where)
            .order_by(RosterVerdict.row)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
    )
    return VerdictPage(show, rows, matching, page, per_page)


def check_access(
    platform: Platform, principal: Principal, organization_slug: str, job_id: str
) -> None:
    """Refuse (:class:`NotFound`) whoever may not see the roster, before a download."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        _job_of(session, principal, organization, job_id)


def export_columns(own: list[str]) -> list[str]:
    """The header of a roster's CSV file: a list's ``own`` columns as uploaded, then the
    verdicts' (:data:`CSV_COLUMNS`) — one the list has too marked as openler's.

    >>> export_columns(["Licensee", "Link", "Verdict"])[:5]
    ['Licensee', 'Link', 'Verdict', 'item', 'source']
    >>> export_columns(["Licensee", "Link", "Verdict"])[5]
    'verdict (openler)'
    """
    taken = {name.casefold() for name in own}
    return [*own, *(f"{c} (openler)" if c.casefold() in taken else c for c in CSV_COLUMNS)]


def verdict_lines(platform: Platform, job_id: str) -> Iterator[str]:
    """Every verdict of a roster as CSV text (header first), a page at a time (call
    :func:`check_access` first): a list's lines as uploaded, each followed by its verdict;
    a ZIP's files by their verdicts."""
    with platform.db.session() as session:
        job = session.get(Job, job_id)
        own = [str(c) for c in (job.payload.get("columns") or [])] if job is not None else []

    def cells(v: RosterVerdict) -> list[Any]:
        uploaded = [str(c) for c in (v.cells or [])][: len(own)]
        return [
            *(spreadsheet_safe(c) for c in uploaded),
            *([""] * (len(own) - len(uploaded))),
            v.row,
            spreadsheet_safe(v.source),
            v.outcome,
            "yes" if v.verified else "no",
            spreadsheet_safe(v.holder),
            spreadsheet_safe(v.credential),
            spreadsheet_safe(v.licence_number),
            spreadsheet_safe(_issuer_text(v)),
            v.state or "",
            v.valid_until or "",
            spreadsheet_safe(v.credential_id),
            spreadsheet_safe(v.reason),
            spreadsheet_safe(v.detail),
        ]

    return csv_pages(platform, export_columns(own), RosterVerdict, job_id, cells)


def _issuer_text(verdict: RosterVerdict) -> str:
    said = issuer_said(verdict.issuer, verdict.issuer_claimed)
    return said if isinstance(said, str) else filled(said) if said is not None else ""
