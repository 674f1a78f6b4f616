"""The outbox: delivery through a real SMTP server (aiosmtpd on 127.0.0.1), failures kept
on the message and retried, links' secrets dropped once sent, and who reads the mailbox.
Also account creation through a link to the address (``people.signup``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from sqlalchemy import select

from openler.services import outbox
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.people import accounts, signup
from openler.store.models import OutboxMessage, Person
from tests.conftest import SETUP, load_demo


@dataclass
class Inbox:
    """An SMTP server's handler: keeps what it was given; refuses listed recipients."""

    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def with_smtp(platform: Any, port: int) -> Any:
    platform.settings = platform.settings.model_copy(
        update={"smtp_url": SecretStr(f"smtp://127.0.0.1:{port}"), "mail_from": "Board <b@x.org>"}
    )
    return platform


def enqueue(platform: Any, to: str, body: str = "Hello") -> str:
    with platform.db.session() as session:
        row = outbox.enqueue(session, platform, to=to, subject="Subject", body=body, kind="test")
        session.flush()
        return str(row.id)


def row_of(platform: Any, message_id: str) -> OutboxMessage:
    session: Any
    with platform.db.session() as session:
        row = session.get(OutboxMessage, message_id)
        assert isinstance(row, OutboxMessage)
        session.expunge(row)
    return row


def test_delivery_through_smtp_marks_sent_and_drops_the_links_secret(
    platform: Any, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    with_smtp(platform, port)
    link = "http://127.0.0.1:8000/claim/SeCrEt-token_1"
    sent_id = enqueue(platform, "pat@example.org", f"Open {link} to claim it.")
    with platform.db.session() as session:
        done = outbox.deliver(session, platform)
    assert (done.sent, done.failed, done.waiting) == (1, 0, 0)
    ((recipients, content),) = inbox.received
    assert recipients == ["pat@example.org"]
    mail = message_from_bytes(content)
    assert mail["From"] == "Board <b@x.org>" and mail["Subject"] == "Subject"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes) and link in payload.decode()
    row = row_of(platform, sent_id)
    assert row.sent_at is not None and row.attempts == 1 and row.error is None
    assert "SeCrEt" not in row.body and "/claim/[sent by email]" in row.body
    # a second run sends nothing again
    with platform.db.session() as session:
        assert outbox.deliver(session, platform).sent == 0
    assert len(inbox.received) == 1


def test_a_refused_message_is_kept_with_its_error_and_retried(
    platform: Any, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    with_smtp(platform, port)
    inbox.refuse.add("gone@example.org")
    refused = enqueue(platform, "gone@example.org")
    fine = enqueue(platform, "here@example.org")
    with platform.db.session() as session:
        done = outbox.deliver(session, platform)
    assert (done.sent, done.failed, done.waiting) == (1, 1, 1)
    row = row_of(platform, refused)
    assert row.sent_at is None and row.attempts == 1 and "no such mailbox" in (row.error or "")
    assert row_of(platform, fine).sent_at is not None
    inbox.refuse.clear()
    with platform.db.session() as session:
        assert outbox.deliver(session, platform).sent == 1
    row = row_of(platform, refused)
    assert row.sent_at is not None and row.attempts == 2 and row.error is None


def test_a_mail_server_that_is_down_loses_nothing(platform: Any) -> None:
    with_smtp(platform, free_port())  # nothing listens there
    first = enqueue(platform, "a@example.org")
    with platform.db.session() as session:
        done = outbox.deliver(session, platform)
    assert (done.sent, done.failed) == (0, 1)
    row = row_of(platform, first)
    assert row.sent_at is None and row.attempts == 1 and row.error
    platform.settings = platform.settings.model_copy(update={"smtp_max_attempts": 1})
    with platform.db.session() as session:
        assert outbox.deliver(session, platform).failed == 0  # no longer retried …
        assert [r.id for r in outbox.unsent(session)] == [first]  # … but still listed


def test_without_a_mail_server_delivery_is_refused(platform: Any) -> None:
    enqueue(platform, "a@example.org")
    with platform.db.session() as session, pytest.raises(UsageError, match="OPENLER_SMTP_URL"):
        outbox.deliver(session, platform)


def test_the_mailbox_shows_a_person_their_own_and_an_administrator_all(platform: Any) -> None:
    enqueue(platform, "pat@example.org", "for Pat")
    enqueue(platform, "lee@example.org", "for Lee")
    with platform.db.session() as session:
        pat = accounts.create_person(
            session, platform, name="Pat", email="Pat@example.org", password=None, actor=SETUP
        )
        admin = accounts.create_person(
            session,
            platform,
            name="Admin",
            email="root@example.org",
            password=None,
            actor=SETUP,
            platform_admin=True,
        )
        as_pat = accounts.principal_for(session, pat)
        assert [m.body for m in outbox.mailbox(session, as_pat)] == ["for Pat"]
        as_admin = accounts.principal_for(session, admin)
        assert {m.body for m in outbox.mailbox(session, as_admin)} == {"for Pat", "for Lee"}
        with pytest.raises(Forbidden):
            outbox.mailbox(session, accounts.Principal.system("test"))


# --- account creation through a link to the address ------------------------------------


def test_a_signup_link_proves_the_address_once(platform: Any) -> None:
    with platform.db.session() as session:
        assert signup.request_link(session, platform, email=" New@Example.org ") == (
            "new@example.org"
        )
        (message,) = session.execute(select(OutboxMessage)).scalars()
        token = message.body.split("/signup/")[1].split()[0]
    assert signup.email_of_link(platform, token) == "new@example.org"
    payload, _, mac = token.rpartition(".")
    forged = signup.link_token(platform, "other@example.org", now=platform.now())
    with pytest.raises(NotFound):
        signup.email_of_link(platform, forged.rpartition(".")[0] + "." + mac)
    with pytest.raises(NotFound):
        signup.email_of_link(platform, payload + ".AAAA")
    with platform.db.session() as session:
        result = signup.create_proven_account(
            session,
            platform,
            email=signup.email_of_link(platform, token),
            name="  New   Person ",
            password="long enough password",
            proof="signup-link",
        )
        assert result.principal.name == "New Person"
    with platform.db.session() as session, pytest.raises(Conflict, match="already exists"):
        signup.create_proven_account(
            session,
            platform,
            email="new@example.org",
            name="Again",
            password="long enough password",
            proof="signup-link",
        )
    later = platform.clock
    platform.clock = lambda: later() + timedelta(hours=25)
    try:
        with pytest.raises(Conflict, match="expired"):
            signup.email_of_link(platform, token)
    finally:
        platform.clock = later


def test_a_link_request_for_an_existing_account_says_sign_in(platform: Any) -> None:
    with platform.db.session() as session:
        accounts.create_person(
            session, platform, name="Has", email="has@example.org", password=None, actor=SETUP
        )
        signup.request_link(session, platform, email="has@example.org")
        (message,) = session.execute(select(OutboxMessage)).scalars()
        assert "/signup/" not in message.body and "/login" in message.body


def test_link_requests_and_account_creation_are_throttled(platform: Any) -> None:
    limit = platform.settings.signup_email_attempts
    for _ in range(limit):
        with platform.db.session() as session:
            signup.request_link(session, platform, email="flood@example.org", client="192.0.2.1")
    with platform.db.session() as session, pytest.raises(signup.TooManyAttempts):
        signup.request_link(session, platform, email="flood@example.org", client="192.0.2.2")
    with platform.db.session() as session:  # another address from another client is fine
        signup.request_link(session, platform, email="other@example.org", client="192.0.2.3")
    for n in range(platform.settings.signup_client_attempts):
        with platform.db.session() as session:
            signup.create_proven_account(
                session,
                platform,
                email=f"p{n}@example.org",
                name="P",
                password="long enough password",
                client="198.51.100.9",
                proof="test",
            )
    with platform.db.session() as session, pytest.raises(signup.TooManyAttempts):
        signup.create_proven_account(
            session,
            platform,
            email="one-more@example.org",
            name="P",
            password="long enough password",
            client="198.51.100.9",
            proof="test",
        )
    with platform.db.session() as session:
        assert (
            session.execute(select(Person).where(Person.email == "one-more@example.org")).scalar()
            is None
        )


def test_weak_input_is_refused_before_an_account_exists(platform: Any) -> None:
    with platform.db.session() as session:
        with pytest.raises(UsageError, match="12 characters"):
            signup.create_proven_account(
                session, platform, email="a@example.org", name="A", password="short", proof="t"
            )
        with pytest.raises(UsageError, match="your name"):
            signup.create_proven_account(
                session, platform, email="a@example.org", name="  ", password="x" * 12, proof="t"
            )
        with pytest.raises(UsageError, match="not an email"):
            signup.request_link(session, platform, email="not-an-address")


# --- the command line ------------------------------------------------------------------


def test_openler_outbox_send_and_list(
    platform: Any, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from openler.cli.app import app

    inbox, port = smtp
    settings = platform.settings
    monkeypatch.setenv("OPENLER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPENLER_KEY_ENCRYPTION_KEY", settings.key_encryption_key.get_secret_value())
    monkeypatch.setenv("OPENLER_DATA_DIR", str(settings.data_dir))
    inbox.refuse.add("gone@example.org")
    enqueue(platform, "gone@example.org")
    enqueue(platform, "here@example.org")
    runner = CliRunner()
    unconfigured = runner.invoke(app, ["outbox", "send"])
    # (``openler.cli.main`` prints a ServiceError as one line; the app itself raises it)
    assert isinstance(unconfigured.exception, UsageError)
    assert "OPENLER_SMTP_URL" in str(unconfigured.exception)
    monkeypatch.setenv("OPENLER_SMTP_URL", f"smtp://127.0.0.1:{port}")
    sent = runner.invoke(app, ["outbox", "send"])
    assert sent.exit_code == 1 and "sent 1, failed 1, still waiting 1" in sent.output
    listed = runner.invoke(app, ["outbox", "list"])
    assert listed.exit_code == 0
    assert "gone@example.org" in listed.output and "no such mailbox" in listed.output
    assert "here@example.org" not in listed.output
    inbox.refuse.clear()
    again = runner.invoke(app, ["outbox", "send"])
    assert again.exit_code == 0 and "sent 1, failed 0, still waiting 0" in again.output
    assert "nothing waiting" in runner.invoke(app, ["outbox", "list"]).output


def test_a_claim_mail_whose_link_expired_while_waiting_is_withdrawn_not_sent(
    platform: Any, smtp: tuple[Inbox, int]
) -> None:
    from openler.services.issuers import claims, orgs
    from openler.services.issuers.recipients import Recipient

    inbox, port = smtp
    with platform.db.session() as session:
        load_demo(session, platform)
        trainer = session.execute(
            select(Person).where(Person.email == "trainer@demo.openler.org")
        ).scalar_one()
        claims.issue_one(
            session,
            platform,
            accounts.principal_for(session, trainer),
            orgs.organization_by_slug(session, "piedmont-hospital"),
            achievement_slug="iv-therapy",
            recipient=Recipient(email="late@example.org"),
        )
    with_smtp(platform, port)
    earlier = platform.clock
    platform.clock = lambda: earlier() + timedelta(days=platform.settings.claim_days + 1)
    try:
        with platform.db.session() as session:
            done = outbox.deliver(session, platform)
    finally:
        platform.clock = earlier
    assert (done.sent, done.failed) == (0, 0) and inbox.received == []
    with platform.db.session() as session:
        assert not session.execute(
            select(OutboxMessage).where(OutboxMessage.to_address == "late@example.org")
        ).all()


def test_a_message_given_up_on_keeps_no_link_secret(platform: Any, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    with_smtp(platform, port)
    platform.settings = platform.settings.model_copy(update={"smtp_max_attempts": 2})
    inbox.refuse.add("gone@example.org")
    message = enqueue(platform, "gone@example.org", "Open http://x.example/signup/SeCrEt.1.mac")
    for attempts in (1, 2):
        with platform.db.session() as session:
            outbox.deliver(session, platform)
        row = row_of(platform, message)
        assert row.attempts == attempts and row.sent_at is None
        assert ("SeCrEt" in row.body) == (attempts == 1)  # kept while it is retried
    assert "/signup/[not delivered]" in row.body
