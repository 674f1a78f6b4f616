"""Sign-in throttling: failed attempts counted per email address and per client address.

An email's count does not depend on whether an account has that address, so a locked
address looks the same whoever owns it (or nobody does): the answer never tells which
emails exist. A client's count (its IP address; an IPv6 client's /64, the smallest block
one subscriber usually gets) is kept beside it, with a higher limit, so that one client
cannot try many addresses. A success clears the email's count, never the client's: an
attacker who owns one account cannot reset their own client's count by signing in.

>>> client_key("2001:db8:1:2:3:4:5:6")
'client:2001:db8:1:2::/64'
>>> client_key("203.0.113.9")
'client:203.0.113.9'
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from openler.store.models import LoginThrottle


def email_key(email: str) -> str:
    return "email:" + hashlib.sha256(email.encode("utf-8")).hexdigest()


def client_key(client: str) -> str:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return f"client:{client[:100]}"  # not an address (a test client, a Unix socket)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client on a dual-stack socket
            return f"client:{address.ipv4_mapped}"
        return f"client:{ipaddress.ip_network((address, 64), strict=False)}"
    return f"client:{address}"


@dataclass(frozen=True)
class Limit:
    """``attempts`` failures within ``window`` lock a key for ``window``."""

    key: str
    attempts: int


class Throttle:
    """The throttle rows for one sign-in attempt, read once (locked for update)."""

    def __init__(
        self, session: Session, limits: list[Limit], *, now: datetime, window: timedelta
    ) -> None:
        self.session = session
        self.limits = limits
        self.now = now
        self.window = window
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # make sure each row exists, so that it can be locked; always in the same order, so
        # that two attempts sharing a key wait for each other instead of deadlocking
        for key in sorted(limit.key for limit in limits):
            session.execute(
                insert(LoginThrottle)
                .values(key=key, failures=0, window_started=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
        self.rows: dict[str, LoginThrottle] = {
            row.key: row
            for row in session.execute(
                select(LoginThrottle)
                .where(LoginThrottle.key.in_([limit.key for limit in limits]))
                .with_for_update()
            ).scalars()
        }

    def locked_until(self) -> datetime | None:
        """The latest time until which one of the keys is locked, or None."""
        ends = [
            row.locked_until
            for row in self.rows.values()
            if row.locked_until is not None and row.locked_until > self.now
        ]
        return max(ends, default=None)

    def failed(self) -> None:
        """Count a failure against every key; lock those that reach their limit."""
        for limit in self.limits:
            row = self.rows[limit.key]
            if row.window_started + self.window <= self.now:
                row.failures, row.window_started = 0, self.now
            row.failures += 1
            if row.failures >= limit.attempts:
                row.locked_until = self.now + self.window
                row.failures, row.window_started = 0, self.now
        self._forget_stale()

    def succeeded(self, key: str) -> None:
        """Clear one key (the email's) after a successful sign-in."""
        row = self.rows.get(key)
        if row is not None:
            self.session.delete(row)

    def _forget_stale(self) -> None:
        """Rows whose window and lock are both over count for nothing; drop them."""
        self.session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.window_started <= self.now - self.window,
                or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= self.now),
                LoginThrottle.key.not_in(list(self.rows)),
            )
        )
