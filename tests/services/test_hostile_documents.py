"""Documents verification reads from files and the network are held to the same JSON rules.

``--doc``, ``--context`` and ``--trust`` files, and documents fetched with ``--online``
(DID documents, controller documents, status lists), are read as I-JSON: a repeated name
(RFC 7493 §2.3), an unpaired surrogate (§2.1), NaN or over-deep nesting is refused with a
message naming the file or URL, never read last-name-wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from openler.services.errors import FileError
from openler.services.files.documents import online_fetcher, read_json_file
from openler.services.files.outbound import FetchLimits, fetch_budget
from openler.vc import ResolutionError

PUBLIC = "93.184.216.34"  # what the tests resolve every host to: a public address


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "did:web:a", "id": "did:web:b"}', "duplicate member name 'id'"),
        ('{"name": "\\ud800"}', "unpaired surrogate"),
        ('{"n": NaN}', "NaN is not a JSON number"),
        ("[" * 100 + "]" * 100, "nested more than 64 levels deep"),
    ],
)
def test_files_are_read_as_i_json(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "doc.json"
    path.write_text(text)
    with pytest.raises(FileError, match=message) as caught:
        read_json_file(path, "--doc file")
    assert str(path) in caught.value.message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"id": "https://issuer.example", "id": "https://evil.example"}', "duplicate member"),
        (b'{"encodedList": "\\udfff"}', "unpaired surrogate"),
        (b"[" * 5000 + b"]" * 5000, "nested more than 64 levels deep"),
        (b'{"a": "\xff"}', "not UTF-8"),
    ],
)
def test_fetched_documents_are_read_as_i_json(body: bytes, message: str) -> None:
    fetch = online_fetcher(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=body)),
        resolve=lambda host, port: [PUBLIC],  # a public address: the fetch is allowed
    )
    with fetch_budget(FetchLimits()), pytest.raises(ResolutionError, match=message) as caught:
        fetch("https://issuer.example/did.json")
    assert (
        "https://issuer.example/did.json did not return JSON openler accepts"
        in caught.value.message
    )


@pytest.mark.parametrize(
    "url", ["https://xn--/.well-known/did.json", "https://[::1/did.json", "https://a\x00b/"]
)
def test_urls_httpx_cannot_use_are_a_resolution_error(url: str) -> None:
    # A did:web names its host; a malformed one (an empty IDNA label, a broken IPv6
    # literal) is the document's fault, reported as such, not a crash.
    def never(request: Any) -> httpx.Response:
        raise AssertionError("nothing should be sent")

    fetch = online_fetcher(
        transport=httpx.MockTransport(never), resolve=lambda host, port: [PUBLIC]
    )
    with fetch_budget(FetchLimits()), pytest.raises(ResolutionError):
        fetch(url)
