"""The career navigator: a target occupation's requirements, from the frameworks stored here,
against the skills a person's current credentials show; the gap; the credentials offered
here that close it, in order (``openler.skills.pathways``); related occupations as ways on.
And military translation: a service's occupation code (Army 68W) → the civilian occupations
the crosswalk names → the same view for each.

Where things come from:

* an occupation is found by its O*NET-SOC code in every framework that holds it (the demo
  framework, O*NET, a CTDL or CASE framework …); its requirements are the ``requires``
  relations of all of them, its related occupations their ``related`` relations (either
  way round) — both as :mod:`openler.services.skills.framework_queries` reads them for
  every part (a skill named twice counts once, at its highest weight; an unrated one 0.5);
* a military occupation is an item of kind ``military`` (the ``military`` framework), found
  by its service and code; its civilian occupations are its ``translates`` relations;
* what the person holds is their weighted profile (:mod:`openler.services.skills.profiles`,
  the one an employer's ranking reads): a requirement is held when a credential that counts
  now is aligned to it, or to an occupation that requires it; skills are the same by
  address (:func:`openler.skills.profiles.item_key`). What the person only says they have
  (self-reported) is shown apart and never counted as held;
* the credentials that close a gap are the achievements offered by the issuers here — not
  retired — read through their OB 3.0 ``alignment``. openler keeps no catalog of other
  providers' programs yet: an achievement is offered here when an issuer here defines it.
  Each names its issuer and whether the trust registry here would trust its credentials.

Who may read a person's navigator: the person, or a career navigator they granted it to
(``skills.coaching``); the functions here take what the person holds, the callers decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.holders import record
from openler.services.holders.skills_profile import Evidenced, SkillsProfile
from openler.services.issuers.standing import achievement_trust
from openler.services.people.accounts import Principal, require_self
from openler.services.skills import framework_queries, profiles
from openler.services.skills.framework_queries import skill_key_of
from openler.services.wording import N_
from openler.skills.pathways import Gap, Offer, Pathway, Requirement, Step, gap_of, pathways, ranked
from openler.skills.profiles import WeightedProfile, read_alignments
from openler.store.models import (
    Achievement,
    Competency,
    IssuedCredential,
    Organization,
)

#: occupations a search lists at most
SEARCH_LIMIT = 25
#: the longest search text read
MAX_QUERY = 200


@dataclass(frozen=True)
class Occupation:
    """An occupation as pages name it: its O*NET-SOC code (or, without one, the row of the
    framework item) and its title."""

    ref: str
    name: str
    code: str | None = None
    description: str | None = None

    @classmethod
    def of(cls, row: Competency) -> Occupation:
        """The occupation a framework's item is (its code, else its row, names it)."""
        return cls(row.code or row.id, row.label, row.code, row.description)

    @property
    def link(self) -> str | None:
        """Its summary on O*NET OnLine, for an O*NET-SOC code."""
        if self.code and len(self.code) == 10:
            return f"https://www.onetonline.org/link/summary/{self.code}"
        return None


@dataclass(frozen=True)
class Holding:
    """What a person holds, as the navigator reads it: their skills page's profile, the
    same weighted (:mod:`openler.services.skills.profiles`), and the achievements of their
    current credentials issued here."""

    profile: SkillsProfile
    weighted: WeightedProfile
    achievements: frozenset[str] = frozenset()

    def held_keys(self) -> set[str]:
        """The skills verified evidence shows (a credential aligned to the skill, or to an
        occupation that requires it)."""
        return {key for key in self.weighted.skills if self.weighted.meets(key)}

    def said_keys(self) -> set[str]:
        """The skills only the person's own word names (never counted as held)."""
        return {key for key, skill in self.weighted.skills.items() if not skill.verified}

    def occupation(self, code: str | None) -> Evidenced | None:
        """The line of their profile that names the occupation of ``code``, if any."""
        if code is None:
            return None
        return next((o for o in self.profile.occupations if o.alignment.code == code), None)


def holding_of(session: Session, platform: Platform, principal: Principal) -> Holding:
    """What ``principal`` holds now (theirs only)."""
    require_self(principal, principal.person_id)
    whole = record.record_of(session, platform, principal)
    shown, weighted = profiles.profiles_of(session, whole, principal.person_id, principal.name)
    achievements = frozenset(
        e.row.achievement_id
        for e in whole.entries
        if isinstance(e.row, IssuedCredential)
        and e.state.code == "active"
        and e.row.achievement_id is not None
    )
    return Holding(shown, weighted, achievements)


# --- occupations ---------------------------------------------------------------------------


def search(session: Session, query: str, *, limit: int = SEARCH_LIMIT) -> list[Occupation]:
    """Occupations whose title contains ``query`` (any case), or whose O*NET-SOC code starts
    with it; titles that start with it first. Anyone may search: frameworks are public.

    An empty query lists nothing: there may be thousands."""
    found = framework_queries.search_occupations(session, query[:MAX_QUERY], limit=limit)
    return [Occupation.of(row) for row in found]


def occupation(session: Session, ref: str) -> tuple[Occupation, list[str]]:
    """The occupation ``ref`` names (an O*NET-SOC code, or a framework item's row id) and the
    rows of every framework that holds it."""
    ref = ref.strip()
    if not ref or len(ref) > 100:
        raise UsageError.worded(N_("choose an occupation"))
    rows = framework_queries.occupation_rows(session, ref)
    if not rows:
        raise NotFound.worded(N_("no occupation %(code)s is known here"), code=ref)
    return Occupation.of(rows[0]), [row.id for row in rows]


def _requirements(session: Session, occupation_rows: Sequence[str]) -> list[Requirement]:
    """What the occupations of ``occupation_rows`` require, with their weights, each skill
    by the key the profile knows it by."""
    return [
        Requirement(skill_key_of(skill), skill.label, weight)
        for skill, weight in framework_queries.occupation_requirements(
            session, rows=occupation_rows
        )
    ]


def _related(
    session: Session, occupation_rows: Sequence[str]
) -> list[tuple[Occupation, list[Requirement]]]:
    """Occupations related to those of ``occupation_rows`` (either way round), each with
    what it requires in every framework that holds it."""
    found = framework_queries.related_occupations(session, rows=occupation_rows)
    return [
        (
            Occupation.of(row),
            _requirements(
                session,
                [r.id for r in framework_queries.occupation_rows(session, row.code or row.id)],
            ),
        )
        for row, _ in found
    ]


# --- what is offered -----------------------------------------------------------------------


@dataclass(frozen=True)
class Offered:
    """An achievement an issuer here offers, as the navigator shows it."""

    achievement: Achievement
    organization: Organization
    #: whether the trust registry here would trust its credentials (None: no registry here)
    trusted: bool | None
    trust_message: str | None

    @property
    def name(self) -> str:
        return str(self.achievement.data.get("name") or self.achievement.slug)

    @property
    def kind(self) -> str | None:
        found = self.achievement.data.get("achievementType")
        return found if isinstance(found, str) else None

    @property
    def description(self) -> str | None:
        found = self.achievement.data.get("description")
        return found if isinstance(found, str) else None


def _offers(
    session: Session, code: str | None
) -> tuple[list[Offer], dict[str, tuple[Achievement, Organization]]]:
    rows = session.execute(
        select(Achievement, Organization)
        .join(Organization, Organization.id == Achievement.organization_id)
        .where(Achievement.retired_at.is_(None))
        .order_by(Organization.name, Achievement.slug)
    ).all()
    offers: list[Offer] = []
    by_id: dict[str, tuple[Achievement, Organization]] = {}
    for achievement, organization in rows:
        alignments = read_alignments(achievement.data)
        skills = frozenset(a.key for a in alignments if a.kind == "skill")
        aligned = code is not None and any(
            a.kind == "occupation" and a.code == code for a in alignments
        )
        name = str(achievement.data.get("name") or achievement.slug)
        offers.append(Offer(achievement.id, name, skills, aligned))
        by_id[achievement.id] = (achievement, organization)
    return offers, by_id


@dataclass(frozen=True)
class Closing:
    """One credential in the order that closes the gap, with who offers it."""

    step: Step
    offered: Offered


@dataclass(frozen=True)
class Navigation:
    """A target occupation against what a person holds."""

    occupation: Occupation
    gap: Gap
    #: credentials that close the gap, in order
    closing: list[Closing]
    #: missing skills no credential offered here covers
    uncovered: tuple[Requirement, ...]
    pathways: list[Pathway]
    #: the person's credentials aligned to the occupation itself, if any
    aligned: Evidenced | None = None
    related: list[Occupation] = field(default_factory=list)
    #: missing skills the person says they have (self-reported: shown, never counted)
    said: frozenset[str] = frozenset()

    @property
    def measured(self) -> bool:
        """Whether the frameworks here say what the occupation requires."""
        return self.gap.required > 0


def navigate(
    session: Session, platform: Platform, holding: Holding, ref: str, *, related: bool = True
) -> Navigation:
    """The navigator for the occupation ``ref`` names, against ``holding``."""
    target, rows = occupation(session, ref)
    return _navigation(session, platform, holding, target, rows, related=related)


def _navigation(
    session: Session,
    platform: Platform,
    holding: Holding,
    target: Occupation,
    rows: Sequence[str],
    *,
    related: bool,
) -> Navigation:
    needs = _requirements(session, rows)
    held = holding.held_keys()
    gap = gap_of(needs, held)
    offers, by_id = _offers(session, target.code)
    offers = [o for o in offers if o.key not in holding.achievements]
    closing = [
        Closing(step, _offered(session, platform, *by_id[step.offer.key]))
        for step in ranked(gap, offers)
    ]
    reachable = {r.key for c in closing for r in c.step.closes}
    ways: list[Pathway] = []
    names: list[Occupation] = []
    if related:
        others = _related(session, rows)
        names = [o for o, _ in others]
        ways = pathways(needs, {(o.ref, o.name): theirs for o, theirs in others}, held)
    said = holding.said_keys()
    return Navigation(
        occupation=target,
        gap=gap,
        closing=closing,
        uncovered=tuple(r for r in gap.missing if r.key not in reachable),
        pathways=ways,
        aligned=holding.occupation(target.code),
        related=names,
        said=frozenset(r.key for r in gap.missing if r.key in said),
    )


def _offered(
    session: Session, platform: Platform, achievement: Achievement, organization: Organization
) -> Offered:
    decision = achievement_trust(session, platform, organization, achievement)
    if decision is None:
        return Offered(achievement, organization, None, None)
    return Offered(achievement, organization, decision.trusted, decision.message)


def my_navigation(
    session: Session, platform: Platform, principal: Principal, ref: str
) -> Navigation:
    """``principal``'s own navigator for the occupation ``ref``."""
    return navigate(session, platform, holding_of(session, platform, principal), ref)


# --- military translation -------------------------------------------------------------------


@dataclass(frozen=True)
class MilitaryOccupation:
    """A service's occupation as the crosswalk names it."""

    service: str
    code: str
    title: str
    status: str | None = None


@dataclass(frozen=True)
class Translation:
    """A military occupation, the civilian occupations it translates to, and the navigator's
    view of each against what the person holds."""

    military: list[MilitaryOccupation]
    civilian: list[Navigation]


def services(session: Session) -> list[str]:
    """The services whose occupations the crosswalks here name (Army, Navy …)."""
    return framework_queries.military_services(session)


def translate(
    session: Session, platform: Platform, holding: Holding, service: str, code: str
) -> Translation:
    """``service``'s occupation ``code`` (any case) → its civilian occupations, each with the
    navigator's gap view against ``holding``."""
    service, code = " ".join(service.split()), "".join(code.split())
    if not service or not code:
        raise UsageError.worded(N_("give the service and the occupation code (Army, 68W)"))
    if len(service) > 100 or len(code) > 40:
        raise UsageError.worded(N_("that is not a military occupation code"))
    rows = framework_queries.military_occupations(session, service, code)
    if not rows:
        raise NotFound.worded(
            N_("no %(service)s occupation %(code)s is known here"), service=service, code=code
        )
    civilian_rows = framework_queries.translations(session, service, code)
    refs = list(dict.fromkeys(row.code or row.id for row in civilian_rows))
    military = [
        MilitaryOccupation(
            str(r.extra.get("service") or service),
            r.code or code,
            r.label,
            str(r.extra["status"]) if r.extra.get("status") else None,
        )
        for r in rows
    ]
    civilian = [navigate(session, platform, holding, ref, related=False) for ref in refs]
    civilian.sort(key=lambda n: (-n.gap.readiness, n.occupation.name.casefold()))
    return Translation(military, civilian)


def my_translation(
    session: Session, platform: Platform, principal: Principal, service: str, code: str
) -> Translation:
    """``principal``'s own military translation."""
    return translate(session, platform, holding_of(session, platform, principal), service, code)
