"""Frameworks read: a framework's items searched and paged, an item and its relations,
what an occupation requires across frameworks, its related occupations, and the civilian
occupations a military one translates to. Anyone may read them: frameworks are public
definitions. (Imports are :mod:`openler.services.skills.frameworks`', which re-exports these.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, func, or_, select
from sqlalchemy.orm import Session

from openler.services.errors import NotFound, UsageError
from openler.skills import RELATION_KINDS
from openler.skills.readers import military_identifier
from openler.store.models import Competency, CompetencyRelation, SkillFramework

#: the weight of a requirement a framework states without one (O*NET technologies, the
#: ESCO occupations JSON): as ESCO's optional skills
DEFAULT_WEIGHT = 0.5


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
    framework_id: str,
    *,
    kind: str | None = None,
    query: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ItemPage:
    """A framework's items, by label, ``limit`` from ``offset``; ``query`` finds them by
    label, alternative label (case-insensitive, anywhere in it) or exactly by code or
    identifier, labels equal to it or starting with it first."""
    if not 1 <= limit <= 500 or offset < 0:
        raise UsageError("a page holds 1 to 500 items from an offset of 0 or more")
    where = [Competency.framework_id == framework_id]
    if kind is not None:
        where.append(Competency.kind == kind)
    order: list[Any] = []
    text = " ".join((query or "").split())
    if text:
        pattern = _like(text.lower())
        label = func.lower(Competency.label)
        alternatives = func.lower(cast(Competency.alt_labels, String))
        # the list is stored as JSON text, where é is written \u00e9
        spelled = {pattern, _like(json.dumps(text.lower())[1:-1])}
        where.append(
            or_(
                label.like(pattern, escape="\\"),
                *(alternatives.like(p, escape="\\") for p in spelled),
                Competency.code == text,
                Competency.identifier == text,
            )
        )
        contains = label.like(pattern, escape="\\")
        order = [
            case(
                (label == text.lower(), 0),
                (label.like(pattern[1:], escape="\\"), 1),
                (contains, 2),
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


def _occupations(session: Session, code: str) -> list[str]:
    return list(
        session.execute(
            select(Competency.id).where(Competency.kind == "occupation", Competency.code == code)
        ).scalars()
    )


def occupation_requirements(session: Session, code: str) -> list[tuple[Competency, float]]:
    """What the occupation of O*NET-SOC ``code`` requires, in every framework that holds it
    (O*NET's ratings, the demo's ESCO skills …), each competency once at its highest weight
    (:data:`DEFAULT_WEIGHT` where none is stated), the heaviest first."""
    sources = _occupations(session, code)
    if not sources:
        return []
    rows = session.execute(
        select(Competency, CompetencyRelation.weight)
        .join(CompetencyRelation, CompetencyRelation.target_id == Competency.id)
        .where(CompetencyRelation.source_id.in_(sources), CompetencyRelation.kind == "requires")
    ).all()
    best: dict[str, tuple[Competency, float]] = {}
    for competency, weight in rows:
        value = DEFAULT_WEIGHT if weight is None else float(weight)
        if competency.id not in best or best[competency.id][1] < value:
            best[competency.id] = (competency, value)
    return sorted(best.values(), key=lambda pair: (-pair[1], pair[0].label))


def related_occupations(session: Session, code: str) -> list[tuple[Competency, float | None]]:
    """Occupations related to the one of O*NET-SOC ``code`` (either way a framework states
    it), one per code, the most closely related first (by weight, then O*NET's index)."""
    sources = _occupations(session, code)
    if not sources:
        return []
    best: dict[str, tuple[Competency, float, int]] = {}
    for mine, other in (
        (CompetencyRelation.source_id, CompetencyRelation.target_id),
        (CompetencyRelation.target_id, CompetencyRelation.source_id),
    ):
        rows = session.execute(
            select(Competency, CompetencyRelation.weight, CompetencyRelation.detail)
            .join(CompetencyRelation, other == Competency.id)
            .where(mine.in_(sources), CompetencyRelation.kind == "related")
        ).all()
        for competency, weight, detail in rows:
            key = competency.code or competency.id
            index = (detail or {}).get("index")
            rank = (weight or 0.0, -index if isinstance(index, int) else -1_000)
            held = best.get(key)
            if key != code and (held is None or (held[1], held[2]) < rank):
                best[key] = (competency, *rank)
    ranked = sorted(best.values(), key=lambda r: (-r[1], -r[2], r[0].label))
    return [(competency, weight or None) for competency, weight, _ in ranked]


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
