"""Candidates for a posting: the people who chose to be discoverable, ranked by what their
credentials show against the posting's requirements, each with its proofs and gaps.

Discoverability is the person's choice (off until they turn it on, on their skills page;
audited both ways). Nobody else is ever read or listed. A discoverable person's profile is
read as they would read it themselves: only credentials that count now, their self-reported
skills apart (:mod:`openler.skills.profiles` weighs them). Only the posting organization's
HR ranks candidates (``postings.require_employer``), and who looked at which candidates is
audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import UsageError
from openler.services.holders import record, skills_profile
from openler.services.people.accounts import Principal, principal_for, require_self
from openler.services.skills import postings
from openler.services.wording import N_
from openler.skills import matching
from openler.skills.matching import Match
from openler.skills.profiles import (
    Credential,
    OccupationSkill,
    SelfClaim,
    Shown,
    WeightedProfile,
    item_key,
    weighted_profile,
    words,
)
from openler.store.models import (
    Competency,
    DiscoverablePerson,
    JobPosting,
    Organization,
    Person,
    SelfReported,
)

#: the candidates a ranking lists
TOP = 20
#: the skills of an occupation a profile takes in (the most important first)
OCCUPATION_SKILLS = 30


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


class _OccupationSkills:
    """Each occupation's required skills, read once per ranking."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.found: dict[str, list[OccupationSkill]] = {}

    def of(self, codes: Iterable[str]) -> dict[str, list[OccupationSkill]]:
        for code in codes:
            if code not in self.found:
                self.found[code] = [
                    OccupationSkill(
                        item_key(i.kind, i.identifier, i.label, code=i.code, url=i.url),
                        i.label,
                        weight,
                    )
                    for i, weight in postings.occupation_skills(
                        self.session, code, top=OCCUPATION_SKILLS
                    )
                ]
        return {code: self.found[code] for code in codes}


def _claims(session: Session, reported: Sequence[SelfReported]) -> list[SelfClaim]:
    """Self-reported skills, each keyed to a framework item of the same label when there is
    one (so "infection control" written by hand meets a requirement of that name)."""
    titles = {words(s.title): s.title for s in reported if s.kind == "skill"}
    if not titles:
        return []
    items = session.execute(
        select(Competency).where(func.lower(Competency.label).in_(list(titles)))
    ).scalars()
    keys: dict[str, str] = {}
    for i in items:
        keys.setdefault(
            words(i.label), item_key(i.kind, i.identifier, i.label, code=i.code, url=i.url)
        )
    return [SelfClaim(title, keys.get(said)) for said, title in titles.items()]


def profile_of(
    session: Session, platform: Platform, person: Person, occupations: _OccupationSkills
) -> WeightedProfile:
    """``person``'s weighted profile, read as they read their own skills page."""
    whole = record.record_of(session, platform, principal_for(session, person))
    shown = skills_profile.profile_from(whole.entries, whole.self_reported)
    evidenced = [*shown.skills, *shown.occupations]
    codes = [o.alignment.code for o in shown.occupations if o.alignment.code]
    return weighted_profile(
        person.id,
        person.name,
        [
            Shown(e.alignment, tuple(Credential(c.ref, c.name, c.issuer) for c in e.evidence))
            for e in evidenced
        ],
        occupations.of(codes),
        _claims(session, whole.self_reported),
    )


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
    occupations = _OccupationSkills(session)
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
