"""openler as an OpenID4VCI credential issuer, driven by a wallet others wrote: the
OpenWallet Foundation's ``@openid4vc/openid4vci`` (with ``@openid4vc/oauth2``) resolves the
offer ``openler offers create`` prints, fetches the metadata, exchanges the pre-authorized
code, gets a nonce and makes the jwt proof; what openler issues is then verified by Digital
Bazaar's ``@digitalbazaar/vc`` with the ``eddsa-rdfc-2022`` cryptosuite (``ldp_vc``) or by
``jose`` (``jwt_vc_json``). Bad paths come back with the error codes OpenID4VCI names."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from openler.vc import DocumentLoader
from openler.vc.multibase import b64url_encode, decode_multibase
from tests.browser.test_browser import _free_port, demo_server
from tests.interop.node import run_node

SCRIPT = "oid4vci/wallet_client.mjs"
MULTIKEY = "https://w3id.org/security/multikey/v1"


@dataclass
class Issuer:
    base: str
    workdir: Path

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "OPENLER_DATABASE_URL": f"sqlite:///{self.workdir / 'demo.db'}",
            "OPENLER_PUBLIC_URL": self.base,
            "OPENLER_DATA_DIR": str(self.workdir),
        }

    def openler(self, *args: str) -> list[str]:
        """Run the openler command on the server's database; its output lines."""
        done = subprocess.run(
            [sys.executable, "-c", "from openler.cli import main; main()", *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()

    def offer(self, email: str, *extra: str, name: str = "Maria Alvarez") -> list[str]:
        return self.openler(
            "offers", "create", "--org", "ohio-nursing", "--achievement", "registered-nurse",
            "--email", email, "--name", name, *extra,
        )  # fmt: skip

    def documents(self) -> dict[str, Any]:
        """What the Node verifier may read offline: the issuer's DID document (from the
        server) and the Multikey context (no npm package ships it)."""
        did_doc = httpx.get(f"{self.base}/orgs/ohio-nursing/did.json").json()
        return {did_doc["id"]: did_doc, MULTIKEY: DocumentLoader()(MULTIKEY)["document"]}

    def lists(self, credential: dict[str, Any]) -> dict[str, Any]:
        urls = {entry["statusListCredential"] for entry in credential["credentialStatus"]}
        return {url: httpx.get(url).json() for url in urls}

    def jwks(self) -> dict[str, Any]:
        did_doc = httpx.get(f"{self.base}/orgs/ohio-nursing/did.json").json()
        keys = {}
        for method in did_doc["verificationMethod"]:
            raw = decode_multibase(method["publicKeyMultibase"])[2:]
            keys[method["id"]] = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
        return keys


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    workdir = tmp_path_factory.mktemp("oid4vci-issuer")
    port = _free_port()
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
    }
    with demo_server(workdir, port, env) as base:
        yield Issuer(base, workdir)


def wallet(issuer: Issuer, offer: str, **payload: Any) -> dict[str, Any]:
    result: dict[str, Any] = run_node(
        SCRIPT,
        {"offer": offer, **payload},
        timeout=120,
    )
    return result


@pytest.mark.parametrize(
    ("key_type", "proof_key"), [("Ed25519", "kid"), ("P-256", "kid"), ("P-256", "jwk")]
)
def test_an_independent_wallet_receives_an_ldp_vc(
    issuer: Issuer, key_type: str, proof_key: str
) -> None:
    lines = issuer.offer(f"maria.elsewhere.{key_type}.{proof_key}@example.org")
    offer = lines[-1]
    assert offer.startswith("openid-credential-offer://?credential_offer_uri=")
    got = wallet(issuer, offer, keyType=key_type, proofKey=proof_key, scenario="happy")
    assert "error" not in got, got
    credential = got["credential"]
    assert got["format"] == "ldp_vc"
    subject = credential["credentialSubject"]
    if proof_key == "kid":
        assert subject["id"] == got["holder"]
    else:
        assert subject["id"].startswith("did:jwk:")
    assert subject["achievement"]["name"] == "Registered Nurse"
    assert credential["issuer"]["name"] == "Ohio Board of Nursing"
    # Digital Bazaar's verifier, with the status lists as the server publishes them now
    verdict = run_node(
        "oid4vci/verify_ldp.mjs",
        {
            "credential": credential,
            "documents": issuer.documents(),
            "lists": issuer.lists(credential),
        },
    )
    assert verdict["verified"], verdict


def test_an_independent_wallet_receives_a_jwt_vc_json(issuer: Issuer) -> None:
    offer = issuer.offer("maria.jwt@example.org", "--format", "jwt_vc_json")[-1]
    got = wallet(issuer, offer, keyType="Ed25519", proofKey="kid", scenario="happy",
                 issuerJwks=issuer.jwks())  # fmt: skip
    assert "error" not in got, got
    assert got["format"] == "jwt_vc_json"
    verification = got["verification"]
    assert verification["verified"], verification
    payload = verification["payload"]
    assert payload["sub"] == got["holder"]
    assert payload["vc"]["credentialSubject"]["id"] == got["holder"]
    assert payload["iss"].startswith("did:web:")


def test_a_transaction_code(issuer: Issuer) -> None:
    lines = issuer.offer("maria.tx@example.org", "--tx-code")
    code = next(line.split(": ")[1] for line in lines if line.startswith("transaction code"))
    wrong = "000000" if code != "000000" else "111111"
    refused = wallet(issuer, lines[-1], scenario="happy", txCode=wrong)
    assert (refused["stage"], refused["error"]) == ("token", "invalid_grant"), refused
    got = wallet(issuer, lines[-1], scenario="happy", txCode=code)
    assert "error" not in got, got


@pytest.mark.parametrize(
    ("scenario", "stage", "error"),
    [
        ("replay-code", "token (again)", "invalid_grant"),
        ("wrong-nonce", "credential", "invalid_nonce"),
        ("reused-nonce", "credential", "invalid_nonce"),
        ("other-key", "credential", "invalid_proof"),
        ("wrong-aud", "credential", "invalid_proof"),
    ],
)
def test_refusals_carry_the_specification_error_codes(
    issuer: Issuer, scenario: str, stage: str, error: str
) -> None:
    offer = issuer.offer(f"maria.{scenario}@example.org")[-1]
    second = issuer.offer(f"maria.{scenario}.2@example.org")[-1]
    got = wallet(issuer, offer, offer2=second, scenario=scenario, proofKey="kid")
    assert (got.get("stage"), got.get("error")) == (stage, error), got
    assert got["error_description"]


def test_an_expired_offer_is_refused(issuer: Issuer) -> None:
    offer = issuer.offer("maria.expired@example.org")[-1]
    secret_url = parse_qs(urlsplit(offer).query)["credential_offer_uri"][0]
    resolved = httpx.get(secret_url).json()  # the offer as it stands, before it expires
    with sqlite3.connect(issuer.workdir / "demo.db") as db:
        db.execute("UPDATE oid4vci_offers SET expires_at = '2020-01-01 00:00:00.000000'")
    by_value = "openid-credential-offer://?credential_offer=" + quote(json.dumps(resolved))
    got = wallet(issuer, by_value, scenario="happy")
    assert (got.get("stage"), got.get("error")) == ("token", "invalid_grant"), got
    assert "expired" in got["error_description"]


def test_a_di_vp_proof_signed_by_digital_bazaar(issuer: Issuer) -> None:
    """The proof of possession as a Data Integrity presentation (Appendix F.2) that Digital
    Bazaar's ``vc.signPresentation`` signs: ``authentication``, the nonce as its challenge,
    the issuer as its domain; the credential is bound to the presentation's holder."""
    offer = issuer.offer("maria.di-vp@example.org")[-1]
    got = wallet(issuer, offer, scenario="happy", proofType="di_vp")
    assert "error" not in got, got
    assert got["credential"]["credentialSubject"]["id"] == got["holder"]
    reused = wallet(
        issuer,
        issuer.offer("maria.di-vp.1@example.org")[-1],
        offer2=issuer.offer("maria.di-vp.2@example.org")[-1],
        scenario="reused-nonce",
        proofType="di_vp",
    )
    assert (reused.get("stage"), reused.get("error")) == ("credential", "invalid_nonce"), reused
