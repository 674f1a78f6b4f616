"""The VC Data Model 2.0 rules for the objects inside a credential, beyond its contexts.

:func:`object_problems` lists what a credential breaks of those rules: single-URL
identifiers (§4.4), an issuer that is a URL or an object with one (§4.7), a ``type`` on
every status, schema, refresh, terms-of-use and evidence object (§4.5 and the sections of
each), well-formed Bitstring Status List entries, and ``relatedResource`` objects with a
unique ``id`` and a digest that matches what openler knows of the resource (§5.3). An issuer
refuses to sign a credential with problems; a verifier fails its ``schema`` check.

Nothing is fetched: a digest is checked against the resources whose digests openler knows
(:data:`KNOWN_DIGESTS`); the digest of any other resource is checked for its form only.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from openler.vc.errors import KeyFormatError
from openler.vc.multibase import decode_multibase
from openler.vc.statuslist import StatusEntry, StatusListError

# RFC 3986: a scheme, a colon, then no whitespace, controls or characters never allowed
# in a URI. A DID (did:key:…) and a URN are URLs in the VC data model's sense.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]+")

#: object-valued properties whose every value MUST have a ``type`` (VC DM 2.0 §4.5, §4.10,
#: §4.11, §5.4, §5.5, §5.6), with the section that says so
TYPED = {
    "credentialStatus": "§4.10",
    "credentialSchema": "§4.11",
    "refreshService": "§5.4",
    "termsOfUse": "§5.5",
    "evidence": "§5.6",
}
#: the members of a credential :func:`object_problems` reads (nothing else decides it)
OBJECT_KEYS = frozenset({"id", "issuer", "relatedResource", *TYPED})

#: digests of resources openler knows, by URL and hash algorithm (raw digest bytes, hex)
KNOWN_DIGESTS: dict[str, dict[str, frozenset[str]]] = {
    # VC DM 2.0 Appendix B.1: "Implementations MUST treat the base context value, located at
    # https://www.w3.org/ns/credentials/v2, as already retrieved; the following value is the
    # hexadecimal encoded SHA2-256 digest value of the base context file: 24a18c90…43b9".
    # The SHA-384 is of the same file (w3c/vc-data-model at 8d0ee107, 10,139 bytes), as
    # the W3C VC Data Model 2.0 test suite publishes it next to the SHA-256 above.
    "https://www.w3.org/ns/credentials/v2": {
        "sha256": frozenset({"24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9"}),
        "sha384": frozenset(
            {
                "35239c36999d2155312091af194a1edb61634d6ad789a5e5"
                "b19f2aebdd762dd9d1dcaada40eda7ef921c6b8c0ae107a0"
            }
        ),
    },
}

_SRI = re.compile(r"(sha256|sha384|sha512)-([A-Za-z0-9+/_\-]+={0,2})")
_LENGTHS = {32: "sha256", 48: "sha384", 64: "sha512"}
#: multihash headers of the SHA-2 digests (code, length)
_MULTIHASH = {b"\x12\x20": "sha256", b"\x20\x30": "sha384", b"\x13\x40": "sha512"}


def is_url(value: Any) -> bool:
    """A single absolute URL (RFC 3986), as VC DM 2.0 §4.4 requires of an ``id``.

    >>> is_url("https://example.edu/credentials/3732"), is_url("did:example:123")
    (True, True)
    >>> is_url("https ://example.edu/x"), is_url(["https://a.example"]), is_url("urn")
    (False, False, False)
    """
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_type(item: Mapping[str, Any]) -> bool:
    kind = item.get("type")
    if isinstance(kind, str):
        return bool(kind)
    return isinstance(kind, list) and bool(kind) and all(isinstance(t, str) and t for t in kind)


def object_problems(doc: Mapping[str, Any]) -> list[str]:
    """What ``doc`` (a credential) breaks of the VC Data Model 2.0 object rules.

    >>> object_problems({"id": "https ://x", "evidence": {}, "issuer": None})
    ["id: must be a single URL (VC DM 2.0 §4.4), not 'https ://x'", \
'issuer: must be a URL or an object whose id is a URL (VC DM 2.0 §4.7)', \
'evidence: each object must have a type (VC DM 2.0 §4.5, §5.6)']
    """
    problems: list[str] = []
    if "id" in doc and not is_url(doc["id"]):
        problems.append(f"id: must be a single URL (VC DM 2.0 §4.4), not {doc['id']!r}")
    if "issuer" in doc:
        issuer = doc["issuer"]
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        if not is_url(issuer_id):
            problems.append("issuer: must be a URL or an object whose id is a URL (VC DM 2.0 §4.7)")
    for name, section in TYPED.items():
        if name in doc:
            problems += _typed_objects(name, section, doc[name])
    if "relatedResource" in doc:
        problems += related_resource_problems(doc["relatedResource"])
    return problems


def _typed_objects(name: str, section: str, value: Any) -> list[str]:
    items = _items(value)
    if not items or not all(isinstance(item, Mapping) for item in items):
        return [f"{name}: must be an object or an array of objects (VC DM 2.0 {section})"]
    problems = []
    if not all(_has_type(item) for item in items):
        problems.append(f"{name}: each object must have a type (VC DM 2.0 §4.5, {section})")
    for i, item in enumerate(items):
        where = f"{name}[{i}]" if isinstance(value, list) else name
        if "id" in item and not is_url(item["id"]):
            problems.append(f"{where}.id: must be a single URL (VC DM 2.0 §4.4)")
        if name == "credentialSchema" and "id" not in item:
            problems.append(f"{where}.id: required, the URL of the schema (VC DM 2.0 §4.11)")
        if name == "credentialStatus" and item.get("type") == "BitstringStatusListEntry":
            try:
                StatusEntry.parse(item)
            except StatusListError as exc:
                problems.append(f"{where}: {exc.message} (Bitstring Status List §2.1)")
            if not is_url(item.get("statusListCredential")):
                problems.append(f"{where}.statusListCredential: must be a URL")
    return problems


def related_resource_problems(value: Any) -> list[str]:
    """The ``relatedResource`` rules of VC DM 2.0 §5.3: objects, each with a unique URL
    ``id`` and at least one of ``digestSRI`` and ``digestMultibase``, every digest well
    formed and, for a resource whose digest openler knows, equal to it."""
    items = _items(value)
    if not items or not all(isinstance(item, Mapping) for item in items):
        return ["relatedResource: must be one or more objects (VC DM 2.0 §5.3)"]
    problems = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"relatedResource[{i}]"
        resource = item.get("id")
        if not is_url(resource):
            problems.append(f"{where}.id: required, a single URL (VC DM 2.0 §5.3)")
            continue
        if resource in seen:
            problems.append(f"{where}.id: {resource} is listed twice; ids must be unique (§5.3)")
        seen.add(resource)
        if "digestSRI" not in item and "digestMultibase" not in item:
            problems.append(
                f"{where}: needs a digestSRI or a digestMultibase of {resource} (VC DM 2.0 §5.3)"
            )
        for prop in ("digestSRI", "digestMultibase"):
            if prop in item:
                problems += _digest_problems(where, prop, item[prop], resource)
    return problems


def _digest_problems(where: str, prop: str, value: Any, resource: str) -> list[str]:
    digests = _decode_digests(prop, value)
    if digests is None:
        form = (
            "sha256-, sha384- or sha512- then base64"
            if prop == "digestSRI"
            else ("multibase (z or u) of a SHA-2 digest or multihash")
        )
        return [f"{where}.{prop}: not a digest ({form})"]
    known = KNOWN_DIGESTS.get(resource, {})
    for algorithm, digest in digests:
        if algorithm in known and digest.hex() not in known[algorithm]:
            return [
                f"{where}.{prop}: the {algorithm} digest does not match {resource} (VC DM 2.0 §5.3)"
            ]
    return []


def _decode_digests(prop: str, value: Any) -> list[tuple[str, bytes]] | None:
    """(algorithm, digest) pairs of a ``digestSRI`` (space-separated hash expressions) or a
    ``digestMultibase`` (one value or several); None when any part is not a digest."""
    found: list[tuple[str, bytes]] = []
    if prop == "digestSRI":
        if not isinstance(value, str) or not value.split():
            return None
        for expression in value.split():
            match = _SRI.fullmatch(expression.split("?", 1)[0])
            if match is None:
                return None
            body = match.group(2).replace("-", "+").replace("_", "/").rstrip("=")
            try:
                digest = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
            except binascii.Error:
                return None
            if _LENGTHS.get(len(digest)) != match.group(1):
                return None
            found.append((match.group(1), digest))
        return found
    values = value if isinstance(value, list) else [value]
    for text in values:
        try:
            raw = decode_multibase(text)
        except KeyFormatError:
            return None
        algorithm = _MULTIHASH.get(raw[:2])
        if algorithm is not None and _LENGTHS.get(len(raw) - 2) == algorithm:
            found.append((algorithm, raw[2:]))
        elif len(raw) in _LENGTHS:
            found.append((_LENGTHS[len(raw)], raw))
        else:
            return None
    return found or None
