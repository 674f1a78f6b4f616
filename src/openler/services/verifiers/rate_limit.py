"""How often the public verify page may be used, and how often a check-in link's OpenID4VP
``request_uri`` may be fetched: a token bucket per client, in this process.

Each key (a client address as :func:`~openler.services.people.throttle.client_key` names it,
an IPv6 client by its /64; or ``person:<id>`` for someone with the verifier role) holds at
most ``per_minute`` tokens and gains ``per_minute`` a minute, continuously; each
verification (and each PDF report) takes one. An empty bucket says how long until the next
token. Nothing is written to the database: the limit guards this process's CPU, which is
what a flood of anonymous verifications spends, and a table row updated on every public
request would move the flood onto the database that every process shares. With several
``openler serve`` processes behind a proxy, a client may get up to that many times the
limit; a restart forgets every count (docs/security.md).

The check-in link of an incident (``verifiers.incidents``) is posted at a public scene as a
QR code, and every fetch of its ``request_uri`` makes and signs a request, stored and
audited: :func:`take_checkin_request` counts those fetches per client address in buckets
of their own (``checkin_requests_per_minute``), apart from the verify page's.

At most ``max_keys`` keys are kept: when a new one would pass that, the least recently
used are forgotten (a forgotten client starts again with a full bucket, so a flood of new
addresses can only make the limit kinder, never lock anyone out).

>>> from datetime import UTC, datetime, timedelta
>>> buckets = Buckets()
>>> start = datetime(2026, 1, 1, tzinfo=UTC)
>>> [buckets.take("client:203.0.113.9", per_minute=2, at=start) for _ in range(3)]
[None, None, 30.0]
>>> buckets.take("client:203.0.113.9", per_minute=2, at=start + timedelta(seconds=30))
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from openler.services.context import Platform
from openler.services.errors import ServiceError
from openler.services.people.accounts import Principal
from openler.services.people.throttle import client_key
from openler.services.wording import N_, Wording, phrase

#: how many clients one process keeps a count for
MAX_KEYS = 20_000


@dataclass
class _Bucket:
    tokens: float
    at: datetime


class Buckets:
    """Token buckets by key; safe to share between the threads of one process."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, *, per_minute: int, at: datetime) -> float | None:
        """Take one token from ``key``'s bucket: None when there was one, else the seconds
        until there will be."""
        with self._lock:
            bucket = self._buckets.pop(key, None)
            if bucket is None:
                bucket = _Bucket(float(per_minute), at)
            elapsed = max(0.0, (at - bucket.at).total_seconds())
            bucket.tokens = min(float(per_minute), bucket.tokens + elapsed * per_minute / 60)
            bucket.at = at
            self._buckets[key] = bucket  # now the most recently used
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) * 60 / per_minute

    def __len__(self) -> int:
        return len(self._buckets)


class TooManyRequests(ServiceError):  # noqa: N818 - HTTP vocabulary
    """Used too often from here; ``seconds`` until it may be again."""

    http_status = 429
    code = "too_many_requests"
    seconds = 60

    @classmethod
    def waiting(cls, seconds: int, message: str, **values: str | Wording) -> Self:
        """The error saying ``message`` (marked ``N_``; ``%(seconds)s`` in it is filled),
        ``seconds`` until the bucket has a token again."""
        error = cls.worded(message, seconds=str(seconds), **values)
        error.seconds = seconds
        return error


class TooManyVerifications(TooManyRequests):
    """The verify page was used too often from here."""


class TooManyCheckinRequests(TooManyRequests):
    """A check-in link's ``request_uri`` was fetched too often from here."""


def _wait(platform: Platform, memo: str, key: str, per_minute: int) -> int | None:
    """Take a token from ``key``'s bucket of the buckets ``memo`` names: None when there
    was one, else the whole seconds until there will be."""
    buckets = platform.memo.setdefault(memo, Buckets())
    wait = buckets.take(key, per_minute=per_minute, at=platform.now())
    return None if wait is None else max(1, math.ceil(wait))


def take(platform: Platform, principal: Principal, client: str) -> None:
    """Count one use of the verify page (a verification, or a PDF report) by ``principal``
    (the system principal: someone not signed in) from the client address ``client``: per person, at
    ``verify_page_verifier_per_minute``, for someone with the verifier role; per client
    address, at ``verify_page_per_minute``, for everyone else.

    Raises :class:`TooManyVerifications` when the bucket is empty, saying when to try again.
    """
    settings = platform.settings
    if not principal.is_system and principal.organizations_with("verifier"):
        key, per_minute = f"person:{principal.person_id}", settings.verify_page_verifier_per_minute
        hint = phrase(N_("To verify many at once, use the VC API (POST /credentials/verify)."))
    else:
        key, per_minute = client_key(client), settings.verify_page_per_minute
        hint = phrase(N_("People who sign in as verifiers may verify more often."))
    seconds = _wait(platform, _MEMO, key, per_minute)
    if seconds is None:
        return
    raise TooManyVerifications.waiting(
        seconds,
        N_(
            "this page was used %(most)s times in a minute from here, the most it allows: "
            "try again in %(seconds)s seconds. %(hint)s"
        ),
        most=str(per_minute),
        hint=hint,
    )


def take_checkin_request(platform: Platform, client: str) -> None:
    """Count one fetch of a check-in link's ``request_uri`` from the client address
    ``client`` (an IPv6 client by its /64), at ``checkin_requests_per_minute``.

    Raises :class:`TooManyCheckinRequests` when the bucket is empty, saying when to try
    again (in English: a wallet app shows it as it is)."""
    per_minute = platform.settings.checkin_requests_per_minute
    seconds = _wait(platform, _CHECKIN_MEMO, client_key(client), per_minute)
    if seconds is None:
        return
    raise TooManyCheckinRequests.waiting(
        seconds,
        N_(
            "check-in was asked for %(most)s times in a minute from this network, the most it "
            "allows: scan the code again in %(seconds)s seconds"
        ),
        most=str(per_minute),
    )


_MEMO = "verify page buckets"
_CHECKIN_MEMO = "check-in request buckets"
