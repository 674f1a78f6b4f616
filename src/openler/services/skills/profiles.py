"""A person's weighted skill profile, as every page reads it: their skills page's counting
credentials (``holders.skills_profile``), each occupation a credential is aligned to
expanded into the skills the frameworks say it requires (at their importance,
:mod:`openler.skills.profiles`), and what they wrote themselves kept apart and weighted
lower. The career navigator, a coach's view and an employer's candidate ranking all read
this one profile, so the same person's skills read the same everywhere.

Who may read it is the caller's decision (the person, a coach they granted, an employer
for someone who chose to be found).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.holders import record, skills_profile
from openler.services.holders.record import Record
from openler.services.holders.skills_profile import SkillsProfile
from openler.services.people.accounts import Principal, require_self
from openler.services.skills.framework_queries import occupation_requirements, skill_key_of
from openler.skills.profiles import (
    Credential,
    OccupationSkill,
    SelfClaim,
    Shown,
    SkillStrength,
    WeightedProfile,
    weighted_profile,
    words,
)
from openler.store.models import Competency, SelfReported

#: the skills of an occupation a profile takes in (the most important first)
OCCUPATION_SKILLS = 30


class OccupationSkills:
    """Each occupation's required skills, read once (per ranking, per page)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.found: dict[str, list[OccupationSkill]] = {}

    def of(self, codes: Iterable[str]) -> dict[str, list[OccupationSkill]]:
        wanted = list(dict.fromkeys(codes))
        for code in wanted:
            if code not in self.found:
                self.found[code] = [
                    OccupationSkill(skill_key_of(item), item.label, weight)
                    for item, weight in occupation_requirements(self.session, code)[
                        :OCCUPATION_SKILLS
                    ]
                ]
        return {code: self.found[code] for code in wanted}


def claims(session: Session, reported: Sequence[SelfReported]) -> list[SelfClaim]:
    """Self-reported skills, each keyed to a framework item of the same label when there is
    one (so "infection control" written by hand names the requirement of that name)."""
    titles = {words(s.title): s.title for s in reported if s.kind == "skill"}
    if not titles:
        return []
    items = session.execute(
        select(Competency)
        .where(func.lower(Competency.label).in_(list(titles)))
        .order_by(Competency.framework_id, Competency.id)
    ).scalars()
    keys: dict[str, str] = {}
    for item in items:
        keys.setdefault(words(item.label), skill_key_of(item))
    return [SelfClaim(title, keys.get(said)) for said, title in titles.items()]


def weighted(
    session: Session,
    person_id: str,
    name: str,
    shown: SkillsProfile,
    reported: Sequence[SelfReported],
    occupations: OccupationSkills | None = None,
) -> WeightedProfile:
    """The weighted profile of a person whose skills page reads ``shown``."""
    evidenced = [*shown.skills, *shown.occupations]
    codes = [o.alignment.code for o in shown.occupations if o.alignment.code]
    return weighted_profile(
        person_id,
        name,
        [
            Shown(e.alignment, tuple(Credential(c.ref, c.name, c.issuer) for c in e.evidence))
            for e in evidenced
        ],
        (occupations or OccupationSkills(session)).of(codes),
        claims(session, reported),
    )


def profiles_of(
    session: Session,
    whole: Record,
    person_id: str,
    name: str,
    occupations: OccupationSkills | None = None,
) -> tuple[SkillsProfile, WeightedProfile]:
    """The skills of ``person_id``'s record ``whole`` as their skills page shows them, and
    weighted."""
    shown = skills_profile.profile_from(whole.entries, whole.self_reported)
    return shown, weighted(session, person_id, name, shown, whole.self_reported, occupations)


def own_profiles(
    session: Session, platform: Platform, principal: Principal
) -> tuple[SkillsProfile, WeightedProfile]:
    """``principal``'s own skills (theirs only), as their skills page shows them and
    weighted."""
    require_self(principal, principal.person_id)
    whole = record.record_of(session, platform, principal)
    return profiles_of(session, whole, principal.person_id, principal.name)


def through_occupations(profile: WeightedProfile) -> list[SkillStrength]:
    """The skills a profile holds only because a credential is aligned to an occupation
    that requires them (no credential names the skill itself), the strongest first."""
    found = [
        skill
        for skill in profile.skills.values()
        if skill.verified and not any(p.source == "credential" for p in skill.proofs)
    ]
    return sorted(found, key=lambda s: (-s.strength, words(s.label)))
