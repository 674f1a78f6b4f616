"""The fast path from JSON-LD to canonical N-Quads.

JSON-LD processing of a credential depends on its *shape* — its keys, contexts, types,
numbers and structure — and not on most of its string values. The fast path therefore
replaces every string value that cannot change how the document is processed with a
placeholder token, processes that *skeleton* once with pyld (in safe mode) into a quad
template, and caches the template. A later document of the same shape costs a walk over
its JSON, a dictionary lookup and filling the template.

A string stays in the skeleton (and so in the cache key) when it could influence
processing: values of ``@context``, ``type`` and other keywords, strings that are terms of
a context, compact IRIs whose prefix is a term, blank node identifiers. A token that lands
in an IRI position is replaced only by an absolute IRI without characters N-Quads forbids;
anything else (a relative reference, a JSON literal holding a token, …) makes the fast
path *decline*, and the caller falls back to pyld for the whole document. The fast path
never returns a different answer from pyld: differential tests hold it to that.

Canonicalization follows RDFC-1.0: blank nodes whose first-degree hashes are all distinct
are labelled directly (the common case for credentials); anything else goes to
pyoxigraph's complete implementation.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import pyoxigraph

from openler.vc.errors import ContextError

TOKEN = "urn:openler-token:"  # noqa: S105 - a placeholder, not a secret
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\s\ufeff]')
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_MAX_TEMPLATES = 4096

# Keys whose values are always kept in the skeleton (they steer processing).
_KEEP_KEYS = frozenset(
    {
        "@context",
        "@type",
        "type",
        "@language",
        "@direction",
        "@base",
        "@vocab",
        "@version",
        "@index",
        "@container",
        "@reverse",
        "@nest",
        "@graph",
        "@included",
        "@list",
        "@set",
        "@json",
    }
)
# @graph/@list/@set/@included hold nodes, not strings: walk into them instead of keeping.
_WALK_KEYWORDS = frozenset({"@graph", "@list", "@set", "@included", "@nest", "@reverse"})


class _DeclineError(Exception):
    """The fast path cannot answer for this document; use pyld."""


# Term kinds in a template.
_CONST, _IRI, _LIT, _BNODE = 0, 1, 2, 3


@dataclass(frozen=True)
class _Template:
    # Each quad is three or four terms; a term is (kind, payload, suffix):
    #   _CONST: payload = the canonical N-Quads text of the term
    #   _IRI:   payload = index of the value that fills it
    #   _LIT:   payload = index of the value, suffix = "@lang" / "^^<dt>" / ""
    #   _BNODE: payload = the blank node label
    quads: tuple[tuple[tuple[int, Any, str], ...], ...]
    #: indexes of the values that land in IRI positions
    iri_values: frozenset[int]
    #: blank node label -> indexes of the quads that mention it
    mentions: dict[str, tuple[int, ...]]
    #: the blank node labels, in the order of the slots :attr:`lines` give them
    bnodes: tuple[str, ...] = ()
    #: each quad as an N-Quads line to fill: a ``%`` format and what picks its arguments
    #: from ``[*blank node labels, *values, *escaped values]`` (see :func:`_render`)
    lines: tuple[tuple[str, Callable[[list[str]], tuple[str, ...]]], ...] = ()
    #: per blank node (in the order of :attr:`bnodes`): which of ``[*values, *escaped
    #: values]`` the lines that mention it read — its first-degree hash depends on nothing
    #: else, so it is remembered by them (:attr:`hashes`)
    reads: tuple[tuple[int, ...], ...] = ()
    #: each blank node's last first-degree hash, by its slot: (what it read, the hash) —
    #: one per node, so the memory stays that of the template
    hashes: dict[int, tuple[tuple[str, ...], str]] = field(default_factory=dict, compare=False)


def _line_format(
    terms: Sequence[tuple[int, Any, str]], bnodes: dict[str, int], values: int
) -> tuple[str, Callable[[list[str]], tuple[str, ...]]]:
    """A quad's line as a ``%`` format, with the picker of its arguments."""
    parts: list[str] = []
    offsets: list[int] = []
    for kind, payload, suffix in terms:
        if kind == _CONST:
            parts.append(payload.replace("%", "%%"))
        elif kind == _BNODE:
            parts.append("%s")
            offsets.append(bnodes[payload])
        elif kind == _IRI:
            parts.append("<%s>")
            offsets.append(len(bnodes) + payload)
        else:
            parts.append('"%s"' + suffix.replace("%", "%%"))
            offsets.append(len(bnodes) + values + payload)
    fmt = " ".join(parts) + " .\n"
    if len(offsets) > 1:
        return fmt, itemgetter(*offsets)
    if offsets:
        only = offsets[0]
        return fmt, lambda found: (found[only],)
    return fmt, lambda found: ()


def escape_literal(text: str) -> str:
    """A literal's lexical form as canonical N-Quads writes it (RDFC-1.0)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F or code in (0xFFFE, 0xFFFF):
            # RDF 1.2 canonical N-Triples: controls, DEL and what XML 1.1's Char excludes
            out.append(_CONTROL.get(ch) or f"\\u{code:04X}")
        else:
            out.append(ch)
    return "".join(out)


_CONTROL = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f\ufffe\uffff]')


def _literal_text(value: str) -> str:
    return escape_literal(value) if _NEEDS_ESCAPE.search(value) else value


def _literal_texts(values: list[str]) -> list[str]:
    """:func:`_literal_text` of each value. Escaping is about single characters, so one
    search over the values joined by a space finds whether any of them needs it (they
    seldom do) — one scan instead of one per value."""
    if _NEEDS_ESCAPE.search(" ".join(values)) is None:
        return values
    return [_literal_text(v) for v in values]


_KEEP_ONLY = (_KEEP_KEYS - _WALK_KEYWORDS) | {"@context"}


class _Marker:
    """Unique objects that tag the parts of a skeleton key (compared by identity)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_TOK, _DICT, _LIST, _FLOAT, _TRUE, _FALSE = (
    _Marker(n) for n in ("TOKEN", "DICT", "LIST", "FLOAT", "TRUE", "FALSE")
)


def _freeze(value: Any) -> Any:
    """A hashable key for a JSON value that keeps every distinction JSON-LD makes
    (``true`` is not ``1``, ``1.0`` is not ``1``)."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise _DeclineError
        return (_FLOAT, repr(value))
    if kind is dict:
        out: list[Any] = [_DICT]
        for key, item in value.items():
            out.append(key)
            out.append(_freeze(item))
        return tuple(out)
    if kind is list:
        return (_LIST, *[_freeze(item) for item in value])
    raise _DeclineError


def _inline(context: Any) -> bool:
    """Whether a ``@context`` value holds a context object (a list of URLs does not)."""
    kind = type(context)
    return kind is dict or (kind is list and any(type(c) is dict for c in context))


def _walk(document: Mapping[str, Any], terms: frozenset[str]) -> tuple[Any, list[str], bool]:
    """The skeleton key of ``document`` (a nested tuple), the string values taken out of
    it in order, and whether it has inline contexts."""
    values: list[str] = []
    append = values.append
    keep = _KEEP_ONLY
    inline = False

    def string(value: str) -> Any:
        if value in terms or value.startswith("_:"):
            return value
        colon = value.find(":")
        if colon > 0 and value[:colon] in terms:
            return value
        append(value)
        return _TOK

    def walk(value: Any) -> Any:
        nonlocal inline
        kind = type(value)
        if kind is str:
            return string(value)
        if kind is dict:
            out: list[Any] = [_DICT]
            add = out.append
            for key, item in value.items():
                add(key)
                if key in keep:
                    if key == "@context" and _inline(item):
                        inline = True
                    add(_freeze(item))
                elif type(item) is str:  # most members: no call to walk for them
                    if item in terms or item.startswith("_:"):
                        add(item)
                        continue
                    colon = item.find(":")
                    if colon > 0 and item[:colon] in terms:
                        add(item)
                        continue
                    append(item)
                    add(_TOK)
                else:
                    add(walk(item))
            return tuple(out)
        if kind is list:
            return (_LIST, *[walk(item) for item in value])
        return _freeze(value)

    return walk(document), values, inline


def _paths(document: Mapping[str, Any], terms: frozenset[str]) -> list[tuple[str | int, ...]]:
    """The path of each value :func:`_walk` takes out of ``document``, in its order (the
    same walk: the same strings are kept, the same keys' values frozen whole)."""
    found: list[tuple[str | int, ...]] = []
    keep = _KEEP_ONLY

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        kind = type(value)
        if kind is str:
            if value in terms or value.startswith("_:"):
                return
            colon = value.find(":")
            if colon > 0 and value[:colon] in terms:
                return
            found.append(path)
        elif kind is dict:
            for key, item in value.items():
                if key not in keep:
                    walk(item, (*path, key))
        elif kind is list:
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(document, ())
    return found


def _thaw(key: Any, counter: list[int]) -> Any:
    """The JSON skeleton document of a key, with numbered tokens in place of the values."""
    if key is _TOK:
        counter[0] += 1
        return f"{TOKEN}{counter[0] - 1}"
    if type(key) is str:
        if TOKEN in key:  # a kept string that looks like a token would be misread
            raise _DeclineError
        return key
    if key is _TRUE or key is _FALSE:
        return key is _TRUE
    if type(key) is tuple:
        head = key[0]
        if head is _FLOAT:
            return float(key[1])
        if head is _DICT:
            pairs = key[1:]
            out = {}
            for k, v in zip(pairs[0::2], pairs[1::2], strict=True):
                if TOKEN in k:
                    raise _DeclineError
                out[k] = _thaw(v, counter)
            return out
        if head is _LIST:
            return [_thaw(item, counter) for item in key[1:]]
    return key


class FastPath:
    """Template cache for one set of contexts (one :class:`DocumentLoader`)."""

    def __init__(self, terms: frozenset[str], build: Any) -> None:
        self._terms = terms
        self._build = build  # callable: skeleton document -> N-Quads (pyld, safe mode)
        self._templates: dict[Any, _Template | None] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    # -- skeleton -------------------------------------------------------------------
    def skeleton(self, document: Mapping[str, Any]) -> tuple[Any, list[str]]:
        """The cache key of ``document``'s shape and the string values taken out of it."""
        key, values, inline = _walk(document, self._terms)
        if inline:
            extra = context_terms(_inline_contexts(document))
            key, values, _ = _walk(document, self._terms | frozenset(extra))
        return key, values

    # -- templates --------------------------------------------------------------------
    def _template(self, key: Any) -> _Template | None:
        found = self._templates.get(key, False)
        if found is not False:
            self.hits += 1
            return found  # type: ignore[return-value]
        self.misses += 1
        try:
            counter = [0]
            skeleton = _thaw(key, counter)
            template: _Template | None = self._compile(self._build(skeleton), counter[0])
        except (ContextError, _DeclineError, RecursionError):
            template = None
        with self._lock:
            if len(self._templates) >= _MAX_TEMPLATES:
                for old in list(self._templates)[: _MAX_TEMPLATES // 2]:
                    self._templates.pop(old, None)
            self._templates[key] = template
        return template

    @staticmethod
    def _compile(nquads: str, tokens: int) -> _Template:
        """The quad template of a skeleton's N-Quads. Every token must be used: a value that
        produces no quad (a dropped free-floating node, say) could hide a problem that
        pyld would report, so such shapes are left to pyld."""
        quads = []
        used: set[int] = set()
        try:
            parsed = list(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))
        except (SyntaxError, ValueError):
            raise _DeclineError from None  # pyld wrote what is not RDF: its route will say so
        for quad in parsed:
            terms = [_term(quad.subject), _term(quad.predicate), _term(quad.object)]
            if not isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
                terms.append(_term(quad.graph_name))
            used.update(t[1] for t in terms if t[0] in (_IRI, _LIT))
            quads.append(tuple(terms))
        if used != set(range(tokens)):
            raise _DeclineError
        mentions: dict[str, list[int]] = {}
        for index, terms_ in enumerate(quads):
            for kind, payload, _ in terms_:
                if kind == _BNODE and index not in mentions.setdefault(payload, []):
                    mentions[payload].append(index)
        iri_values = frozenset(t[1] for q in quads for t in q if t[0] == _IRI)
        slots = {node: index for index, node in enumerate(mentions)}
        reads = tuple(
            tuple(
                sorted(
                    {
                        payload + (tokens if kind == _LIT else 0)
                        for i in mentions[node]
                        for kind, payload, _ in quads[i]
                        if kind in (_IRI, _LIT)
                    }
                )
            )
            for node in slots
        )
        return _Template(
            tuple(quads),
            iri_values,
            {b: tuple(i) for b, i in mentions.items()},
            tuple(slots),
            tuple(_line_format(q, slots, tokens) for q in quads),
            reads,
        )

    # -- the public operation ---------------------------------------------------------------
    def canonicalize(self, document: Mapping[str, Any]) -> str | None:
        """Canonical N-Quads of ``document``, or None when the fast path declines."""
        try:
            key, values = self.skeleton(document)
        except (_DeclineError, RecursionError):
            return None
        return self.canonical_of(key, values)

    def walked(self, document: Mapping[str, Any]) -> tuple[Any, list[str]] | None:
        """:meth:`skeleton`, or None where :meth:`canonicalize` declines at that step."""
        try:
            return self.skeleton(document)
        except (_DeclineError, RecursionError):
            return None

    def value_paths(self, document: Mapping[str, Any]) -> list[tuple[str | int, ...]]:
        """Where each value :meth:`skeleton` takes out of ``document`` is, in the same
        order: the keys and list indexes leading to it."""
        terms = self._terms
        if _walk(document, terms)[2]:
            terms = terms | frozenset(context_terms(_inline_contexts(document)))
        return _paths(document, terms)

    def canonical_of(self, key: Any, values: list[str]) -> str | None:
        """:meth:`canonicalize` of the document whose :meth:`skeleton` is ``(key, values)``
        (the same answer, for a caller that walked the document already)."""
        template = self._template(key)
        if template is None:
            return None
        try:
            rendered = _render(template, values)
            if rendered is not None:
                return rendered
            quads = _fill(template, values)
        except _DeclineError:
            return None
        if len(set(quads)) == len(quads):
            return _rdfc_unique(quads, template.mentions)
        return _rdfc(quads)

    def validate(self, document: Mapping[str, Any]) -> bool:
        """True when the fast path vouches that ``document`` processes cleanly in safe mode
        (without building its quads); False means "ask pyld"."""
        try:
            key, values = self.skeleton(document)
        except (_DeclineError, RecursionError):
            return False
        template = self._template(key)
        if template is None:
            return False
        return all(well_formed_iri(values[i]) for i in template.iri_values)


def well_formed_iri(value: str) -> bool:
    """True for an absolute IRI that RDF keeps: well-formed for RFC 3987 (as pyoxigraph
    reads it) and without the white space for which pyld's RDF conversion silently drops
    a triple (``[^\\s]`` in its absolute-IRI test; jsonld.js's adds U+FEFF).

    The verdicts on the last few thousand strings are remembered: the documents of one
    issuer repeat the same IRIs (the issuer, the achievement, the status lists)."""
    found = _IRI_VERDICTS.get(value)
    if found is not None:
        return found
    verdict = _well_formed_iri(value)
    if len(_IRI_VERDICTS) >= _MAX_IRI_VERDICTS:
        _IRI_VERDICTS.clear()
    _IRI_VERDICTS[value] = verdict
    return verdict


_IRI_VERDICTS: dict[str, bool] = {}
_MAX_IRI_VERDICTS = 4096


def _well_formed_iri(value: str) -> bool:
    if not _ABSOLUTE.match(value) or _BAD_IRI.search(value):
        return False
    try:
        pyoxigraph.NamedNode(value)
    except ValueError:
        return False
    return True


def _term(term: Any) -> tuple[int, Any, str]:
    if isinstance(term, pyoxigraph.BlankNode):
        return (_BNODE, f"_:{term.value}", "")
    if isinstance(term, pyoxigraph.NamedNode):
        iri = term.value
        if iri.startswith(TOKEN):
            return (_IRI, _token_index(iri), "")
        if TOKEN in iri:
            raise _DeclineError
        return (_CONST, str(term), "")
    if isinstance(term, pyoxigraph.Literal):
        lexical = term.value
        if term.language:
            suffix = f"@{term.language}"
        elif term.datatype.value == _XSD_STRING:
            suffix = ""
        else:
            suffix = f"^^<{term.datatype.value}>"
        if lexical.startswith(TOKEN) and lexical[len(TOKEN) :].isdigit():
            if term.datatype.value == _RDF_JSON:
                raise _DeclineError
            return (_LIT, _token_index(lexical), suffix)
        if TOKEN in lexical:
            raise _DeclineError
        return (_CONST, str(term), "")
    raise _DeclineError


def _token_index(text: str) -> int:
    rest = text[len(TOKEN) :]
    if not rest.isdigit():
        raise _DeclineError
    return int(rest)


def _fill(template: _Template, values: list[str]) -> list[tuple[str, ...]]:
    for index in template.iri_values:
        if not well_formed_iri(values[index]):
            raise _DeclineError
    escaped = _literal_texts(values)
    return [
        tuple(
            payload
            if kind in (_CONST, _BNODE)
            else f"<{values[payload]}>"
            if kind == _IRI
            else f'"{escaped[payload]}"{suffix}'
            for kind, payload, suffix in quad
        )
        for quad in template.quads
    ]


def _render(template: _Template, values: list[str]) -> str | None:
    """RDFC-1.0 canonical N-Quads of a template filled with ``values``, written line by
    line from the template's formats, when its quads are distinct and its blank nodes'
    first-degree hashes too (the common case); None otherwise (:func:`_fill` and the
    general routes then answer). Raises :class:`_DeclineError` for a value that is not
    an IRI where the template wants one."""
    for index in template.iri_values:
        if not well_formed_iri(values[index]):
            raise _DeclineError
    tail = [*values, *_literal_texts(values)]
    bnodes = template.bnodes
    if not bnodes:
        lines = [fmt % pick(tail) for fmt, pick in template.lines]
        return "".join(sorted(lines)) if len(set(lines)) == len(lines) else None
    sha256 = hashlib.sha256
    hashes: dict[str, str] = {}
    formats = template.lines
    known = template.hashes
    for slot, node in enumerate(bnodes):
        # the hash reads the lines that mention the node, and they read only these values:
        # the same values as the last document's give the same hash
        read = tuple([tail[i] for i in template.reads[slot]])
        last = known.get(slot)
        if last is not None and last[0] == read:
            hashes[node] = last[1]
            continue
        labels = ["_:z"] * len(bnodes)
        labels[slot] = "_:a"
        found = labels + tail
        its = template.mentions[node]
        mentioned = sorted(fmt % pick(found) for fmt, pick in (formats[i] for i in its))
        hashes[node] = found_hash = sha256("".join(mentioned).encode("utf-8")).hexdigest()
        known[slot] = (read, found_hash)
    if len(set(hashes.values())) != len(hashes):
        return None
    ranked = {node: rank for rank, node in enumerate(sorted(hashes, key=hashes.__getitem__))}
    final = [f"_:c14n{ranked[node]}" for node in bnodes] + tail
    # The quads are checked for repeats here, once labelled: the labels are distinct (the
    # hashes are), so two lines are the same here exactly when they were as the template
    # names its blank nodes; the hashes above do not depend on it.
    lines = [fmt % pick(final) for fmt, pick in formats]
    return "".join(sorted(lines)) if len(set(lines)) == len(lines) else None


def _line(quad: Sequence[str]) -> str:
    return " ".join(quad) + " .\n"


def _rdfc_unique(quads: list[tuple[str, ...]], mentions: dict[str, tuple[int, ...]]) -> str:
    """RDFC-1.0 for distinct quads whose blank nodes and mentions are known in advance."""
    if not mentions:
        return "".join(sorted(" ".join(q) + " .\n" for q in quads))
    sha256 = hashlib.sha256
    hashes = {}
    for node, indexes in mentions.items():
        lines = sorted(
            " ".join([("_:a" if t == node else "_:z") if t[:2] == "_:" else t for t in quads[i]])
            + " .\n"
            for i in indexes
        )
        hashes[node] = sha256("".join(lines).encode("utf-8")).hexdigest()
    if len(set(hashes.values())) != len(hashes):
        return _rdfc_complete(quads)
    labels = {node: f"_:c14n{i}" for i, node in enumerate(sorted(hashes, key=hashes.__getitem__))}
    return "".join(sorted(" ".join([labels.get(t, t) for t in q]) + " .\n" for q in quads))


def _rdfc(filled: Sequence[Sequence[str]]) -> str:
    """RDFC-1.0 of quads whose terms are canonical N-Quads text (blank nodes as ``_:x``)."""
    quads = list(dict.fromkeys(tuple(q) for q in filled))  # a dataset is a set of quads
    mentions: dict[str, list[tuple[str, ...]]] = {}
    for quad in quads:
        for term in quad:
            if term.startswith("_:"):
                bucket = mentions.setdefault(term, [])
                if not bucket or bucket[-1] is not quad:
                    bucket.append(quad)
    if not mentions:
        return "".join(sorted({_line(q) for q in quads}))
    hashes: dict[str, str] = {}
    for node, its_quads in mentions.items():
        lines = sorted(
            _line([("_:a" if t == node else "_:z") if t.startswith("_:") else t for t in q])
            for q in its_quads
        )
        hashes[node] = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
    if len(set(hashes.values())) != len(hashes):
        return _rdfc_complete(quads)
    labels = {node: f"_:c14n{i}" for i, node in enumerate(sorted(hashes, key=hashes.__getitem__))}
    out = {_line([labels.get(t, t) if t.startswith("_:") else t for t in q]) for q in quads}
    return "".join(sorted(out))


def _rdfc_complete(quads: Sequence[Sequence[str]]) -> str:
    text = "".join(_line(q) for q in quads)
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_QUADS))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def _inline_contexts(value: Any) -> list[Any]:
    found: list[Any] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@context" and not isinstance(item, str):
                found.append(item)
            else:
                found.extend(_inline_contexts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_inline_contexts(item))
    return found


def context_terms(context: Any) -> set[str]:
    """Every term a context (or list of contexts, with scoped contexts) defines."""
    found: set[str] = set()

    def walk(ctx: Any) -> None:
        if isinstance(ctx, list):
            for item in ctx:
                walk(item)
        elif isinstance(ctx, dict):
            for key, value in ctx.items():
                if not key.startswith("@"):
                    found.add(key)
                if isinstance(value, dict) and "@context" in value:
                    walk(value["@context"])
                if key == "@context":
                    walk(value)

    walk(context)
    return found
