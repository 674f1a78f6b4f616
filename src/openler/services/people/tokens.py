"""API tokens: bearer tokens for machine clients (integrations, the W3C suites, CI).

A token acts for one person in one organization and one role, and only while that person
still holds the role; it can expire and be revoked. It is shown once, when it is created:
the database keeps its SHA-256 digest, and neither the audit trail nor a log ever holds it.

Who manages an organization's tokens:

* openler itself (the operator's command line, ``Principal.system``) and platform
  administrators: any;
* the organization's administrators (those who may grant roles there): list and revoke
  all of its tokens, create tokens for the roles they may grant.

A token never manages tokens: a leaked one must not be able to mint its own successors.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.people.accounts import (
    ORG_ROLES,
    Principal,
    principal_for,
    require_platform_admin,
    token_digest,
)
from openler.services.people.members import grantable, membership
from openler.store.models import ApiToken, Organization, Person

PREFIX = "olr_"
MAX_DAYS = 3650
NAME_LENGTH = 200


@dataclass(frozen=True)
class TokenView:
    """A token as people see it: everything but the secret."""

    id: str
    name: str
    organization: str
    email: str
    role: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``secret`` is shown this once and never stored."""

    secret: str
    view: TokenView


def _state(row: ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "active"


def _view(row: ApiToken, organization: Organization, person: Person, now: datetime) -> TokenView:
    return TokenView(
        id=row.id,
        name=row.name,
        organization=organization.slug,
        email=person.email,
        role=row.role,
        created_at=row.created_at,
        created_by=row.created_by or "openler (operator)",
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        state=_state(row, now),
    )


def creatable_roles(principal: Principal, organization: Organization) -> tuple[str, ...]:
    """The roles ``principal`` may give a new token of ``organization`` (none: may not)."""
    if principal.token_scope is not None:
        return ()
    return grantable(principal, organization)


def _require_manager(principal: Principal, organization: Organization) -> None:
    if principal.token_scope is not None:
        raise Forbidden("an API token cannot manage API tokens; sign in as an administrator")
    if not grantable(principal, organization):
        raise Forbidden(f"API tokens of {organization.name} are for its administrators")


def _expiry(now: datetime, days: int | None) -> datetime | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"a token expires after 1 to {MAX_DAYS} days")
    return now + timedelta(days=days)


def create(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    email: str,
    role: str,
    name: str = "API token",
    expires_days: int | None = None,
) -> NewToken:
    """A token acting for the person with ``email`` as ``role`` in ``organization``; the
    person must hold that role there."""
    _require_manager(principal, organization)
    if role not in ORG_ROLES:
        raise UsageError(f"role must be one of {', '.join(ORG_ROLES)}")
    if role not in creatable_roles(principal, organization):
        raise Forbidden(f"you may not create {role} tokens in {organization.name}")
    name = name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise UsageError(f"give the token a name of 1 to {NAME_LENGTH} characters")
    now = platform.now()
    expires_at = _expiry(now, expires_days)
    address = email.strip().lower()
    person = session.execute(select(Person).where(Person.email == address)).scalar()
    if person is None:
        raise NotFound(f"no one here has the email {email.strip()}")
    if membership(session, person.id, organization, role) is None:
        raise Conflict(
            f"{person.name} does not have the {role} role in {organization.name}; a token acts "
            "with its person's role, so grant the role first"
        )
    actor = principal.label
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        organization_id=organization.id,
        person_id=person.id,
        role=role,
        name=name,
        token_hash=token_digest(secret),
        created_at=now,
        expires_at=expires_at,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=actor,
        action="token.create",
        subject=f"token:{row.id}",
        data={
            "organization": organization.slug,
            "person": f"person:{person.id}",
            "role": role,
            "name": name,
            "expires": expires_at.isoformat() if expires_at else None,
        },
    )
    return NewToken(secret, _view(row, organization, person, now))


def tokens_of(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization | None,
) -> list[TokenView]:
    """The tokens of ``organization`` (``None``: of every organization, for platform
    administrators and openler itself), newest first."""
    if organization is None:
        require_platform_admin(principal)
    else:
        _require_manager(principal, organization)
    query = (
        select(ApiToken, Organization, Person)
        .join(Organization, Organization.id == ApiToken.organization_id)
        .join(Person, Person.id == ApiToken.person_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    if organization is not None:
        query = query.where(ApiToken.organization_id == organization.id)
    now = platform.now()
    return [_view(row, org, person, now) for row, org, person in session.execute(query).all()]


def revoke(
    session: Session,
    platform: Platform,
    principal: Principal,
    token_id: str,
    *,
    organization: Organization | None = None,
) -> TokenView:
    """Revoke a token at once (final). Its organization's administrators, platform
    administrators and openler itself may. With ``organization``, the token must be one of
    its own."""
    row = session.get(ApiToken, token_id.strip())
    missing = NotFound(f"no API token has the id {token_id.strip()!r}")
    if row is None or (organization is not None and row.organization_id != organization.id):
        raise missing
    organization = session.get(Organization, row.organization_id)
    person = session.get(Person, row.person_id)
    if organization is None or person is None:  # both cascade: the token went with them
        raise missing
    _require_manager(principal, organization)
    if row.revoked_at is not None:
        raise Conflict(f"the token {row.name!r} was already revoked")
    now = platform.now()
    row.revoked_at = now
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="token.revoke",
        subject=f"token:{row.id}",
        data={"organization": organization.slug, "role": row.role, "name": row.name},
    )
    return _view(row, organization, person, now)


def resolve(session: Session, platform: Platform, secret: str) -> Principal | None:
    """Who a bearer token acts for, or ``None`` when it is unknown, revoked, expired, or
    its person no longer holds its role."""
    if not secret.startswith(PREFIX):
        return None
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_digest(secret))
    ).scalar()
    if row is None or _state(row, platform.now()) != "active":
        return None
    person = session.get(Person, row.person_id)
    if person is None:
        return None
    base = principal_for(session, person)
    if not base.has(row.role, row.organization_id):
        return None  # the person lost the role: the token goes with it
    return Principal(
        base.person_id, base.name, base.email, base.roles, False, (row.organization_id, row.role)
    )
