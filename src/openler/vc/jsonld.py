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
from openler.vc.fastrdf import FastPath, context_terms, well_formed_iri

ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
# Documents are expanded against this base so that relative references can be recognised
# and refused (safe mode); no output ever contains it.
_RELATIVE_BASE = "https://relative-reference.openler.invalid/"

TRUST_CONTEXT = "https://ns.openler.org/trust/v1"

#: Context URL → file in ``openler/vc/contexts``.
BUNDLED: dict[str, str] = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    # the W3C examples vocabulary (VC DM 2.0 §4.3 uses it in examples; the W3C suites send it)
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    # the legacy suite Ed25519Signature2020 (verified, never signed with)
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
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


def _translate(exc: jsonld.JsonLdError) -> ContextError:
    """The openler error for a pyld error: our own (an unknown context, an undefined term)
    when pyld wrapped one, otherwise pyld's description of what is wrong with the document.
    A pyld error wrapped around anything else (a bug, in pyld or here) is re-raised as it
    is, so that it surfaces instead of passing for a verdict on the document."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ContextError):
            return seen
        if not isinstance(seen, jsonld.JsonLdError):
            raise exc
        nxt = getattr(seen, "cause", None) or seen.__cause__  # what pyld wrapped, if anything
        seen = nxt if isinstance(nxt, BaseException) else None
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    return ContextError(
        f"JSON-LD processing failed: {message}" + (f" ({exc.code})" if exc.code else "")
    )


def _pyld_key_error(exc: KeyError) -> ContextError:
    """pyld 3.3 fails with ``KeyError('@language')`` on a context that sets ``@language``
    to null while no default language is active, which JSON-LD 1.1 allows (Context
    Processing, §4.1.2: "If value is null, remove any default language from result"). That
    one is refused with a message; any other KeyError is a bug and is re-raised."""
    if exc.args != ("@language",):
        raise exc
    return ContextError(
        'a @context that sets "@language" to null where no default language is set is '
        "not supported; leave the entry out"
    )


def expand(document: Mapping[str, Any], loader: DocumentLoader | None = None) -> list[Any]:
    """Expand ``document`` in safe mode."""
    processor = jsonld.JsonLdProcessor(on_property_dropped=_raise_dropped)
    try:
        expanded: list[Any] = processor.expand(
            copy.deepcopy(dict(document)),
            {"documentLoader": loader or DEFAULT_LOADER, "base": _RELATIVE_BASE},
        )
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    except KeyError as exc:
        raise _pyld_key_error(exc) from exc
    _check_safe(expanded)
    return expanded


def _check_safe(node: Any) -> None:
    """Refuse what RDF conversion would lose or what pyld could only guess at (safe mode):
    relative ``@type`` values and ``@id`` references, IRIs that are not well-formed (pyld's
    conversion to RDF silently drops a triple whose IRI has white space: the value would
    show in the JSON but not be signed), and ill-formed language tags."""
    if isinstance(node, list):
        for item in node:
            _check_safe(item)
    elif isinstance(node, dict):
        is_value = "@value" in node
        for key, value in node.items():
            if key == "@type":
                for t in value if isinstance(value, list) else [value]:
                    if isinstance(t, str) and not (is_value and t == "@json"):
                        _check_reference(t, "datatype" if is_value else "type")
            elif key == "@id":
                if isinstance(value, str):
                    _check_reference(value, "identifier")
            elif key == "@language" and is_value:
                _check_language(value)
            elif key != "@value":
                if not key.startswith("@") and not well_formed_iri(key):
                    raise ContextError(
                        f"property {key!r} is not a well-formed IRI, so it would not be signed"
                    )
                _check_safe(value)


def _check_reference(ref: str, kind: str) -> None:
    if ref.startswith(_RELATIVE_BASE):
        relative = ref.removeprefix(_RELATIVE_BASE)
        if kind == "identifier":
            raise ContextError(
                f"relative IRI reference {relative!r}: identifiers must be absolute IRIs"
            )
        raise UndefinedTermError(relative)
    if not ref.startswith("_:") and not well_formed_iri(ref):
        raise ContextError(
            f"{kind} {ref!r} is not a well-formed IRI, so RDF would drop it and it would "
            "not be signed"
        )


def _check_language(tag: Any) -> None:
    """Refuse a language tag that is not well-formed BCP 47. JSON-LD 1.1 API §7.2 (Object to
    RDF Conversion): "If item has an @language entry which is not well-formed, return null"
    — the value would silently vanish from what is signed, which safe mode refuses."""
    if not isinstance(tag, str):
        return  # pyld itself refuses a language that is not a string
    try:
        pyoxigraph.Literal("", language=tag)
    except ValueError:
        raise ContextError(
            f"language tag {tag!r} is not a well-formed BCP 47 tag (such as en or en-US)"
        ) from None


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
    except KeyError as exc:
        raise _pyld_key_error(exc) from exc
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
    except KeyError as exc:
        raise _pyld_key_error(exc) from exc
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
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    except KeyError as exc:
        raise _pyld_key_error(exc) from exc
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
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    except KeyError as exc:
        raise _pyld_key_error(exc) from exc
    return result
