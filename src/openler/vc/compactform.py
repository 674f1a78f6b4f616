"""Read what was signed: documents must be in the compact form their own contexts define.

A Data Integrity proof with ``eddsa-rdfc-2022`` signs the document's RDF, not its JSON, and
every check of the verifier reads JSON keys. The same RDF can be written in many JSON-LD
spellings — a property under its full IRI, ``@id`` for ``id``, an alias defined in an inline
context, a ``@value`` object, the node split with ``@included`` — and a check that looks for
``credentialStatus`` or ``validUntil`` would not see the value written another way, while
the proof still verifies. VC Data Model 2.0 §6.1 settles the spelling: "JSON-LD compacted
document form MUST be used for all representations of the data model". openler holds every
document it reads to that, so a field it reads is the field that was signed:

1. **Compact form.** Compacting the expanded document with its own ``@context`` gives the
   document back, after the normalisations compaction applies and VC Data Model 2.0 §6
   allows: key order is ignored, an array of one value equals the value, a node reference
   ``{"id": X}`` equals ``X``, a language tag may be in any case, ``null`` and ``[]`` are no
   value. A property under a full or compact IRI where the contexts define a term, ``@id``
   / ``@type`` instead of their aliases, a ``@value`` object where a plain value means the
   same, ``@set`` / ``@list`` wrappers, a ``@context`` inside a node: all are refused.
2. **Keys compaction cannot judge.** ``@graph``, ``@included``, ``@reverse``, ``@index``
   and ``@nest`` survive compaction but move statements to other nodes; keys and ids that
   are blank node labels (``_:b0``) let one node be written in several places; a property
   the contexts name, written under its IRI with a value the term does not fit, survives
   compaction too. All are refused.
3. **Inline contexts add, never alias.** An inline context may define terms for IRIs that
   no bundled context names (``ExampleDegreeCredential``); it may not alias a keyword,
   give a bundled IRI a second name, redefine a bundled term, reverse a property, or set
   ``@vocab`` (except to null), ``@base``, ``@import`` or ``@propagate``. Otherwise
   compaction itself would choose the alias and the document would look compact.
4. **Documents inside documents** (an embedded credential, an endorsement, a proof with
   its own ``@context``) are checked the same way as documents of their own, with their
   own context.

String values are not compared: a value that is an IRI may be written as a compact IRI
(``ex:x``) or in full, and checks compare such values as strings, so a spelling the
issuer did not use can only make them differ. Each document shape is checked once with
pyld and remembered (shapes as in :mod:`openler.vc.fastrdf`: the JSON with its strings
taken out), so the rule costs one walk over the JSON for every later document of the
same shape.

:func:`reading_view` completes the rule for the one thing compact form allows: a node
written in two places of one graph. JSON-LD merges them; the view gives the document
itself, and each of its ``credentialStatus`` entries, the properties of every place they
are written (for example an endorsement whose subject is the credential itself).
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from openler.vc import jsonld
from openler.vc.errors import ContextError, NotCompactError

_TOKEN = "urn:openler-token:"  # noqa: S105 - a placeholder, not a secret
_NESTED = "urn:openler-nested:"
_MAX_SHAPES = 4096
#: Keywords that compaction keeps but that move statements to another node.
_MOVING = ("@graph", "@included", "@reverse", "@index", "@nest")
#: Keywords written as their aliases in compact form (every bundled context aliases them).
_ALIASED = {"@id": "id", "@type": "type"}
#: Keys whose values steer processing: kept whole in a shape.
_KEPT = frozenset({"@context", "type", "@type", "@language", "@direction"})
#: Inline context keywords that cannot introduce a second spelling.
_SAFE_CONTEXT_KEYWORDS = frozenset({"@version", "@protected", "@language", "@direction"})


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_STR, _DICT, _LIST, _FLOAT, _TRUE, _FALSE, _DOC = (
    _Marker(n) for n in ("STR", "DICT", "LIST", "FLOAT", "TRUE", "FALSE", "DOC")
)


def _frozen(value: Any) -> Any:
    """A hashable copy of a JSON value that keeps every distinction JSON makes."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is float:
        return (_FLOAT, repr(value))
    if kind is dict:
        return (_DICT, *[part for k, v in value.items() for part in (k, _frozen(v))])
    if kind is list:
        return (_LIST, *[_frozen(v) for v in value])
    raise NotCompactError(f"{type(value).__name__} is not a JSON value")


def _walk(
    document: Mapping[str, Any],
) -> tuple[list[tuple[str, Any]], dict[str, list[Mapping[str, Any]]]]:
    """One walk over a document: the shape of each document in it (the outer one first,
    then those with their own ``@context`` inside it, with where they are), and the node
    objects of the outer document's graph by ``id``."""
    shapes: list[tuple[str, Any]] = []
    nodes: dict[str, list[Mapping[str, Any]]] = {}
    path: list[str] = []

    def document_shape(doc: Mapping[str, Any], same_graph: bool) -> None:
        index = len(shapes)
        shapes.append(("", None))
        shapes[index] = ("".join(path), node(doc, same_graph, top=True))

    def value_shape(value: Any, same_graph: bool) -> Any:
        kind = type(value)
        if kind is str:
            return value if value[:2] == "_:" else _STR
        if kind is dict:
            return node(value, same_graph, top=False)
        if kind is list:
            out: list[Any] = [_LIST]
            for index, item in enumerate(value):
                if type(item) is dict:
                    path.append(f"[{index}]")
                    out.append(node(item, same_graph, top=False))
                    path.pop()
                else:
                    out.append(value_shape(item, same_graph))
            return tuple(out)
        return _frozen(value)

    def node(value: Mapping[str, Any], same_graph: bool, top: bool) -> Any:
        if not top and "@context" in value:
            document_shape(value, same_graph)
            return _DOC
        if same_graph and len(value) > 1:
            ident = value.get("id")
            if type(ident) is str:
                nodes.setdefault(ident, []).append(value)
        out: list[Any] = [_DICT]
        for key, item in value.items():
            out.append(key)
            if key in _KEPT:
                out.append(_frozen(item))
            elif type(item) is str:
                out.append(item if item[:2] == "_:" else _STR)
            else:
                inner = same_graph and key != "proof"
                if inner and key == "verifiableCredential" and _presentation(value):
                    inner = False  # a graph container in a presentation (VC DM 2.0 §6.1)
                path.append(f".{key}")
                out.append(value_shape(item, inner))
                path.pop()
        return tuple(out)

    document_shape(document, same_graph=True)
    return shapes, nodes


def _presentation(node: Mapping[str, Any]) -> bool:
    found = node.get("type")
    return "VerifiablePresentation" in (found if isinstance(found, list) else [found])


def _thaw(shape: Any, counters: list[int]) -> Any:
    """The JSON document of a shape: strings become numbered absolute IRIs (which JSON-LD
    reads as a string or an IRI, as the position wants), documents inside become stub
    nodes (checked on their own)."""
    if shape is _STR:
        counters[0] += 1
        return f"{_TOKEN}{counters[0]}"
    if shape is _DOC:  # a node that survives compaction anywhere, even under "@context": null
        counters[1] += 1
        return {"@id": f"{_NESTED}{counters[1]}", "@type": _NESTED}
    if shape is _TRUE or shape is _FALSE:
        return shape is _TRUE
    if type(shape) is tuple:
        head, rest = shape[0], shape[1:]
        if head is _FLOAT:
            return float(rest[0])
        if head is _DICT:
            return {k: _thaw(v, counters) for k, v in zip(rest[0::2], rest[1::2], strict=True)}
        if head is _LIST:
            return [_thaw(v, counters) for v in rest]
    return shape


class CompactForms:
    """The compact-form verdict of each document shape, for one :class:`DocumentLoader`."""

    def __init__(self, loader: jsonld.DocumentLoader) -> None:
        self._loader = loader
        self._verdicts: dict[Any, str | None] = {}
        self._lock = threading.Lock()
        self.checked = 0  # shapes checked with pyld (cache misses)

    def problem(self, shape: Any) -> str | None:
        """Why documents of this shape are not in compact form, or None."""
        found = self._verdicts.get(shape, False)
        if found is not False:
            return found  # type: ignore[return-value]
        self.checked += 1
        skeleton = _thaw(shape, [0, 0])
        verdict = _problem(skeleton, self._loader)
        with self._lock:
            if len(self._verdicts) >= _MAX_SHAPES:
                for old in list(self._verdicts)[: _MAX_SHAPES // 2]:
                    self._verdicts.pop(old, None)
            self._verdicts[shape] = verdict
        return verdict


_FORMS: weakref.WeakKeyDictionary[jsonld.DocumentLoader, CompactForms] = weakref.WeakKeyDictionary()
_FORMS_LOCK = threading.Lock()


def forms_for(loader: jsonld.DocumentLoader) -> CompactForms:
    """The shape cache of ``loader`` (made on first use, dropped with the loader)."""
    with _FORMS_LOCK:
        found = _FORMS.get(loader)
        if found is None:
            found = _FORMS[loader] = CompactForms(loader)
        return found


def reading_view(
    document: Mapping[str, Any], loader: jsonld.DocumentLoader | None = None
) -> Mapping[str, Any]:
    """What a verifier may read of ``document``: the document itself, with what its graph
    says about it, and about each of its ``credentialStatus`` entries, in other places
    merged in (JSON-LD merges node objects with the same ``id``).

    Raises :class:`NotCompactError` unless ``document`` (and each document inside it) is in
    the compact form its own contexts define (the rules above). ``document`` must already
    have passed safe-mode expansion (:func:`openler.vc.jsonld.check`).

    >>> doc = {"@context": ["https://www.w3.org/ns/credentials/v2"],
    ...        "type": ["VerifiableCredential"], "issuer": "did:example:1",
    ...        "credentialSubject": {"@id": "did:example:2"}}
    >>> reading_view(doc)
    Traceback (most recent call last):
    ...
    openler.vc.errors.NotCompactError: at credentialSubject: '@id' is written where the \
contexts write 'id'
    """
    shapes, nodes = _walk(document)
    forms = forms_for(loader or jsonld.DEFAULT_LOADER)
    for path, shape in shapes:
        problem = forms.problem(shape)
        if problem is not None:
            where = path.lstrip(".")
            raise NotCompactError(f"in {where}: {problem}" if where else problem)
    merged = _merged(document, nodes)
    entries = merged.get("credentialStatus")
    if isinstance(entries, Mapping | list):
        listed = entries if isinstance(entries, list) else [entries]
        views = [_merged(e, nodes) if isinstance(e, Mapping) else e for e in listed]
        if any(v is not e for v, e in zip(views, listed, strict=True)):
            merged = {
                **merged,
                "credentialStatus": views if isinstance(entries, list) else views[0],
            }
    return merged


def _merged(
    node: Mapping[str, Any], nodes: dict[str, list[Mapping[str, Any]]]
) -> Mapping[str, Any]:
    node_id = node.get("id")
    others = (
        [o for o in nodes.get(node_id, ()) if o is not node] if isinstance(node_id, str) else []
    )
    if not others:
        return node
    merged = dict(node)
    for other in others:
        for key, value in other.items():
            if key in ("id", "@context"):
                continue
            if key not in merged or merged[key] == value:
                merged[key] = value
                continue
            have = merged[key] if isinstance(merged[key], list) else [merged[key]]
            more = value if isinstance(value, list) else [value]
            merged[key] = have + [v for v in more if v not in have]
    return merged


# -- the rules, applied to a document of one shape ----------------------------------------


def _problem(document: dict[str, Any], loader: jsonld.DocumentLoader) -> str | None:
    """Why ``document`` (a shape's skeleton) is not in compact form, or None."""
    names, iris = _known_terms(loader)
    try:
        found = _inline_contexts(document.get("@context"), loader)
        if found is not None:
            return found
        prefixes = {
            term: {str(d["@id"])}
            for term, d in jsonld.term_definitions(document.get("@context"), loader).items()
            if d and isinstance(d.get("@id"), str)
        }
        found = _keys(document, "", _Known(names, iris, prefixes))
        if found is not None:
            return found
        expanded = jsonld.expand(document, loader)
        compacted = jsonld.compact(expanded, document.get("@context"), loader)
    except ContextError as exc:
        return exc.message
    return _difference(document, compacted, "", iris)


@dataclass(frozen=True)
class _Known:
    #: term → the IRIs it names; IRI → the terms that name it (bundled and supplied contexts)
    names: Mapping[str, frozenset[str]]
    iris: Mapping[str, frozenset[str]]
    #: the document's own top-level term definitions (term → IRI), inline ones included
    prefixes: Mapping[str, set[str]]

    def expansions(self, key: str) -> set[str]:
        """What a key written as a full or compact IRI may stand for."""
        head, _, tail = key.partition(":")
        found = {key}
        if tail[:2] != "//":
            for iri in (*self.names.get(head, ()), *self.prefixes.get(head, ())):
                if iri.endswith(("#", "/")):
                    found.add(iri + tail)
        return found


def _keys(value: Any, path: str, known: _Known) -> str | None:
    """Rule 2 and the keys compaction cannot judge: keywords that move statements, blank
    node labels, and a property the contexts name written under its IRI (compaction keeps
    such a key when the value does not fit the term, and a check would not see it)."""
    if isinstance(value, list):
        for item in value:
            found = _keys(item, path, known)
            if found is not None:
                return found
    elif isinstance(value, dict) and not _is_stub(value):
        for key, item in value.items():
            where = f"at {path.lstrip('.')}: " if path else ""
            if key == "@context":
                continue
            if key in _MOVING:
                return (
                    f"{where}{key!r} moves statements to another node; compact form writes "
                    "each property in the node it belongs to"
                )
            if key.startswith("_:") or (key == "id" and str(item).startswith("_:")):
                return (
                    f"{where}blank node label {key if key.startswith('_:') else item!r}: a "
                    "node is written in one place, without a label"
                )
            if ":" in key:
                named = sorted(t for iri in known.expansions(key) for t in known.iris.get(iri, ()))
                if named:
                    return (
                        f"{where}{key!r} is written where the contexts write "
                        f"{' or '.join(repr(n) for n in named)}"
                    )
            found = _keys(item, f"{path}.{key}", known)
            if found is not None:
                return found
    return None


def _context_items(context: Any) -> list[Any]:
    """The contexts of a ``@context`` value in order; an embedded context document
    (``{"@context": …}``, as JSON-LD processors accept) stands for its own contexts."""
    if isinstance(context, list):
        return [item for c in context for item in _context_items(c)]
    if isinstance(context, dict) and "@context" in context:
        return _context_items(context["@context"])
    return [context]


def _inline_contexts(context: Any, loader: jsonld.DocumentLoader) -> str | None:
    """Rule 3: what each inline context object defines, judged against the bundled
    (and supplied) contexts."""
    items = _context_items(context)
    if not any(isinstance(item, dict) for item in items):
        return None
    names, iris = _known_terms(loader)
    active = jsonld.term_definitions(context, loader)
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, definition in item.items():
            if key.startswith("@"):
                if key == "@vocab" and definition is None:
                    continue
                if key not in _SAFE_CONTEXT_KEYWORDS:
                    return f"an inline context sets {key}; only bundled contexts may"
                continue
            problem = _inline_term(key, definition, active, names, iris)
            if problem is not None:
                return f"the inline context's {key!r} {problem}"
    return None


_DEFINITION_KEYS = frozenset(
    {"@id", "@type", "@container", "@language", "@direction", "@protected"}
)


def _inline_term(
    term: str,
    definition: Any,
    active: Mapping[str, Mapping[str, Any]],
    names: Mapping[str, frozenset[str]],
    iris: Mapping[str, frozenset[str]],
) -> str | None:
    if not isinstance(definition, str | dict):
        return "removes a definition; an inline context may only add terms"
    if isinstance(definition, dict):
        extra = sorted(set(definition) - _DEFINITION_KEYS)
        if extra:
            return f"uses {', '.join(extra)}; an inline term may only name an IRI and its type"
    mapped = active.get(term) or {}
    iri = mapped.get("@id")
    if not isinstance(iri, str):
        return "does not define an IRI"
    if iri.startswith("@"):
        if _ALIASED.get(iri) == term:
            return None
        return f"aliases the keyword {iri}; compact form writes keywords as the contexts do"
    if iri in iris and term not in iris[iri]:
        return (
            f"gives {iri} a second name; the contexts call it "
            f"{' or '.join(repr(n) for n in sorted(iris[iri]))}"
        )
    if term in names and iri not in names[term]:
        return f"redefines a term of the bundled contexts as {iri}"
    return None


def _known_terms(
    loader: jsonld.DocumentLoader,
) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """term → the IRIs it names, and IRI → the terms that name it, in every bundled
    context and every context ``loader`` supplies (scoped contexts included)."""
    names = dict(_bundled_terms()[0])
    iris = dict(_bundled_terms()[1])
    for document in loader.extra.values():
        more_names, more_iris = _terms_of(document.get("@context"))
        for term, found in more_names.items():
            names[term] = names.get(term, frozenset()) | found
        for iri, found in more_iris.items():
            iris[iri] = iris.get(iri, frozenset()) | found
    return names, iris


@cache
def _bundled_terms() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    names: dict[str, frozenset[str]] = {}
    iris: dict[str, frozenset[str]] = {}
    for url in jsonld.BUNDLED:
        more_names, more_iris = _terms_of(jsonld.bundled_context(url).get("@context"))
        for term, found in more_names.items():
            names[term] = names.get(term, frozenset()) | found
        for iri, found in more_iris.items():
            iris[iri] = iris.get(iri, frozenset()) | found
    return names, iris


def _terms_of(context: Any) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """The term definitions of a context document read as written: compact IRIs expanded
    by the prefixes it defines, scoped contexts included."""
    names: dict[str, set[str]] = {}
    iris: dict[str, set[str]] = {}

    def walk(ctx: Any, prefixes: dict[str, str]) -> None:
        if isinstance(ctx, list):
            for item in ctx:
                walk(item, prefixes)
            return
        if not isinstance(ctx, dict):
            return
        prefixes = dict(prefixes)
        for key, value in ctx.items():
            if isinstance(value, str) and not key.startswith("@") and value.endswith(("#", "/")):
                prefixes[key] = value
        for key, value in ctx.items():
            if key.startswith("@"):
                continue
            definition = {"@id": value} if isinstance(value, str) else value
            if not isinstance(definition, dict):
                continue
            raw = definition.get("@id", definition.get("@reverse"))
            if isinstance(raw, str):
                head, _, tail = raw.partition(":")
                iri = prefixes[head] + tail if head in prefixes and tail[:2] != "//" else raw
                names.setdefault(key, set()).add(iri)
                iris.setdefault(iri, set()).add(key)
            if "@context" in definition:
                walk(definition["@context"], prefixes)

    walk(context, {})
    return (
        {k: frozenset(v) for k, v in names.items()},
        {k: frozenset(v) for k, v in iris.items()},
    )


# -- comparing a document with its compacted form ------------------------------------------


def _normal(value: Any) -> Any:
    """Compaction's equivalences that VC Data Model 2.0 §6 allows: an array of one value is
    the value, a node reference ``{"id": X}`` is ``X``; and a language tag in any case."""
    while True:
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        elif isinstance(value, dict) and len(value) == 1 and isinstance(value.get("id"), str):
            value = value["id"]
        elif isinstance(value, dict) and isinstance(value.get("@language"), str):
            return {**value, "@language": value["@language"].lower()}  # BCP 47: any case
        else:
            return value


_NONE: tuple[Any, ...] = (None, [])


def _is_stub(value: Any) -> bool:
    return isinstance(value, dict) and value.get("@type") == _NESTED


def _difference(
    given: Any, compacted: Any, path: str, names: Mapping[str, frozenset[str]]
) -> str | None:
    """The first place where ``given`` is not its ``compacted`` form (``names``: IRI → the
    terms the contexts give it), described for a person; None when they agree."""
    given, compacted = _normal(given), _normal(compacted)
    where = f"at {path.lstrip('.')}: " if path else ""
    if _is_stub(given):  # a document inside: compaction writes its node with id or @id
        same = isinstance(compacted, dict) and given["@id"] in (
            compacted.get("id"),
            compacted.get("@id"),
        )
        return None if same else f"{where}a document inside is not where compact form puts it"
    if isinstance(given, dict) and "@value" in given and given != compacted:
        return f"{where}a @value object is written where the contexts define a plain value"
    aliased = [k for k in given if k in _ALIASED] if isinstance(given, dict) else []
    if aliased:
        return f"{where}{aliased[0]!r} is written where the contexts write {_ALIASED[aliased[0]]!r}"
    if isinstance(given, dict) and isinstance(compacted, dict):
        # null and [] are JSON-LD's "no value": compaction may leave the key out
        extra = [
            k for k in given if k not in compacted and k != "@context" and given[k] not in _NONE
        ]
        missing = [
            k for k in compacted if k not in given and k != "@context" and compacted[k] not in _NONE
        ]
        for key in [k for k in extra if ":" not in k]:
            # a term whose definition does not fit its value (CLR 2.0 types node-valued
            # properties as literals): compaction writes the value under the term's IRI. The
            # document's term is that IRI's one name in the contexts, with the same value.
            twin = next(
                (
                    m
                    for m in missing
                    if key in names.get(m, ())
                    and _difference(given[key], compacted[m], f"{path}.{key}", names) is None
                ),
                None,
            )
            if twin is not None:
                extra.remove(key)
                missing.remove(twin)
        if extra:
            key = extra[0]
            if len(missing) == 1 and ":" not in key and ":" in missing[0]:
                return (
                    f"{where}the value of {key!r} does not have the form its contexts define "
                    f"(compaction would write it under {missing[0]})"
                )
            if len(missing) == 1:
                return f"{where}{key!r} is written where the contexts write {missing[0]!r}"
            return (
                f"{where}{key!r} is not how the contexts write this property (compact form "
                "uses the terms they define)"
            )
        if missing:
            return f"{where}{missing[0]!r} is written in a form compaction changes"
        for key, item in given.items():
            if key != "@context" and key in compacted:
                found = _difference(item, compacted[key], f"{path}.{key}", names)
                if found is not None:
                    return found
        return None
    if isinstance(given, list) and isinstance(compacted, list) and len(given) == len(compacted):
        for index, (a, b) in enumerate(zip(given, compacted, strict=True)):
            found = _difference(a, b, f"{path}[{index}]", names)
            if found is not None:
                return found
        return None
    if json.dumps(given, sort_keys=True) == json.dumps(compacted, sort_keys=True):
        return None
    return (
        f"{where}the value is not in compact form (a @value, @set or @list object, or a "
        "type written as an IRI, where the contexts define a shorter form)"
    )
