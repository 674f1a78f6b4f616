"""W3C Bitstring Status List 1.0: lists, entries, index allocation and status checks.

A status list is a bitstring of at least 131,072 entries, GZIP-compressed and encoded as
multibase base64url (``u…``) in the ``encodedList`` of a signed
``BitstringStatusListCredential``. Entry *i* of a list whose entries are ``size`` bits wide
occupies bits ``i*size … i*size+size-1``; bit 0 is the left-most (most significant) bit of
the first byte.

>>> bits = Bitstring.empty()
>>> bits.set(42, 1)
>>> Bitstring.decode(bits.encode()).get(42)
1
"""

from __future__ import annotations

import copy
import gzip
import secrets
import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from openler.vc.dates import parse_datetime
from openler.vc.did import Fetched, Fetcher, fetch_document
from openler.vc.errors import InputError, KeyFormatError, ResolutionError
from openler.vc.multibase import b64url_decode, encode_base64url

MIN_ENTRIES = 131_072
MAX_LIST_BYTES = 16 * 1024 * 1024
STATUS_CONTEXT = "https://www.w3.org/ns/credentials/v2"
PURPOSES = ("revocation", "suspension", "refresh", "message")
Purpose = Literal["revocation", "suspension", "refresh", "message"]


class StatusListError(InputError):
    """A status list or entry that is malformed, too short, or out of range."""

    code = "status_list"


@dataclass
class Bitstring:
    """A mutable bitstring of ``len(data) * 8`` bits holding entries ``size`` bits wide."""

    data: bytearray
    size: int = 1

    @classmethod
    def empty(cls, entries: int = MIN_ENTRIES, size: int = 1) -> Bitstring:
        if entries < MIN_ENTRIES:
            raise StatusListError(f"a status list has at least {MIN_ENTRIES} entries")
        if size < 1 or size > 8:
            raise StatusListError("statusSize must be between 1 and 8 bits")
        return cls(bytearray((entries * size + 7) // 8), size)

    @classmethod
    def decode(cls, encoded: str, size: int = 1) -> Bitstring:
        """Decode an ``encodedList``; raises :class:`StatusListError` with the reason."""
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise StatusListError("encodedList must be multibase base64url (starting with 'u')")
        try:
            compressed = b64url_decode(encoded[1:])
        except KeyFormatError:
            raise StatusListError("encodedList is not valid base64url") from None
        try:
            inflater = zlib.decompressobj(wbits=31)  # gzip framing
            data = inflater.decompress(compressed, MAX_LIST_BYTES)
            if inflater.unconsumed_tail:
                raise StatusListError("the status list is larger than 16 MB uncompressed")
        except zlib.error:
            raise StatusListError("encodedList is not GZIP-compressed data") from None
        if len(data) * 8 < MIN_ENTRIES:
            raise StatusListError(
                f"the status list has {len(data) * 8} bits; the minimum is {MIN_ENTRIES} "
                "(STATUS_LIST_LENGTH_ERROR)"
            )
        return cls(bytearray(data), size)

    def encode(self) -> str:
        """Multibase base64url of the GZIP-compressed bitstring (``mtime`` 0: deterministic)."""
        return encode_base64url(gzip.compress(bytes(self.data), mtime=0))

    @property
    def entries(self) -> int:
        return len(self.data) * 8 // self.size

    def _check(self, index: int) -> None:
        if not isinstance(index, int) or index < 0 or (index + 1) * self.size > len(self.data) * 8:
            raise StatusListError(
                f"index {index} is outside the list of {self.entries} entries (RANGE_ERROR)"
            )

    def get(self, index: int) -> int:
        self._check(index)
        value = 0
        for bit in range(index * self.size, (index + 1) * self.size):
            value = (value << 1) | ((self.data[bit // 8] >> (7 - bit % 8)) & 1)
        return value

    def set(self, index: int, value: int) -> None:
        self._check(index)
        if not 0 <= value < (1 << self.size):
            raise StatusListError(f"value {value} does not fit in {self.size} bit(s)")
        for offset in range(self.size):
            bit = index * self.size + offset
            on = (value >> (self.size - 1 - offset)) & 1
            mask = 1 << (7 - bit % 8)
            if on:
                self.data[bit // 8] |= mask
            else:
                self.data[bit // 8] &= ~mask & 0xFF


def status_list_credential(
    *,
    list_url: str,
    issuer: str | Mapping[str, Any],
    purpose: Purpose,
    bits: Bitstring,
    valid_from: str,
    valid_until: str | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` holding ``bits``.

    An issuer object keeps only its ``id`` and ``name`` (the terms the VC 2.0 context defines).
    """
    if purpose not in PURPOSES:
        raise StatusListError(f"statusPurpose must be one of {', '.join(PURPOSES)}")
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": bits.encode(),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [STATUS_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": (
            {k: issuer[k] for k in ("id", "name") if k in issuer}
            if isinstance(issuer, Mapping)
            else issuer
        ),
        "validFrom": valid_from,
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    credential["credentialSubject"] = subject
    return credential


def read_list(credential: Mapping[str, Any], size: int = 1) -> tuple[list[str], Bitstring]:
    """The purposes and the bitstring of a status list credential (not its proof)."""
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types or []
    if "BitstringStatusListCredential" not in types:
        raise StatusListError(
            "the status list credential's type must include BitstringStatusListCredential"
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("type") != "BitstringStatusList":
        raise StatusListError("the status list's credentialSubject must be a BitstringStatusList")
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or not all(isinstance(p, str) for p in purposes):
        raise StatusListError("the status list's statusPurpose must be one or more strings")
    return purposes, Bitstring.decode(subject.get("encodedList", ""), size)


def with_bits(credential: Mapping[str, Any], bits: Bitstring, *, valid_from: str) -> dict[str, Any]:
    """A copy of a list credential holding new bits, without its old proof."""
    updated = {k: copy.deepcopy(v) for k, v in credential.items() if k != "proof"}
    updated["credentialSubject"]["encodedList"] = bits.encode()
    updated["validFrom"] = valid_from
    return updated


@dataclass(frozen=True)
class StatusEntry:
    """A parsed ``BitstringStatusListEntry`` of a credential."""

    purpose: str
    index: int
    list_url: str
    size: int = 1
    messages: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, entry: Any) -> StatusEntry:
        if not isinstance(entry, Mapping):
            raise StatusListError("credentialStatus must be an object")
        if entry.get("type") != "BitstringStatusListEntry":
            raise StatusListError(
                f"credentialStatus type {entry.get('type')!r} is not supported "
                "(BitstringStatusListEntry)"
            )
        purpose = entry.get("statusPurpose")
        if not isinstance(purpose, str):
            raise StatusListError("statusPurpose must be a string")
        raw_index = entry.get("statusListIndex")
        if not isinstance(raw_index, str) or not (raw_index.isascii() and raw_index.isdigit()):
            raise StatusListError(
                "statusListIndex must be a non-negative integer written as a string"
            )
        url = entry.get("statusListCredential")
        if not isinstance(url, str) or ":" not in url:
            raise StatusListError("statusListCredential must be a URL")
        if entry.get("id") == url:
            raise StatusListError("the entry's id must not be the status list's URL")
        size = entry.get("statusSize", 1)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8:
            raise StatusListError("statusSize must be an integer from 1 to 8")
        messages: dict[int, str] = {}
        raw_messages = entry.get("statusMessage")
        if size > 1 and raw_messages is None:
            raise StatusListError("statusMessage is required when statusSize is greater than 1")
        if raw_messages is not None:
            if not isinstance(raw_messages, list) or len(raw_messages) != 1 << size:
                raise StatusListError(f"statusMessage must list {1 << size} status values")
            for item in raw_messages:
                try:
                    messages[int(str(item["status"]), 16)] = str(item["message"])
                except (KeyError, TypeError, ValueError):
                    raise StatusListError(
                        "each statusMessage needs a hex 'status' (like 0x1) and a 'message'"
                    ) from None
        return cls(purpose, int(raw_index), url, size, messages)


def status_entry(
    *,
    list_url: str,
    index: int,
    purpose: Purpose,
    size: int = 1,
    messages: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` to put in a credential's ``credentialStatus``."""
    entry: dict[str, Any] = {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }
    if size != 1:
        entry["statusSize"] = size
    if messages:
        entry["statusMessage"] = [
            {"status": hex(value), "message": text} for value, text in sorted(messages.items())
        ]
    return entry


@dataclass(frozen=True)
class Allocation:
    list_url: str
    index: int


class Allocator(Protocol):
    """Anything that hands out (list, index) pairs: random order, never the same twice,
    even across processes (the storage layer's implementation uses the database)."""

    def allocate(self) -> Allocation: ...


class IndexAllocator:
    """Hands out status list indexes in random order, never the same one twice.

    The order of issuance cannot be read from the indexes. When a list has handed out
    ``fill`` of its entries, a new list is started with ``new_list()``. This in-memory
    implementation is safe across threads; the database-backed one in ``openler.store``
    gives the same guarantee across processes with a unique constraint.
    """

    def __init__(
        self,
        new_list: Callable[[], str],
        *,
        entries: int = MIN_ENTRIES,
        fill: float = 0.9,
        randbelow: Callable[[int], int] = secrets.randbelow,
    ) -> None:
        self._new_list = new_list
        self._entries = entries
        self._limit = int(entries * fill)
        self._randbelow = randbelow
        self._lock = threading.Lock()
        self._used: dict[str, set[int]] = {}
        self._current: str | None = None

    def allocate(self) -> Allocation:
        with self._lock:
            if self._current is None or len(self._used[self._current]) >= self._limit:
                self._current = self._new_list()
                if self._current in self._used:
                    raise StatusListError(f"list {self._current} was already started")
                self._used[self._current] = set()
            used = self._used[self._current]
            while True:
                index = self._randbelow(self._entries)
                if index not in used:
                    used.add(index)
                    return Allocation(self._current, index)

    def used(self, list_url: str) -> int:
        return len(self._used.get(list_url, ()))


def freshness(issued: datetime, at: datetime) -> str:
    """How old a list is, in words: ``3 h old``."""
    seconds = max(0, int((at - issued).total_seconds()))
    if seconds < 120:
        return f"{seconds} s old"
    if seconds < 7200:
        return f"{seconds // 60} min old"
    if seconds < 172800:
        return f"{seconds // 3600} h old"
    return f"{seconds // 86400} days old"


@dataclass(frozen=True)
class CachedList:
    """A status list credential that has been verified, with how long it may be reused."""

    url: str
    credential: Mapping[str, Any]
    issuer: str
    purposes: tuple[str, ...]
    data: bytes
    list_issued: datetime | None
    fetched_at: datetime
    expires_at: datetime

    def bits(self, size: int) -> Bitstring:
        return Bitstring(bytearray(self.data), size)


class StatusLists:
    """Fetches status list credentials through an injected fetcher and caches the verified
    ones until their ``ttl`` (milliseconds), the server's ``max-age`` (seconds) or their
    ``validUntil``, whichever comes first; ``default_ttl`` applies when none is given.

    ``keep(url, fetched)`` is told of each list credential once it has verified (a caller
    that stores copies for when the issuer cannot be reached stores only those)."""

    def __init__(
        self,
        fetch: Fetcher | None = None,
        *,
        default_ttl: timedelta = timedelta(minutes=5),
        keep: Callable[[str, Fetched], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self._keep = keep
        self.default_ttl = default_ttl
        self._cache: dict[str, CachedList] = {}
        self._lock = threading.Lock()

    def cached(self, url: str, at: datetime) -> CachedList | None:
        with self._lock:
            hit = self._cache.get(url)
        if hit is None or hit.expires_at <= at or hit.fetched_at > at:
            return None
        return hit

    def fetch(self, url: str) -> Fetched:
        if self._fetch is None:
            raise ResolutionError(
                f"status list {url} is not available offline (supply it with --doc URL=FILE "
                "or allow --online)"
            )
        return fetch_document(self._fetch, url)

    def remember(self, url: str, fetched: Fetched, *, issuer: str, at: datetime) -> CachedList:
        """Cache a verified list credential; returns the cache entry. A copy fetched
        earlier (``fetched.fetched_at``) keeps its age."""
        credential = fetched.document
        purposes, bits = read_list(credential)
        lifetimes = [self.default_ttl]
        subject = credential.get("credentialSubject")
        ttl = subject.get("ttl") if isinstance(subject, Mapping) else None
        if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0:
            lifetimes.append(timedelta(milliseconds=ttl))
        if fetched.max_age is not None:
            lifetimes.append(timedelta(seconds=max(0.0, fetched.max_age)))
        expires = at + min(lifetimes)
        if isinstance(credential.get("validUntil"), str):
            expires = min(expires, parse_datetime(credential["validUntil"]))
        issued = credential.get("validFrom")
        entry = CachedList(
            url=url,
            credential=credential,
            issuer=issuer,
            purposes=tuple(purposes),
            data=bytes(bits.data),
            list_issued=parse_datetime(issued) if isinstance(issued, str) else None,
            fetched_at=min(fetched.fetched_at, at) if fetched.fetched_at is not None else at,
            expires_at=expires,
        )
        with self._lock:
            self._cache[url] = entry
        if self._keep is not None:
            self._keep(url, fetched)
        return entry
