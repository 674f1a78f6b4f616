"""Expiry reminders: a holder is mailed (through the outbox) when a credential comes within
each threshold of its end — 60 and 14 days by default (``OPENLER_REMINDER_DAYS``) — once
per credential and threshold, never twice.

What was sent is the record: each reminder is an outbox row of kind ``expiry_reminder``
whose ``ref`` names the threshold and the credential (``14d:<credential id>``). A run
looks for the smallest threshold a credential is within and sends that one unless it was
sent: a credential issued ten days before its end gets the 14-day reminder only, not the
60-day one as well. A renewed or extended credential is a new credential with its own
reminders; the one it replaced gets no more.

Run it daily: ``openler reminders send``, or :func:`send_due` from any scheduler.

>>> ref_of("urn:uuid:1", 14)
'14d:urn:uuid:1'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit, outbox
from openler.services.context import Platform
from openler.services.people.accounts import Principal, require_platform_admin, require_role
from openler.services.verifiers.credential_state import issuer_name
from openler.store.models import IssuedCredential, Organization, OutboxMessage, Person

KIND = "expiry_reminder"
#: looked up in the outbox this many at a time
_BATCH = 500


def ref_of(credential_id: str, days: int) -> str:
    return f"{days}d:{credential_id}"


@dataclass(frozen=True)
class ReminderRun:
    sent: int
    #: due, but with no address to write to (issued to an identifier only)
    without_address: int
    #: due, and already sent by an earlier run
    already_sent: int


def _threshold(valid_until: datetime, now: datetime, thresholds: Sequence[int]) -> int | None:
    """The smallest threshold (in days) ``valid_until`` is within, if any."""
    for days in sorted(thresholds):
        if valid_until <= now + timedelta(days=days):
            return days
    return None


def _body(row: IssuedCredential, person: Person | None, platform: Platform, ends: str) -> str:
    name = str(row.document.get("name") or "credential")
    issuer = issuer_name(row.document)
    greeting = person.name if person else row.recipient_name or "there"
    lines = [
        f"Hello {greeting},",
        "",
        f"Your {name} from {issuer} ends on {ends}.",
        f"To renew it, follow {issuer}'s renewal process; once renewed, the new credential",
        "replaces this one wherever you shared it.",
    ]
    if person is not None:
        lines += ["", f"See it in your wallet: {platform.settings.public_url}/wallet/{row.id}"]
    return "\n".join(lines) + "\n"


def send_reminders(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    thresholds: Sequence[int] | None = None,
    organization: Organization | None = None,
) -> ReminderRun:
    """Enqueue the reminders due now, for one organization (its issuer admins) or for all
    (the platform: its administrators, the CLI, a scheduler). Audited when any is sent."""
    if organization is not None:
        require_role(principal, organization.id, "issuer_admin")
    else:
        require_platform_admin(principal)
    days = tuple(thresholds or platform.settings.reminder_thresholds)
    now = platform.now()
    query = (
        select(IssuedCredential, Person)
        .outerjoin(Person, Person.id == IssuedCredential.person_id)
        .where(
            IssuedCredential.state == "active",
            IssuedCredential.replaced_by.is_(None),
            IssuedCredential.valid_until.is_not(None),
            IssuedCredential.valid_until >= now,
            IssuedCredential.valid_until <= now + timedelta(days=max(days)),
        )
        .order_by(IssuedCredential.valid_until, IssuedCredential.id)
    )
    if organization is not None:
        query = query.where(IssuedCredential.organization_id == organization.id)
    due = []
    for row, person in session.execute(query).all():
        assert row.valid_until is not None
        threshold = _threshold(row.valid_until, now, days)
        if threshold is not None:
            due.append((row, person, ref_of(row.id, threshold)))
    sent_before: set[str | None] = set()
    for start in range(0, len(due), _BATCH):
        refs = [ref for _row, _person, ref in due[start : start + _BATCH]]
        sent_before |= set(
            session.execute(
                select(OutboxMessage.ref).where(
                    OutboxMessage.kind == KIND, OutboxMessage.ref.in_(refs)
                )
            ).scalars()
        )
    sent = without = 0
    for row, person, ref in due:
        if ref in sent_before:
            continue
        address = person.email if person is not None else row.recipient_email
        if not address:
            without += 1
            continue
        assert row.valid_until is not None
        ends = row.valid_until.date().isoformat()
        outbox.enqueue(
            session,
            platform,
            to=address,
            subject=f"Your {row.document.get('name') or 'credential'} ends on {ends}",
            body=_body(row, person, platform, ends),
            kind=KIND,
            ref=ref,
            organization_id=row.organization_id,
        )
        sent += 1
    if sent:
        audit.record(
            session,
            at=now,
            actor=principal.label,
            action="reminders.send",
            subject=f"organization:{organization.slug}" if organization else "platform",
            data={"sent": sent, "thresholds": list(days)},
        )
    return ReminderRun(sent, without, len(due) - sent - without)


def send_due(platform: Platform, *, thresholds: Sequence[int] | None = None) -> ReminderRun:
    """What a scheduler calls (daily): every organization's reminders due now, in one
    transaction of its own."""
    with platform.db.session() as session:
        return send_reminders(
            session, platform, Principal.system("reminders"), thresholds=thresholds
        )
