"""Attack 2.9: sign-in throttled per client as well as per email, and the answers (message and
work done) the same whether an email has an account or not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from openler.services.errors import Unauthenticated
from openler.services.people import accounts, throttle
from openler.store.models import AuditEvent, LoginThrottle, SessionRow
from tests.conftest import SETUP

PASSWORD = "correct horse battery"


@pytest.fixture
def maria(platform: Any) -> str:
    with platform.db.session() as s:
        accounts.create_person(
            s, platform, name="Maria", email="maria@example.org", password=PASSWORD, actor=SETUP
        )
        accounts.create_person(
            s, platform, name="Oidc Only", email="oidc@example.org", password=None, actor=SETUP
        )
    return "maria@example.org"


def attempt(platform: Any, email: str, password: str, client: str | None = "198.51.100.7") -> str:
    """The outcome of one sign-in, as a person sees it: "signed in" or the message."""
    with platform.db.session() as s:
        try:
            accounts.login(s, platform, email=email, password=password, client=client)
        except Unauthenticated as exc:
            s.commit()  # as the web route does: the failure is kept
            return exc.message
    return "signed in"


def sessions(platform: Any) -> int:
    with platform.db.session() as s:
        return int(s.execute(select(func.count()).select_from(SessionRow)).scalar_one())


def test_an_existing_and_an_unknown_email_get_the_same_answers(platform: Any, maria: str) -> None:
    """Before: an existing account's lockout said so, an unknown email never locked, so the
    difference told which emails have accounts. Now every answer in the sequence is equal."""
    limit = platform.settings.login_attempts
    known = [attempt(platform, maria, "wrong password!", client=None) for _ in range(limit + 2)]
    unknown = [
        attempt(platform, "nobody@example.org", "wrong password!", client=None)
        for _ in range(limit + 2)
    ]
    oidc_only = [
        attempt(platform, "oidc@example.org", "wrong password!", client=None)
        for _ in range(limit + 2)
    ]
    assert known == unknown == oidc_only
    assert known[:limit] == ["wrong email or password"] * limit
    assert known[limit:] == ["too many failed sign-in attempts; try again in 15 minute(s)"] * 2
    # a locked email refuses even the right password, and no session starts
    assert attempt(platform, maria, PASSWORD, client=None).startswith("too many failed")
    assert sessions(platform) == 0


def test_a_lock_ends_after_the_window(platform: Any, maria: str) -> None:
    for _ in range(platform.settings.login_attempts):
        attempt(platform, maria, "wrong password!")
    assert attempt(platform, maria, PASSWORD).startswith("too many failed")
    later = platform.clock() + timedelta(minutes=platform.settings.login_lockout_minutes)
    platform.clock = lambda: later
    assert attempt(platform, maria, PASSWORD) == "signed in"
    assert sessions(platform) == 1


def test_one_client_cannot_try_many_emails(platform: Any, maria: str) -> None:
    """Denied: after ``login_client_attempts`` failures from one address, over as many
    different emails, that address is refused even with Maria's right password, and no
    session starts. Allowed: Maria signs in from another address."""
    attacker = "203.0.113.66"
    for n in range(platform.settings.login_client_attempts):
        answer = attempt(platform, f"guess{n}@example.org", "password123456", client=attacker)
        assert answer == "wrong email or password"
    assert attempt(platform, maria, PASSWORD, client=attacker).startswith("too many failed")
    assert sessions(platform) == 0
    assert attempt(platform, maria, PASSWORD, client="198.51.100.7") == "signed in"
    assert sessions(platform) == 1
    with platform.db.session() as s:
        locked = s.execute(select(AuditEvent).where(AuditEvent.action == "login.locked")).scalars()
        assert [e.data for e in locked] == [{"client": attacker}]


def test_an_ipv6_client_is_counted_by_its_64(platform: Any, maria: str) -> None:
    """One subscriber usually holds a whole /64: rotating addresses inside it does not help."""
    for n in range(platform.settings.login_client_attempts):
        attempt(platform, f"guess{n}@example.org", "password123456", client=f"2001:db8:5:6::{n:x}")
    assert attempt(platform, maria, PASSWORD, client="2001:db8:5:6::ffff").startswith("too many")
    assert attempt(platform, maria, PASSWORD, client="2001:db8:5:7::1") == "signed in"


def test_signing_in_clears_the_email_count_but_not_the_clients(platform: Any, maria: str) -> None:
    client = "192.0.2.10"
    limit = platform.settings.login_attempts
    for _ in range(limit - 1):
        attempt(platform, maria, "wrong password!", client=client)
    assert attempt(platform, maria, PASSWORD, client=client) == "signed in"
    with platform.db.session() as s:
        assert s.get(LoginThrottle, throttle.email_key(maria)) is None
        row = s.get(LoginThrottle, throttle.client_key(client))
        assert row is not None and row.failures == limit - 1
    for _ in range(limit - 1):  # the email may fail again as many times before it locks
        assert attempt(platform, maria, "wrong password!", client="192.0.2.11") == (
            "wrong email or password"
        )


def test_every_answer_costs_one_argon2_verification(
    platform: Any, maria: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Time must not tell an unknown email from a known one, or a locked one from an open
    one: each attempt runs exactly one argon2 verification of the deployment's cost."""
    verified: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str, password: str) -> bool:
        verified.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    cases = [
        (maria, "wrong password!"),
        ("nobody@example.org", "wrong password!"),
        ("oidc@example.org", "wrong password!"),
        (maria, PASSWORD),
    ]
    for email, password in cases:
        verified.clear()
        attempt(platform, email, password)
        assert len(verified) == 1, email
    for _ in range(platform.settings.login_attempts):
        attempt(platform, "nobody@example.org", "x" * 12)
        attempt(platform, maria, "x" * 12)
    for email in (maria, "nobody@example.org"):  # both locked now
        verified.clear()
        assert attempt(platform, email, PASSWORD).startswith("too many failed")
        assert len(verified) == 1, email
    parameters = {h.split("$")[3] for h in verified}  # dummy and real hashes cost the same
    assert len(parameters) == 1


@settings(max_examples=60, deadline=None)
@given(st.ip_addresses())
def test_client_keys_are_stable_and_bounded(address: Any) -> None:
    key = throttle.client_key(str(address))
    assert key == throttle.client_key(str(address)) and len(key) <= 120
    if address.version == 4:
        assert key == f"client:{address}"
        mapped = throttle.client_key(f"::ffff:{address}")
        assert mapped == key  # an IPv4 client seen through a dual-stack socket
    else:
        assert key.endswith("/64") or address.ipv4_mapped is not None


def test_concurrent_failures_are_all_counted(platform: Any, maria: str) -> None:
    """Attempts at the same time for the same email and client queue on the throttle rows:
    each is answered with one of the two messages (never a database error), and together
    they lock the email."""
    from concurrent.futures import ThreadPoolExecutor

    attempts = platform.settings.login_attempts + 3
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda _: attempt(platform, maria, "wrong!" * 3), range(attempts)))
    assert set(answers) <= {
        "wrong email or password",
        "too many failed sign-in attempts; try again in 15 minute(s)",
    }
    assert answers.count("wrong email or password") >= platform.settings.login_attempts
    assert attempt(platform, maria, PASSWORD).startswith("too many failed")
