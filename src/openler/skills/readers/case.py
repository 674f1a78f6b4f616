"""CASE 1.1 (1EdTech Competencies and Academic Standards Exchange) CFPackage JSON: a
CFDocument, its CFItems and the CFAssociations between them.

Items keep their ``identifier``; ``uri`` is their url, ``humanCodingScheme`` their code,
``abbreviatedStatement`` (or the ``fullStatement``) their label, ``fullStatement`` their
description. ``A isChildOf B`` becomes ``A broader B`` (SKOS's sense: B is A's broader
item); ``isRelatedTo`` becomes ``related``; an association to the document itself (a
top-level item) or of another type is left out.

>>> package = '{"CFDocument": {"identifier": "d1", "uri": "https://x/d1", "title": "Math"},'
>>> package += '"CFItems": [{"identifier": "i1", "uri": "https://x/i1", "fullStatement": "Add"}]}'
>>> read_case(package).items[0].url
'https://x/i1'
"""

from __future__ import annotations

from typing import Any

from openler.skills.frameworks import Framework, Item, Relation, RelationKind
from openler.skills.readers._common import (
    LIMITS,
    Limits,
    Problem,
    Problems,
    ReaderError,
    check_items,
    clip,
    json_of,
)

_ASSOCIATIONS: dict[str, RelationKind] = {"isChildOf": "broader", "isRelatedTo": "related"}


def read_case(
    data: bytes | str,
    *,
    id: str | None = None,
    name: str | None = None,
    source: str = "package.json",
    limits: Limits = LIMITS,
    problems: list[Problem] | None = None,
) -> Framework:
    """The CFPackage's framework; ``id`` defaults to ``case-<CFDocument identifier>``."""
    package = json_of(data, source, limits)
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise ReaderError(f"{source} is not a CASE CFPackage: it has no CFDocument")
    found = Problems(problems, limits)
    document = package["CFDocument"]
    identifier = _text(document.get("identifier"))
    if not identifier:
        raise ReaderError(f"{source}: the CFDocument has no identifier")
    entries = package.get("CFItems") or []
    associations = package.get("CFAssociations") or []
    if not isinstance(entries, list) or not isinstance(associations, list):
        raise ReaderError(f"{source}: CFItems and CFAssociations are lists")
    check_items(len(entries), source, limits)
    items: dict[str, Item] = {}
    for n, entry in enumerate(entries, start=1):
        item = _item(entry)
        if item is None:
            found.add(source, n, "CFItem without identifier or fullStatement: skipped")
        elif item.identifier in items:
            found.add(source, n, f"CFItem {item.identifier} appears again: skipped")
        else:
            items[item.identifier] = item
    relations: list[Relation] = []
    for n, entry in enumerate(associations, start=1):
        if not isinstance(entry, dict):
            found.add(source, n, "CFAssociation is not an object: skipped")
            continue
        kind = _ASSOCIATIONS.get(str(entry.get("associationType")))
        origin, destination = (
            _node(entry.get("originNodeURI")),
            _node(entry.get("destinationNodeURI")),
        )
        if kind is None or identifier in (origin, destination):
            continue
        if origin is None or destination is None:
            found.add(source, n, "CFAssociation without origin or destination: skipped")
            continue
        relations.append(
            Relation(
                origin,
                destination,
                kind,
                detail={"sequence": entry.get("sequenceNumber")}
                if entry.get("sequenceNumber") is not None
                else {},
            )
        )
    title = _text(document.get("title")) or identifier
    return Framework(
        id or f"case-{identifier}"[:64],
        "case",
        clip(name or title, 300),
        source=_text(document.get("uri")),
        version=_text(document.get("version")) or _text(document.get("lastChangeDateTime")),
        items=tuple(items.values()),
        relations=tuple(relations),
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _node(value: Any) -> str | None:
    """A node reference is ``{"identifier", "uri", "title"}`` or, in some exports, a bare
    URI string whose last segment is the identifier."""
    if isinstance(value, dict):
        return _text(value.get("identifier")) or None
    if isinstance(value, str) and value.strip():
        return value.strip().rstrip("/").rsplit("/", 1)[-1]
    return None


def _item(entry: Any) -> Item | None:
    if not isinstance(entry, dict):
        return None
    identifier, statement = _text(entry.get("identifier")), _text(entry.get("fullStatement"))
    if not identifier or not statement:
        return None
    label = _text(entry.get("abbreviatedStatement")) or statement
    alt = entry.get("alternativeLabel")
    extra = {
        key: value
        for key in ("CFItemType", "educationLevel", "language", "notes", "conceptKeywords")
        if (value := entry.get(key))
    }
    return Item(
        identifier,
        "competency",
        clip(label, 1000),
        (alt.strip(),) if isinstance(alt, str) and alt.strip() else (),
        description=statement if label != statement else "",
        code=_text(entry.get("humanCodingScheme"))[:100] or None,
        url=_text(entry.get("uri")) or None,
        extra=extra,
    )
