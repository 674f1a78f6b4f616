"""ESCO's CSV export (and the simple JSON of occupations with their skills): skills
(``skills_en.csv``: ``conceptUri``, ``preferredLabel``, ``altLabels`` one a line,
``description``, ``skillType``), occupations (``occupations_en.csv``) and occupation–skill
relations (``occupationSkillRelations_en.csv``: ``occupationUri``, ``relationType``
essential/optional, ``skillType``, ``skillUri``). Which file is which is told by its columns,
so the caller passes the files of a download under any names.

Items are identified by their concept URI, exactly; an essential skill is ``requires`` with
weight 1.0, an optional one 0.5.

>>> text = "conceptUri,preferredLabel,altLabels,description,skillType\\n"
>>> text += 'http://data.europa.eu/esco/skill/x,weld,"join metal\\nfuse metal",,skill/competence\\n'
>>> read_esco({"skills_en.csv": text}).items[0].alt_labels
('join metal', 'fuse metal')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openler.skills.frameworks import Framework, Item, Relation
from openler.skills.readers._common import (
    LIMITS,
    Limits,
    Problem,
    Problems,
    ReaderError,
    Row,
    check_items,
    clip,
    json_of,
    rows_of,
    text_of,
)

WEIGHTS = {"essential": 1.0, "optional": 0.5}
#: the columns each ESCO table is known by
_SKILLS = ("conceptUri", "preferredLabel", "skillType")
_OCCUPATIONS = ("conceptUri", "preferredLabel", "iscoGroup")
_RELATIONS = ("occupationUri", "relationType", "skillUri")


def read_esco(
    files: Mapping[str, bytes | str],
    *,
    id: str | None = None,
    name: str | None = None,
    version: str | None = None,
    limits: Limits = LIMITS,
    problems: list[Problem] | None = None,
) -> Framework:
    """ESCO from the files given (name → content): any of skills, occupations, relations
    CSV and the occupations-with-skills JSON."""
    if not files:
        raise ReaderError("no ESCO file was given")
    found = Problems(problems, limits)
    items: dict[str, Item] = {}
    relations: list[Relation] = []
    json_files: list[tuple[str, Any]] = []
    unknown: list[tuple[str, str]] = []
    for source, data in sorted(files.items()):
        if source.lower().endswith(".json"):
            json_files.append((source, json_of(data, source, limits)))
            continue
        header, rows = rows_of(text_of(data, source, limits), source, limits, found)
        if all(c in header for c in _RELATIONS):
            relations.extend(_relations(rows, source, found))
            continue
        if all(c in header for c in _SKILLS):
            make = _skill
        elif all(c in header for c in _OCCUPATIONS):
            make = _occupation
        else:
            unknown.append((source, ", ".join(map(repr, header[:12]))))
            continue
        mine: set[str] = set()
        for row in rows:
            uri, label = row.get("conceptUri"), row.get("preferredLabel")
            if not uri or not label:
                found.add(source, row.line, "no conceptUri or preferredLabel: skipped")
            elif uri in mine:
                found.add(source, row.line, f"{uri} appears again: the first one is kept")
            else:
                # a collection (ICT, language, transversal skills) repeats skills_en.csv's
                mine.add(uri)
                items.setdefault(uri, make(row, uri, label))
                check_items(len(items), source, limits)
    if unknown and not items and not relations and not json_files:
        source, columns = unknown[0]
        raise ReaderError(
            f"{source} is not an ESCO skills, occupations or occupation–skill relations "
            f"CSV: its columns are {columns}"
        )
    for source, _ in unknown:
        found.note(
            source, "not one of the ESCO files openler reads (skills, occupations, relations)"
        )
    for source, document in json_files:
        relations.extend(_from_json(document, source, items, found))
    return Framework(
        id or "esco",
        "esco",
        name or "ESCO",
        version=version,
        items=tuple(items.values()),
        relations=tuple(relations),
    )


def _alt(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(a.strip() for a in value.split("\n") if a.strip()))


def _skill(row: Row, uri: str, label: str) -> Item:
    skill_type = row.get("skillType")
    extra = {k: v for k in ("skillType", "reuseLevel") if (v := row.get(k))}
    return Item(
        uri,
        "knowledge" if skill_type == "knowledge" else "skill",
        clip(label, 1000),
        _alt(row.get("altLabels")),
        description=row.get("description"),
        url=uri,
        extra=extra,
    )


def _occupation(row: Row, uri: str, label: str) -> Item:
    extra = {k: v for k in ("iscoGroup", "code") if (v := row.get(k))}
    return Item(
        uri,
        "occupation",
        clip(label, 1000),
        _alt(row.get("altLabels")),
        description=row.get("description") or row.get("definition"),
        url=uri,
        extra=extra,
    )


def _relations(rows: Any, source: str, found: Problems) -> list[Relation]:
    relations = []
    for row in rows:
        occupation, kind, skill = (
            row.get("occupationUri"),
            row.get("relationType").lower(),
            row.get("skillUri"),
        )
        if not occupation or not skill or kind not in WEIGHTS:
            found.add(source, row.line, "not occupationUri, essential/optional, skillUri: skipped")
            continue
        detail = {"relationType": kind}
        if skill_type := row.get("skillType"):
            detail["skillType"] = skill_type
        relations.append(Relation(occupation, skill, "requires", WEIGHTS[kind], detail))
    return relations


def _from_json(
    document: Any, source: str, items: dict[str, Item], found: Problems
) -> list[Relation]:
    """The occupations-with-skills JSON: a list of ``{"uri", "label", "altLabel",
    "description", "s": [skill URIs]}``; its occupations join the items."""
    if not isinstance(document, list):
        raise ReaderError(f"{source}: an ESCO occupations JSON is a list of occupations")
    relations: list[Relation] = []
    for n, entry in enumerate(document, start=1):
        if not isinstance(entry, dict):
            found.add(source, n, "entry is not an object: skipped")
            continue
        uri, label = entry.get("uri"), entry.get("label")
        skills = entry.get("s", [])
        alt = entry.get("altLabel", [])
        if not (isinstance(uri, str) and isinstance(label, str) and uri and label):
            found.add(source, n, "occupation without uri or label: skipped")
            continue
        if not isinstance(skills, list) or not isinstance(alt, list):
            found.add(source, n, "'s' and 'altLabel' are lists: skipped")
            continue
        description = entry.get("description")
        items.setdefault(
            uri,
            Item(
                uri,
                "occupation",
                clip(label, 1000),
                tuple(dict.fromkeys(a for a in alt if isinstance(a, str) and a != label)),
                description=description if isinstance(description, str) else "",
                url=uri,
            ),
        )
        relations.extend(Relation(uri, s, "requires") for s in skills if isinstance(s, str))
    return relations
