"""What issuer staff see of their organization's background jobs: the past jobs, one job's
progress and row outcomes as it runs, and its per-row result as a CSV file.

A job belongs to the organization it was submitted for (``Job.organization_id``, or the
``organization`` its payload names); its organization's issuer staff may see it — anyone
else, the person who submitted it too once they are no longer staff, is told it does not
exist (its rows name every recipient's address).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import Forbidden, NotFound
from openler.services.issuers import bulk, issuing
from openler.services.people.accounts import Principal, require_role
from openler.store.models import Achievement, Job, JobRow, Organization, Person, RosterVerdict

#: what the job list calls each kind of job
KINDS = {
    bulk.ROSTER_JOB: "Roster",
    "bulk_reissue": "Re-issue",
}
RESULT_COLUMNS = ("row", "recipient", "outcome", "credential id", "message")
#: the order outcomes are told in
ORDER = ("issued", "would_issue", "already_holds", "failed")
_PAGE = 2000
#: a table of a job's rows: ``JobRow``, or another keyed by ``job_id`` and ``row``
Rows = TypeVar("Rows", JobRow, RosterVerdict)


@dataclass
class JobView:
    """A job as its page shows it. ``counts`` are outcomes counted so far (live)."""

    id: str
    kind: str
    label: str
    state: str
    started_by: str
    created_at: datetime
    finished_at: datetime | None
    done: int
    total: int | None
    counts: dict[str, int]
    dry_run: bool = False
    source: str | None = None
    achievement: str | None = None
    error: str | None = None
    result: dict[str, object] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.finished else 0
        return min(100, self.done * 100 // self.total)


def outcome_words(counts: dict[str, int]) -> str:
    """Row counts in words, in :data:`ORDER` and then any other outcome.

    >>> outcome_words({"failed": 2, "issued": 1200})
    '1,200 issued, 2 not issued'
    >>> outcome_words({"already_holds": 1}), outcome_words({"already_holds": 5})
    ('1 already holds it', '5 already hold it')
    """
    order = [*ORDER, *sorted(set(counts) - set(ORDER))]
    return ", ".join(f"{counts[o]:,} {_outcome(o, counts[o])}" for o in order if counts.get(o))


#: an outcome's words where more than one row takes another verb form
_PLURAL = {"already_holds": "already hold it"}


def _outcome(outcome: str, n: int) -> str:
    if n != 1 and outcome in _PLURAL:
        return _PLURAL[outcome]
    return bulk.OUTCOMES.get(outcome, outcome.replace("_", " "))


def _job_of(session: Session, principal: Principal, organization: Organization, job_id: str) -> Job:
    job = session.get(Job, job_id)
    belongs = (
        job is not None
        and job.kind in KINDS
        and (
            job.organization_id == organization.id
            or (
                job.organization_id is None and job.payload.get("organization") == organization.slug
            )
        )
    )
    if job is None or not belongs:
        raise NotFound(f"no job {job_id}")
    try:  # whoever submitted it: a former member reads no recipient's address here
        require_role(principal, organization.id, *issuing.ISSUERS)
    except Forbidden:  # refused the same way as missing
        raise NotFound(f"no job {job_id}") from None
    return job


def _who(session: Session, label: str | None) -> str:
    kind, _, rest = (label or "").partition(":")
    if kind == "person":
        person = session.get(Person, rest)
        return person.name if person is not None else "a former member"
    if kind == "system":
        return f"openler ({rest})"
    return "unknown"


def view_of(session: Session, job: Job, counts: dict[str, int]) -> JobView:
    """``job`` as its page shows it, with its rows counted by outcome (``counts``)."""
    achievement_slug = job.payload.get("achievement")
    achievement_name = None
    if achievement_slug and job.organization_id:
        achievement = session.execute(
            select(Achievement).where(
                Achievement.organization_id == job.organization_id,
                Achievement.slug == achievement_slug,
            )
        ).scalar()
        achievement_name = achievement.data.get("name") if achievement else achievement_slug
    return JobView(
        id=job.id,
        kind=job.kind,
        label=KINDS.get(job.kind, job.kind.replace("_", " ").capitalize()),
        state=job.state,
        started_by=_who(session, job.created_by),
        created_at=job.created_at,
        finished_at=job.finished_at,
        done=job.done or 0,
        total=job.total,
        counts=counts,
        dry_run=bool(job.payload.get("dry_run")),
        source=job.payload.get("source"),
        achievement=achievement_name,
        error=job.error,
        result=dict(job.result or {}),
    )


def job_view(
    session: Session, principal: Principal, organization: Organization, job_id: str
) -> JobView:
    """One job's state and live counts."""
    job = _job_of(session, principal, organization, job_id)
    return view_of(session, job, bulk.outcome_counts(session, job.id))


def job_rows(
    session: Session,
    principal: Principal,
    organization: Organization,
    job_id: str,
    *,
    outcome: str | None = None,
    limit: int = 100,
) -> list[JobRow]:
    """A job's first ``limit`` row outcomes (only those of ``outcome`` when given)."""
    job = _job_of(session, principal, organization, job_id)
    query = select(JobRow).where(JobRow.job_id == job.id)
    if outcome is not None:
        query = query.where(JobRow.outcome == outcome)
    return list(session.execute(query.order_by(JobRow.row).limit(limit)).scalars())


def organization_jobs(
    session: Session, principal: Principal, organization: Organization, *, limit: int = 50
) -> list[JobView]:
    """The organization's most recent jobs, newest first (its issuer staff only)."""
    require_role(principal, organization.id, *issuing.ISSUERS)
    return recent_jobs(session, organization, KINDS, JobRow, limit=limit)


def recent_jobs(
    session: Session,
    organization: Organization,
    kinds: Collection[str],
    model: type[Rows],
    *,
    limit: int = 50,
) -> list[JobView]:
    """The organization's most recent jobs of ``kinds``, newest first, each with its rows
    of ``model`` (a table keyed by ``job_id`` with an ``outcome``) counted by outcome (the
    caller has checked who may see them)."""
    found = list(
        session.execute(
            select(Job)
            .where(Job.organization_id == organization.id, Job.kind.in_(list(kinds)))
            .order_by(Job.created_at.desc(), Job.id)
            .limit(limit)
        ).scalars()
    )
    counts: dict[str, dict[str, int]] = {job.id: {} for job in found}
    if found:
        for job_id, outcome, n in session.execute(
            select(model.job_id, model.outcome, func.count())
            .where(model.job_id.in_(list(counts)))
            .group_by(model.job_id, model.outcome)
        ):
            counts[job_id][outcome] = int(n)
    return [view_of(session, job, counts[job.id]) for job in found]


def check_access(
    platform: Platform, principal: Principal, organization_slug: str, job_id: str
) -> None:
    """Refuse (:class:`NotFound`) whoever may not see the job, before a download starts."""
    with platform.db.session() as session:
        organization = session.execute(
            select(Organization).where(Organization.slug == organization_slug)
        ).scalar()
        if organization is None:
            raise NotFound(f"no organization {organization_slug}")
        _job_of(session, principal, organization, job_id)


def spreadsheet_safe(cell: str | None) -> str:
    """A cell a spreadsheet will not run as a formula (text from an uploaded file).

    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe(None)
    ("'=HYPERLINK(1)", '')
    """
    text = cell or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_pages(
    platform: Platform,
    header: Sequence[str],
    model: type[Rows],
    job_id: str,
    cells: Callable[[Any], Sequence[Any]],
) -> Iterator[str]:
    """A job's rows of ``model`` (a table keyed by ``job_id`` and ``row``) as CSV text,
    header first, ``cells`` giving a row's cells — read a page at a time, so that a file
    of any length never sits in memory."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    yield out.getvalue()
    after = -1
    while True:
        with platform.db.session() as session:
            rows = list(
                session.execute(
                    select(model)
                    .where(model.job_id == job_id, model.row > after)
                    .order_by(model.row)
                    .limit(_PAGE)
                ).scalars()
            )
            out.seek(0)
            out.truncate()
            for r in rows:
                writer.writerow(cells(r))
        if not rows:
            return
        yield out.getvalue()
        after = rows[-1].row


def result_lines(platform: Platform, job_id: str) -> Iterator[str]:
    """The job's per-row result as CSV text (header first), read from the database a page
    at a time, so that a file of any length streams (call :func:`check_access` first)."""
    return csv_pages(
        platform,
        RESULT_COLUMNS,
        JobRow,
        job_id,
        lambda r: [
            r.row,
            spreadsheet_safe(r.recipient),
            r.outcome,
            r.credential_id or "",
            spreadsheet_safe(r.message or bulk.OUTCOMES.get(r.outcome, "")),
        ],
    )
