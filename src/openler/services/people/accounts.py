"""People, passwords, sessions, and who may do what (API tokens: ``tokens``).

Roles: ``learner`` (every person), ``issuer_admin``, ``issuer_staff``, ``verifier`` (staff
of an employer or agency), ``registry_admin`` (the state LER office), ``career_navigator`` (a
coach, who reads a person's career navigator once the person granted it:
``skills.coaching``) within an organization, and ``platform_admin`` on the person. Every
use case calls ``require_*`` with the principal; routes never decide access on their own.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, Unauthenticated, UsageError
from openler.services.people import throttle
from openler.services.secrets import vault
from openler.store.models import Member, Organization, Person, SessionRow
from openler.vc import Multikey

ORG_ROLES = ("issuer_admin", "issuer_staff", "verifier", "registry_admin", "career_navigator")
_HASHERS: dict[tuple[int, int], tuple[PasswordHasher, str]] = {}


def _hasher(platform: Platform) -> tuple[PasswordHasher, str]:
    """argon2id with the deployment's cost, and a dummy hash of the same cost (used to
    spend the same time on unknown accounts)."""
    settings = platform.settings
    key = (settings.password_hash_time_cost, settings.password_hash_memory_kib)
    found = _HASHERS.get(key)
    if found is None:
        hasher = PasswordHasher(time_cost=key[0], memory_cost=key[1])
        found = (hasher, hasher.hash("openler-timing-equaliser"))
        _HASHERS[key] = found
    return found


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is acting: a person, their roles per organization, and how they signed in — or
    openler itself (:meth:`system`). Every use case that changes something takes one; none
    accepts "nobody"."""

    person_id: str
    name: str
    email: str
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    platform_admin: bool = False
    #: set for API tokens: the one organization and role the token may act for
    token_scope: tuple[str, str] | None = None
    #: set for the system principal: why openler acts on its own (``cli:alice``, ``demo``)
    system_reason: str | None = None
    #: the language the person chose for their pages (None: as their browser asks)
    locale: str | None = None

    @classmethod
    def system(cls, reason: str) -> Principal:
        """openler acting for no signed-in person: the operator's command line (who holds
        the database and the key-encryption key anyway), the demo loader, the job runner's
        own bookkeeping. It has a platform administrator's rights and is no person — it
        holds no wallet and passes no ``require_self`` — and every event it causes is
        audited as ``system:<reason>``."""
        if not reason.strip():
            raise UsageError("the system principal needs a reason (who or what acts)")
        return cls("", f"openler ({reason})", "", platform_admin=True, system_reason=reason)

    @property
    def is_system(self) -> bool:
        return self.system_reason is not None

    @property
    def label(self) -> str:
        if self.system_reason is not None:
            return f"system:{self.system_reason}"
        return f"person:{self.person_id}"

    def has(self, role: str, organization_id: str) -> bool:
        if self.token_scope is not None:
            return self.token_scope == (organization_id, role)
        return role in self.roles.get(organization_id, frozenset())

    def organizations_with(self, *roles: str) -> list[str]:
        if self.token_scope is not None:
            return [self.token_scope[0]] if self.token_scope[1] in roles else []
        return [org for org, have in self.roles.items() if have & set(roles)]


def require_role(principal: Principal, organization_id: str, *roles: str) -> None:
    if principal.platform_admin and principal.token_scope is None:
        return
    if not any(principal.has(role, organization_id) for role in roles):
        raise Forbidden(f"this needs the {' or '.join(roles)} role in that organization")


def require_platform_admin(principal: Principal) -> None:
    if not principal.platform_admin or principal.token_scope is not None:
        raise Forbidden("this needs a platform administrator")


def require_self(principal: Principal, person_id: str) -> None:
    """Learners act only on their own records."""
    if principal.is_system or principal.person_id != person_id or principal.token_scope:
        raise Forbidden("a learner's records are theirs alone")


def principal_for(session: Session, person: Person) -> Principal:
    roles: dict[str, set[str]] = {}
    for member in session.execute(select(Member).where(Member.person_id == person.id)).scalars():
        roles.setdefault(member.organization_id, set()).add(member.role)
    return Principal(
        person.id,
        person.name,
        person.email,
        {org: frozenset(r) for org, r in roles.items()},
        person.is_platform_admin,
        locale=person.locale,
    )


def set_locale(
    session: Session, platform: Platform, principal: Principal, language: str | None
) -> None:
    """Keep the language ``principal`` (a person, for themselves) reads their pages in."""
    require_self(principal, principal.person_id)
    person = session.get(Person, principal.person_id)
    if person is None:
        raise NotFound("no such person")
    if person.locale == language:
        return
    person.locale = language
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="person.locale",
        subject=f"person:{person.id}",
        data={"locale": language},
    )


def principal_again(
    session: Session, label: str, token_scope: tuple[str, str] | None = None
) -> Principal:
    """The principal that ``label`` named, as it stands now: a person's roles are read
    again, and a token's scope kept only while the person still holds that role. How work
    done later for someone (a background job) re-checks who asked for it."""
    kind, _, rest = label.partition(":")
    if kind == "system" and rest:
        return Principal.system(rest)
    person = session.get(Person, rest) if kind == "person" else None
    if person is None:
        raise Forbidden(f"{label} no longer has an account here")
    principal = principal_for(session, person)
    if token_scope is None:
        return principal
    organization_id, role = token_scope
    if not principal.has(role, organization_id):
        raise Forbidden(f"{principal.name} no longer has the {role} role the token was for")
    return replace(principal, platform_admin=False, token_scope=(organization_id, role))


def create_person(
    session: Session,
    platform: Platform,
    *,
    name: str,
    email: str,
    password: str | None,
    actor: Principal,
    did: str | None = None,
    platform_admin: bool = False,
) -> Person:
    email = email.strip().lower()
    if "@" not in email:
        raise UsageError(f"{email!r} is not an email address")
    if password is not None and len(password) < 12:
        raise UsageError("passwords need at least 12 characters")
    if session.execute(select(Person).where(Person.email == email)).scalar() is not None:
        raise Conflict(f"a person with the email {email} already exists")
    person = Person(
        name=name,
        email=email,
        password_hash=_hasher(platform)[0].hash(password) if password else None,
        did=did,
        is_platform_admin=platform_admin,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=actor.label,
        action="person.create",
        subject=f"person:{person.id}",
    )
    return person


def add_member(
    session: Session,
    platform: Platform,
    *,
    person: Person,
    organization: Organization,
    role: str,
    actor: Principal,
) -> Member:
    if role not in ORG_ROLES:
        raise UsageError(f"role must be one of {', '.join(ORG_ROLES)}")
    member = Member(person_id=person.id, organization_id=organization.id, role=role)
    session.add(member)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=actor.label,
        action="member.add",
        subject=f"person:{person.id}",
        data={"organization": organization.slug, "role": role},
    )
    return member


@dataclass(frozen=True)
class LoginResult:
    token: str
    csrf_token: str
    principal: Principal
    expires_at: datetime


#: the answer to a throttled attempt: the same whether the email has an account or not, and
#: whether the email or the client is throttled
THROTTLED = "too many failed sign-in attempts; try again in {minutes} minute(s)"


def login(
    session: Session,
    platform: Platform,
    *,
    email: str,
    password: str,
    client: str | None = None,
) -> LoginResult:
    """Check a password (argon2id) and start a session.

    Failures are throttled per email (whether or not an account has it) and per ``client``
    (the caller's address). Every attempt costs one argon2 verification — against the
    account's hash, or a dummy one of the same cost — before any answer, so neither the
    message nor the time tells whether an email has an account, or is locked.
    """
    settings = platform.settings
    now = platform.now()
    address = email.strip().lower()
    hasher, dummy = _hasher(platform)
    limits = [throttle.Limit(throttle.email_key(address), settings.login_attempts)]
    if client:
        limits.append(throttle.Limit(throttle.client_key(client), settings.login_client_attempts))
    attempt = throttle.Throttle(
        session, limits, now=now, window=timedelta(minutes=settings.login_lockout_minutes)
    )
    person = session.execute(select(Person).where(Person.email == address)).scalar()
    stored = person.password_hash if person is not None else None
    try:
        hasher.verify(stored or dummy, password)  # the same work whatever follows
        correct = stored is not None
    except (VerificationError, InvalidHashError):
        correct = False
    subject = f"person:{person.id}" if person is not None else f"email:{address}"
    context = {"client": client} if client else {}
    locked_until = attempt.locked_until()
    if locked_until is not None:
        audit.record(
            session, at=now, actor="anonymous", action="login.locked", subject=subject, data=context
        )
        minutes = max(1, math.ceil((locked_until - now).total_seconds() / 60))
        raise Unauthenticated(THROTTLED.format(minutes=minutes))
    if not correct or person is None or stored is None:
        attempt.failed()
        audit.record(
            session, at=now, actor="anonymous", action="login.failed", subject=subject, data=context
        )
        raise Unauthenticated("wrong email or password")
    attempt.succeeded(limits[0].key)
    if hasher.check_needs_rehash(stored):
        person.password_hash = hasher.hash(password)
    return start_session(session, platform, person, method="password")


def start_session(
    session: Session,
    platform: Platform,
    person: Person,
    *,
    method: str,
    data: dict[str, str] | None = None,
) -> LoginResult:
    """A new session for a person whose sign-in (``method``) has already been checked."""
    now = platform.now()
    session.execute(  # the person's expired sessions go as a new one starts
        delete(SessionRow).where(SessionRow.person_id == person.id, SessionRow.expires_at <= now)
    )
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=platform.settings.session_hours)
    session.add(
        SessionRow(
            id=token_digest(token),
            person_id=person.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    audit.record(
        session,
        at=now,
        actor=f"person:{person.id}",
        action="login",
        subject=f"person:{person.id}",
        data={"method": method, **(data or {})},
    )
    return LoginResult(token, csrf, principal_for(session, person), expires)


@dataclass(frozen=True)
class SessionInfo:
    principal: Principal
    csrf_token: str


def resolve_session(session: Session, platform: Platform, token: str | None) -> SessionInfo | None:
    if not token:
        return None
    row = session.get(SessionRow, token_digest(token))
    if row is None or row.expires_at <= platform.now():
        return None
    person = session.get(Person, row.person_id)
    if person is None:
        return None
    return SessionInfo(principal_for(session, person), row.csrf_token)


def logout(session: Session, platform: Platform, token: str) -> None:
    """End a session (audited)."""
    row = session.get(SessionRow, token_digest(token))
    if row is not None:
        session.delete(row)
        audit.record(
            session,
            at=platform.now(),
            actor=f"person:{row.person_id}",
            action="logout",
            subject=f"person:{row.person_id}",
        )


def holder_key(session: Session, platform: Platform, person: Person) -> Multikey:
    """The person's custodial holder key (their wallet's did:key), created and sealed on
    first use. A person who holds their own DID has none: their wallet signs elsewhere."""
    label = f"holder:{person.id}"
    if person.encrypted_holder_key is not None:
        seed = vault(platform).open(person.encrypted_holder_key, label=label)
        return Multikey.from_seed(seed)
    if person.did is not None:
        raise Conflict(
            "this person's credentials are bound to a DID they hold themselves; they share "
            "them from their own wallet"
        )
    key = Multikey.generate()
    person.encrypted_holder_key = vault(platform).seal(key.secret_seed(), label=label)
    person.did = key.controller
    return key
