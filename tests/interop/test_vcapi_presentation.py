"""Presentation by VC API exchange, against a live openler: the LCW-like DCC client answers a
``QueryByExample`` exchange with a credential it received by an issuance exchange — signed
(Ed25519Signature2020) when ``DIDAuthentication`` is asked too, unsigned when only
``QueryByExample`` is — and the answer lands in the verifier's presentation request, read
through the same API as openler's own answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.interop.vcapi_world import OTHER_SEED, WALLET_SEED, Live, lcw, live_demo

QUERY = {
    "type": "QueryByExample",
    "credentialQuery": {
        "reason": "An active Registered Nurse licence",
        "example": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
        },
    },
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_demo(tmp_path_factory.mktemp("vcapi-present")) as world:
        yield world


@pytest.fixture(scope="module")
def held(live: Live) -> list[Any]:
    """What the wallet holds: a credential it received by an issuance exchange."""
    result = lcw("exchange", url=live.issuance(), seed=WALLET_SEED)
    return list(result["response"]["verifiablePresentation"]["verifiableCredential"])


@pytest.fixture(scope="module")
def verifier_token(live: Live) -> str:
    return live.openler(
        "tokens",
        "create",
        "--email",
        "hr@demo.openler.org",
        "--org",
        "piedmont-hospital",
        "--role",
        "verifier",
    ).strip()


def request_state(live: Live, token: str, request_id: str) -> Any:
    answer = httpx.get(
        f"{live.base}/api/requests/{request_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_signed_answer_lands_in_the_request(
    live: Live, held: list[Any], verifier_token: str
) -> None:
    request_id, url = live.request(QUERY)
    result = lcw("exchange", url=url, seed=WALLET_SEED, credentials=held)
    types = [q["type"] for q in result["request"]["query"]]
    assert types == ["QueryByExample", "DIDAuthentication"]
    assert result["sent"]["proof"]["type"] == "Ed25519Signature2020"
    assert result["response"] == {}, result
    state = request_state(live, verifier_token, request_id)
    assert state["state"] == "answered"
    assert state["verification"]["verified"], state["verification"]
    assert state["verifiablePresentation"]["verifiableCredential"] == held


def test_an_unsigned_answer_to_query_by_example_only(
    live: Live, held: list[Any], verifier_token: str
) -> None:
    request_id, url = live.request(QUERY, unsigned=True)
    result = lcw("exchange", url=url, seed=WALLET_SEED, credentials=held)
    assert [q["type"] for q in result["request"]["query"]] == ["QueryByExample"]
    assert "proof" not in result["sent"]  # LCW signs only when DIDAuthentication is asked
    assert result["response"] == {}, result
    state = request_state(live, verifier_token, request_id)
    assert state["verification"]["verified"], state["verification"]
    checks = {c["id"]: c["status"] for c in state["verification"]["report"]["checks"]}
    assert checks["proof"] == "skipped" and checks["holder"] == "skipped"


def test_an_unsigned_answer_is_refused_where_didauthentication_was_asked(
    live: Live, held: list[Any]
) -> None:
    _, url = live.request(QUERY)
    result = lcw("exchange", url=url, seed=WALLET_SEED, credentials=held, tamper={"unsigned": True})
    assert result["response"]["error"] == "invalid_presentation"


def test_an_answer_signed_by_someone_else_is_refused(live: Live, held: list[Any]) -> None:
    _, url = live.request(QUERY)
    result = lcw(
        "exchange", url=url, seed=WALLET_SEED, credentials=held, tamper={"signerSeed": OTHER_SEED}
    )
    assert result["response"]["error"] == "invalid_presentation"


def test_a_tampered_credential_is_refused(live: Live, held: list[Any]) -> None:
    _, url = live.request(QUERY, unsigned=True)
    altered = [{**held[0], "name": "Chief Surgeon"}]
    result = lcw("exchange", url=url, seed=WALLET_SEED, credentials=altered)
    assert result["response"]["error"] == "invalid_presentation"
    assert "signature does not match" in result["response"]["error_description"]


def test_a_query_whose_example_type_is_not_an_array_is_refused(live: Live) -> None:
    bad = {**QUERY, "credentialQuery": {"example": {"type": "OpenBadgeCredential"}}}
    with pytest.raises(AssertionError, match="must be an array"):
        live.request(bad)


def test_an_answered_exchange_is_not_answered_again(live: Live, held: list[Any]) -> None:
    _, url = live.request(QUERY)
    first = lcw("exchange", url=url, seed=WALLET_SEED, credentials=held)
    assert first["response"] == {}
    posted = lcw("post", url=first["target"], body={"verifiablePresentation": first["sent"]})
    assert posted["body"]["error"] == "exchange_complete"


def dcc_credential(subject: str) -> dict[str, Any]:
    """A VC 2.0 credential signed by the DCC libraries with Ed25519Signature2020 (as older
    DCC and Open edX issuers sign), about the wallet's DID."""
    issuer = lcw("did", seed="0c" * 32)["did"]
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:9a4f1c3e-2b7d-4e8a-9c1f-0d2e3f4a5b6c",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": subject},
    }
    return dict(lcw("sign-credential", seed="0c" * 32, credential=unsigned))


ANY = {
    "type": "QueryByExample",
    "credentialQuery": {"reason": "Any credential", "example": {"type": ["VerifiableCredential"]}},
}


def test_an_ed25519signature2020_credential_is_verified_in_an_answer(live: Live) -> None:
    wallet = lcw("did", seed=WALLET_SEED)["did"]
    credential = dcc_credential(wallet)
    _, url = live.request(ANY)
    result = lcw("exchange", url=url, seed=WALLET_SEED, credentials=[credential])
    # its proof verifies; its did:key issuer is in no trust registry here, so Piedmont refuses
    described = result["response"]["error_description"]
    assert "not in the trust registry" in described, described
    assert "signature" not in described

    tampered = {**credential, "validFrom": "2020-01-01T00:00:00Z"}
    _, url = live.request(ANY)
    result = lcw("exchange", url=url, seed=WALLET_SEED, credentials=[tampered])
    assert "signature does not match" in result["response"]["error_description"]
