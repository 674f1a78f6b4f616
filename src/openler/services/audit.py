"""The audit trail: append-only events, each chained to the one before by SHA-256.

``record`` adds an event inside the caller's transaction; ``verify_chain`` walks the whole
trail and reports the first event that was edited, deleted or moved.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from openler.store.models import AuditEvent

GENESIS = "0" * 64


def _digest(
    prev: str, seq: int, at: datetime, actor: str, action: str, subject: str, data: Any
) -> str:
    body = json.dumps(
        [prev, seq, at.strftime("%Y-%m-%dT%H:%M:%SZ"), actor, action, subject, data],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event. Concurrent writers are serialised by the unique ``seq``/``hash``:
    the loser of a race fails its transaction and can retry. On PostgreSQL writers take a
    transaction-scoped advisory lock first, so they queue instead of failing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7465)"))
    last = session.execute(
        select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1).with_for_update()
    ).scalar()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    payload = data or {}
    event = AuditEvent(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=payload,
        prev_hash=prev,
        hash=_digest(prev, seq, at, actor, action, subject, payload),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    message: str


def verify_chain(session: Session) -> ChainReport:
    """Check every event's hash and link; the first break is named."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        count += 1
        if event.seq != expected_seq:
            return ChainReport(
                False, count, f"event {expected_seq} is missing (next is {event.seq}): deleted"
            )
        if event.prev_hash != prev:
            return ChainReport(
                False,
                count,
                f"event {event.seq} does not follow event {event.seq - 1}: reordered or deleted",
            )
        digest = _digest(
            prev, event.seq, event.at, event.actor, event.action, event.subject, event.data
        )
        if digest != event.hash:
            return ChainReport(
                False, count, f"event {event.seq} ({event.action}) was edited after it was written"
            )
        prev = event.hash
        expected_seq += 1
    return ChainReport(True, count, f"{count} events, chain intact")
