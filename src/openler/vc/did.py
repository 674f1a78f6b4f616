"""DIDs and controller documents: did:key, did:web and HTTPS-identified controllers.

The library never opens a socket. did:key is resolved locally; did:web and HTTPS
controller documents are obtained from a *fetcher*, a callable the caller passes in that
maps a URL to the parsed JSON document (or raises :class:`ResolutionError`).

>>> from openler.vc.keys import Multikey
>>> key = Multikey.from_seed(bytes(32))
>>> doc = resolve_did_key(key.controller)
>>> doc["assertionMethod"] == [key.id]
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from openler.vc import jsontext
from openler.vc.errors import (
    InputError,
    KeyFormatError,
    ResolutionError,
    UnauthorizedMethodError,
)
from openler.vc.keys import decode_public_key_multibase, public_key_multibase
from openler.vc.multibase import ED25519_PUB, P256_PUB, decode_multibase


@dataclass(frozen=True)
class Fetched:
    """A fetched document with the HTTP caching lifetime its server allowed (seconds), and
    when it was fetched when that was not just now (a copy a fetcher kept, served when the
    publisher cannot be reached): status messages then say the copy's age."""

    document: Mapping[str, Any]
    max_age: float | None = None
    fetched_at: datetime | None = None


#: A callable that returns the JSON document published at a URL (or a :class:`Fetched`),
#: and raises :class:`ResolutionError` (or ``OSError`` on a network failure) when it cannot.
Fetcher = Callable[[str], "Mapping[str, Any] | Fetched"]

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
PURPOSES = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)
_KEY_TYPES = ("Multikey", "Ed25519VerificationKey2020")


@dataclass(frozen=True)
class VerificationMethod:
    """A resolved public key: its id, its controller and the raw Ed25519 key bytes."""

    id: str
    controller: str
    public_key: bytes


def did_key_document(public: bytes) -> dict[str, Any]:
    """The DID document of the did:key for an Ed25519 public key."""
    return _did_key_document_for(public_key_multibase(public))


def _did_key_document_for(multibase: str) -> dict[str, Any]:
    did = f"did:key:{multibase}"
    vm_id = f"{did}#{multibase}"
    return {
        "@context": list(DID_CONTEXT),
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def resolve_did_key(did: str) -> dict[str, Any]:
    """Resolve a did:key locally: Ed25519 (``z6Mk…``) and P-256 (``zDn…``) keys."""
    multibase = did.removeprefix("did:key:")
    try:
        raw = decode_multibase(multibase)
    except KeyFormatError as exc:
        raise ResolutionError(f"malformed did:key {did!r}: {exc.message}") from None
    if raw[:2] == ED25519_PUB and len(raw) == 34:
        return _did_key_document_for(multibase)
    if raw[:2] == P256_PUB and len(raw) == 35:
        return _did_key_document_for(multibase)
    raise ResolutionError(f"unsupported did:key {did!r}: only Ed25519 and P-256 keys")


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web DID document.

    ``did:web:host%3A8443:a:b`` → ``https://host:8443/a/b/did.json``.
    """
    rest = did.removeprefix("did:web:")
    if not rest or rest == did:
        raise ResolutionError(f"not a did:web: {did!r}")
    host, *path = rest.split(":")
    host = unquote(host)
    if not host or "/" in host:
        raise ResolutionError(f"malformed did:web host in {did!r}")
    if path:
        return f"https://{host}/{'/'.join(unquote(p) for p in path)}/did.json"
    return f"https://{host}/.well-known/did.json"


@functools.lru_cache(maxsize=1024)
def did_web_for(host: str, *path: str) -> str:
    """The did:web identifier for a host (``127.0.0.1:8000`` is encoded as ``%3A``); kept
    for the next call (a roster names its issuer in every credential)."""
    return ":".join(["did:web", quote(host, safe=""), *path])


def fetch_document(fetch: Fetcher, url: str) -> Fetched:
    """Call a fetcher. A fetcher reports a document it cannot supply with
    :class:`ResolutionError`; a network failure (``OSError``: refused, timed out …) becomes
    one naming the URL. Anything else a fetcher raises is a bug and propagates. The
    document must be a JSON object within openler's JSON limits (see ``jsontext``)."""
    try:
        result = fetch(url)
    except OSError as exc:
        raise ResolutionError(f"could not fetch {url}: {exc}") from exc
    fetched = result if isinstance(result, Fetched) else Fetched(result)
    if not isinstance(fetched.document, Mapping):
        raise ResolutionError(f"the document at {url} is not a JSON object")
    try:
        jsontext.check(fetched.document)
    except InputError as exc:
        raise ResolutionError(f"the document at {url} is refused: {exc.message}") from None
    return fetched


class Resolver:
    """Resolves DIDs, controller documents and verification methods.

    ``fetch`` supplies documents for did:web and HTTPS controllers; without it only did:key
    resolves. Resolved documents are cached for the resolver's lifetime.
    """

    def __init__(self, fetch: Fetcher | None = None) -> None:
        self._fetch = fetch
        self._cache: dict[str, Mapping[str, Any]] = {}

    def document(self, identifier: str) -> Mapping[str, Any]:
        """The DID document or controller document for a DID or an HTTPS URL (no fragment)."""
        cached = self._cache.get(identifier)
        if cached is not None:
            return cached
        if identifier.startswith("did:key:"):
            doc: Mapping[str, Any] = resolve_did_key(identifier)
        elif identifier.startswith("did:web:"):
            doc = self._fetched(did_web_url(identifier), identifier)
        elif identifier.startswith("https://"):
            doc = self._fetched(identifier, identifier)
        elif identifier.startswith("did:"):
            method = identifier.split(":")[1]
            raise ResolutionError(f"DID method did:{method} is not supported ({identifier})")
        else:
            raise ResolutionError(
                f"cannot resolve {identifier!r}: expected a DID or an https:// URL"
            )
        if doc.get("id") != identifier:
            raise ResolutionError(
                f"the document for {identifier} names itself {doc.get('id')!r}; "
                "a controller document's id must equal the identifier it was resolved from"
            )
        self._cache[identifier] = doc
        return doc

    def _fetched(self, url: str, identifier: str) -> Mapping[str, Any]:
        if self._fetch is None:
            raise ResolutionError(
                f"cannot resolve {identifier}: no document supplied for {url} "
                "(offline; supply it with --doc URL=FILE or allow --online)"
            )
        return fetch_document(self._fetch, url).document

    @property
    def fetcher(self) -> Fetcher | None:
        return self._fetch

    def method(self, method_id: str, purpose: str) -> Mapping[str, Any]:
        """The verification method object for ``method_id``, authorised for ``purpose``.

        Raises :class:`UnauthorizedMethodError` when the method exists but is not listed
        under ``purpose``, :class:`ResolutionError` for anything else.
        """
        if not isinstance(method_id, str) or "#" not in method_id:
            raise ResolutionError(
                f"verification method {method_id!r} must be a DID URL or URL with a fragment"
            )
        controller_id = method_id.split("#", 1)[0]
        doc = self.document(controller_id)
        method = _find_method(doc, method_id)
        if method is None:
            raise ResolutionError(
                f"verification method {method_id} is not in the document of {controller_id}"
            )
        if method.get("controller") != controller_id:
            raise ResolutionError(
                f"verification method {method_id} names controller "
                f"{method.get('controller')!r}, not {controller_id}"
            )
        if method.get("revoked"):
            raise UnauthorizedMethodError(
                f"verification method {method_id} was revoked on {method['revoked']}; "
                "nothing it signed is trusted any more"
            )
        if not _authorised(doc, method_id, purpose):
            raise UnauthorizedMethodError(
                f"{controller_id} does not authorise {method_id} for {purpose}"
            )
        return method

    def verification_method(self, method_id: str, purpose: str) -> VerificationMethod:
        """Resolve an Ed25519 Multikey method authorised for ``purpose``."""
        method = self.method(method_id, purpose)
        if method.get("type") not in _KEY_TYPES:
            raise ResolutionError(
                f"verification method {method_id} has type {method.get('type')!r}; "
                "expected Multikey"
            )
        try:
            public = decode_public_key_multibase(method.get("publicKeyMultibase", ""))
        except KeyFormatError as exc:
            raise ResolutionError(f"verification method {method_id}: {exc.message}") from None
        return VerificationMethod(method_id, str(method["controller"]), public)


def _absolute(ref: str, base: str) -> str:
    return base + ref if ref.startswith("#") else ref


def _find_method(doc: Mapping[str, Any], method_id: str) -> Mapping[str, Any] | None:
    base = str(doc.get("id", ""))
    candidates: list[Any] = list(_as_list(doc.get("verificationMethod")))
    for purpose in PURPOSES:
        candidates.extend(m for m in _as_list(doc.get(purpose)) if isinstance(m, Mapping))
    for method in candidates:
        if isinstance(method, Mapping) and _absolute(str(method.get("id", "")), base) == method_id:
            return {**method, "id": method_id}
    return None


def _authorised(doc: Mapping[str, Any], method_id: str, purpose: str) -> bool:
    base = str(doc.get("id", ""))
    for entry in _as_list(doc.get(purpose)):
        ref = entry.get("id") if isinstance(entry, Mapping) else entry
        if isinstance(ref, str) and _absolute(ref, base) == method_id:
            return True
    return False


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
