"""People, passwords, sessions, and who may do what (API tokens: ``tokens``).

Roles: ``learner`` (every person), ``issuer_admin``, ``issuer_staff``, ``verifier`` (staff
of an employer or agency), ``registry_admin`` (the state LER office) within an
organization, and ``platform_admin`` on the person. Every use case calls ``require_*``
with the principal; routes never decide access on their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, Unauthenticated, UsageError
from openler.services.secrets import vault
from openler.store.models import Member, Organization, Person, SessionRow
from openler.vc import Multikey

ORG_ROLES = ("issuer_admin", "issuer_staff", "verifier", "registry_admin")
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
    """Who is acting: a person, their roles per organization, and how they signed in."""

    person_id: str
    name: str
    email: str
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    platform_admin: bool = False
    #: set for API tokens: the one organization and role the token may act for
    token_scope: tuple[str, str] | None = None

    @property
    def label(self) -> str:
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
    if principal.person_id != person_id or principal.token_scope is not None:
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
    )


def create_person(
    session: Session,
    platform: Platform,
    *,
    name: str,
    email: str,
    password: str | None,
    actor: str = "system",
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
        actor=actor,
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
    actor: str,
) -> Member:
    if role not in ORG_ROLES:
        raise UsageError(f"role must be one of {', '.join(ORG_ROLES)}")
    member = Member(person_id=person.id, organization_id=organization.id, role=role)
    session.add(member)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=actor,
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


def login(session: Session, platform: Platform, *, email: str, password: str) -> LoginResult:
    """Check a password (argon2id) with throttling; returns a new session token."""
    now = platform.now()
    hasher, dummy = _hasher(platform)
    person = session.execute(select(Person).where(Person.email == email.strip().lower())).scalar()
    if person is None or person.password_hash is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(dummy, password)  # same work whether or not the account exists
        audit.record(
            session,
            at=now,
            actor="anonymous",
            action="login.failed",
            subject=f"email:{email.strip().lower()}",
        )
        raise Unauthenticated("wrong email or password")
    if person.locked_until is not None and person.locked_until > now:
        audit.record(
            session, at=now, actor="anonymous", action="login.locked", subject=f"person:{person.id}"
        )
        minutes = int((person.locked_until - now).total_seconds() // 60) + 1
        raise Unauthenticated(f"too many failed attempts; try again in {minutes} minute(s)")
    try:
        hasher.verify(person.password_hash, password)
    except (VerificationError, InvalidHashError):
        person.failed_logins += 1
        if person.failed_logins >= platform.settings.login_attempts:
            person.locked_until = now + timedelta(minutes=platform.settings.login_lockout_minutes)
            person.failed_logins = 0
        audit.record(
            session, at=now, actor="anonymous", action="login.failed", subject=f"person:{person.id}"
        )
        raise Unauthenticated("wrong email or password") from None
    person.failed_logins = 0
    person.locked_until = None
    if hasher.check_needs_rehash(person.password_hash):
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
