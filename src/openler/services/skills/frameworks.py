"""Frameworks stored: an import saves what a reader of ``openler.skills`` made of a file,
updating the framework in place when it was imported before.

Items are matched on their identifier: one seen before is updated (its row, and so every
reference to it, stays), a new one added; an item the new file no longer holds is kept —
postings, alignments and relations elsewhere may name it — and counted as ``missing``.
The framework's own relations are replaced by the file's. A ``translates`` relation's
target is an O*NET-SOC code: it joins the occupation of that code in any framework, the
O*NET one first; one that no framework holds yet is counted ``unresolved`` (import O*NET,
then the crosswalk again). Who may import: the state's registry office (``registry_admin``
of a registry authority) or the platform's operator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Forbidden, UsageError
from openler.services.people.accounts import Principal
from openler.skills import Framework, Item
from openler.skills.readers import read_military, read_native
from openler.store.models import Competency, CompetencyRelation, Organization, SkillFramework

#: rows written per statement when a framework is saved
_BATCH = 2_000


def require_framework_admin(session: Session, principal: Principal) -> None:
    """The platform's operator, or a registry admin of the state's registry authority."""
    if principal.platform_admin and principal.token_scope is None:
        return
    for org_id in principal.organizations_with("registry_admin"):
        organization = session.get(Organization, org_id)
        if organization is not None and organization.kind == "registry_authority":
            return
    raise Forbidden("importing frameworks needs the registry office (registry_admin)")


def save(
    session: Session, platform: Platform, principal: Principal, framework: Framework
) -> dict[str, int]:
    """Store ``framework`` (new, or over the one of the same id) and say what changed."""
    require_framework_admin(session, principal)
    if not framework.items:
        raise UsageError(f"{framework.name} holds no items: nothing was imported")
    row = session.get(SkillFramework, framework.id)
    if row is not None and row.kind != framework.kind:
        raise UsageError(
            f"a framework {framework.id!r} of another kind ({row.kind}) is here already"
        )
    now = platform.now()
    if row is None:
        row = SkillFramework(id=framework.id, kind=framework.kind, imported_at=now, counts={})
        session.add(row)
    else:
        row.updated_at = now
    row.name, row.source, row.version = framework.name, framework.source, framework.version
    session.flush()

    ids, counts = _save_items(session, framework.id, framework.items)
    relations, unresolved = _save_relations(session, framework, ids)
    counts.update(items=len(framework.items), relations=relations, unresolved=unresolved)
    row.counts = counts
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="framework.imported",
        subject=f"framework:{framework.id}",
        data={"kind": framework.kind, **counts},
    )
    return counts


def _save_items(
    session: Session, framework_id: str, items: Sequence[Item]
) -> tuple[dict[str, str], dict[str, int]]:
    """Upsert by identifier: identifier → row id of every item saved, and the counts."""
    query = select(Competency.identifier, Competency.id).where(
        Competency.framework_id == framework_id
    )
    existing: dict[str, str] = {str(k): str(v) for k, v in session.execute(query)}
    before = len(existing)
    seen: set[str] = set()
    updated = 0
    new: list[Competency] = []
    for item in items:
        if item.identifier in seen:
            raise UsageError(f"the item {item.identifier!r} appears twice in the file")
        seen.add(item.identifier)
        values = _values(item)
        row_id = existing.get(item.identifier)
        if row_id is None:
            new.append(Competency(framework_id=framework_id, identifier=item.identifier, **values))
        else:
            session.execute(update(Competency).where(Competency.id == row_id).values(values))
            updated += 1
        if len(new) >= _BATCH:
            _flush(session, new, existing)
    _flush(session, new, existing)
    counts = {"added": len(existing) - before, "updated": updated, "missing": before - updated}
    return {k: v for k, v in existing.items() if k in seen}, counts


def _flush(session: Session, new: list[Competency], existing: dict[str, str]) -> None:
    session.add_all(new)
    session.flush()
    existing.update((row.identifier, row.id) for row in new)
    new.clear()


def _values(item: Item) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "label": item.label,
        "alt_labels": list(item.alt_labels),
        "description": item.description or None,
        "code": item.code,
        "url": item.url,
        "extra": dict(item.extra),
    }


def _save_relations(session: Session, framework: Framework, ids: dict[str, str]) -> tuple[int, int]:
    session.execute(
        delete(CompetencyRelation).where(CompetencyRelation.framework_id == framework.id)
    )
    by_code = _occupations_by_code(
        session, {r.target for r in framework.relations if r.kind == "translates"}
    )
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    unresolved = 0
    for relation in framework.relations:
        source = ids.get(relation.source)
        target = (
            by_code.get(relation.target)
            if relation.kind == "translates"
            else ids.get(relation.target)
        )
        if source is None or target is None:
            unresolved += 1
            continue
        rows[(source, target, relation.kind)] = {
            "framework_id": framework.id,
            "source_id": source,
            "target_id": target,
            "kind": relation.kind,
            "weight": relation.weight,
            "detail": dict(relation.detail),
        }
    for chunk in _chunks(list(rows.values()), _BATCH):
        session.add_all(CompetencyRelation(**values) for values in chunk)
        session.flush()
    return len(rows), unresolved


def _occupations_by_code(session: Session, codes: set[str]) -> dict[str, str]:
    """O*NET-SOC code → an occupation's row id, the O*NET framework's first."""
    found: dict[str, str] = {}
    if not codes:
        return found
    rows = session.execute(
        select(Competency.code, Competency.id, SkillFramework.kind)
        .join(SkillFramework, SkillFramework.id == Competency.framework_id)
        .where(Competency.kind == "occupation", Competency.code.in_(codes))
    ).all()
    for code, row_id, _ in sorted(rows, key=lambda r: r[2] != "onet"):
        if code is not None:
            found.setdefault(code, row_id)
    return found


def _chunks(values: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def frameworks(session: Session) -> list[SkillFramework]:
    """Every framework here, by name (anyone may read them: they are public definitions)."""
    return list(session.execute(select(SkillFramework).order_by(SkillFramework.name)).scalars())


def load_demo(session: Session, platform: Platform, principal: Principal) -> dict[str, int]:
    """The built-in frameworks the demo ships (``demo``: skills and occupations of the
    stories; ``military``: a short crosswalk sample) saved; their counts added up."""
    package = resources.files("openler.demo")
    demo = read_native(package.joinpath("demo-framework.json").read_bytes())
    military = read_military(
        package.joinpath("military-crosswalk-sample.csv").read_bytes(),
        name="Military crosswalk (demo sample)",
    )
    totals: dict[str, int] = {}
    for framework in (demo, military):
        for key, value in save(session, platform, principal, framework).items():
            totals[key] = totals.get(key, 0) + value
    return totals
