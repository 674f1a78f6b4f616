"""Candidates for a posting: the people who chose to be discoverable, ranked by what their
credentials show against the posting's requirements, each with its proofs and gaps.

Discoverability is the person's choice (off until they turn it on, on their skills page;
audited both ways). Nobody else is ever read or listed. A discoverable person's profile is
read as they would read it themselves (:mod:`openler.services.skills.profiles`, the profile
the career navigator reads too): only credentials that count now, their self-reported skills
apart and weighted lower. Only the posting organization's
HR ranks candidates (``postings.require_employer``), and who looked at which candidates is
audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import UsageError
from openler.services.holders import record
from openler.services.people.accounts import Principal, principal_for, require_self
from openler.services.skills import postings, profiles
from openler.services.skills.profiles import OccupationSkills
from openler.services.wording import N_
from openler.skills import matching
from openler.skills.matching import Match
from openler.skills.profiles import WeightedProfile
from openler.store.models import DiscoverablePerson, JobPosting, Organization, Person

#: the candidates a ranking lists
TOP = 20


def is_discoverable(session: Session, person_id: str) -> bool:
    return session.get(DiscoverablePerson, person_id) is not None


def set_discoverable(
    session: Session, platform: Platform, principal: Principal, discoverable: bool
) -> bool:
    """Turn ``principal``'s own discoverability on or off (theirs only); whether it changed."""
    require_self(principal, principal.person_id)
    if is_discoverable(session, principal.person_id) == discoverable:
        return False
    if discoverable:
        session.add(DiscoverablePerson(person_id=principal.person_id, since=platform.now()))
    else:
        session.execute(
            delete(DiscoverablePerson).where(DiscoverablePerson.person_id == principal.person_id)
        )
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="discoverable.on" if discoverable else "discoverable.off",
        subject=f"person:{principal.person_id}",
        data={},
    )
    return True


def profile_of(
    session: Session, platform: Platform, person: Person, occupations: OccupationSkills
) -> WeightedProfile:
    """``person``'s weighted profile, read as they read their own skills page."""
    whole = record.record_of(session, platform, principal_for(session, person))
    return profiles.profiles_of(session, whole, person.id, person.name, occupations)[1]


def discoverable_people(session: Session) -> list[Person]:
    query = (
        select(Person)
        .join(DiscoverablePerson, DiscoverablePerson.person_id == Person.id)
        .order_by(Person.name, Person.id)
    )
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class Ranking:
    posting: JobPosting
    #: the best first
    matches: list[Match]
    #: how many discoverable people were ranked
    considered: int


def rank_candidates(
    session: Session,
    platform: Platform,
    principal: Principal,
    organization: Organization,
    posting_id: str,
    *,
    top: int = TOP,
) -> Ranking:
    """The ``top`` discoverable people for the posting, best first, each explained; audited
    (who looked, which posting, whom they were shown)."""
    posting = postings.posting_of(session, principal, organization, posting_id)
    wanted = postings.requirements_of(posting)
    if not wanted:
        raise UsageError.worded(N_("add the skills the posting asks for first"))
    occupations = OccupationSkills(session)
    profiles = [profile_of(session, platform, p, occupations) for p in discoverable_people(session)]
    matrix = matching.ProfileMatrix.from_profiles(profiles)
    ranked = matching.rank(matrix, wanted, top) if profiles else []
    matches = [matching.explain(profiles[r.row], wanted) for r in ranked]
    audit.record(
        session,
        at=platform.now(),
        actor=principal.label,
        action="posting.candidates_viewed",
        subject=f"posting:{posting.id}",
        data={
            "organization": organization.id,
            "considered": len(profiles),
            "shown": [m.profile.person_id for m in matches],
        },
    )
    return Ranking(posting, matches, len(profiles))
