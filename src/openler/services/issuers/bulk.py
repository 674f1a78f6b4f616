"""Rosters: one achievement issued to many recipients as a background job.

A roster job's input is its awards (the payload's ``awards``) and the rows refused before
it started (recorded as failed ``JobRow``\\ s when it is submitted); its output is one
``JobRow`` per row — issued, already_holds, would_issue (a dry run) or failed — written in
the same transaction as the credential it names. So running it again, after a crash or a
killed worker, carries on where it stopped and issues no row twice (a credential also
records its job and row, unique together), and a recipient who already holds the
achievement — from an earlier file, or an earlier row of this one — is reported as such,
never issued a second credential.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services import jobs
from openler.services.context import Platform
from openler.services.errors import Conflict, ServiceError, UsageError
from openler.services.issuers import achievements, claims, issuing, orgs, stacking
from openler.services.issuers.recipients import (
    Award,
    Recipient,
    award_from_json,
    award_to_json,
)
from openler.services.people.accounts import Principal, require_role
from openler.store.models import Achievement, Job, JobRow, Organization, Person

ROSTER_JOB = "roster_issue"
#: what each outcome means, in the words the pages and the results file use
OUTCOMES = {
    "issued": "issued",
    "already_holds": "already holds it",
    "would_issue": "would be issued",
    "failed": "not issued",
}


def submit_roster(
    platform: Platform,
    queue: jobs.JobQueue,
    principal: Principal,
    *,
    organization_slug: str,
    achievement_slug: str,
    awards: Sequence[Award],
    rejected: Sequence[tuple[int, str, str]] = (),
    dry_run: bool = False,
    source: str | None = None,
) -> str:
    """Queue a roster: ``awards`` to issue and ``rejected`` rows (row number, recipient as
    written, why) reported as failed. Issuer staff of the organization only; a retired
    achievement is refused before anything is queued. Returns the job id."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        require_role(principal, organization.id, *issuing.ISSUERS)
        achievement = achievements.achievement_by_slug(session, organization, achievement_slug)
        if achievement.retired_at is not None:
            raise Conflict(f"{achievement.data.get('name', achievement_slug)} is retired")
        organization_id = organization.id
    if not awards and not rejected:
        raise UsageError("a roster needs at least one row")
    payload = {
        "organization": organization_slug,
        "achievement": achievement_slug,
        "dry_run": dry_run,
        "source": source,
        "awards": [award_to_json(a) for a in awards],
    }

    def record_rejected(session: Session, job: Job) -> None:
        for row, written, why in rejected:
            session.add(
                JobRow(job_id=job.id, row=row, outcome="failed", recipient=written, message=why)
            )
        job.done = len(rejected)

    return jobs.create_job(
        platform,
        queue,
        principal,
        kind=ROSTER_JOB,
        payload=payload,
        organization_id=organization_id,
        total=len(awards) + len(rejected),
        before_submit=record_rejected,
    )


def outcome_counts(session: Session, job_id: str) -> dict[str, int]:
    """How many rows of a job ended each way (counted in the database)."""
    counts = session.execute(
        select(JobRow.outcome, func.count()).where(JobRow.job_id == job_id).group_by(JobRow.outcome)
    ).all()
    return {outcome: int(n) for outcome, n in counts}


def _recipient_account(session: Session, platform: Platform, recipient: Recipient) -> Recipient:
    """The recipient bound to the account that has their email, when there is one."""
    if recipient.person_id is None and recipient.email:
        person = session.execute(select(Person).where(Person.email == recipient.email)).scalar()
        if person is not None:
            bound = issuing.person_recipient(session, platform, person)
            return Recipient(
                email=bound.email,
                identifier=recipient.identifier,
                identifier_type=recipient.identifier_type,
                name=recipient.name or bound.name,
                person_id=bound.person_id,
                did=bound.did,
            )
    return recipient


def _issue_row(
    session: Session,
    platform: Platform,
    principal: Principal,
    job: Job,
    organization: Organization,
    achievement: Achievement,
    award: Award,
) -> JobRow:
    recipient = _recipient_account(session, platform, award.recipient)
    held = issuing.holding(session, organization, achievement, recipient.key, now=platform.now())
    written = recipient.email or recipient.identifier
    if held is not None:
        return JobRow(
            row=award.row,
            outcome="already_holds",
            recipient=written,
            credential_id=held.id,
            message=f"already holds it (issued {held.issued_at:%Y-%m-%d})",
        )
    if job.payload.get("dry_run"):
        return JobRow(row=award.row, outcome="would_issue", recipient=written)
    credential = issuing.issue(
        session, platform, principal, organization, achievement, recipient=recipient, award=award
    )
    credential.job_id, credential.job_row = job.id, award.row
    claims.offer_claim(session, platform, credential, recipient)
    stacking.after_issue(session, platform, credential)
    return JobRow(row=award.row, outcome="issued", recipient=written, credential_id=credential.id)


@jobs.handler(ROSTER_JOB)
def run_roster(platform: Platform, job: Job) -> dict[str, Any]:
    """Issue a roster's rows not yet recorded, each in its own transaction with its
    ``JobRow``; the job's ``done`` counts them as they commit (the live progress)."""
    job_id = job.id
    with platform.db.session() as session:  # the whole job stops when its submitter may not
        organization = orgs.organization_by_slug(session, job.payload["organization"])
        require_role(jobs.submitter(session, job), organization.id, *issuing.ISSUERS)
        recorded = set(session.execute(select(JobRow.row).where(JobRow.job_id == job_id)).scalars())
    awards = [award_from_json(a) for a in job.payload["awards"]]
    for award in awards:
        if award.row in recorded:
            continue
        try:
            with platform.db.session() as session:
                principal = jobs.submitter(session, job)
                organization = orgs.organization_by_slug(session, job.payload["organization"])
                achievement = achievements.achievement_by_slug(
                    session, organization, job.payload["achievement"]
                )
                outcome = _issue_row(
                    session, platform, principal, job, organization, achievement, award
                )
                outcome.job_id = job_id
                session.add(outcome)
                _advance(session, job_id)
        except ServiceError as exc:
            with platform.db.session() as session:
                session.add(
                    JobRow(
                        job_id=job_id,
                        row=award.row,
                        outcome="failed",
                        recipient=award.recipient.email or award.recipient.identifier,
                        message=exc.message,
                    )
                )
                _advance(session, job_id)
    with platform.db.session() as session:
        counts = outcome_counts(session, job_id)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


def _advance(session: Session, job_id: str) -> None:
    current = session.get(Job, job_id)
    if current is not None:
        current.done = (current.done or 0) + 1


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
