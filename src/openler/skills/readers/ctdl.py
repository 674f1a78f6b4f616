"""CTDL-ASN competency frameworks (Credential Engine): JSON-LD whose ``@graph`` holds a
``ceasn:CompetencyFramework`` and its ``ceasn:Competency`` nodes.

A competency keeps its ``@id`` (a URI) as identifier and url; ``ceasn:competencyLabel``
(or ``ceasn:competencyText``) is its label, ``ceasn:competencyText`` its description,
``ceasn:codedNotation`` its code, ``ceasn:altCodedNotation`` / ``ceasn:conceptKeyword``
alternative labels. Language maps (``{"en-US": "…"}``) give English first. ``ceasn:isChildOf``
and ``ceasn:hasChild`` become ``broader`` relations (child → parent).

>>> import json
>>> graph = {"@graph": [
...     {"@id": "https://x/f", "@type": "ceasn:CompetencyFramework", "ceasn:name": {"en": "F"}},
...     {"@id": "https://x/c", "@type": "ceasn:Competency",
...      "ceasn:competencyText": {"en-US": "Weld steel"}, "ceasn:isPartOf": "https://x/f"}]}
>>> read_ctdl(json.dumps(graph)).items[0].label
'Weld steel'
"""

from __future__ import annotations

from typing import Any

from openler.skills.frameworks import Framework, Item, Relation
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

FRAMEWORK = "ceasn:CompetencyFramework"
COMPETENCY = "ceasn:Competency"


def read_ctdl(
    data: bytes | str,
    *,
    id: str | None = None,
    name: str | None = None,
    source: str = "framework.json",
    limits: Limits = LIMITS,
    problems: list[Problem] | None = None,
) -> Framework:
    """The competency framework of the graph; ``id`` defaults to ``ctdl-`` and the last
    segment of the framework's ``@id``."""
    document = json_of(data, source, limits)
    nodes = document.get("@graph") if isinstance(document, dict) else document
    if isinstance(document, dict) and nodes is None:
        nodes = [document]
    if not isinstance(nodes, list):
        raise ReaderError(f"{source}: a CTDL framework is JSON-LD with a '@graph' list")
    found = Problems(problems, limits)
    frameworks = [n for n in nodes if isinstance(n, dict) and _is(n, FRAMEWORK)]
    if not frameworks:
        raise ReaderError(
            f"{source} holds no ceasn:CompetencyFramework (a CTDL credential or program is not "
            "a competency framework)"
        )
    framework = frameworks[0]
    framework_uri = _text(framework.get("@id"))
    check_items(len(nodes), source, limits)
    items: dict[str, Item] = {}
    relations: dict[tuple[str, str], Relation] = {}
    for n, node in enumerate(nodes, start=1):
        if not isinstance(node, dict) or not _is(node, COMPETENCY):
            continue
        uri = _text(node.get("@id"))
        text = _language(node.get("ceasn:competencyText"))
        label = _language(node.get("ceasn:competencyLabel")) or text
        if not uri or not label:
            found.add(source, n, "ceasn:Competency without @id or competencyText: skipped")
            continue
        if uri in items:
            found.add(source, n, f"{uri} appears again: skipped")
            continue
        alt = [
            *_values(node.get("ceasn:altCodedNotation")),
            *_values(node.get("ceasn:conceptKeyword")),
        ]
        items[uri] = Item(
            uri,
            "competency",
            clip(label, 1000),
            tuple(dict.fromkeys(a for a in alt if a != label)),
            description=text if text != label else "",
            code=_language(node.get("ceasn:codedNotation"))[:100] or None,
            url=uri,
            extra={"comment": c} if (c := _language(node.get("ceasn:comment"))) else {},
        )
        for parent in _ids(node.get("ceasn:isChildOf")):
            relations.setdefault((uri, parent), Relation(uri, parent, "broader"))
        for child in _ids(node.get("ceasn:hasChild")):
            relations.setdefault((child, uri), Relation(child, uri, "broader"))
    kept = {k: r for k, r in relations.items() if framework_uri not in k}
    title = _language(framework.get("ceasn:name")) or framework_uri or "CTDL framework"
    slug = framework_uri.rstrip("/").rsplit("/", 1)[-1] if framework_uri else "framework"
    return Framework(
        id or f"ctdl-{slug}"[:64],
        "ctdl",
        clip(name or title, 300),
        source=framework_uri or None,
        version=_language(framework.get("ceasn:versionCode")) or None,
        items=tuple(items.values()),
        relations=tuple(kept.values()),
    )


def _is(node: dict[str, Any], kind: str) -> bool:
    types = node.get("@type")
    return kind in (types if isinstance(types, list) else [types])


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _language(value: Any) -> str:
    """A plain string, a list's first, or a language map's English (en-US, en, then any)."""
    if isinstance(value, list):
        return next((t for v in value if (t := _language(v))), "")
    if isinstance(value, dict):
        if "@value" in value:
            return _text(value["@value"])
        for key in ("en-US", "en", "en-GB", *sorted(value)):
            if text := _language(value.get(key)):
                return text
        return ""
    return _text(value)


def _values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _values(v)]
    if isinstance(value, list):
        return [t for v in value for t in _values(v)]
    return [t] if (t := _text(value)) else []


def _ids(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t] if (t := _text(value.get("@id"))) else []
    if isinstance(value, list):
        return [t for v in value for t in _ids(v)]
    return [t] if (t := _text(value)) else []
