"""The career navigator: a target occupation's requirements, from the frameworks stored here,
against the skills a person's current credentials show; the gap; the credentials offered
here that close it, in order (``openler.skills.pathways``); related occupations as ways on.
And military translation: a service's occupation code (Army 68W) → the civilian occupations
the crosswalk names → the same view for each.

Where things come from:

* an occupation is found by its O*NET-SOC code in every framework that holds it (the demo
  framework, O*NET, a CTDL or CASE framework …); its requirements are the ``requires``
  relations of all of them (a skill named twice counts once, at its highest weight), its
  related occupations their ``related`` relations (either way round);
* a military occupation is an item of kind ``military`` (the ``military`` framework), found
  by its service and code; its civilian occupations are its ``translates`` relations;
* what the person holds is their skills profile (``holders.skills_profile``: the alignments
  of their credentials that count now); a requirement is held when the profile names it by
  the framework item's identifier or address (:func:`openler.skills.pathways.skill_key`);
* the credentials that close a gap are the achievements offered by the issuers here — not
  retired — read through their OB 3.0 ``alignment``. openler keeps no catalog of other
  providers' programs yet: an achievement is offered here when an issuer here defines it.
  Each names its issuer and whether the trust registry here would trust its credentials.

Who may read a person's navigator: the person, or a career navigator they granted it to
(``skills.coaching``); the functions here take what the person holds, the callers decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.holders import record, skills_profile
from openler.services.holders.skills_profile import Evidenced, SkillsProfile
from openler.services.issuers.standing import achievement_trust
from openler.services.people.accounts import Principal, require_self
from openler.services.wording import N_
from openler.skills.pathways import (
    Gap,
    Offer,
    Pathway,
    Requirement,
    Step,
    gap_of,
    pathways,
    ranked,
    skill_key,
)
from openler.store.models import (
    Achievement,
    Competency,
    CompetencyRelation,
    IssuedCredential,
    Organization,
    SkillFramework,
)

#: occupations a search lists at most
SEARCH_LIMIT = 25
#: the longest search text read
MAX_QUERY = 200
#: which framework's name of an occupation is shown when several hold it
_PREFERRED = {"onet": 0, "builtin": 1, "esco": 2, "ctdl": 3, "case": 4}


@dataclass(frozen=True)
class Occupation:
    """An occupation as pages name it: its O*NET-SOC code (or, without one, the row of the
    framework item) and its title."""

    ref: str
    name: str
    code: str | None = None
    description: str | None = None

    @property
    def link(self) -> str | None:
        """Its summary on O*NET OnLine, for an O*NET-SOC code."""
        if self.code and len(self.code) == 10:
            return f"https://www.onetonline.org/link/summary/{self.code}"
        return None


@dataclass(frozen=True)
class Holding:
    """What a person holds, as the navigator reads it: their skills profile and the
    achievements of their current credentials issued here."""

    profile: SkillsProfile
    achievements: frozenset[str] = frozenset()

    def skill_keys(self) -> set[str]:
        """Every key a skill of theirs is known by (its address, its code)."""
        found: set[str] = set()
        for skill in self.profile.skills:
            a = skill.alignment
            found.update(skill_key(v) for v in (a.url, a.code) if v)
        return found

    def occupation(self, code: str | None) -> Evidenced | None:
        """The line of their profile that names the occupation of ``code``, if any."""
        if code is None:
            return None
        return next((o for o in self.profile.occupations if o.alignment.code == code), None)


def holding_of(session: Session, platform: Platform, principal: Principal) -> Holding:
    """What ``principal`` holds now (theirs only)."""
    require_self(principal, principal.person_id)
    whole = record.record_of(session, platform, principal)
    profile = skills_profile.profile_from(whole.entries, whole.self_reported)
    achievements = frozenset(
        e.row.achievement_id
        for e in whole.entries
        if isinstance(e.row, IssuedCredential)
        and e.state.code == "active"
        and e.row.achievement_id is not None
    )
    return Holding(profile, achievements)


# --- occupations ---------------------------------------------------------------------------


def _occupation_rows() -> Select[Competency, str]:
    return (
        select(Competency, SkillFramework.kind)
        .join(SkillFramework, SkillFramework.id == Competency.framework_id)
        .where(Competency.kind == "occupation")
    )


def _preferred(rows: Iterable[tuple[Competency, str]]) -> list[Occupation]:
    """One :class:`Occupation` a code (its preferred framework's name), in the order seen."""
    found: dict[str, tuple[int, Occupation]] = {}
    for row, kind in rows:
        ref = row.code or row.id
        rank = _PREFERRED.get(kind, 9)
        kept = found.get(ref)
        if kept is None or rank < kept[0]:
            found[ref] = (rank, Occupation(ref, row.label, row.code, row.description))
    return [occupation for _, occupation in found.values()]


def search(session: Session, query: str, *, limit: int = SEARCH_LIMIT) -> list[Occupation]:
    """Occupations whose title contains ``query`` (any case), or whose O*NET-SOC code starts
    with it; titles that start with it first. Anyone may search: frameworks are public.

    An empty query lists nothing: there may be thousands."""
    words = " ".join(query.split())[:MAX_QUERY]
    if not words:
        return []
    escaped = words.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.execute(
        _occupation_rows()
        .where(
            or_(
                func.lower(Competency.label).like(escaped + "%", escape="\\"),
                Competency.code.like(escaped + "%", escape="\\"),
            )
        )
        .order_by(func.length(Competency.label), Competency.label)
        .limit(limit * 4)
    ).all()
    starting = _preferred((r[0], r[1]) for r in rows)
    found = {o.ref: o for o in starting}
    if len(found) < limit:
        more = session.execute(
            _occupation_rows()
            .where(func.lower(Competency.label).like("%" + escaped + "%", escape="\\"))
            .order_by(func.length(Competency.label), Competency.label)
            .limit(limit * 4)
        ).all()
        for occupation in _preferred((r[0], r[1]) for r in more):
            found.setdefault(occupation.ref, occupation)
    return list(found.values())[:limit]


def occupation(session: Session, ref: str) -> tuple[Occupation, list[str]]:
    """The occupation ``ref`` names (an O*NET-SOC code, or a framework item's row id) and the
    rows of every framework that holds it."""
    ref = ref.strip()
    if not ref or len(ref) > 100:
        raise UsageError.worded(N_("choose an occupation"))
    rows = session.execute(_occupation_rows().where(Competency.code == ref)).all()
    if not rows:
        rows = session.execute(_occupation_rows().where(Competency.id == ref)).all()
    if not rows:
        raise NotFound.worded(N_("no occupation %(code)s is known here"), code=ref)
    pairs = [(r[0], r[1]) for r in rows]
    return _preferred(pairs)[0], [row.id for row, _ in pairs]


def _requirements(
    session: Session, occupation_rows: Sequence[str], aliases: dict[str, str]
) -> list[Requirement]:
    """What the occupations of ``occupation_rows`` require, with their weights; the other
    key each required skill is known by (its item's address) is added to ``aliases``."""
    rows = session.execute(
        select(CompetencyRelation.weight, Competency)
        .join(Competency, Competency.id == CompetencyRelation.target_id)
        .where(
            CompetencyRelation.kind == "requires",
            CompetencyRelation.source_id.in_(occupation_rows),
        )
    ).all()
    needs = []
    for weight, skill in rows:
        key = skill_key(skill.identifier)
        if skill.url:
            aliases.setdefault(skill_key(skill.url), key)
        needs.append(Requirement(key, skill.label, 1.0 if weight is None else weight))
    return needs


def _related(
    session: Session, occupation_rows: Sequence[str]
) -> list[tuple[Occupation, list[str]]]:
    """Occupations related to those of ``occupation_rows`` (either way round), each with the
    rows of every framework that holds it."""
    rows = set(occupation_rows)
    ends = session.execute(
        select(CompetencyRelation.source_id, CompetencyRelation.target_id).where(
            CompetencyRelation.kind == "related",
            or_(
                CompetencyRelation.source_id.in_(rows),
                CompetencyRelation.target_id.in_(rows),
            ),
        )
    ).all()
    others = {a if b in rows else b for a, b in ends} - rows
    if not others:
        return []
    named = session.execute(_occupation_rows().where(Competency.id.in_(others))).all()
    codes = {row.code for row, _ in named if row.code}
    same = session.execute(_occupation_rows().where(Competency.code.in_(codes))).all()
    every = {row.id: (row, kind) for row, kind in (*named, *same)}
    by_ref: dict[str, list[str]] = {}
    for row, _ in every.values():
        by_ref.setdefault(row.code or row.id, []).append(row.id)
    return [(o, by_ref[o.ref]) for o in _preferred(every.values()) if not set(by_ref[o.ref]) & rows]


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
    session: Session, platform: Platform, code: str | None, aliases: dict[str, str]
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
        alignments = skills_profile.read_alignments(achievement.data)
        skills = frozenset(
            aliases.get(skill_key(v), skill_key(v))
            for a in alignments
            if a.kind == "skill"
            for v in (a.url, a.code)
            if v
        )
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
    aliases: dict[str, str] = {}
    needs = _requirements(session, rows, aliases)
    held = {aliases.get(k, k) for k in holding.skill_keys()}
    gap = gap_of(needs, held)
    offers, by_id = _offers(session, platform, target.code, aliases)
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
        theirs = {(o.ref, o.name): _requirements(session, other, aliases) for o, other in others}
        ways = pathways(needs, theirs, {aliases.get(k, k) for k in holding.skill_keys()})
    return Navigation(
        occupation=target,
        gap=gap,
        closing=closing,
        uncovered=tuple(r for r in gap.missing if r.key not in reachable),
        pathways=ways,
        aligned=holding.occupation(target.code),
        related=names,
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
    service = Competency.extra["service"].as_string()
    found = session.execute(
        select(service).where(Competency.kind == "military", service.is_not(None)).distinct()
    ).scalars()
    return sorted({s for s in found if s})


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
    rows = [
        row
        for row in session.execute(
            select(Competency).where(
                Competency.kind == "military", func.upper(Competency.code) == code.upper()
            )
        ).scalars()
        if str(row.extra.get("service", "")).casefold() == service.casefold()
    ]
    if not rows:
        raise NotFound.worded(
            N_("no %(service)s occupation %(code)s is known here"), service=service, code=code
        )
    civilian_rows = session.execute(
        select(Competency)
        .join(CompetencyRelation, CompetencyRelation.target_id == Competency.id)
        .where(
            CompetencyRelation.kind == "translates",
            CompetencyRelation.source_id.in_([r.id for r in rows]),
        )
        .order_by(Competency.label)
    ).scalars()
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
