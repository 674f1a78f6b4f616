"""The outbox: mail openler sends (claim links, account links, expiry reminders) is first a
row here, in the same transaction as what it is about, so nothing is sent for work that
rolled back and nothing is lost when the mail server is down.

:func:`deliver` sends what waits through SMTP (``OPENLER_SMTP_URL``): a message is marked
sent only once the server took it; a failure is written on its row (``attempts``,
``error``) and the message is tried again on the next run, up to ``smtp_max_attempts``
times. Delivery is at least once: a process that dies between the server's answer and the
commit sends that message again. Once sent, the secret part of any link in the stored copy
is replaced (the mail has it; the database need not keep it); so it is when delivery is
given up on.

A waiting message whose link no longer works — a claim link of a credential revoked,
claimed, or sent again as a new link; a sign-up link once the account exists — is
**withdrawn**: deleted unsent, with an audit event saying why (:func:`withdraw_dead`,
called where those things happen, and checked again just before each message is sent).
Each kind of message with such a link registers its check (:func:`link_check`).

Without a mail server (the demo), nothing is sent: :func:`mailbox` is what the in-app
mailbox page shows — every message to a platform administrator, a person their own.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Forbidden, UsageError
from openler.services.people.accounts import Principal
from openler.settings import Settings
from openler.store.models import OutboxMessage, new_id

#: capability links whose secret is dropped from the stored copy once the mail is sent
_SECRET_LINKS = re.compile(r"(/(?:claim|signup)/)[A-Za-z0-9_.~-]+")
SENT_MARK = "[sent by email]"
GIVEN_UP_MARK = "[not delivered]"
#: why a waiting message must not be sent any more (None: send it)
LinkCheck = Callable[[Session, Platform, OutboxMessage], str | None]
_CHECKS: dict[str, LinkCheck] = {}


def link_check(kind: str) -> Callable[[LinkCheck], LinkCheck]:
    """Register the check of a kind of message whose link may stop working."""

    def register(check: LinkCheck) -> LinkCheck:
        _CHECKS[kind] = check
        return check

    return register


def _link_checks() -> dict[str, LinkCheck]:
    # the modules that send linked mail register their checks when imported
    from openler.services.issuers import claims  # noqa: F401
    from openler.services.people import signup  # noqa: F401

    return _CHECKS


def link_secret(body: str, path: str) -> str | None:
    """The secret of the first ``/<path>/<secret>`` link in a message, if it still has one.

    >>> link_secret("open https://x.example/claim/abc-1_2 now", "claim")
    'abc-1_2'
    >>> link_secret("https://x.example/claim/[sent by email]", "claim") is None
    True
    """
    found = re.search(rf"/{re.escape(path)}/([A-Za-z0-9_.~-]+)", body)
    return found.group(1) if found else None


def withdraw(
    session: Session, platform: Platform, rows: list[OutboxMessage], *, reason: str
) -> int:
    """Never send ``rows`` (waiting messages): each is deleted, its link with it, and an
    audit event says what it was, to whom, and why. Returns how many."""
    for row in rows:
        audit.record(
            session,
            at=platform.now(),
            actor="system:outbox",
            action="outbox.withdraw",
            subject=f"outbox:{row.id}",
            data={
                "kind": row.kind,
                "ref": row.ref,
                "to": row.to_address,
                "reason": reason,
                "organization_id": row.organization_id,
            },
        )
        session.delete(row)
    return len(rows)


def withdraw_dead(session: Session, platform: Platform, *, to: str) -> int:
    """Withdraw the messages waiting for ``to`` whose link no longer works (a claim link
    of a revoked or claimed credential, or one replaced by a newer link; a used sign-up
    link). Returns how many."""
    checks = _link_checks()
    waiting = session.execute(
        select(OutboxMessage).where(
            OutboxMessage.to_address == to,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.kind.in_(list(checks)),
        )
    ).scalars()
    withdrawn = 0
    for row in list(waiting):
        reason = checks[row.kind](session, platform, row)
        if reason is not None:
            withdrawn += withdraw(session, platform, [row], reason=reason)
    return withdrawn


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
        **message_values(
            platform,
            to=to,
            subject=subject,
            body=body,
            kind=kind,
            ref=ref,
            organization_id=organization_id,
        )
    )
    session.add(message)
    return message


def message_values(
    platform: Platform,
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    ref: str | None = None,
    organization_id: str | None = None,
) -> dict[str, Any]:
    """The column values of an outbox message (what :func:`enqueue` records, and what a
    roster job writes in bulk)."""
    return {
        "id": new_id(),
        "to_address": to,
        "subject": subject[:300],
        "body": body,
        "kind": kind,
        "ref": ref,
        "organization_id": organization_id,
        "created_at": platform.now(),
        "sent_at": None,
        "attempts": 0,
        "error": None,
    }


class Mailer(Protocol):
    """What delivery needs of a connection to a mail server (``smtplib.SMTP`` is one)."""

    def send_message(self, msg: EmailMessage) -> object: ...


#: opens a connection for one delivery run; closing it ends the session with the server
Connect = Callable[[], AbstractContextManager[Mailer]]


def smtp_connect(settings: Settings, *, timeout: float = 30.0) -> Connect | None:
    """A :data:`Connect` for the configured mail server, or None when none is configured.

    ``smtp://host:port`` starts TLS when the server offers it; ``smtps://`` speaks TLS
    from the first byte; ``user:password@`` in the URL signs in."""
    if settings.smtp_url is None:
        return None
    parts = urlsplit(settings.smtp_url.get_secret_value())
    host = parts.hostname or "localhost"
    implicit_tls = parts.scheme == "smtps"
    port = parts.port or (465 if implicit_tls else 25)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else ""

    def connect() -> AbstractContextManager[Mailer]:
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if implicit_tls:
            server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
        if user:
            server.login(user, password)
        return server

    return connect


def email_of(settings: Settings, row: OutboxMessage) -> EmailMessage:
    """The message as it goes out (plain text, UTF-8)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(row.created_at.timestamp(), usegmt=True)
    domain = settings.mail_from.rpartition("@")[2].strip("> ") or "localhost"
    message["Message-ID"] = make_msgid(idstring=row.id, domain=domain)
    message.set_content(row.body)
    return message


@dataclass(frozen=True)
class Delivery:
    """What one delivery run did: messages sent, failed this time, and still waiting."""

    sent: int
    failed: int
    waiting: int


def pending(session: Session, settings: Settings, *, limit: int) -> list[OutboxMessage]:
    """Messages not sent yet that are still retried, oldest first (locked where the
    database can, so that two runs do not send the same message)."""
    return list(
        session.execute(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.attempts < settings.smtp_max_attempts,
            )
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars()
    )


def deliver(
    session: Session, platform: Platform, *, connect: Connect | None = None, limit: int = 200
) -> Delivery:
    """Send up to ``limit`` waiting messages through ``connect`` (default: the configured
    mail server). Refused when no mail server is configured."""
    connect = connect or smtp_connect(platform.settings)
    if connect is None:
        raise UsageError(
            "no mail server is configured (OPENLER_SMTP_URL); the mailbox page shows the "
            "messages instead"
        )
    checks = _link_checks()
    rows = []
    for row in pending(session, platform.settings, limit=limit):
        check = checks.get(row.kind)
        reason = check(session, platform, row) if check is not None else None
        if reason is None:
            rows.append(row)
        else:  # the link stopped working while the message waited
            withdraw(session, platform, [row], reason=reason)
    sent = failed = 0
    tried: set[str] = set()
    if rows:
        try:
            with connect() as server:
                for row in rows:
                    tried.add(row.id)
                    if _send(server, platform, row):
                        sent += 1
                    else:
                        failed += 1
        except (OSError, smtplib.SMTPException) as exc:  # the connection itself failed
            for row in rows:
                if row.sent_at is None and (row.id not in tried or row.error is None):
                    _failed(row, exc, platform.settings)
                    failed += 1
    waiting = len(pending(session, platform.settings, limit=limit + 1)) if rows else 0
    return Delivery(sent=sent, failed=failed, waiting=waiting)


def _send(server: Mailer, platform: Platform, row: OutboxMessage) -> bool:
    row.error = None
    try:
        server.send_message(email_of(platform.settings, row))
    except smtplib.SMTPServerDisconnected:
        raise  # the connection is gone: every message left fails the same way
    except (smtplib.SMTPException, UnicodeError) as exc:
        _failed(row, exc, platform.settings)
        return False
    row.attempts += 1
    row.sent_at = platform.now()
    row.body = _SECRET_LINKS.sub(rf"\g<1>{SENT_MARK}", row.body)
    return True


def _failed(row: OutboxMessage, exc: BaseException, settings: Settings) -> None:
    row.attempts += 1
    row.error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= settings.smtp_max_attempts:  # given up on: the link need not be kept
        row.body = _SECRET_LINKS.sub(rf"\g<1>{GIVEN_UP_MARK}", row.body)


def unsent(session: Session, *, limit: int = 50) -> list[OutboxMessage]:
    """Messages not sent yet (retried or given up on), oldest first."""
    return list(
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        ).scalars()
    )


def mailbox(session: Session, principal: Principal, *, limit: int = 100) -> list[OutboxMessage]:
    """The messages a person may read here, newest first: every message for a platform
    administrator, and their own (sent to their email address) for anyone else."""
    if principal.token_scope is not None or principal.is_system:
        raise Forbidden("the mailbox is a page for a signed-in person")
    query = select(OutboxMessage)
    if not principal.platform_admin:
        query = query.where(OutboxMessage.to_address == principal.email.lower())
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id).limit(limit)
    return list(session.execute(query).scalars())
