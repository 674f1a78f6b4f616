"""Key files, --context / --doc files and the opt-in HTTPS fetcher (with a fake transport)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openler.services.errors import FileError, UsageError
from openler.services.files.documents import (
    context_loader,
    load_key,
    online_fetcher,
    resolver_for,
    write_key,
)
from openler.services.files.outbound import FetchLimits, fetch_budget
from openler.vc import Multikey, ResolutionError

#: every name resolves to one public address (example.com's)
PUBLIC = "93.184.216.34"


def fetcher(handler: Any, **kwargs: Any) -> Any:
    return online_fetcher(
        transport=httpx.MockTransport(handler), resolve=lambda host, port: [PUBLIC], **kwargs
    )


@pytest.fixture(autouse=True)
def budget() -> Iterator[None]:
    """Fetches happen inside a verification's budget (see test_outbound for the budget)."""
    with fetch_budget(FetchLimits()):
        yield


def test_fetches_json_over_https() -> None:
    fetch = fetcher(
        lambda request: httpx.Response(
            200,
            json={"id": f"https://{request.headers['host']}{request.url.path}"},
            headers={"Cache-Control": "public, max-age=60"},
        )
    )
    fetched = fetch("https://issuer.example/profile")
    assert fetched.document == {"id": "https://issuer.example/profile"}
    assert fetched.max_age == 60
    no_store = fetcher(
        lambda r: httpx.Response(200, json={}, headers={"Cache-Control": "no-store"})
    )
    assert no_store("https://issuer.example/x").max_age == 0


def test_refuses_plain_http() -> None:
    with pytest.raises(ResolutionError, match="only https"):
        fetcher(lambda r: httpx.Response(200, json={}))("http://issuer.example/profile")


def test_refuses_oversized_bodies() -> None:
    fetch = fetcher(
        lambda r: httpx.Response(200, content=b"[" + b" " * 5000 + b"]"), max_bytes=1000
    )
    with pytest.raises(ResolutionError, match="more than 1000 bytes"):
        fetch("https://issuer.example/big")


def test_reports_timeouts_and_http_errors() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(ResolutionError, match="could not fetch"):
        fetcher(slow)("https://issuer.example/slow")
    with pytest.raises(ResolutionError, match="HTTP 404"):
        fetcher(lambda r: httpx.Response(404))("https://issuer.example/missing")
    with pytest.raises(ResolutionError, match="did not return JSON"):
        fetcher(lambda r: httpx.Response(200, content=b"<html>"))("https://issuer.example/html")
    with pytest.raises(ResolutionError, match="HTTP 302, a redirect to https://elsewhere"):
        fetcher(lambda r: httpx.Response(302, headers={"location": "https://elsewhere"}))(
            "https://issuer.example/redirect"
        )


def test_key_files_round_trip_and_refuse_overwrite(tmp_path: Path) -> None:
    key = Multikey.generate()
    path = tmp_path / "key.json"
    write_key(key, path)
    assert load_key(path).public == key.public
    with pytest.raises(FileError, match="refusing to overwrite"):
        write_key(key, path)
    assert "secret" not in repr(load_key(path))


def test_bad_key_files_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text(
        json.dumps(
            {
                "publicKeyMultibase": Multikey.generate().public_key_multibase,
                "secretKeyMultibase": Multikey.generate().secret_json()["secretKeyMultibase"],
            }
        )
    )
    with pytest.raises(FileError, match="does not belong"):
        load_key(path)
    with pytest.raises(FileError, match="cannot read key file"):
        load_key(tmp_path / "missing.json")


def test_context_and_doc_options(tmp_path: Path) -> None:
    not_context = tmp_path / "x.json"
    not_context.write_text("{}")
    with pytest.raises(UsageError, match="not a JSON-LD context"):
        context_loader([f"https://ctx.example={not_context}"])
    with pytest.raises(UsageError, match="URL=FILE"):
        resolver_for(["just-a-url"], online=False)
    doc = tmp_path / "did.json"
    doc.write_text(json.dumps({"id": "did:web:a.example"}))
    resolver = resolver_for([f"did:web:a.example={doc}"], online=False)
    assert resolver.document("did:web:a.example")["id"] == "did:web:a.example"
