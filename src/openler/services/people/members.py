"""Who works for an organization: people's accounts and their roles, granted and removed.

Who may grant what:

* a platform administrator: any role in any organization, and new accounts;
* an organization's ``issuer_admin``: ``issuer_admin``, ``issuer_staff`` and
  ``career_navigator`` there;
* a registry authority's ``registry_admin``: ``registry_admin``, ``verifier`` and
  ``career_navigator`` there.

``registry_admin`` exists only in registry authorities. A removed role stops working at
the person's next request (sessions and API tokens are checked against the roles on every
request). Nobody removes the last administrator of an organization but a platform admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.people.accounts import (
    ORG_ROLES,
    Principal,
    add_member,
    create_person,
    require_platform_admin,
)
from openler.store.models import Member, Organization, Person

#: the roles each administering role may grant within its own organization
GRANTS = {
    "issuer_admin": ("issuer_admin", "issuer_staff", "career_navigator"),
    "registry_admin": ("registry_admin", "verifier", "career_navigator"),
}
ADMIN_ROLES = tuple(GRANTS)


def grantable(principal: Principal, organization: Organization) -> tuple[str, ...]:
    """The roles ``principal`` may grant or remove in ``organization`` (may be none)."""
    roles: tuple[str, ...]
    if principal.platform_admin and principal.token_scope is None:
        roles = ORG_ROLES
    else:
        roles = tuple(
            dict.fromkeys(
                role
                for admin, granted in GRANTS.items()
                if principal.has(admin, organization.id)
                for role in granted
            )
        )
    if organization.kind != "registry_authority":
        roles = tuple(r for r in roles if r != "registry_admin")
    return roles


def _require_grant(principal: Principal, organization: Organization, role: str) -> None:
    if role not in ORG_ROLES:
        raise UsageError(f"role must be one of {', '.join(ORG_ROLES)}")
    if role == "registry_admin" and organization.kind != "registry_authority":
        raise UsageError("registry_admin exists only in a registry authority")
    if role not in grantable(principal, organization):
        raise Forbidden(f"you may not grant or remove {role} in {organization.name}")


@dataclass(frozen=True)
class MemberView:
    person: Person
    roles: list[str]


def members_of(
    session: Session, principal: Principal, organization: Organization
) -> list[MemberView]:
    """Everyone with a role in the organization; for those who may manage its roles."""
    if not grantable(principal, organization):
        raise Forbidden(f"this needs an administrator of {organization.name}")
    found: dict[str, MemberView] = {}
    rows = session.execute(
        select(Member, Person)
        .join(Person, Person.id == Member.person_id)
        .where(Member.organization_id == organization.id)
        .order_by(Person.name, Member.role)
    ).all()
    for member, person in rows:
        found.setdefault(person.id, MemberView(person, [])).roles.append(member.role)
    return list(found.values())


def membership(
    session: Session, person_id: str, organization: Organization, role: str
) -> Member | None:
    """The person's ``role`` in ``organization``, if they hold it."""
    return session.execute(
        select(Member).where(
            Member.person_id == person_id,
            Member.organization_id == organization.id,
            Member.role == role,
        )
    ).scalar()


def grant_role(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    email: str,
    role: str,
) -> Member:
    """Give the person with ``email`` a role (the operator's command line acts as the
    system principal, which may grant any role)."""
    _require_grant(principal, organization, role)
    person = session.execute(select(Person).where(Person.email == email.strip().lower())).scalar()
    if person is None:
        raise NotFound(f"no one here has the email {email.strip()}; create the account first")
    existing = membership(session, person.id, organization, role)
    if existing is not None:
        raise Conflict(f"{person.name} already has the {role} role in {organization.name}")
    return add_member(
        session,
        platform,
        person=person,
        organization=organization,
        role=role,
        actor=principal,
    )


def remove_role(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    *,
    person_id: str,
    role: str,
) -> None:
    _require_grant(principal, organization, role)
    member = membership(session, person_id, organization, role)
    if member is None:
        raise NotFound(f"that person has no {role} role in {organization.name}")
    if role in ADMIN_ROLES and not principal.platform_admin:
        admins = session.execute(
            select(func.count())
            .select_from(Member)
            .where(Member.organization_id == organization.id, Member.role == role)
        ).scalar_one()
        if admins <= 1:
            raise Conflict(
                f"this is the last {role} of {organization.name}; grant the role to someone "
                "else first"
            )
    session.delete(member)
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="member.remove",
        subject=f"person:{person_id}",
        data={"organization": organization.slug, "role": role},
    )


def create_account(
    session: Session,
    platform: Platform,
    principal: Principal,
    *,
    name: str,
    email: str,
    password: str | None,
    platform_admin: bool = False,
) -> Person:
    """A new account (platform admins, and the operator's command line as the system
    principal). Without a password the person signs in through the identity provider."""
    require_platform_admin(principal)
    if not name.strip():
        raise UsageError("give the person's name")
    return create_person(
        session,
        platform,
        name=name.strip(),
        email=email,
        password=password,
        actor=principal,
        platform_admin=platform_admin,
    )
