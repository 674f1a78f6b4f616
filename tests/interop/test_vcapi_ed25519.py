"""Ed25519Signature2020 — the suite the Learner Credential Wallet signs its DIDAuth
presentations with, and older DCC and Open edX credentials carry — verified by openler
(never signed): the W3C vector, and credentials and presentations signed by the DCC
libraries (``@digitalcredentials/vc`` + ``@digitalcredentials/ed25519-signature-2020``)
in Node. Tampered ones fail the proof check."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from openler.vc import ProofError, add_proof, check_proofs, verify
from openler.vc.did import Resolver
from openler.vc.jsonld import bundled_context
from tests.conftest import load_json, shared_path
from tests.interop.node import MODULES, run_node

ISSUER_SEED = "01" * 32
HOLDER_SEED = "02" * 32
OTHER_SEED = "03" * 32


def lcw(action: str, **payload: Any) -> Any:
    return run_node("vcapi/lcw.mjs", {"action": action, **payload})


@pytest.fixture(scope="module")
def issuer_did() -> str:
    return str(lcw("did", seed=ISSUER_SEED)["did"])


def unsigned_credential(issuer: str, version: int) -> dict[str, Any]:
    if version == 1:  # as Open edX and older DCC issuers write them
        return {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "id": "urn:uuid:6b1c4b2a-4b0d-4d59-9b53-2d8f2b0b3c11",
            "type": ["VerifiableCredential"],
            "issuer": issuer,
            "issuanceDate": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:learner"},
        }
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0f3c57a2-1c9a-4a43-8d6a-5b8f0f1c2d3e",
        "type": ["VerifiableCredential"],
        "issuer": {"id": issuer, "name": "Example College"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


@pytest.fixture(scope="module", params=[1, 2], ids=["vc1.1", "vc2.0"])
def signed_credential(request: pytest.FixtureRequest, issuer_did: str) -> dict[str, Any]:
    credential = unsigned_credential(issuer_did, request.param)
    return dict(lcw("sign-credential", seed=ISSUER_SEED, credential=credential))


def test_the_bundled_context_is_the_npm_packages() -> None:
    package = MODULES / "ed25519-signature-2020-context" / "contexts"
    published = load_json(package / "ed25519-signature-2020-v1.jsonld")
    assert bundled_context("https://w3id.org/security/suites/ed25519-2020/v1") == published


def test_the_w3c_vector_verifies() -> None:
    signed = load_json(
        shared_path("standards", "vectors", "Ed25519Signature2020", "signedEdSig.json")
    )
    [result] = check_proofs(
        signed, resolver=Resolver(), purpose="assertionMethod", at=datetime.now(UTC)
    )
    assert result.ok, result.message
    assert result.cryptosuite == "Ed25519Signature2020"


def test_a_dcc_signed_credential_verifies(signed_credential: dict[str, Any]) -> None:
    assert signed_credential["proof"]["type"] == "Ed25519Signature2020"
    report = verify(json.dumps(signed_credential), at=datetime.now(UTC))
    assert report.verified, report.errors()
    assert "Ed25519Signature2020 proof" in str(report.check("proof"))
    assert report.status_of("issuer") == "passed"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c["credentialSubject"].update(id="did:example:someone-else"),
        lambda c: c["proof"].update(created="2020-01-01T00:00:00Z"),
        lambda c: c["proof"].update(proofValue="z" + c["proof"]["proofValue"][2:] + "1"),
        lambda c: c["proof"].update(cryptosuite="eddsa-rdfc-2022"),
        lambda c: c["proof"].update(proofPurpose="authentication"),
    ],
    ids=["subject", "created", "proofValue", "cryptosuite", "purpose"],
)
def test_a_tampered_dcc_credential_does_not(signed_credential: dict[str, Any], tamper: Any) -> None:
    altered = copy.deepcopy(signed_credential)
    tamper(altered)
    report = verify(json.dumps(altered), at=datetime.now(UTC))
    assert not report.verified
    assert report.status_of("proof") == "failed", report.checks


def test_a_credential_claiming_another_issuer_fails(issuer_did: str) -> None:
    other = str(lcw("did", seed=OTHER_SEED)["did"])
    credential = unsigned_credential(other, 2)
    signed = lcw("sign-credential", seed=ISSUER_SEED, credential=credential)
    report = verify(json.dumps(signed), at=datetime.now(UTC))
    assert report.status_of("proof") == "passed"
    assert report.status_of("issuer") == "failed"


def test_a_didauth_presentation_verifies_for_its_challenge_and_domain() -> None:
    vp = lcw("presentation", seed=HOLDER_SEED, challenge="c-123", domain="https://v.example")
    assert vp["proof"]["type"] == "Ed25519Signature2020"
    ok = verify(
        json.dumps(vp),
        at=datetime.now(UTC),
        challenge="c-123",
        domain="https://v.example",
        proof_purpose="authentication",
    )
    assert ok.verified, ok.errors()
    for challenge, domain in (("c-999", "https://v.example"), ("c-123", "https://x.example")):
        wrong = verify(
            json.dumps(vp),
            at=datetime.now(UTC),
            challenge=challenge,
            domain=domain,
            proof_purpose="authentication",
        )
        assert wrong.status_of("proof") == "failed"
        assert "mismatch" in str(wrong.check("proof"))


def test_a_presentation_signed_by_another_key_than_its_holder_fails() -> None:
    holder = str(lcw("did", seed=HOLDER_SEED)["did"])
    vp = lcw(
        "presentation",
        seed=HOLDER_SEED,
        signerSeed=OTHER_SEED,
        holder=holder,
        challenge="c",
        domain="d",
    )
    report = verify(json.dumps(vp), at=datetime.now(UTC), challenge="c", domain="d")
    assert report.status_of("proof") == "passed"  # a valid proof, by someone else
    assert report.status_of("holder") == "failed"
    assert not report.verified


def test_openler_never_signs_with_it(holder_key: Any) -> None:
    with pytest.raises(ProofError, match="unknown cryptosuite"):
        add_proof({"@context": []}, holder_key, cryptosuite="Ed25519Signature2020")  # type: ignore[arg-type]
