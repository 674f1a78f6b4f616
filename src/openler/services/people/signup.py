"""Creating an account on the web, always for a proven email address.

An account's email decides which credentials are bound to its wallet (an issuer who
issues to that address binds the credential to it), so nobody may create an account
with an address they cannot read. Two ways prove it:

- a **claim link** (``issuers.claims``): it was sent to the address;
- a **sign-up link**: ``/signup`` asks for the address and sends a link to it; the link
  carries the address and an expiry, signed with a key derived from the key-encryption
  key (nothing is stored until the account is made, and the account's existence makes
  the link useless afterwards).

Both are throttled per client address (and link requests per email address too), as
sign-in is (``throttle``). The answer to a link request is the same whether the address
has an account or not; the mail itself says which.

>>> _b64(b"a@b.example")
'YUBiLmV4YW1wbGU'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import outbox
from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound, ServiceError, UsageError
from openler.services.issuers.recipients import normal_email
from openler.services.people import accounts, throttle
from openler.services.people.accounts import LoginResult, Principal
from openler.store.models import OutboxMessage, Person

SIGNUP_KIND = "signup"
MIN_PASSWORD = 12


class TooManyAttempts(ServiceError):  # noqa: N818 - HTTP vocabulary
    http_status = 429
    code = "too_many_attempts"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _link_key(platform: Platform) -> bytes:
    return hmac.new(platform.settings.kek(), b"openler sign-up links", hashlib.sha256).digest()


def _mac(platform: Platform, payload: str) -> str:
    return _b64(hmac.new(_link_key(platform), payload.encode(), hashlib.sha256).digest())


def link_token(platform: Platform, email: str, *, now: datetime) -> str:
    """A sign-up token for ``email``, valid ``signup_link_hours`` from ``now``."""
    expires = int((now + timedelta(hours=platform.settings.signup_link_hours)).timestamp())
    payload = f"{_b64(normal_email(email).encode())}.{expires}"
    return f"{payload}.{_mac(platform, payload)}"


def email_of_link(platform: Platform, token: str) -> str:
    """The address a sign-up token proves; refused when it was altered or has expired."""
    payload, _, mac = token.rpartition(".")
    encoded, _, expires = payload.partition(".")
    if not (payload and mac and expires.isdigit()) or not hmac.compare_digest(
        mac, _mac(platform, payload)
    ):
        raise NotFound("this sign-up link is not valid: check that the whole link was copied")
    if int(expires) <= platform.now().timestamp():
        raise Conflict("this sign-up link has expired; ask for a new one")
    try:
        return _unb64(encoded).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):  # pragma: no cover - the MAC matched
        raise NotFound("this sign-up link is not valid") from None


def _throttled(session: Session, platform: Platform, limits: list[throttle.Limit]) -> None:
    """Count one attempt against each limit; refused while one of them is locked."""
    now = platform.now()
    window = timedelta(minutes=platform.settings.login_lockout_minutes)
    attempt = throttle.Throttle(session, limits, now=now, window=window)
    locked_until = attempt.locked_until()
    if locked_until is not None:
        minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
        raise TooManyAttempts(f"too many attempts from here; try again in {minutes} minute(s)")
    attempt.failed()  # counted as attempts, whatever follows


def _client_limit(platform: Platform, client: str | None) -> list[throttle.Limit]:
    if not client:
        return []
    key = "signup-" + throttle.client_key(client)
    return [throttle.Limit(key[:120], platform.settings.signup_client_attempts)]


def request_link(
    session: Session, platform: Platform, *, email: str, client: str | None = None
) -> str:
    """Send a sign-up link to ``email`` (or, when it has an account, a note saying so).
    Returns the address as openler keys it."""
    address = normal_email(email)
    email_limit = throttle.Limit(
        "signup-" + throttle.email_key(address)[:100], platform.settings.signup_email_attempts
    )
    _throttled(session, platform, [email_limit, *_client_limit(platform, client)])
    base = platform.settings.public_url.rstrip("/")
    if session.execute(select(Person.id).where(Person.email == address)).first() is not None:
        body = (
            "Hello,\n\nSomeone asked to create an openler account with this email address, "
            f"but you already have one. Sign in at:\n\n{base}/login\n\n"
            "If it was not you, you can ignore this message.\n"
        )
    else:
        token = link_token(platform, address, now=platform.now())
        body = (
            "Hello,\n\nTo create your openler account with this email address, open this "
            f"link:\n\n{base}/signup/{token}\n\n"
            f"It works for {platform.settings.signup_link_hours} hours. If you did not ask "
            "for it, you can ignore this message: no account is made without it.\n"
        )
    outbox.enqueue(
        session, platform, to=address, subject="Your openler account", body=body, kind=SIGNUP_KIND
    )
    return address


@outbox.link_check(SIGNUP_KIND)
def message_problem(session: Session, platform: Platform, message: OutboxMessage) -> str | None:
    """Why a waiting sign-up mail must not be sent any more (None: its link still works)."""
    token = outbox.link_secret(message.body, "signup")
    if token is None:
        return None
    taken = session.execute(select(Person.id).where(Person.email == message.to_address)).first()
    if taken is not None:
        return "an account with the address exists: the sign-up link is no use"
    try:
        email_of_link(platform, token)
    except (NotFound, Conflict):
        return "the sign-up link expired"
    return None


def create_proven_account(
    session: Session,
    platform: Platform,
    *,
    email: str,
    name: str,
    password: str,
    client: str | None = None,
    proof: str,
) -> LoginResult:
    """Create a learner account for ``email`` — which the caller has proven the person
    can read (``proof`` says how: ``signup-link``, ``claim-link``) — and sign them in."""
    name = " ".join(name.split())
    if not name:
        raise UsageError("give your name as you want issuers and employers to see it")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"passwords need at least {MIN_PASSWORD} characters")
    _throttled(session, platform, _client_limit(platform, client))
    address = normal_email(email)
    if session.execute(select(Person.id).where(Person.email == address)).first() is not None:
        raise Conflict(f"an account with {address} already exists; sign in instead")
    person = accounts.create_person(
        session,
        platform,
        name=name[:300],
        email=address,
        password=password,
        actor=Principal.system(f"signup:{proof}"),
    )
    # sign-up links to the address not sent yet are useless now that the account exists
    outbox.withdraw_dead(session, platform, to=address)
    return accounts.start_session(session, platform, person, method=proof)
