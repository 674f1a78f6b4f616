"""openler's own framework file: one JSON object holding a framework as
:class:`openler.skills.Framework` does (the demo ships its framework this way).

>>> text = '{"id": "x", "kind": "builtin", "name": "X", "items": ['
>>> text += '{"identifier": "a", "kind": "skill", "label": "A"}], "relations": []}'
>>> read_native(text).items[0].label
'A'
"""

from __future__ import annotations

from typing import Any, cast

from openler.skills.frameworks import (
    ITEM_KINDS,
    RELATION_KINDS,
    Framework,
    FrameworkKind,
    Item,
    ItemKind,
    Relation,
    RelationKind,
)
from openler.skills.readers._common import (
    LIMITS,
    Limits,
    Problem,
    Problems,
    ReaderError,
    check_items,
    json_of,
)

FRAMEWORK_KINDS = ("case", "ctdl", "esco", "onet", "military", "builtin")


def read_native(
    data: bytes | str,
    *,
    source: str = "framework.json",
    limits: Limits = LIMITS,
    problems: list[Problem] | None = None,
) -> Framework:
    """The framework the file holds; an entry that is not an item or relation is a problem
    (its position in the list stands for its line)."""
    document = json_of(data, source, limits)
    if not isinstance(document, dict):
        raise ReaderError(f"{source}: a framework file is one JSON object")
    found = Problems(problems, limits)
    for key in ("id", "kind", "name"):
        if not isinstance(document.get(key), str) or not document[key]:
            raise ReaderError(f"{source}: the framework's {key!r} is missing")
    if document["kind"] not in FRAMEWORK_KINDS:
        raise ReaderError(f"{source}: {document['kind']!r} is not a kind of framework")
    entries = document.get("items", [])
    links = document.get("relations", [])
    if not isinstance(entries, list) or not isinstance(links, list):
        raise ReaderError(f"{source}: 'items' and 'relations' are lists")
    check_items(len(entries), source, limits)
    items: list[Item] = []
    for n, entry in enumerate(entries, start=1):
        item = _item(entry)
        if item is None:
            found.add(source, n, "item is not an object with identifier, kind and label")
        else:
            items.append(item)
    relations: list[Relation] = []
    for n, entry in enumerate(links, start=1):
        relation = _relation(entry)
        if relation is None:
            found.add(source, n, "relation is not an object with source, target and kind")
        else:
            relations.append(relation)
    return Framework(
        document["id"],
        cast(FrameworkKind, document["kind"]),
        document["name"],
        source=_text(document.get("source")),
        version=_text(document.get("version")),
        items=tuple(items),
        relations=tuple(relations),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _item(entry: Any) -> Item | None:
    if not isinstance(entry, dict):
        return None
    identifier, kind, label = entry.get("identifier"), entry.get("kind"), entry.get("label")
    if not (isinstance(identifier, str) and identifier and isinstance(label, str) and label):
        return None
    if kind not in ITEM_KINDS:
        return None
    alt = entry.get("alt_labels") or []
    extra = entry.get("extra") or {}
    if not isinstance(alt, list) or not all(isinstance(a, str) for a in alt):
        return None
    if not isinstance(extra, dict):
        return None
    return Item(
        identifier,
        cast(ItemKind, kind),
        label,
        tuple(alt),
        description=_text(entry.get("description")) or "",
        code=_text(entry.get("code")),
        url=_text(entry.get("url")),
        extra=extra,
    )


def _relation(entry: Any) -> Relation | None:
    if not isinstance(entry, dict):
        return None
    source, target, kind = entry.get("source"), entry.get("target"), entry.get("kind")
    weight = entry.get("weight")
    detail = entry.get("detail") or {}
    if not (isinstance(source, str) and isinstance(target, str) and kind in RELATION_KINDS):
        return None
    if weight is not None and (
        not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 <= weight <= 1
    ):
        return None
    if not isinstance(detail, dict):
        return None
    return Relation(
        source,
        target,
        cast(RelationKind, kind),
        None if weight is None else float(weight),
        detail,
    )
