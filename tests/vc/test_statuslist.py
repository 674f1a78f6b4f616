"""Bitstring Status List: encoding, allocation, and revocation / suspension in verification."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from openler.vc import Multikey, sign_credential, verify
from openler.vc.dataintegrity import add_proof
from openler.vc.did import Fetched
from openler.vc.statuslist import (
    MIN_ENTRIES,
    Bitstring,
    IndexAllocator,
    StatusEntry,
    StatusListError,
    status_entry,
    status_list_credential,
    with_bits,
)
from openler.vc.verify import Resolvers
from tests.conftest import NOW

LIST_URL = "https://nursing.ohio.example/status/1"
SUSPEND_URL = "https://nursing.ohio.example/status/2"
# The all-zero 16 KB list from the Bitstring Status List specification's examples.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_spec_example_list_decodes_to_131072_zero_bits() -> None:
    bits = Bitstring.decode(SPEC_EMPTY_LIST)
    assert bits.entries == MIN_ENTRIES
    assert not any(bits.data)


def test_bit_zero_is_the_leftmost_bit() -> None:
    bits = Bitstring.empty()
    bits.set(0, 1)
    bits.set(9, 1)
    assert bits.data[0] == 0b1000_0000 and bits.data[1] == 0b0100_0000
    assert Bitstring.decode(bits.encode()).get(9) == 1


def test_multi_bit_entries() -> None:
    bits = Bitstring.empty(size=2)
    bits.set(3, 0b10)
    again = Bitstring.decode(bits.encode(), size=2)
    assert [again.get(i) for i in range(5)] == [0, 0, 0, 2, 0]
    assert again.entries == MIN_ENTRIES
    with pytest.raises(StatusListError, match="does not fit"):
        bits.set(1, 4)


def test_encoding_is_gzip_multibase_and_deterministic() -> None:
    a, b = Bitstring.empty(), Bitstring.empty()
    assert a.encode() == b.encode()
    assert a.encode().startswith("uH4sI")  # 'u' + base64url of the gzip magic 1f8b


@pytest.mark.parametrize(
    ("encoded", "message"),
    [
        ("zabc", "multibase base64url"),
        ("u!!!", "base64url"),
        ("uAAAA", "GZIP"),
    ],
)
def test_bad_encodings_are_refused(encoded: str, message: str) -> None:
    with pytest.raises(StatusListError, match=message):
        Bitstring.decode(encoded)


def test_short_lists_and_out_of_range_indexes_are_errors() -> None:
    import gzip

    from openler.vc.multibase import encode_base64url

    short = encode_base64url(gzip.compress(bytes(1024)))
    with pytest.raises(StatusListError, match="STATUS_LIST_LENGTH_ERROR"):
        Bitstring.decode(short)
    with pytest.raises(StatusListError, match="RANGE_ERROR"):
        Bitstring.empty().get(MIN_ENTRIES)
    with pytest.raises(StatusListError, match="at least 131072"):
        Bitstring.empty(entries=1000)


def test_ten_thousand_allocations_never_repeat() -> None:
    lists = iter(f"{LIST_URL}/{n}" for n in range(100))
    allocator = IndexAllocator(lambda: next(lists))
    seen = {(a.list_url, a.index) for a in (allocator.allocate() for _ in range(10_000))}
    assert len(seen) == 10_000


def test_allocation_order_does_not_leak() -> None:
    allocator = IndexAllocator(lambda: LIST_URL)
    first = [allocator.allocate().index for _ in range(200)]
    assert first != sorted(first)
    assert max(first) > 1000  # spread over the whole list, not 0, 1, 2 …


def test_a_full_list_starts_a_new_one() -> None:
    names = iter(["list-a", "list-b", "list-c"])
    allocator = IndexAllocator(lambda: next(names), fill=10 / MIN_ENTRIES)
    urls = [allocator.allocate().list_url for _ in range(25)]
    assert urls.count("list-a") == 10 and urls.count("list-b") == 10 and urls.count("list-c") == 5


def test_concurrent_allocation_from_threads_never_repeats() -> None:
    allocator = IndexAllocator(lambda: LIST_URL)
    got: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [allocator.allocate().index for _ in range(1000)]
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == len(set(got)) == 8000


def test_entry_parsing_rules() -> None:
    entry = status_entry(list_url=LIST_URL, index=7, purpose="revocation")
    assert StatusEntry.parse(entry).index == 7
    with pytest.raises(StatusListError, match="statusListIndex"):
        StatusEntry.parse({**entry, "statusListIndex": 7})
    with pytest.raises(StatusListError, match="must not be the status list"):
        StatusEntry.parse({**entry, "id": LIST_URL})
    with pytest.raises(StatusListError, match="statusMessage is required"):
        StatusEntry.parse({**entry, "statusSize": 2})
    messages = {0: "valid", 1: "pending review", 2: "under investigation", 3: "retired"}
    parsed = StatusEntry.parse(
        status_entry(list_url=LIST_URL, index=1, purpose="message", size=2, messages=messages)
    )
    assert parsed.messages[2] == "under investigation"


class Board:
    """An issuer with a revocation and a suspension list, served by a fake fetcher."""

    def __init__(self, key: Multikey, *, ttl_ms: int | None = None) -> None:
        self.key = key
        self.fetches: list[str] = []
        self.documents: dict[str, Any] = {}
        self.max_age: float | None = None
        self.bits = {LIST_URL: Bitstring.empty(), SUSPEND_URL: Bitstring.empty()}
        self.ttl_ms = ttl_ms
        self.publish(LIST_URL, "revocation")
        self.publish(SUSPEND_URL, "suspension")

    def publish(
        self, url: str, purpose: Any, signer: Multikey | None = None, at: Any = NOW
    ) -> None:
        unsigned = status_list_credential(
            list_url=url,
            issuer={
                "id": self.key.controller,
                "type": ["Profile"],
                "name": "Ohio Board of Nursing",
            },
            purpose=purpose,
            bits=self.bits[url],
            valid_from=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ttl_ms=self.ttl_ms,
        )
        self.documents[url] = add_proof(unsigned, signer or self.key, created=at)

    def set(self, url: str, index: int, value: int) -> None:
        self.bits[url].set(index, value)
        purpose = "revocation" if url == LIST_URL else "suspension"
        self.publish(url, purpose)

    def fetch(self, url: str) -> Fetched:
        self.fetches.append(url)
        if url not in self.documents:
            raise ConnectionError("status server unreachable")
        return Fetched(self.documents[url], self.max_age)

    def license(self, template: dict[str, Any], index: int) -> dict[str, Any]:
        doc = copy.deepcopy(template)
        doc["credentialStatus"] = [
            status_entry(list_url=LIST_URL, index=index, purpose="revocation"),
            status_entry(list_url=SUSPEND_URL, index=index, purpose="suspension"),
        ]
        return sign_credential(doc, self.key, created=NOW)


@pytest.fixture
def board(issuer_key: Multikey) -> Board:
    return Board(issuer_key)


def status_check(report: Any) -> Any:
    return report.check("status")


def test_active_credential_passes_status(board: Board, license_template: dict[str, Any]) -> None:
    report = verify(board.license(license_template, 42), at=NOW, resolvers=Resolvers(board.fetch))
    assert report.verified, report.summary
    assert status_check(report).message.startswith("Not revoked; not suspended (status list of")


def test_revoked_fails_status(board: Board, license_template: dict[str, Any]) -> None:
    credential = board.license(license_template, 42)
    board.set(LIST_URL, 42, 1)
    report = verify(credential, at=NOW, resolvers=Resolvers(board.fetch))
    assert not report.verified
    # no trust registry here, so the verdict names the issuer by its identifier: the list's
    # own issuer.name is a claim its signer makes (issue 9, attack 2.8)
    assert status_check(report).message.startswith(f"Revoked by {board.key.controller} (")


def test_suspend_then_unsuspend(board: Board, license_template: dict[str, Any]) -> None:
    credential = board.license(license_template, 42)
    board.set(SUSPEND_URL, 42, 1)
    suspended = verify(credential, at=NOW, resolvers=Resolvers(board.fetch))
    assert status_check(suspended).status == "failed"
    assert (
        f"Suspended by {board.key.controller} (status list of 2026-11-24T12:00:00Z"
        in suspended.summary
    )
    board.set(SUSPEND_URL, 42, 0)
    assert verify(credential, at=NOW, resolvers=Resolvers(board.fetch)).verified


def test_other_indexes_are_unaffected(board: Board, license_template: dict[str, Any]) -> None:
    credential = board.license(license_template, 43)
    board.set(LIST_URL, 42, 1)
    assert verify(credential, at=NOW, resolvers=Resolvers(board.fetch)).verified


def test_tampered_status_list_fails(board: Board, license_template: dict[str, Any]) -> None:
    credential = board.license(license_template, 42)
    forged = copy.deepcopy(board.documents[LIST_URL])
    bits = Bitstring.empty()
    bits.set(42, 1)
    forged["credentialSubject"]["encodedList"] = bits.encode()
    board.documents[LIST_URL] = forged
    report = verify(credential, at=NOW, resolvers=Resolvers(board.fetch))
    assert status_check(report).status == "failed"
    assert "the status list credential does not verify" in status_check(report).message
    assert "signature does not match" in status_check(report).message


def test_list_signed_by_another_issuer_fails(
    board: Board, license_template: dict[str, Any], key_factory: Callable[[int], Multikey]
) -> None:
    credential = board.license(license_template, 42)
    other = key_factory(8)
    unsigned = with_bits(
        board.documents[LIST_URL], Bitstring.empty(), valid_from="2026-11-24T12:00:00Z"
    )
    unsigned["issuer"] = {"id": other.controller}
    board.documents[LIST_URL] = add_proof(unsigned, other, created=NOW)
    report = verify(credential, at=NOW, resolvers=Resolvers(board.fetch))
    assert status_check(report).status == "failed"
    assert (
        f"is issued by {other.controller}, not by the credential's issuer"
        in status_check(report).message
    )


def test_unreachable_list_fails_closed(board: Board, license_template: dict[str, Any]) -> None:
    credential = board.license(license_template, 42)
    del board.documents[LIST_URL]
    report = verify(credential, at=NOW, resolvers=Resolvers(board.fetch))
    assert not report.verified
    assert "status server unreachable" in status_check(report).message
    offline = verify(credential, at=NOW)
    assert "not available offline" in status_check(offline).message


def test_keep_hears_only_of_lists_that_verified(
    board: Board, license_template: dict[str, Any]
) -> None:
    kept: list[str] = []
    credential = board.license(license_template, 42)
    resolvers = Resolvers(board.fetch, keep_status_list=lambda url, _fetched: kept.append(url))
    assert verify(credential, at=NOW, resolvers=resolvers).verified
    assert sorted(kept) == sorted([LIST_URL, SUSPEND_URL])
    forged = copy.deepcopy(board.documents[LIST_URL])
    forged["credentialSubject"]["encodedList"] = Bitstring.empty().encode()
    forged["validFrom"] = "2026-11-24T12:00:01Z"  # altered after signing
    board.documents[LIST_URL] = forged
    kept.clear()
    fresh = Resolvers(board.fetch, keep_status_list=lambda url, _fetched: kept.append(url))
    assert not verify(credential, at=NOW, resolvers=fresh).verified
    assert LIST_URL not in kept


def test_a_copy_fetched_earlier_says_its_age(
    board: Board, license_template: dict[str, Any]
) -> None:
    credential = board.license(license_template, 42)
    earlier = NOW - timedelta(hours=2)

    def stored(url: str) -> Fetched:
        return Fetched(board.documents[url], 0, fetched_at=earlier)

    report = verify(credential, at=NOW, resolvers=Resolvers(stored))
    assert report.verified, report.summary
    assert "fetched 2 h ago" in status_check(report).message
    board.set(LIST_URL, 42, 1)
    revoked = verify(credential, at=NOW, resolvers=Resolvers(stored))
    assert status_check(revoked).message.startswith(f"Revoked by {board.key.controller}")
    assert "fetched 2 h ago" in status_check(revoked).message


def test_lists_are_cached_for_their_ttl(
    issuer_key: Multikey, license_template: dict[str, Any]
) -> None:
    board = Board(issuer_key, ttl_ms=60_000)
    credential = board.license(license_template, 42)
    resolvers = Resolvers(board.fetch)
    for _ in range(3):
        assert verify(credential, at=NOW, resolvers=resolvers).verified
    assert board.fetches.count(LIST_URL) == 1
    board.set(LIST_URL, 42, 1)
    assert verify(
        credential, at=NOW + timedelta(seconds=30), resolvers=resolvers
    ).verified  # still cached
    late = verify(credential, at=NOW + timedelta(seconds=61), resolvers=resolvers)
    assert status_check(late).message.startswith("Revoked")
    assert board.fetches.count(LIST_URL) == 2


def test_http_max_age_shortens_the_cache(
    issuer_key: Multikey, license_template: dict[str, Any]
) -> None:
    board = Board(issuer_key, ttl_ms=3_600_000)
    board.max_age = 0
    credential = board.license(license_template, 42)
    resolvers = Resolvers(board.fetch)
    verify(credential, at=NOW, resolvers=resolvers)
    verify(credential, at=NOW + timedelta(seconds=1), resolvers=resolvers)
    assert board.fetches.count(LIST_URL) == 2


def test_expired_list_fails(board: Board, license_template: dict[str, Any]) -> None:
    credential = board.license(license_template, 42)
    unsigned = with_bits(
        board.documents[LIST_URL], Bitstring.empty(), valid_from="2026-11-01T00:00:00Z"
    )
    unsigned["validUntil"] = "2026-11-02T00:00:00Z"
    board.documents[LIST_URL] = add_proof(unsigned, board.key, created=NOW - timedelta(days=30))
    report = verify(credential, at=NOW, resolvers=Resolvers(board.fetch))
    assert "expired on 2026-11-02T00:00:00Z" in status_check(report).message


def test_wrong_purpose_and_range(board: Board, license_template: dict[str, Any]) -> None:
    doc = copy.deepcopy(license_template)
    doc["credentialStatus"] = status_entry(list_url=LIST_URL, index=5, purpose="suspension")
    report = verify(
        sign_credential(doc, board.key, created=NOW), at=NOW, resolvers=Resolvers(board.fetch)
    )
    assert "is not a purpose of" in status_check(report).message
    doc["credentialStatus"] = status_entry(
        list_url=LIST_URL, index=MIN_ENTRIES + 5, purpose="revocation"
    )
    report = verify(
        sign_credential(doc, board.key, created=NOW), at=NOW, resolvers=Resolvers(board.fetch)
    )
    assert "RANGE_ERROR" in status_check(report).message


def test_status_message_purpose(board: Board, license_template: dict[str, Any]) -> None:
    url = "https://nursing.ohio.example/status/messages"
    board.bits[url] = Bitstring.empty(size=2)
    board.bits[url].set(3, 2)
    board.publish(url, "message")
    messages = {0: "in good standing", 1: "probation", 2: "under investigation", 3: "retired"}
    doc = copy.deepcopy(license_template)
    doc["credentialStatus"] = status_entry(
        list_url=url, index=3, purpose="message", size=2, messages=messages
    )
    report = verify(
        sign_credential(doc, board.key, created=NOW), at=NOW, resolvers=Resolvers(board.fetch)
    )
    assert status_check(report).status == "warning"
    assert "under investigation" in status_check(report).message
    assert report.verified


def test_policy_can_accept_an_unreachable_list(
    board: Board, license_template: dict[str, Any]
) -> None:
    from openler.vc.report import Policy

    credential = board.license(license_template, 42)
    del board.documents[LIST_URL]
    report = verify(
        credential, at=NOW, resolvers=Resolvers(board.fetch), policy=Policy(fail_closed=False)
    )
    assert status_check(report).status == "warning"
    assert "the policy accepts this" in status_check(report).message
    assert report.verified
