"""Issuance by VC API exchange, against a live openler: an LCW-like client built from the
DCC libraries (``@digitalcredentials/vc`` + ``ed25519-signature-2020``, did:key) opens the
interaction URL, authenticates with its DID (Ed25519Signature2020), receives the credential;
Digital Bazaar's ``vc`` + ``data-integrity`` + ``eddsa-rdfc-2022-cryptosuite`` then verify it
— signature and Bitstring status list — with contexts from npm packages only. The bad paths
are refused in the body (LCW ignores status codes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.interop.vcapi_world import OTHER_SEED, WALLET_SEED, Live, db_verify, lcw, live_demo


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_demo(tmp_path_factory.mktemp("vcapi-issue")) as world:
        yield world


@pytest.fixture(scope="module")
def wallet_did() -> str:
    return str(lcw("did", seed=WALLET_SEED)["did"])


@pytest.fixture(scope="module")
def issued(live: Live) -> dict[str, object]:
    url = live.issuance()
    result = lcw("exchange", url=url, seed=WALLET_SEED)
    return {"url": url, **result}


def test_the_interaction_url_names_the_vcapi_exchange(live: Live) -> None:
    url = live.issuance()
    assert url.endswith("?iuv=1")
    answer = httpx.get(url, headers={"Accept": "application/json"})
    protocols = answer.json()["protocols"]
    assert protocols["vcapi"] == url.removesuffix("?iuv=1")
    assert set(protocols) == {"vcapi", "OID4VCI"}  # the same claim offered by OpenID4VCI
    page = httpx.get(url, headers={"Accept": "text/html"})
    assert "Ohio Board of Nursing" in page.text and "Registered Nurse" in page.text


def test_the_request_asks_didauthentication_with_challenge_and_domain(
    issued: dict[str, object],
) -> None:
    request = issued["request"]
    assert isinstance(request, dict)
    assert request["query"] == [
        {"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}
    ]
    assert request["challenge"] and request["domain"]
    assert issued["sent"]["proof"]["type"] == "Ed25519Signature2020"  # type: ignore[index]


def test_the_credential_is_issued_to_the_did_that_authenticated(
    issued: dict[str, object], wallet_did: str
) -> None:
    response = issued["response"]
    assert isinstance(response, dict), issued
    [credential] = response["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == wallet_did
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["credentialStatus"]


def test_digital_bazaar_verifies_it_with_its_status_list(
    issued: dict[str, object], live: Live
) -> None:
    [credential] = issued["response"]["verifiablePresentation"]["verifiableCredential"]  # type: ignore[index]
    result = db_verify(credential, live.base)
    assert result["verified"], result
    purposes = {s["purpose"] for s in result["statuses"]}
    assert "revocation" in purposes
    assert not any(s["set"] for s in result["statuses"])


def test_digital_bazaar_refuses_it_altered(issued: dict[str, object], live: Live) -> None:
    [credential] = issued["response"]["verifiablePresentation"]["verifiableCredential"]  # type: ignore[index]
    altered = {**credential, "credentialSubject": {**credential["credentialSubject"]}}
    altered["credentialSubject"]["id"] = "did:example:someone-else"
    assert not db_verify(altered, live.base)["verified"]


def test_the_exchange_secret_stays_out_of_the_access_log(
    issued: dict[str, object], live: Live
) -> None:
    secret = str(issued["url"]).removesuffix("?iuv=1").rsplit("/", 1)[-1]
    log = (live.workdir / "server.log").read_text("utf-8", errors="replace")
    assert "/exchanges/[redacted]" in log
    assert secret not in log


def test_an_exchange_works_once(issued: dict[str, object]) -> None:
    again = lcw("exchange", url=issued["url"], seed=WALLET_SEED)
    assert again["protocols"]["error"] == "exchange_complete"
    exchange_url = str(issued["url"]).removesuffix("?iuv=1")
    posted = lcw("post", url=exchange_url, body={"verifiablePresentation": issued["sent"]})
    assert posted["body"]["error"] == "exchange_complete"
    assert posted["status"] == 409


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ({"challenge": "not-the-challenge"}, "challenge mismatch"),
        ({"domain": "https://elsewhere.example"}, "domain mismatch"),
        ({"signerSeed": OTHER_SEED}, "not by the holder"),
        ({"unsigned": True}, "no proof"),
    ],
    ids=["wrong-challenge", "wrong-domain", "other-key", "unsigned"],
)
def test_a_bad_didauth_is_refused_and_issues_nothing(
    live: Live, tamper: dict[str, object], expected: str
) -> None:
    url = live.issuance()
    result = lcw("exchange", url=url, seed=WALLET_SEED, tamper=tamper)
    assert result["response"]["error"] == "invalid_presentation", result
    assert expected in result["response"]["error_description"]
    assert "verifiablePresentation" not in result["response"]
    # the exchange still works for the right wallet
    good = lcw("exchange", url=url, seed=WALLET_SEED)
    assert "verifiablePresentation" in good["response"], good


def test_an_expired_exchange_is_refused(live: Live) -> None:
    url = live.issuance(minutes=1)
    database = Path(live.workdir / "demo.db")
    assert database.exists()
    expire(live, url)
    result = lcw("exchange", url=url, seed=WALLET_SEED)
    assert result["protocols"]["error"] == "exchange_expired"
    posted = lcw("post", url=url.removesuffix("?iuv=1"), body={})
    assert posted["body"]["error"] == "exchange_expired"


def test_an_unknown_exchange_is_refused_in_the_body(live: Live) -> None:
    posted = lcw("post", url=f"{live.base}/exchanges/not-a-real-one", body={})
    assert posted["body"]["error"] == "unknown_exchange"


def expire(live: Live, url: str) -> None:
    """Move the exchange's expiry into the past, as time would (SQLite, the server's file)."""
    import hashlib
    import sqlite3

    secret = url.removesuffix("?iuv=1").rsplit("/", 1)[-1]
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with sqlite3.connect(live.workdir / "demo.db") as db:
        db.execute(
            "UPDATE exchanges SET expires_at = '2020-01-01 00:00:00.000000' WHERE token_hash = ?",
            (digest,),
        )
    time.sleep(0.05)


def test_digital_bazaar_sees_it_revoked_once_the_board_revokes_it(live: Live) -> None:
    result = lcw("exchange", url=live.issuance(email="to.revoke@example.org"), seed=WALLET_SEED)
    [credential] = result["response"]["verifiablePresentation"]["verifiableCredential"]
    assert db_verify(credential, live.base)["verified"]
    token = live.openler(
        "tokens",
        "create",
        "--email",
        "olivia@demo.openler.org",
        "--org",
        "ohio-nursing",
        "--role",
        "issuer_admin",
    ).strip()
    revoked = httpx.post(
        f"{live.base}/credentials/status",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "credentialId": credential["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
            "reason": "issued in error",
        },
    )
    assert revoked.status_code == 200, revoked.text
    after = db_verify(credential, live.base)
    assert not after["verified"]
    assert {"purpose": "revocation", "set": True} in [
        {"purpose": s["purpose"], "set": s["set"]} for s in after["statuses"]
    ]


def test_an_openid4vci_wallet_takes_the_same_link_and_the_exchange_then_refuses(
    live: Live,
) -> None:
    """The interaction URL names the claim's OpenID4VCI offer too: openler's own wallet
    (an OpenID4VCI client) receives through it, and the LCW-style exchange of the same
    link then refuses — one credential, taken one way."""
    import subprocess

    from tests.live import openler_command

    url = live.issuance()
    taken = subprocess.run(
        openler_command("wallet", "accept-offer", "--email", "maria@demo.openler.org", url),
        env=live.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert taken.returncode == 0, taken.stderr
    assert "Registered Nurse" in taken.stdout
    result = lcw("exchange", url=url, seed=WALLET_SEED)
    assert result["response"]["error"] == "invalid_request"
    assert "already used" in result["response"]["error_description"]
