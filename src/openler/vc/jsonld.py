"""JSON-LD with bundled contexts only, in safe mode, and RDFC-1.0 canonicalization.

The :class:`DocumentLoader` serves the contexts bundled in ``openler/vc/contexts`` plus any
the caller adds; every other URL raises :class:`UnknownContextError`. Nothing is fetched.

Safe mode: a property the active contexts do not define, or a relative ``@type``, raises
:class:`UndefinedTermError` instead of being silently dropped. Terms that only resolve
through the VC 2.0 ``@vocab`` (``https://www.w3.org/ns/credentials/issuer-dependent#``) are
defined, but reported by :func:`issuer_dependent_terms` so a verifier can warn about them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import pyoxigraph
from pyld import jsonld

from openler.vc.errors import ContextError, UndefinedTermError, UnknownContextError
from openler.vc.fastrdf import FastPath, context_terms

ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
# Documents are expanded against this base so that relative references can be recognised
# and refused (safe mode); no output ever contains it.
_RELATIVE_BASE = "https://relative-reference.openler.invalid/"

TRUST_CONTEXT = "https://ns.openler.org/trust/v1"

#: Context URL → file in ``openler/vc/contexts``.
BUNDLED: dict[str, str] = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "vc-bitstring-status-list-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-3.0.0.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
    # openler's own: trust registry snapshots (an identifier; served only from the package)
    TRUST_CONTEXT: "openler-trust-v1.jsonld",
}


@cache
def bundled_context(url: str) -> Mapping[str, Any]:
    """The parsed bundled context document for ``url`` (read once per process)."""
    name = BUNDLED.get(url)
    if name is None:
        raise UnknownContextError(url)
    text = resources.files("openler.vc").joinpath("contexts", name).read_text("utf-8")
    doc: Mapping[str, Any] = json.loads(text)
    return doc


class DocumentLoader:
    """A JSON-LD document loader that never touches the network.

    ``extra`` maps further context URLs to their documents (from ``--context URL=FILE``).
    """

    def __init__(
        self, extra: Mapping[str, Mapping[str, Any]] | None = None, *, fast: bool = True
    ) -> None:
        self.extra: dict[str, Mapping[str, Any]] = dict(extra or {})
        #: False sends every document through pyld (for comparisons and benchmarks).
        self.fast = fast
        self._fastpath: FastPath | None = None

    @property
    def fastpath(self) -> FastPath:
        """The template cache of the fast path for these contexts (built on first use)."""
        if self._fastpath is None:
            terms = set(_bundled_terms())
            for doc in self.extra.values():
                terms |= context_terms(doc.get("@context"))
            self._fastpath = FastPath(frozenset(terms), lambda doc: to_nquads(doc, self))
        return self._fastpath

    def load(self, url: str) -> Mapping[str, Any]:
        if url in self.extra:
            return self.extra[url]
        return bundled_context(url)

    def knows(self, url: str) -> bool:
        return url in self.extra or url in BUNDLED

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        # pyld's loader protocol; pyld may mutate what it is given, so hand it a copy.
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(self.load(url)),
        }


@cache
def _bundled_terms() -> frozenset[str]:
    return frozenset(
        term for url in BUNDLED for term in context_terms(bundled_context(url).get("@context"))
    )


DEFAULT_LOADER = DocumentLoader()


def _raise_dropped(expanded_property: str | None) -> None:
    raise UndefinedTermError(str(expanded_property))


def _translate(exc: Exception) -> ContextError:
    """Find our own error inside pyld's wrapping, or describe pyld's."""
    seen: Exception | None = exc
    while seen is not None:
        if isinstance(seen, ContextError):
            return seen
        nxt = getattr(seen, "cause", None) or seen.__cause__ or seen.__context__
        seen = nxt if isinstance(nxt, Exception) else None
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    details = getattr(exc, "code", None)
    return ContextError(
        f"JSON-LD processing failed: {message}" + (f" ({details})" if details else "")
    )


def expand(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> list[Any]:
    """Expand ``document`` in safe mode."""
    processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
    try:
        expanded: list[Any] = processor.expand(
            copy.deepcopy(dict(document)),
            {"documentLoader": loader or DEFAULT_LOADER, "base": _RELATIVE_BASE},
        )
    except Exception as exc:
        raise _translate(exc) from exc
    _check_types(expanded)
    return expanded


def _check_types(node: Any) -> None:
    """Refuse relative ``@type`` values and relative ``@id`` references (safe mode)."""
    if isinstance(node, list):
        for item in node:
            _check_types(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type" and "@value" not in node:
                for t in value if isinstance(value, list) else [value]:
                    if isinstance(t, str) and t.startswith(_RELATIVE_BASE):
                        raise UndefinedTermError(t.removeprefix(_RELATIVE_BASE))
            elif key == "@id":
                if isinstance(value, str) and value.startswith(_RELATIVE_BASE):
                    raise ContextError(
                        f"relative IRI reference {value.removeprefix(_RELATIVE_BASE)!r}: "
                        "identifiers must be absolute IRIs"
                    )
            elif key != "@value":
                _check_types(value)


def compact(
    expanded: list[Any], context: Any, loader: DocumentLoader | None = None
) -> dict[str, Any]:
    """The compacted form of an expanded document with ``context`` (a ``@context`` value);
    IRIs are never made relative."""
    options = {
        "documentLoader": loader or DEFAULT_LOADER,
        "base": _RELATIVE_BASE,
        "compactToRelative": False,
    }
    try:
        compacted: dict[str, Any] = jsonld.compact(expanded, {"@context": context}, options)
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    return compacted


def term_definitions(
    context: Any, loader: DocumentLoader | None = None
) -> Mapping[str, Mapping[str, Any]]:
    """The term definitions a ``@context`` value makes active, as pyld processed them
    (``@id`` expanded to an IRI or a keyword)."""
    options = {
        "documentLoader": loader or DEFAULT_LOADER,
        "base": _RELATIVE_BASE,
        "processingMode": "json-ld-1.1",
    }
    processor = jsonld.JsonLdProcessor()
    items = context if isinstance(context, list) else [context]
    # "@vocab": null defines no term (and pyld fails on it when no @vocab is set)
    items = [
        {k: v for k, v in item.items() if k != "@vocab" or v is not None}
        if isinstance(item, dict)
        else item
        for item in copy.deepcopy(items)
    ]
    try:
        initial = processor.process_context(None, None, options)
        active = processor.process_context(initial, items, options)
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    mappings: Mapping[str, Mapping[str, Any]] = active.get("mappings") or {}
    return mappings


def issuer_dependent_terms(expanded: list[Any]) -> list[str]:
    """Local names of properties and types that fell back to the VC 2.0 ``@vocab``."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key.startswith(ISSUER_DEPENDENT):
                    found.add(key.removeprefix(ISSUER_DEPENDENT))
                if key == "@type" and "@value" not in node:
                    for t in value if isinstance(value, list) else [value]:
                        if isinstance(t, str) and t.startswith(ISSUER_DEPENDENT):
                            found.add(t.removeprefix(ISSUER_DEPENDENT))
                elif key != "@value":
                    walk(value)

    walk(expanded)
    return sorted(found)


def to_nquads(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """The RDF dataset of ``document`` as (non-canonical) N-Quads, in safe mode."""
    expanded = expand(document, loader)
    options = {
        "documentLoader": loader or DEFAULT_LOADER,
        "base": _RELATIVE_BASE,
        "format": "application/n-quads",
    }
    try:
        nquads: str = jsonld.JsonLdProcessor().to_rdf(expanded, options)
    except Exception as exc:
        raise _translate(exc) from exc
    return nquads


def canonicalize_nquads(nquads: str) -> str:
    """RDFC-1.0 canonical N-Quads of an N-Quads document (sorted, ``c14nN`` blank nodes)."""
    try:
        dataset = pyoxigraph.Dataset(pyoxigraph.parse(nquads, format=pyoxigraph.RdfFormat.N_QUADS))
    except (SyntaxError, ValueError) as exc:
        detail = str(exc).splitlines()[-1].strip() if str(exc) else type(exc).__name__
        raise ContextError(f"the document does not map to valid RDF: {detail}") from None
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(f"{quad} .\n" for quad in dataset)
    return "".join(lines)


def canonicalize(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document, in safe mode.

    Uses the template fast path when it can answer, pyld otherwise; both give the same
    result (``canonicalize_slow`` is the pyld route, kept for differential tests).
    """
    loader = loader or DEFAULT_LOADER
    if loader.fast:
        result = loader.fastpath.canonicalize(document)
        if result is not None:
            return result
    return canonicalize_slow(document, loader)


def canonicalize_slow(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> str:
    """RDFC-1.0 canonical N-Quads through pyld's expansion and pyoxigraph."""
    return canonicalize_nquads(to_nquads(document, loader))


def check(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> None:
    """Raise :class:`ContextError` unless ``document`` processes cleanly in safe mode."""
    loader = loader or DEFAULT_LOADER
    if not (loader.fast and loader.fastpath.validate(document)):
        expand(document, loader)


def canonicalize_reference(
    document: Mapping[str, Any], loader: DocumentLoader | None = None
) -> str:
    """The same canonical form computed by pyld alone (URDNA2015); for differential tests."""
    try:
        result: str = jsonld.normalize(
            copy.deepcopy(dict(document)),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": loader or DEFAULT_LOADER,
                "base": _RELATIVE_BASE,
            },
        )
    except Exception as exc:
        raise _translate(exc) from exc
    return result
