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

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import FileError, Forbidden, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills.framework_queries import (
    DEFAULT_WEIGHT,
    ItemPage,
    ItemRelations,
    get_framework,
    item,
    item_counts,
    item_relations,
    items,
    military_occupations,
    occupation_requirements,
    related_occupations,
    translations,
)
from openler.skills import Framework, Item, readers
from openler.skills.readers import Problem
from openler.store.bulkwrite import table_of, write_rows
from openler.store.models import (
    Competency,
    CompetencyRelation,
    Organization,
    SkillFramework,
    new_id,
)
from openler.store.text import unstorable

__all__ = [
    "DEFAULT_WEIGHT",
    "KINDS",
    "MANY_FILES",
    "Imported",
    "ItemPage",
    "ItemRelations",
    "frameworks",
    "get_framework",
    "import_files",
    "item",
    "item_counts",
    "item_relations",
    "items",
    "load_demo",
    "military_occupations",
    "occupation_requirements",
    "read_framework",
    "read_paths",
    "related_occupations",
    "require_framework_admin",
    "save",
    "translations",
]

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


#: called as a save goes on: (what is being done, how many done, of how many)
Progress = Callable[[str, int, int], None]


def save(
    session: Session,
    platform: Platform,
    principal: Principal,
    framework: Framework,
    *,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Store ``framework`` (new, or over the one of the same id) and say what changed."""
    require_framework_admin(session, principal)
    if not framework.items:
        raise UsageError(f"{framework.name} holds no items: nothing was imported")
    for field, value, most in (
        ("name", framework.name, 300),
        ("version", framework.version, 100),
        ("address", framework.source, 2000),
    ):
        if value is not None and (len(value) > most or unstorable(value)):
            raise UsageError(
                f"the framework's {field} is longer than {most:,} characters or holds a "
                "character that is not text; correct the file and import it again"
            )
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

    report = progress or _quiet
    ids, counts = _save_items(session, framework.id, framework.items, report)
    relations, unresolved = _save_relations(session, framework, ids, report)
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


def _quiet(stage: str, done: int, total: int) -> None:
    """No one is watching this save."""


def _save_items(
    session: Session, framework_id: str, entries: Sequence[Item], progress: Progress
) -> tuple[dict[str, str], dict[str, int]]:
    """Upsert by identifier: identifier → row id of every item saved, and the counts.
    Rows are written in batches (``COPY`` on PostgreSQL; an UPDATE by key per batch)."""
    query = select(Competency.identifier, Competency.id).where(
        Competency.framework_id == framework_id
    )
    existing: dict[str, str] = {str(k): str(v) for k, v in session.execute(query)}
    before = len(existing)
    saved: dict[str, str] = {}
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for n, entry in enumerate(entries, start=1):
        if entry.identifier in saved:
            raise UsageError(f"the item {entry.identifier!r} appears twice in the file")
        values = _values(entry)
        row_id = existing.get(entry.identifier)
        if row_id is None:
            row_id = new_id()
            new.append(
                {"id": row_id, "framework_id": framework_id, "identifier": entry.identifier}
                | values
            )
        else:
            changed.append({"id": row_id} | values)
        saved[entry.identifier] = row_id
        if len(new) + len(changed) >= _BATCH:
            _write_items(session, new, changed)
            progress("items", n, len(entries))
    _write_items(session, new, changed)
    progress("items", len(entries), len(entries))
    updated = sum(1 for k in saved if k in existing)
    counts = {
        "added": len(saved) - updated,
        "updated": updated,
        "missing": before - updated,
    }
    return saved, counts


def _write_items(
    session: Session, new: list[dict[str, Any]], changed: list[dict[str, Any]]
) -> None:
    if new:
        write_rows(session, table_of(Competency), new)
    if changed:
        session.execute(update(Competency), changed)
    new.clear()
    changed.clear()


_WEB = re.compile(r"https?://[^\s]+\Z", re.IGNORECASE)

#: the longest each column keeps (models.Competency)
_COLUMN_LIMITS = {"identifier": 2000, "label": 1000, "code": 100, "url": 2000}


def _check_item(item: Item) -> None:
    """Refuse, naming the item, what no database keeps or a column cannot hold: the whole
    file is refused before anything is written (correct it and import it again)."""
    texts = {
        "identifier": item.identifier,
        "label": item.label,
        "code": item.code,
        "url": item.url,
        "description": item.description,
        **{f"alternative label {n}": alt for n, alt in enumerate(item.alt_labels, 1)},
    }
    named = repr(item.identifier[:120])
    for field, value in texts.items():
        if unstorable(value):
            raise UsageError(
                f"the item {named}: its {field} holds a character that is not text (NUL, "
                "or half a UTF-16 pair); correct the file and import it again"
            )
        most = _COLUMN_LIMITS.get(field)
        if value is not None and most is not None and len(value) > most:
            raise UsageError(
                f"the item {named}: its {field} is longer than {most:,} characters; "
                "correct the file and import it again"
            )


def _values(item: Item) -> dict[str, Any]:
    _check_item(item)
    return {
        "kind": item.kind,
        "label": item.label,
        "alt_labels": list(item.alt_labels),
        "description": item.description or None,
        "code": item.code,
        # only a web address is linked on pages and becomes an alignment's targetUrl: a
        # file's ``javascript:`` or ``data:`` address is not kept
        "url": item.url if item.url and _WEB.match(item.url) else None,
        "extra": dict(item.extra),
    }


def _save_relations(
    session: Session, framework: Framework, ids: dict[str, str], progress: Progress
) -> tuple[int, int]:
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
            "id": new_id(),
            "framework_id": framework.id,
            "source_id": source,
            "target_id": target,
            "kind": relation.kind,
            "weight": relation.weight,
            "detail": dict(relation.detail),
        }
    values = list(rows.values())
    for start in range(0, len(values), _BATCH):
        write_rows(session, table_of(CompetencyRelation), values[start : start + _BATCH])
        progress("relations", min(start + _BATCH, len(values)), len(values))
    return len(rows), unresolved


def _occupations_by_code(session: Session, codes: set[str]) -> dict[str, str]:
    """O*NET-SOC code → an occupation's row id, the O*NET framework's first."""
    found: dict[str, str] = {}
    wanted = sorted(codes)
    rows: list[Any] = []
    for start in range(0, len(wanted), _BATCH):
        rows.extend(
            session.execute(
                select(Competency.code, Competency.id, SkillFramework.kind)
                .join(SkillFramework, SkillFramework.id == Competency.framework_id)
                .where(
                    Competency.kind == "occupation",
                    Competency.code.in_(wanted[start : start + _BATCH]),
                )
            ).all()
        )
    for code, row_id, _ in sorted(rows, key=lambda r: r[2] != "onet"):
        if code is not None:
            found.setdefault(code, row_id)
    return found


def frameworks(session: Session) -> list[SkillFramework]:
    """Every framework here, by name (anyone may read them: they are public definitions)."""
    return list(session.execute(select(SkillFramework).order_by(SkillFramework.name)).scalars())


KINDS = ("case", "ctdl", "esco", "onet", "military")
#: kinds whose framework is a set of files (a directory); the others are one file
MANY_FILES = ("esco", "onet")
#: what one import may read, all its files together
MAX_IMPORT_BYTES = 300_000_000


@dataclass(frozen=True)
class Imported:
    """What an import did: the framework's id and name, the counts :func:`save` returns
    (added, updated, missing, items, relations, unresolved) and the rows that were skipped."""

    framework_id: str
    name: str
    counts: dict[str, int]
    problems: tuple[Problem, ...]


def read_paths(paths: Iterable[Path]) -> dict[str, bytes]:
    """The files named (a directory: the files in it), name → bytes, within the size an
    import may read."""
    files: dict[str, bytes] = {}
    total = 0
    for path in paths:
        entries = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        for entry in entries:
            try:
                total += entry.stat().st_size
                if total > MAX_IMPORT_BYTES:
                    raise FileError(
                        f"the files come to more than {MAX_IMPORT_BYTES:,} bytes, more than "
                        "one import reads"
                    )
                files[entry.name] = entry.read_bytes()
            except OSError as exc:
                raise FileError(f"cannot read {entry}: {exc.strerror or exc}") from None
    if not files:
        raise UsageError("no file to import (the directory is empty)")
    return files


def read_framework(
    kind: str,
    files: Mapping[str, bytes],
    *,
    framework_id: str | None = None,
    name: str | None = None,
    problems: list[Problem] | None = None,
) -> Framework:
    """The framework the files of ``kind`` hold, read by ``openler.skills.readers``; a file
    that cannot be read is a :class:`UsageError` saying which and why."""
    if kind not in KINDS:
        raise UsageError(f"{kind!r} is not a kind of framework: one of {', '.join(KINDS)}")
    if not files:
        raise UsageError("no file to import")
    if kind not in MANY_FILES and len(files) != 1:
        raise UsageError(f"a {kind} framework is one file ({len(files)} were given)")
    if framework_id is not None and not _SLUG.match(framework_id):
        raise UsageError(
            f"{framework_id!r} is not a framework id: lower-case letters, digits and '-', "
            "up to 64 characters"
        )
    try:
        if kind == "esco":
            framework = readers.read_esco(files, problems=problems, id=framework_id, name=name)
        elif kind == "onet":
            framework = readers.read_onet(files, problems=problems, id=framework_id, name=name)
        else:
            [(source, data)] = files.items()
            read = {"case": readers.read_case, "ctdl": readers.read_ctdl}.get(
                kind, readers.read_military
            )
            framework = read(data, source=source, problems=problems, id=framework_id, name=name)
    except readers.ReaderError as exc:
        raise UsageError(exc.message) from None
    if not _SLUG.match(framework.id):
        framework = replace(framework, id=_slug(framework.id))
    return framework


_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:64] or "framework"


def import_files(
    session: Session,
    platform: Platform,
    principal: Principal,
    kind: str,
    files: Mapping[str, bytes] | Iterable[Path],
    *,
    framework_id: str | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> Imported:
    """Read ``files`` (name → bytes, or paths: a directory for ESCO and O*NET) as a
    framework of ``kind`` and save it (see :func:`save`); rows that could not be read are
    skipped and listed in the result.

    ``openler frameworks import esco skills_en.csv`` is ``import_files(…, "esco",
    [Path("skills_en.csv")])``: the framework ``esco``, its 13,412 skills added (or updated).
    """
    require_framework_admin(session, principal)
    if not isinstance(files, Mapping):
        files = read_paths(files)
    report = progress or _quiet
    report("reading", 0, len(files))
    problems: list[Problem] = []
    framework = read_framework(kind, files, framework_id=framework_id, name=name, problems=problems)
    report("reading", len(files), len(files))
    counts = save(session, platform, principal, framework, progress=progress)
    return Imported(framework.id, framework.name, counts, tuple(problems))


def load_demo(session: Session, platform: Platform, principal: Principal) -> dict[str, int]:
    """The built-in frameworks the demo ships (``demo``: skills and occupations of the
    stories; ``military``: a short crosswalk sample) saved; their counts added up."""
    package = resources.files("openler.demo")
    demo = readers.read_native(package.joinpath("demo-framework.json").read_bytes())
    military = readers.read_military(
        package.joinpath("military-crosswalk-sample.csv").read_bytes(),
        name="Military crosswalk (demo sample)",
    )
    totals: dict[str, int] = {}
    for built_in in (demo, military):
        for key, value in save(session, platform, principal, built_in).items():
            totals[key] = totals.get(key, 0) + value
    return totals
