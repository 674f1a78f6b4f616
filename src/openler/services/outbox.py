"""The outbox: mail openler sends (claim links, expiry reminders) is first a row here, in
the same transaction as what it is about, so nothing is sent for work that rolled back and
nothing is lost when the mail server is down. Delivery reads the rows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.store.models import OutboxMessage


def enqueue(
    session: Session,
    platform: Platform,
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    ref: str | None = None,
    organization_id: str | None = None,
) -> OutboxMessage:
    """Record a message to send to ``to``."""
    message = OutboxMessage(
        to_address=to,
        subject=subject[:300],
        body=body,
        kind=kind,
        ref=ref,
        organization_id=organization_id,
        created_at=platform.now(),
    )
    session.add(message)
    return message
