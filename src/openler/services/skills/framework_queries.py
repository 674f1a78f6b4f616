"""Frameworks read: a framework's items searched and paged, an item and its relations,
what an occupation requires across frameworks, its related occupations, and the civilian
occupations a military one translates to. Anyone may read them: frameworks are public
definitions. (Imports are :mod:`openler.services.skills.frameworks`', which re-exports these.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from openler.services.errors import NotFound, UsageError
from openler.skills import RELATION_KINDS, UNRATED_WEIGHT
from openler.skills.profiles import item_key
from openler.skills.readers import military_identifier
from openler.store.models import Competency, CompetencyRelation, SkillFramework

#: the weight of a requirement a framework states without one (O*NET technologies, the
#: ESCO occupations JSON): as ESCO's optional skills. The navigator, postings and profiles
#: all read requirements here, so all of them count an unrated one the same.
DEFAULT_WEIGHT = UNRATED_WEIGHT
#: whose title of an occupation is shown when several frameworks hold its code
PREFERRED_KINDS = {"onet": 0, "builtin": 1, "esco": 2, "ctdl": 3, "case": 4}
#: words of a search read at most
MAX_WORDS = 8


@dataclass(frozen=True)
class ItemPage:
    """One page of a framework's items and how many match in all."""

    items: list[Competency]
    total: int
    offset: int
    limit: int


def get_framework(session: Session, framework_id: str) -> SkillFramework:
    row = session.get(SkillFramework, framework_id)
    if row is None:
        raise NotFound(f"no framework {framework_id!r} is here (openler frameworks list)")
    return row


def item_counts(session: Session) -> dict[str, dict[str, int]]:
    """framework id → item kind → how many it holds now."""
    counts: dict[str, dict[str, int]] = {}
    query = select(Competency.framework_id, Competency.kind, func.count()).group_by(
        Competency.framework_id, Competency.kind
    )
    for framework_id, kind, count in session.execute(query):
        counts.setdefault(framework_id, {})[kind] = count
    return counts


def items(
    session: Session,
    framework_id: str | None,
    *,
    kind: str | Sequence[str] | None = None,
    query: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ItemPage:
    """A framework's items (``framework_id`` None: every framework's), by label, ``limit``
    from ``offset``, of ``kind`` (one or several). ``query`` finds them by label or
    alternative label holding each of its words (case-insensitive, anywhere: "control
    infection" finds *infection control*), by code holding them, or exactly by code or
    identifier; labels equal to it, then starting with it, then holding it whole first, the
    shortest first."""
    if not 1 <= limit <= 500 or offset < 0:
        raise UsageError("a page holds 1 to 500 items from an offset of 0 or more")
    where: list[ColumnElement[bool]] = []
    if framework_id is not None:
        where.append(Competency.framework_id == framework_id)
    if isinstance(kind, str):
        where.append(Competency.kind == kind)
    elif kind is not None:
        where.append(Competency.kind.in_(list(kind)))
    order: list[Any] = []
    text = " ".join((query or "").split())
    if text:
        pattern = _like(text.lower())
        label = func.lower(Competency.label)
        every_word = and_(*(_holding(word) for word in text.lower().split()[:MAX_WORDS]))
        where.append(or_(every_word, Competency.code == text, Competency.identifier == text))
        order = [
            case(
                (label == text.lower(), 0),
                (label.like(pattern[1:], escape="\\"), 1),
                (label.like(pattern, escape="\\"), 2),
                else_=3,
            ),
            func.length(Competency.label),
        ]
    total = session.execute(select(func.count()).select_from(Competency).where(*where)).scalar_one()
    rows = session.execute(
        select(Competency)
        .where(*where)
        .order_by(*order, Competency.label, Competency.id)
        .limit(limit)
        .offset(offset)
    ).scalars()
    return ItemPage(list(rows), total, offset, limit)


def _holding(word: str) -> ColumnElement[bool]:
    """An item whose label, alternative labels or code hold ``word`` (lower case)."""
    pattern = _like(word)
    alternatives = func.lower(cast(Competency.alt_labels, String))
    # the list is stored as JSON text, where é is written \u00e9
    spelled = {pattern, _like(json.dumps(word)[1:-1])}
    return or_(
        func.lower(Competency.label).like(pattern, escape="\\"),
        func.lower(Competency.code).like(pattern, escape="\\"),
        *(alternatives.like(p, escape="\\") for p in spelled),
    )


def _like(text: str) -> str:
    """A LIKE pattern finding ``text`` anywhere (its wildcards escaped with ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def item(session: Session, framework_id: str, identifier: str) -> Competency:
    """The item of ``identifier`` (exactly as the framework gives it) in the framework."""
    row = session.execute(
        select(Competency).where(
            Competency.framework_id == framework_id, Competency.identifier == identifier
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"the framework {framework_id!r} holds no item {identifier!r}")
    return row


@dataclass(frozen=True)
class ItemRelations:
    """What an item's page shows: each list of (the other item, the relation's weight,
    its detail), the heaviest first."""

    requires: list[tuple[Competency, float | None, dict[str, Any]]]
    required_by: list[tuple[Competency, float | None, dict[str, Any]]]
    related: list[tuple[Competency, float | None, dict[str, Any]]]
    broader: list[tuple[Competency, float | None, dict[str, Any]]]
    narrower: list[tuple[Competency, float | None, dict[str, Any]]]
    translates_to: list[tuple[Competency, float | None, dict[str, Any]]]
    translated_from: list[tuple[Competency, float | None, dict[str, Any]]]


def item_relations(session: Session, competency: Competency, *, limit: int = 200) -> ItemRelations:
    """Every relation that names ``competency``, either way, ``limit`` of each kind."""
    found: dict[str, list[tuple[Competency, float | None, dict[str, Any]]]] = {
        name: [] for name in ItemRelations.__dataclass_fields__
    }
    names = {
        ("requires", True): "requires",
        ("requires", False): "required_by",
        ("related", True): "related",
        ("related", False): "related",
        ("broader", True): "broader",
        ("broader", False): "narrower",
        ("translates", True): "translates_to",
        ("translates", False): "translated_from",
    }
    for outgoing in (True, False):
        mine, other = (
            (CompetencyRelation.source_id, CompetencyRelation.target_id)
            if outgoing
            else (CompetencyRelation.target_id, CompetencyRelation.source_id)
        )
        for kind in RELATION_KINDS:
            rows = session.execute(
                select(Competency, CompetencyRelation.weight, CompetencyRelation.detail)
                .join(CompetencyRelation, other == Competency.id)
                .where(mine == competency.id, CompetencyRelation.kind == kind)
                .order_by(CompetencyRelation.weight.desc(), Competency.label)
                .limit(limit)
            ).all()
            found[names[(kind, outgoing)]].extend((c, w, dict(d or {})) for c, w, d in rows)
    found["related"] = list({r[0].id: r for r in reversed(found["related"])}.values())[::-1]
    return ItemRelations(**found)


# --- occupations across frameworks -----------------------------------------------------------


def _occupation_rows() -> Select[Competency, str]:
    return (
        select(Competency, SkillFramework.kind)
        .join(SkillFramework, SkillFramework.id == Competency.framework_id)
        .where(Competency.kind == "occupation")
    )


def _preferred(rows: Iterable[tuple[Competency, str]]) -> list[Competency]:
    """One row an occupation (by O*NET-SOC code, else its own row): the one of the
    framework :data:`PREFERRED_KINDS` names first, in the order the occupations were seen."""
    found: dict[str, tuple[int, Competency]] = {}
    for row, kind in rows:
        ref = row.code or row.id
        rank = PREFERRED_KINDS.get(kind, 9)
        kept = found.get(ref)
        if kept is None or rank < kept[0]:
            found[ref] = (rank, row)
    return [row for _, row in found.values()]


def occupation_rows(session: Session, ref: str) -> list[Competency]:
    """Every framework's item of the occupation ``ref`` names — an O*NET-SOC code, else an
    item's row id —, the one whose title is shown (:data:`PREFERRED_KINDS`) first."""
    rows = session.execute(_occupation_rows().where(Competency.code == ref)).all()
    if not rows:
        rows = session.execute(_occupation_rows().where(Competency.id == ref)).all()
    ordered = sorted(rows, key=lambda r: (PREFERRED_KINDS.get(r[1], 9), r[0].id))
    return [row for row, _ in ordered]


def occupation_title(session: Session, code: str | None) -> str | None:
    """The title of the occupation of O*NET-SOC ``code`` (O*NET's first)."""
    rows = occupation_rows(session, code) if code else []
    return rows[0].label if rows and rows[0].code == code else None


def search_occupations(session: Session, query: str, *, limit: int = 25) -> list[Competency]:
    """Occupations, one per code (its preferred framework's item), whose title contains
    ``query`` (any case), or whose O*NET-SOC code starts with it; titles that start with it
    first, the shortest first. An empty query finds nothing: there may be thousands."""
    text = " ".join(query.split()).lower()
    if not text:
        return []
    pattern = _like(text)
    starting = session.execute(
        _occupation_rows()
        .where(
            or_(
                func.lower(Competency.label).like(pattern[1:], escape="\\"),
                Competency.code.like(pattern[1:], escape="\\"),
            )
        )
        .order_by(func.length(Competency.label), Competency.label)
        .limit(limit * 4)
    ).all()
    found = {o.code or o.id: o for o in _preferred((r[0], r[1]) for r in starting)}
    if len(found) < limit:
        more = session.execute(
            _occupation_rows()
            .where(func.lower(Competency.label).like(pattern, escape="\\"))
            .order_by(func.length(Competency.label), Competency.label)
            .limit(limit * 4)
        ).all()
        for row in _preferred((r[0], r[1]) for r in more):
            found.setdefault(row.code or row.id, row)
    return list(found.values())[:limit]


def _sources(session: Session, code: str | None, rows: Iterable[str] | None) -> list[str]:
    if rows is not None:
        return list(rows)
    if not code:
        return []
    return list(
        session.execute(
            select(Competency.id).where(Competency.kind == "occupation", Competency.code == code)
        ).scalars()
    )


def occupation_requirements(
    session: Session, code: str | None = None, *, rows: Iterable[str] | None = None
) -> list[tuple[Competency, float]]:
    """What the occupation of O*NET-SOC ``code`` requires, in every framework that holds it
    (O*NET's ratings, the demo's ESCO skills …) — or what the occupation items of ``rows``
    require —, each skill once at its highest weight (:data:`DEFAULT_WEIGHT` where none is
    stated; the same skill in two frameworks, by its address, once), the heaviest first."""
    sources = _sources(session, code, rows)
    if not sources:
        return []
    found = session.execute(
        select(Competency, CompetencyRelation.weight)
        .join(CompetencyRelation, CompetencyRelation.target_id == Competency.id)
        .where(CompetencyRelation.source_id.in_(sources), CompetencyRelation.kind == "requires")
        .order_by(Competency.framework_id, Competency.id)
    ).all()
    best: dict[str, tuple[Competency, float]] = {}
    for competency, weight in found:
        key = skill_key_of(competency)
        value = DEFAULT_WEIGHT if weight is None else float(weight)
        if key not in best or best[key][1] < value:
            best[key] = (competency, value)
    return sorted(best.values(), key=lambda pair: (-pair[1], pair[0].label))


def skill_key_of(competency: Competency) -> str:
    """What makes the item the same skill as another framework's or a credential's
    alignment (:func:`openler.skills.profiles.item_key`)."""
    return item_key(
        competency.kind,
        competency.identifier,
        competency.label,
        code=competency.code,
        url=competency.url,
    )


def related_occupations(
    session: Session, code: str | None = None, *, rows: Iterable[str] | None = None
) -> list[tuple[Competency, float | None]]:
    """Occupations related to the one of O*NET-SOC ``code`` (or to the occupation items of
    ``rows``), either way a framework states it, one per code (its preferred framework's
    item), the most closely related first (by weight, then O*NET's index)."""
    sources = _sources(session, code, rows)
    if not sources:
        return []
    own = set(sources) | {code}
    best: dict[str, tuple[Competency, float, int]] = {}
    for mine, other in (
        (CompetencyRelation.source_id, CompetencyRelation.target_id),
        (CompetencyRelation.target_id, CompetencyRelation.source_id),
    ):
        found = session.execute(
            select(Competency, CompetencyRelation.weight, CompetencyRelation.detail)
            .join(CompetencyRelation, other == Competency.id)
            .where(mine.in_(sources), CompetencyRelation.kind == "related")
        ).all()
        for competency, weight, detail in found:
            key = competency.code or competency.id
            index = (detail or {}).get("index")
            rank = (weight or 0.0, -index if isinstance(index, int) else -1_000)
            held = best.get(key)
            if (
                key not in own
                and competency.id not in own
                and (held is None or (held[1], held[2]) < rank)
            ):
                best[key] = (competency, *rank)
    ranked = sorted(best.values(), key=lambda r: (-r[1], -r[2], r[0].label))
    codes = [c.code for c, _, _ in ranked if c.code]
    shown = {
        row.code: row
        for row in _preferred(
            (r[0], r[1])
            for r in session.execute(_occupation_rows().where(Competency.code.in_(codes)))
        )
    }
    return [
        (shown.get(competency.code or "", competency), weight or None)
        for competency, weight, _ in ranked
    ]


def military_services(session: Session) -> list[str]:
    """The services whose occupations the crosswalks here name (Army, Navy …)."""
    service = Competency.extra["service"].as_string()
    found = session.execute(
        select(service).where(Competency.kind == "military", service.is_not(None)).distinct()
    ).scalars()
    return sorted({s for s in found if s})


def military_occupations(session: Session, service: str, moc: str) -> list[Competency]:
    """The military occupations of ``service`` (Army, or A) and code ``moc`` (68W, any case)
    in the crosswalks here."""
    identifier = military_identifier(service, moc).lower()
    return list(
        session.execute(
            select(Competency).where(
                Competency.kind == "military", func.lower(Competency.identifier) == identifier
            )
        ).scalars()
    )


def translations(session: Session, service: str, moc: str) -> list[Competency]:
    """The civilian occupations a military occupation translates to: ``translations(s,
    "Army", "68W")`` → Emergency Medical Technicians, Licensed Practical … Nurses, Medical
    Assistants (by the crosswalks imported), by title."""
    sources = [m.id for m in military_occupations(session, service, moc)]
    if not sources:
        return []
    rows = session.execute(
        select(Competency)
        .join(CompetencyRelation, CompetencyRelation.target_id == Competency.id)
        .where(CompetencyRelation.source_id.in_(sources), CompetencyRelation.kind == "translates")
        .order_by(Competency.label)
    ).scalars()
    return list(dict.fromkeys(rows))
