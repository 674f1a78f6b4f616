"""A credential's life after it is issued: renewal, validity extension (one credential or
every credential of an achievement, as one audited job), and the organization's standing
in the trust registry, which decides whether what it issues is trusted at all.

Revocation, suspension and reinstatement are ``issuing.set_status`` (with the reason the
verifier sees); expiry reminders are ``reminders``.

Renewing or extending never edits a signed credential: it issues a replacement — a new
id, status entries and proof, ``previous_id`` naming the old one — and revokes the old
one *as replaced* (``replaced_by``, and the reason ``renewed as <id>`` or ``extended as
<id>``), the mechanics of ``issuing.reissue``. A verifier handed the old document sees it
revoked and, at openler, what replaced it; wallets list the current one, and shares and
request answers follow the chain (``holders.sharing``).

>>> new_valid_until(datetime(2026, 1, 31, tzinfo=UTC), 30).date().isoformat()
'2026-03-02'
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from openler.services import audit, jobs
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, ServiceError, UsageError
from openler.services.issuers import achievements, issuing
from openler.services.issuers.orgs import org_did
from openler.services.issuers.recipients import Recipient
from openler.services.people.accounts import Principal, require_role
from openler.store.models import (
    Achievement,
    IssuedCredential,
    Job,
    JobRow,
    Organization,
    Person,
    TrustEntryRow,
)
from openler.vc import TrustEntry, format_datetime

#: the longest renewal or extension accepted, in days (a hundred years)
MAX_DAYS = 36_500
#: credentials extended in one transaction of the extension job (one status-list
#: signature per touched list per chunk, one commit)
CHUNK = 100
#: what a replacement leaves behind of the old document (the rest is made anew)
_NOT_CARRIED = ("id", "proof", "credentialStatus")


def new_valid_until(valid_until: datetime, days: int) -> datetime:
    """``valid_until`` moved ``days`` later."""
    return valid_until + timedelta(days=days)


def _check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"give a number of days from 1 to {MAX_DAYS}")


#: the kinds of credential renewal and extension apply to: an achievement's credential (a
#: transcript or an endorsement is issued again, not renewed)
RENEWABLE_KINDS = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def renewable(row: IssuedCredential) -> bool:
    """Whether ``row`` may be renewed now: an achievement's credential, not revoked or
    replaced (what :func:`renew` accepts; the page offers it only then)."""
    return (
        row.kind in RENEWABLE_KINDS
        and row.replaced_by is None
        and row.state != "revoked"
        and row.revocation_list_id is not None
    )


def _replaceable(row: IssuedCredential) -> None:
    if row.replaced_by is not None:
        raise Conflict(f"{row.id} was already replaced by {row.replaced_by}")
    if row.state == "revoked":
        raise Conflict(f"{row.id} is revoked; a revoked credential is not renewed or extended")
    if row.revocation_list_id is None:
        raise Conflict(f"{row.id} has no status entry, so it could not be revoked as replaced")


def replace_credential(
    session: Session,
    platform: Platform,
    principal: Principal,
    old: IssuedCredential,
    document: dict[str, Any],
    *,
    how: str,
    deferred: set[str] | None = None,
    person: Person | None = None,
    recipient: Recipient | None = None,
    supersede: bool = False,
) -> IssuedCredential:
    """Issue ``document`` (unsigned, without id or status) as the replacement of ``old``
    and revoke ``old`` as replaced, saying ``how`` (renewed, extended, claimed, …). It goes
    to ``old``'s recipient, or to ``person`` / ``recipient`` when given (a claim binds it to
    the claimant's wallet), with the same achievement version. A suspended credential's
    replacement is suspended too, for the same reason.

    With ``supersede`` (a renewal, an extension) ``old`` is not revoked: it stays valid
    until its own end date, so a copy a holder handed out earlier does not turn "revoked"
    in a verifier's hands; it records what replaced it, and from then on follows the
    current credential — revoking, suspending or reinstating that does the same to it
    (:func:`issuing.set_status`)."""
    organization = session.get(Organization, old.organization_id)
    if organization is None:  # pragma: no cover - a foreign key
        raise NotFound("the issuing organization no longer exists")
    achievement = session.get(Achievement, old.achievement_id) if old.achievement_id else None
    if person is None and old.person_id:
        person = session.get(Person, old.person_id)
    new = issuing.issue_document(
        session,
        platform,
        principal,
        organization,
        document,
        achievement=achievement,
        person=person,
        recipient=recipient or issuing.recipient_of_row(old),
        previous_id=old.id,
        cryptosuite=issuing.cryptosuite_of(old.document),
    )
    new.achievement_version = old.achievement_version
    if old.recipient_name and not new.recipient_name:
        new.recipient_name = old.recipient_name
    if old.state == "suspended":
        issuing.set_status(
            session,
            platform,
            principal,
            new.id,
            action="suspend",
            reason=old.state_reason,
            deferred=deferred,
        )
    if supersede:
        old.state_reason = issuing.replaced_reason(how, new.id)
        old.state_changed_at = platform.now()
    else:
        issuing.set_status(
            session,
            platform,
            principal,
            old.id,
            action="revoke",
            reason=issuing.replaced_reason(how, new.id),
            deferred=deferred,
        )
    old.replaced_by = new.id
    return new


def _carried(old: IssuedCredential) -> dict[str, Any]:
    document = {k: copy.deepcopy(v) for k, v in old.document.items() if k not in _NOT_CARRIED}
    if "issuanceDate" in document or "expirationDate" in document:
        raise Conflict(f"{old.id} is a VC 1.1 credential; it has no status to replace it by")
    return document


def renew(
    session: Session,
    platform: Platform,
    principal: Principal,
    credential_id: str,
    *,
    days: int | None = None,
) -> IssuedCredential:
    """Renew a credential: a replacement valid from now for ``days`` (by default the
    achievement's validity), carrying the achievement as it is defined now. The old one is
    revoked as replaced ("renewed as <id>"). Issuer staff.

    Raises ``Conflict`` for a replaced or revoked credential and for one of a retired
    achievement; ``UsageError`` when no validity is given and the achievement has none.
    """
    old = session.get(IssuedCredential, credential_id, with_for_update=True)
    if old is None:
        raise NotFound(f"no credential {credential_id}")
    require_role(principal, old.organization_id, *issuing.ISSUERS)
    _replaceable(old)
    if old.kind not in RENEWABLE_KINDS:
        raise Conflict("only an achievement's credential is renewed; issue a new one instead")
    achievement = session.get(Achievement, old.achievement_id) if old.achievement_id else None
    if achievement is not None and achievement.retired_at is not None:
        raise Conflict(f"{achievement.data.get('name', achievement.slug)} is retired")
    days = days or (achievement.valid_days if achievement else None)
    if days is None:
        raise UsageError("say for how many days the renewed credential is valid")
    _check_days(days)
    now = platform.now()
    document = _carried(old)
    document["validFrom"] = format_datetime(now)
    document["validUntil"] = format_datetime(now + timedelta(days=days))
    subject = document.get("credentialSubject")
    if achievement is not None and isinstance(subject, dict) and "achievement" in subject:
        subject["achievement"] = copy.deepcopy(achievement.data)
        document["name"] = achievement.data.get("name", document.get("name"))
    new = replace_credential(
        session, platform, principal, old, document, how="renewed", supersede=True
    )
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="credential.renew",
        subject=old.id,
        data={"replacement": new.id, "days": days},
    )
    return new


def extend(
    session: Session,
    platform: Platform,
    principal: Principal,
    credential_id: str,
    *,
    days: int,
    deferred: set[str] | None = None,
) -> IssuedCredential:
    """Extend one credential's validity by ``days``: a replacement with the same claims
    and start, ``validUntil`` moved later, the old one revoked as replaced ("extended as
    <id>"). Issuer staff; a credential without an end date has nothing to extend."""
    old = session.get(IssuedCredential, credential_id, with_for_update=True)
    if old is None:
        raise NotFound(f"no credential {credential_id}")
    require_role(principal, old.organization_id, *issuing.ISSUERS)
    _check_days(days)
    _replaceable(old)
    if old.valid_until is None:
        raise Conflict(f"{old.id} has no end date; there is nothing to extend")
    document = _carried(old)
    until = new_valid_until(old.valid_until, days)
    document["validUntil"] = format_datetime(until)
    new = replace_credential(
        session,
        platform,
        principal,
        old,
        document,
        how="extended",
        deferred=deferred,
        supersede=True,
    )
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="credential.extend",
        subject=old.id,
        data={"replacement": new.id, "days": days},
    )
    return new


# --- extending many: the selection, its preview, the job ---------------------------------


@dataclass(frozen=True)
class Selection:
    """Which credentials an extension covers: the organization's active credentials (not
    suspended, revoked, replaced or expired at ``at``) that have an end date — of one
    achievement or all — optionally only those expiring or issued before a date."""

    organization_id: str
    at: datetime
    achievement_id: str | None = None
    expiring_before: datetime | None = None
    issued_before: datetime | None = None

    def query(self) -> Select[IssuedCredential]:
        query = select(IssuedCredential).where(
            IssuedCredential.organization_id == self.organization_id,
            IssuedCredential.state == "active",
            IssuedCredential.replaced_by.is_(None),
            IssuedCredential.valid_until.is_not(None),
            IssuedCredential.valid_until >= self.at,
        )
        if self.achievement_id is not None:
            query = query.where(IssuedCredential.achievement_id == self.achievement_id)
        if self.expiring_before is not None:
            query = query.where(IssuedCredential.valid_until < self.expiring_before)
        if self.issued_before is not None:
            query = query.where(IssuedCredential.issued_at < self.issued_before)
        return query


@dataclass(frozen=True)
class Preview:
    """What an extension would do, before it is done."""

    count: int
    first_end: datetime | None  # the earliest end date among them
    last_end: datetime | None
    achievement: Achievement | None
    days: int


def _day(value: str | None, what: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise UsageError(f"{what} must be a date such as 2026-12-31") from None


def _selection(
    session: Session,
    platform: Platform,
    organization: Organization,
    *,
    achievement_slug: str | None,
    expiring_before: str | None,
    issued_before: str | None,
    at: datetime | None = None,
) -> tuple[Selection, Achievement | None]:
    achievement = (
        achievements.achievement_by_slug(session, organization, achievement_slug)
        if achievement_slug
        else None
    )
    selection = Selection(
        organization.id,
        at or platform.now(),
        achievement.id if achievement else None,
        _day(expiring_before, "expiring before"),
        _day(issued_before, "issued before"),
    )
    return selection, achievement


def require_extender(principal: Principal, organization: Organization) -> None:
    """Extending many credentials at once is the organization's issuer admins' decision."""
    require_role(principal, organization.id, "issuer_admin")


def preview_extension(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    days: int,
    achievement_slug: str | None = None,
    expiring_before: str | None = None,
    issued_before: str | None = None,
) -> Preview:
    """How many credentials an extension would replace, counted in the database. Issuer
    admins only (it is their decision to make)."""
    require_extender(principal, organization)
    _check_days(days)
    selection, achievement = _selection(
        session,
        platform,
        organization,
        achievement_slug=achievement_slug,
        expiring_before=expiring_before,
        issued_before=issued_before,
    )
    chosen = selection.query().subquery()
    count, first, last = session.execute(
        select(func.count(), func.min(chosen.c.valid_until), func.max(chosen.c.valid_until))
    ).one()
    fix = IssuedCredential.valid_until.type.process_result_value  # aggregated: no type applied
    return Preview(
        int(count),
        _aware(first, fix),
        _aware(last, fix),
        achievement,
        days,
    )


def _aware(value: Any, fix: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    result: datetime = fix(value, None)
    return result


KIND = "extend_validity"


def submit_extension(
    platform: Platform,
    queue: jobs.JobQueue,
    principal: Principal,
    *,
    organization_slug: str,
    days: int,
    achievement_slug: str | None = None,
    expiring_before: str | None = None,
    issued_before: str | None = None,
) -> str:
    """Queue the extension of every credential the filters select, as one job; returns
    its id. The selection is made when the job starts and kept as its rows, so a job run
    again (after a crash, or by hand) works through the same credentials and skips those
    already done. Issuer admins only."""
    with platform.db.session() as session:
        organization = issuing_org(session, organization_slug)
        preview_extension(
            session,
            platform,
            principal,
            organization,
            days=days,
            achievement_slug=achievement_slug,
            expiring_before=expiring_before,
            issued_before=issued_before,
        )
    payload = {
        "organization": organization_slug,
        "achievement": achievement_slug,
        "days": days,
        "expiring_before": expiring_before,
        "issued_before": issued_before,
        "at": format_datetime(platform.now()),
    }
    return jobs.create_job(platform, queue, principal, kind=KIND, payload=payload)


def issuing_org(session: Session, slug: str) -> Organization:
    found = session.execute(select(Organization).where(Organization.slug == slug)).scalar()
    if found is None:
        raise NotFound(f"no organization {slug!r}")
    return found


def _plan(session: Session, platform: Platform, job: Job, principal: Principal) -> None:
    """Choose the job's credentials once: one pending row each."""
    payload = job.payload
    organization = issuing_org(session, payload["organization"])
    require_role(principal, organization.id, "issuer_admin")
    selection, _achievement = _selection(
        session,
        platform,
        organization,
        achievement_slug=payload.get("achievement"),
        expiring_before=payload.get("expiring_before"),
        issued_before=payload.get("issued_before"),
        at=datetime.fromisoformat(payload["at"]),
    )
    query = selection.query().order_by(IssuedCredential.valid_until, IssuedCredential.id)
    chosen = session.execute(
        query.with_only_columns(
            IssuedCredential.id,
            IssuedCredential.recipient_name,
            IssuedCredential.recipient_email,
            IssuedCredential.recipient,
        )
    ).all()
    if chosen:
        session.execute(
            insert(JobRow),
            [
                {
                    "job_id": job.id,
                    "row": n,
                    "outcome": "pending",
                    "credential_id": credential_id,
                    "recipient": (name or email or recipient)[:400],
                }
                for n, (credential_id, name, email, recipient) in enumerate(chosen, start=1)
            ],
        )
    job.total, job.done, job.organization_id = len(chosen), 0, organization.id
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="extension.start",
        subject=f"job:{job.id}",
        data={
            **{k: v for k, v in payload.items() if k != "submitted_with_token"},
            "count": len(chosen),
        },
    )


def _pending(session: Session, job_id: str) -> list[JobRow]:
    return list(
        session.execute(
            select(JobRow)
            .where(JobRow.job_id == job_id, JobRow.outcome == "pending")
            .order_by(JobRow.row)
            .limit(CHUNK)
        ).scalars()
    )


@jobs.handler(KIND)
def run_extension(platform: Platform, job: Job) -> dict[str, Any]:
    """The extension job's work, as the person who submitted it: chunks of :data:`CHUNK`
    credentials, each chunk one transaction — its replacements, revocations, row outcomes,
    the job's progress and one signature per touched status list — so a crash loses at
    most the chunk in flight, which the next run does again."""
    job_id = job.id
    with platform.db.session() as session:
        found = session.get(Job, job_id)
        assert found is not None
        if found.total is None:
            _plan(session, platform, found, jobs.submitter(session, found))
    while True:
        with platform.db.session() as session:
            found = session.get(Job, job_id)
            assert found is not None
            rows = _pending(session, job_id)
            if not rows:
                break
            principal = jobs.submitter(session, found)
            organization = issuing_org(session, found.payload["organization"])
            # The chunk's progress is written first: on SQLite a savepoint opened before
            # any write in the transaction would commit on release (pysqlite begins a
            # transaction at the first write only), and each row runs in a savepoint.
            session.execute(update(Job).where(Job.id == job_id).values(done=Job.done + len(rows)))
            deferred: set[str] = set()
            for row in rows:
                _extend_row(session, platform, principal, found, row, deferred)
            issuing.publish_lists(session, platform, organization, deferred)
    with platform.db.session() as session:
        tally = dict(
            session.execute(
                select(JobRow.outcome, func.count())
                .where(JobRow.job_id == job_id)
                .group_by(JobRow.outcome)
            ).all()
        )
        result = {
            "total": sum(tally.values()),
            "extended": int(tally.get("extended", 0)),
            "failed": int(tally.get("failed", 0)),
        }
        audit.record(
            session,
            at=platform.now(),
            actor=job.created_by or jobs.RUNNER.label,
            action="extension.finish",
            subject=f"job:{job_id}",
            data=result,
        )
    return result


def _extend_row(
    session: Session,
    platform: Platform,
    principal: Principal,
    job: Job,
    row: JobRow,
    deferred: set[str],
) -> None:
    assert row.credential_id is not None
    marked = set(deferred)
    try:
        with session.begin_nested():
            new = extend(
                session,
                platform,
                principal,
                row.credential_id,
                days=int(job.payload["days"]),
                deferred=deferred,
            )
            new.job_id, new.job_row = job.id, row.row
            session.flush()
    except ServiceError as exc:
        deferred.intersection_update(marked)  # the rolled-back change needs no signature
        row.outcome, row.message = "failed", exc.message
        return
    until = new.valid_until.date().isoformat() if new.valid_until else "?"
    row.outcome, row.message = "extended", f"valid until {until}"


@dataclass(frozen=True)
class ExtensionRow:
    row: int
    outcome: str  # pending, extended, failed
    recipient: str | None
    credential_id: str | None  # the credential extended
    replacement_id: str | None
    message: str | None


@dataclass(frozen=True)
class ExtensionJob:
    job: Job
    organization: Organization
    rows: list[ExtensionRow]
    extended: int
    failed: int

    def to_json(self) -> dict[str, Any]:
        """Progress and tallies (what the job page polls)."""
        job = self.job
        return {
            "id": job.id,
            "state": job.state,
            "total": job.total,
            "done": job.done,
            "extended": self.extended,
            "failed": self.failed,
            "days": job.payload.get("days"),
            "error": job.error,
        }


def extension_title(session: Session, found: ExtensionJob) -> str:
    """What an extension job does, in words: "Registered Nurse extended by 365 days", or
    "Credentials extended by 365 days" when it covers every achievement."""
    payload = found.job.payload
    days = payload.get("days")
    what = "Credentials"
    slug = payload.get("achievement")
    if isinstance(slug, str) and slug:
        try:
            achievement = achievements.achievement_by_slug(session, found.organization, slug)
            what = str(achievement.data.get("name") or slug)
        except NotFound:
            what = slug
    return f"{what} extended by {days} day{'' if days == 1 else 's'}"


def extension_job(
    session: Session,
    principal: Principal,
    job_id: str,
    *,
    organization: Organization | None = None,
    limit: int | None = 500,
) -> ExtensionJob:
    """An extension job and its rows (the first ``limit``; None for all, as the
    downloadable report has them), for the issuer staff of its organization (and only
    under that organization's address when ``organization`` is given)."""
    job = session.get(Job, job_id)
    if job is None or job.kind != KIND:
        raise NotFound(f"no extension job {job_id}")
    owner = issuing_org(session, job.payload["organization"])
    if organization is not None and owner.id != organization.id:
        raise NotFound(f"{organization.name} has no extension job {job_id}")
    require_role(principal, owner.id, *issuing.ISSUERS)
    query = (
        select(JobRow, IssuedCredential.id)
        .outerjoin(
            IssuedCredential,
            (IssuedCredential.job_id == JobRow.job_id) & (IssuedCredential.job_row == JobRow.row),
        )
        .where(JobRow.job_id == job_id)
        .order_by(JobRow.row)
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [
        ExtensionRow(r.row, r.outcome, r.recipient, r.credential_id, new_id, r.message)
        for r, new_id in session.execute(query).all()
    ]
    tally = dict(
        session.execute(
            select(JobRow.outcome, func.count())
            .where(JobRow.job_id == job_id)
            .group_by(JobRow.outcome)
        ).all()
    )
    return ExtensionJob(
        job, owner, rows, int(tally.get("extended", 0)), int(tally.get("failed", 0))
    )


def _cell(value: str | None) -> str:
    """A CSV cell a spreadsheet shows as text (never runs as a formula)."""
    text = value or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_lines(found: ExtensionJob) -> Iterator[list[str]]:
    """The job's report as CSV rows, a header first."""
    yield ["row", "outcome", "recipient", "credential", "replacement", "message"]
    for r in found.rows:
        yield [
            str(r.row),
            r.outcome,
            _cell(r.recipient),
            _cell(r.credential_id),
            _cell(r.replacement_id),
            _cell(r.message),
        ]


# --- the organization's standing in the trust registry -----------------------------------

StandingCode = Literal["active", "suspended", "withdrawn", "not-registered", "no-registry"]


@dataclass(frozen=True)
class Standing:
    """Where the organization stands in this platform's trust registry: what verifiers
    here decide about every credential it issues."""

    code: StandingCode
    reason: str | None = None
    since: str | None = None

    @property
    def trusted(self) -> bool:
        return self.code in ("active", "no-registry")

    @property
    def message(self) -> str:
        """What issuer staff are told (a banner), empty when all is well; the registry's
        reason is quoted as its own sentence, so its punctuation is never doubled.

        >>> "(Audit" in Standing("suspended", "Audit pending.").message
        False
        >>> Standing("suspended", "Audit pending.").message.split(". ")[1]
        'The registry says: Audit pending'
        """
        why = ""
        if self.reason and self.reason.strip():
            reason = self.reason.strip()
            closed = reason if reason.endswith((".", "!", "?", "…")) else f"{reason}."
            why = f" The registry says: {closed}"
        since = f" since {self.since[:10]}" if self.since else ""
        if self.code == "suspended":
            return (
                f"The trust registry has suspended this organization{since}.{why} Verifiers "
                "here do not trust what it issues until the registry reinstates it."
            )
        if self.code == "withdrawn":
            return (
                f"The trust registry has withdrawn this organization{since}.{why} Verifiers "
                "here do not trust what it issues."
            )
        if self.code == "not-registered":
            return (
                "This organization is not in the trust registry, so verifiers here do not "
                "trust what it issues. Ask the registry office to register it."
            )
        return ""


def standing(session: Session, platform: Platform, organization: Organization) -> Standing:
    """The organization's standing (no registry at all: nothing to say)."""
    row = session.get(TrustEntryRow, org_did(platform, organization))
    if row is None:
        anyone = session.execute(select(TrustEntryRow.issuer).limit(1)).scalar()
        return Standing("no-registry" if anyone is None else "not-registered")
    entry = TrustEntry.from_json(row.data)
    return Standing(entry.state, entry.reason, entry.state_changed)
