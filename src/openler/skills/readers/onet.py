"""The O*NET database's text files (tab-separated, a header line), given by the caller as
a mapping of file name → content (a directory's files): Occupation Data, Alternate Titles,
the Skills / Knowledge / Abilities ratings, Technology Skills, Task Statements, Related
Occupations and Job Zones. Each file is told by its columns; files it does not use (Content
Model Reference, Tools Used …) are named in the problems and left aside.

- An occupation's identifier and code are its O*NET-SOC code (``29-1141.00``); its url the
  O*NET OnLine summary page; alternate titles are alternative labels; its job zone and its
  core and supplemental tasks go to ``extra``.
- A rated element (``2.A.1.a`` Reading Comprehension) is an item: ``2.A`` / ``2.B`` skills,
  ``2.C`` knowledge, the rest (abilities) competencies. The occupation ``requires`` it with
  weight (importance − 1) / 4; importance (IM) and level (LV) are in the relation's detail.
- A technology (a UNSPSC commodity: ``43232202`` Document management software) is a skill
  identified ``unspsc:<code>``; the occupation ``requires`` it, the examples (Adobe Acrobat),
  hot and in-demand flags in the detail.
- Related occupations are ``related``, weighted by tier (Primary-Short 1.0, Primary-Long
  0.75, Supplemental 0.5).

>>> data = {"Occupation Data.txt": "O*NET-SOC Code\\tTitle\\tDescription\\n"
...         "29-1141.00\\tRegistered Nurses\\tAssess patient health problems.\\n"}
>>> read_onet(data).items[0].label
'Registered Nurses'
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from openler.skills.frameworks import Framework, Item, ItemKind, Relation
from openler.skills.readers._common import (
    LIMITS,
    Limits,
    Problem,
    Problems,
    ReaderError,
    Row,
    check_items,
    clip,
    rows_of,
    text_of,
)

SOC = "O*NET-SOC Code"
TIERS = {"Primary-Short": 1.0, "Primary-Long": 0.75, "Supplemental": 0.5}
_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
_TABLES: dict[str, tuple[str, ...]] = {
    "occupations": (SOC, "Title", "Description"),
    "alternate_titles": (SOC, "Alternate Title"),
    "ratings": (SOC, "Element ID", "Element Name", "Scale ID", "Data Value"),
    "technology": (SOC, "Example", "Commodity Code", "Commodity Title"),
    "tasks": (SOC, "Task ID", "Task"),
    "related": (SOC, "Related O*NET-SOC Code"),
    "job_zones": (SOC, "Job Zone"),
}
#: tables told apart from others of the same columns: Technology Skills has Hot Technology
#: (Tools Used has not); ratings have no Category (Education, Training, and Experience has)
_ALSO: dict[str, str] = {"technology": "Hot Technology"}
_NOT: dict[str, str] = {"ratings": "Category"}


def onet_url(code: str) -> str:
    return f"https://www.onetonline.org/link/summary/{code}"


def element_kind(element_id: str) -> ItemKind:
    """``2.A``/``2.B`` skills, ``2.C`` knowledge, anything else a competency (abilities)."""
    if element_id.startswith(("2.A", "2.B")):
        return "skill"
    if element_id.startswith("2.C"):
        return "knowledge"
    return "competency"


@dataclass
class _Occupation:
    title: str = ""
    description: str = ""
    alt: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def read_onet(
    files: Mapping[str, bytes | str],
    *,
    id: str | None = None,
    name: str | None = None,
    version: str | None = None,
    limits: Limits = LIMITS,
    problems: list[Problem] | None = None,
) -> Framework:
    """The O*NET framework the files hold (at least Occupation Data, for the occupations
    the other files speak of)."""
    found = Problems(problems, limits)
    tables: dict[str, list[tuple[str, Iterator[Row]]]] = defaultdict(list)
    for source, data in sorted(files.items()):
        header, rows = rows_of(text_of(data, source, limits), source, limits, found, delimiter="\t")
        table = _table(header)
        if table is None:
            found.note(source, "not one of the O*NET files openler reads")
            continue
        tables[table].append((source, rows))
    if "occupations" not in tables:
        raise ReaderError(
            "O*NET's Occupation Data file (O*NET-SOC Code, Title, Description) is not among "
            "the files: the others speak of its occupations"
        )
    occupations: dict[str, _Occupation] = {}
    for source, rows in tables["occupations"]:
        for row in rows:
            code = _code(row, source, found)
            if code is not None:
                occupation = occupations.setdefault(code, _Occupation())
                occupation.title, occupation.description = row.get("Title"), row.get("Description")
    check_items(len(occupations), "Occupation Data", limits)
    elements: dict[str, Item] = {}
    relations: list[Relation] = []
    for source, rows in tables["alternate_titles"]:
        for row in rows:
            if (code := _known(row, source, found, occupations)) is not None:
                alt = occupations[code].alt
                alt.append(row.get("Alternate Title"))
                short = row.get("Short Title")
                if short and short != "n/a":
                    alt.append(short)
    for source, rows in tables["job_zones"]:
        for row in rows:
            if (code := _known(row, source, found, occupations)) is not None:
                if row.get("Job Zone").isdigit():
                    occupations[code].extra["job_zone"] = int(row.get("Job Zone"))
                else:
                    found.add(source, row.line, "the job zone is not a number: skipped")
    for source, rows in tables["tasks"]:
        for row in rows:
            if (code := _known(row, source, found, occupations)) is not None:
                task = {"id": row.get("Task ID"), "task": row.get("Task")}
                if task_type := row.get("Task Type"):
                    task["type"] = task_type
                occupations[code].extra.setdefault("tasks", []).append(task)
    for source, rows in tables["related"]:
        for row in rows:
            code, other = row.get(SOC), row.get("Related O*NET-SOC Code")
            if not _CODE.match(code) or not _CODE.match(other):
                found.add(source, row.line, "not two O*NET-SOC codes: skipped")
                continue
            tier = row.get("Relatedness Tier")
            detail: dict[str, Any] = {"tier": tier} if tier else {}
            if row.get("Index").isdigit():
                detail["index"] = int(row.get("Index"))
            relations.append(Relation(code, other, "related", TIERS.get(tier), detail))
    for source, rows in tables["ratings"]:
        relations.extend(_ratings(rows, source, found, elements))
    for source, rows in tables["technology"]:
        relations.extend(_technology(rows, source, found, elements))
    check_items(len(occupations) + len(elements), "the O*NET files", limits)
    items = [
        Item(
            code,
            "occupation",
            clip(o.title, 1000),
            tuple(dict.fromkeys(a for a in o.alt if a and a != o.title)),
            description=o.description,
            code=code,
            url=onet_url(code),
            extra=o.extra,
        )
        for code, o in occupations.items()
    ]
    return Framework(
        id or "onet",
        "onet",
        name or "O*NET",
        version=version,
        items=(*items, *elements.values()),
        relations=tuple(relations),
    )


def _table(header: list[str] | Any) -> str | None:
    for table, columns in _TABLES.items():
        also = _ALSO.get(table)
        if all(c in header for c in columns) and (also is None or also in header):
            if _NOT.get(table) in header:
                continue
            return table
    return None


def _code(row: Row, source: str, found: Problems) -> str | None:
    code = row.get(SOC)
    if not _CODE.match(code):
        found.add(source, row.line, f"{code!r} is not an O*NET-SOC code: skipped")
        return None
    return code


def _known(
    row: Row, source: str, found: Problems, occupations: dict[str, _Occupation]
) -> str | None:
    code = _code(row, source, found)
    if code is not None and code not in occupations:
        found.add(source, row.line, f"{code} is not in Occupation Data: skipped")
        return None
    return code


def _ratings(
    rows: Iterator[Row], source: str, found: Problems, elements: dict[str, Item]
) -> list[Relation]:
    """One ``requires`` per occupation and element, from its IM and LV rows."""
    scores: dict[tuple[str, str], dict[str, float]] = {}
    for row in rows:
        code, element, scale = row.get(SOC), row.get("Element ID"), row.get("Scale ID")
        if not _CODE.match(code) or not element:
            found.add(source, row.line, "no O*NET-SOC code or Element ID: skipped")
            continue
        if scale not in ("IM", "LV"):
            continue
        try:
            value = float(row.get("Data Value"))
        except ValueError:
            found.add(source, row.line, f"{row.get('Data Value')!r} is not a number: skipped")
            continue
        if element not in elements:
            elements[element] = Item(
                element,
                element_kind(element),
                clip(row.get("Element Name") or element, 1000),
                url=f"https://www.onetonline.org/find/descriptor/result/{element}",
            )
        scores.setdefault((code, element), {})[scale] = value
        if row.get("Recommend Suppress") == "Y":
            scores[(code, element)][f"{scale}_suppressed"] = 1.0
    relations = []
    for (code, element), score in scores.items():
        importance = score.get("IM")
        detail: dict[str, Any] = {}
        if importance is not None:
            detail["importance"] = importance
        if "LV" in score:
            detail["level"] = score["LV"]
        if any(k.endswith("_suppressed") for k in score):
            detail["suppress"] = True
        weight = None if importance is None else min(1.0, max(0.0, (importance - 1) / 4))
        relations.append(Relation(code, element, "requires", weight, detail))
    return relations


def _technology(
    rows: Iterator[Row], source: str, found: Problems, elements: dict[str, Item]
) -> list[Relation]:
    examples: dict[tuple[str, str], dict[str, Any]] = {}
    names: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        code, commodity = row.get(SOC), row.get("Commodity Code")
        if not _CODE.match(code) or not commodity.isdigit():
            found.add(source, row.line, "no O*NET-SOC code or commodity code: skipped")
            continue
        identifier = f"unspsc:{commodity}"
        example = row.get("Example")
        if identifier not in elements:
            elements[identifier] = Item(
                identifier, "skill", clip(row.get("Commodity Title") or identifier, 1000)
            )
        detail = examples.setdefault((code, identifier), {"examples": []})
        detail["examples"].append(example)
        names[identifier].add(example)
        if row.get("Hot Technology") == "Y":
            detail["hot"] = True
        if row.get("In Demand") == "Y":
            detail["in_demand"] = True
    for identifier, seen in names.items():
        item = elements[identifier]
        elements[identifier] = Item(
            item.identifier, item.kind, item.label, tuple(sorted(seen)[:50]), extra=item.extra
        )
    return [
        Relation(code, identifier, "requires", None, detail)
        for (code, identifier), detail in examples.items()
    ]
