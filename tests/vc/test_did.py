"""did:key, did:web and HTTPS controller documents, resolved without any socket."""

from __future__ import annotations

from typing import Any

import pytest

from openler.vc import (
    Multikey,
    ResolutionError,
    Resolver,
    UnauthorizedMethodError,
    did_web_for,
    did_web_url,
)
from openler.vc.did import resolve_did_key


def test_did_key_resolves_to_a_multikey_document(issuer_key: Multikey) -> None:
    doc = resolve_did_key(issuer_key.controller)
    assert doc["id"] == issuer_key.controller
    [method] = doc["verificationMethod"]
    assert method == issuer_key.public_json()
    assert issuer_key.id == f"{issuer_key.controller}#{issuer_key.public_key_multibase}"


def test_malformed_did_key_is_an_error() -> None:
    with pytest.raises(ResolutionError, match="malformed did:key"):
        Resolver().document("did:key:z6Mk0OIl")


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:board.example", "https://board.example/.well-known/did.json"),
        ("did:web:board.example:issuers:nursing", "https://board.example/issuers/nursing/did.json"),
        ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
    ],
)
def test_did_web_urls(did: str, url: str) -> None:
    assert did_web_url(did) == url


def test_did_web_for_encodes_ports() -> None:
    assert (
        did_web_for("127.0.0.1:8000", "issuers", "ohio") == "did:web:127.0.0.1%3A8000:issuers:ohio"
    )


def web_document(
    key: Multikey, did: str, purposes: tuple[str, ...] = ("assertionMethod",)
) -> dict[str, Any]:
    method = key.with_controller(did, f"{did}#key-1").public_json()
    return {"id": did, "verificationMethod": [method], **{p: ["#key-1"] for p in purposes}}


def test_did_web_resolves_through_the_injected_fetcher(issuer_key: Multikey) -> None:
    did = "did:web:board.example"
    asked: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        asked.append(url)
        return web_document(issuer_key, did)

    resolver = Resolver(fetch)
    method = resolver.verification_method(f"{did}#key-1", "assertionMethod")
    assert method.public_key == issuer_key.public and method.controller == did
    resolver.verification_method(f"{did}#key-1", "assertionMethod")
    assert asked == ["https://board.example/.well-known/did.json"]


def test_https_controller_document(issuer_key: Multikey) -> None:
    url = "https://issuer.example/profile"
    resolver = Resolver(lambda u: web_document(issuer_key, url) if u == url else {})
    assert resolver.verification_method(f"{url}#key-1", "assertionMethod").controller == url


def test_purpose_not_listed_is_unauthorised(issuer_key: Multikey) -> None:
    did = "did:web:board.example"
    resolver = Resolver(lambda url: web_document(issuer_key, did, ("authentication",)))
    with pytest.raises(UnauthorizedMethodError, match="does not authorise"):
        resolver.verification_method(f"{did}#key-1", "assertionMethod")


def test_document_must_name_itself(issuer_key: Multikey) -> None:
    resolver = Resolver(lambda url: web_document(issuer_key, "did:web:other.example"))
    with pytest.raises(ResolutionError, match="names itself"):
        resolver.document("did:web:board.example")


def test_offline_without_fetcher_says_how_to_supply(issuer_key: Multikey) -> None:
    with pytest.raises(ResolutionError, match="--doc URL=FILE"):
        Resolver().document("did:web:board.example")


def test_failing_fetcher_is_reported() -> None:
    def fetch(url: str) -> dict[str, Any]:
        raise TimeoutError("took too long")

    with pytest.raises(ResolutionError, match="took too long"):
        Resolver(fetch).document("https://issuer.example/profile")


def test_unsupported_method() -> None:
    with pytest.raises(ResolutionError, match="did:ion is not supported"):
        Resolver().document("did:ion:abc")
