"""Career navigators (coaches) and the person's consent.

A coach is a person with the ``career_navigator`` role in an organization (a workforce
board's career center, a college's advising office). A resident grants a named coach, by
email, access to their skills profile and career navigator; they see who has access and
withdraw it at any time. The coach lists the people who granted them access and opens each
one's navigator, read-only. Access needs both the person's grant, not withdrawn, and the
coach's role in the organization they held it in when it was granted: a coach whose role
is removed sees no one, and anyone else — another coach, an issuer's staff, a verifier —
is refused (403). Every grant, withdrawal and view is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict, Forbidden, NotFound, UsageError
from openler.services.holders.skills_profile import SkillsProfile
from openler.services.people.accounts import Principal, principal_for, require_self
from openler.services.skills import navigation
from openler.services.skills.navigation import Holding, Navigation, Translation
from openler.services.wording import N_
from openler.store.models import CoachGrant, Member, Organization, Person

ROLE = "career_navigator"


@dataclass(frozen=True)
class Grant:
    """A grant as its pages show it: the person, the coach and their organization."""

    row: CoachGrant
    person: Person
    coach: Person
    organization: Organization

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def active(self) -> bool:
        return self.row.withdrawn_at is None


def _coach_roles(session: Session, person_id: str) -> list[Organization]:
    """The organizations where ``person_id`` is a career navigator, by name."""
    return list(
        session.execute(
            select(Organization)
            .join(Member, Member.organization_id == Organization.id)
            .where(Member.person_id == person_id, Member.role == ROLE)
            .order_by(Organization.name)
        ).scalars()
    )


def _grants(session: Session, *conditions: ColumnElement[bool]) -> list[Grant]:
    rows = session.execute(
        select(CoachGrant, Organization)
        .join(Organization, Organization.id == CoachGrant.organization_id)
        .where(*conditions)
        .order_by(CoachGrant.withdrawn_at.desc(), CoachGrant.granted_at.desc())
    ).all()
    found = []
    for row, organization in rows:
        person, coach = session.get(Person, row.person_id), session.get(Person, row.coach_id)
        if person is not None and coach is not None:
            found.append(Grant(row, person, coach, organization))
    return found


def grants_of(session: Session, principal: Principal) -> list[Grant]:
    """The grants ``principal`` (a person, for themselves) made: active ones first, by the
    coach's name, then those withdrawn, the last withdrawn first."""
    require_self(principal, principal.person_id)
    found = _grants(session, CoachGrant.person_id == principal.person_id)
    active = sorted((g for g in found if g.active), key=lambda g: g.coach.name.casefold())
    return active + [g for g in found if not g.active]


def grant(
    session: Session,
    platform: Platform,
    principal: Principal,
    email: str,
    *,
    person_id: str | None = None,
) -> Grant:
    """``principal`` grants the career navigator with ``email`` access to their skills
    profile and navigator (in the organization where the coach holds the role).

    ``person_id`` is for openler itself (the system principal: the demo loader) granting on
    a person's behalf; a person grants only for themselves."""
    if person_id is None:
        require_self(principal, principal.person_id)
        person_id = principal.person_id
    elif not principal.is_system:
        raise Forbidden("a person grants access to their own navigator only")
    address = email.strip().lower()
    if not address or "@" not in address or len(address) > 320:
        raise UsageError.worded(N_("give the email address of your career navigator"))
    coach = session.execute(select(Person).where(Person.email == address)).scalar()
    roles = _coach_roles(session, coach.id) if coach is not None else []
    if coach is None or not roles:
        raise NotFound.worded(
            N_("no career navigator here has the email %(email)s"), email=email.strip()
        )
    if coach.id == person_id:
        raise UsageError.worded(N_("you cannot grant access to yourself"))
    for existing in _grants(session, CoachGrant.person_id == person_id):
        if existing.active and existing.coach.id == coach.id:
            raise Conflict.worded(N_("%(coach)s has access already"), coach=existing.coach.name)
    organization = roles[0]
    row = CoachGrant(
        person_id=person_id,
        coach_id=coach.id,
        organization_id=organization.id,
        granted_at=platform.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="coach.granted",
        subject=f"person:{person_id}",
        data={"grant": row.id, "coach": coach.id, "organization": organization.id},
    )
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("no such person")
    return Grant(row, person, coach, organization)


def own_grant(session: Session, principal: Principal, grant_id: str) -> Grant:
    """One of ``principal``'s grants, still active; anyone else's does not exist for them."""
    for found in grants_of(session, principal):
        if found.id == grant_id and found.active:
            return found
    raise NotFound.worded(N_("no such access to withdraw"))


def withdraw(session: Session, platform: Platform, principal: Principal, grant_id: str) -> Grant:
    """``principal`` withdraws a coach's access: from now on the coach is refused."""
    found = own_grant(session, principal, grant_id)
    found.row.withdrawn_at = platform.now()
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="coach.withdrawn",
        subject=f"person:{principal.person_id}",
        data={"grant": found.id, "coach": found.coach.id},
    )
    return found


def require_coach(session: Session, principal: Principal) -> list[Organization]:
    """The organizations where ``principal`` is a career navigator (none: refused)."""
    if principal.is_system or principal.token_scope is not None:
        raise Forbidden("the coach's pages are for a career navigator signed in")
    found = _coach_roles(session, principal.person_id)
    if not found:
        raise Forbidden("this needs the career_navigator role in an organization")
    return found


def coachees(session: Session, principal: Principal) -> list[Grant]:
    """The people who granted ``principal`` access, by name (only while the coach holds the
    role in the organization the grant was made in)."""
    organizations = {o.id for o in require_coach(session, principal)}
    found = _grants(
        session, CoachGrant.coach_id == principal.person_id, CoachGrant.withdrawn_at.is_(None)
    )
    return sorted(
        (g for g in found if g.organization.id in organizations),
        key=lambda g: g.person.name.casefold(),
    )


def _access(session: Session, principal: Principal, person_id: str) -> Grant:
    """The grant that lets ``principal`` read ``person_id``'s navigator; refused (403)
    without one."""
    if principal.is_system or principal.token_scope is not None:
        raise Forbidden("only a career navigator the person chose may see this")
    organizations = {o.id for o in _coach_roles(session, principal.person_id)}
    for found in _grants(
        session,
        CoachGrant.coach_id == principal.person_id,
        CoachGrant.person_id == person_id,
        CoachGrant.withdrawn_at.is_(None),
    ):
        if found.organization.id in organizations:
            return found
    raise Forbidden("only a career navigator the person chose may see this")


@dataclass(frozen=True)
class CoachView:
    """What a coach may read of a person who granted access."""

    grant: Grant
    holding: Holding

    @property
    def profile(self) -> SkillsProfile:
        return self.holding.profile


def _viewed(
    session: Session, platform: Platform, principal: Principal, person_id: str, what: str
) -> CoachView:
    found = _access(session, principal, person_id)
    # read as the person reads their own record: the grant above is the coach's permission
    holding = navigation.holding_of(session, platform, principal_for(session, found.person))
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="coach.viewed",
        subject=f"person:{person_id}",
        data={"grant": found.id, "page": what},
    )
    return CoachView(found, holding)


def view(session: Session, platform: Platform, principal: Principal, person_id: str) -> CoachView:
    """The person's skills profile, for a coach they granted access (audited)."""
    return _viewed(session, platform, principal, person_id, "profile")


def navigator(
    session: Session, platform: Platform, principal: Principal, person_id: str, ref: str
) -> tuple[CoachView, Navigation]:
    """The person's navigator for the occupation ``ref``, for their coach (audited)."""
    seen = _viewed(session, platform, principal, person_id, f"navigator:{ref[:100]}")
    return seen, navigation.navigate(session, platform, seen.holding, ref)


def translation(
    session: Session,
    platform: Platform,
    principal: Principal,
    person_id: str,
    service: str,
    code: str,
) -> tuple[CoachView, Translation]:
    """The person's military translation, for their coach (audited)."""
    seen = _viewed(session, platform, principal, person_id, f"military:{service[:40]}:{code[:40]}")
    return seen, navigation.translate(session, platform, seen.holding, service, code)
