"""VC API exchanges over HTTP, in process: making them (who may), the interaction URL for a
wallet and for a browser, and refusals a wallet reads in the body."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, login

QUERY = {
    "type": "QueryByExample",
    "credentialQuery": {"reason": "Your licence", "example": {"type": ["VerifiableCredential"]}},
}


def test_who_may_make_exchanges(client: TestClient) -> None:
    issuance = {
        "organization": "ohio-nursing",
        "achievement": "registered-nurse",
        "email": "a@b.org",
    }
    presentation = {"organization": "piedmont-hospital", "query": QUERY}
    assert client.post("/api/exchanges/issuance", json=issuance).status_code == 401
    login(client, "hr@demo.openler.org")  # a verifier elsewhere: no issuing at the board
    assert client.post("/api/exchanges/issuance", json=issuance).status_code == 403
    made = client.post("/api/exchanges/presentation", json=presentation)
    assert made.status_code == 201, made.text
    assert made.json()["request"] and made.json()["interactionUrl"].endswith("?iuv=1")
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/home").text)})
    login(client, "olivia@demo.openler.org")
    assert client.post("/api/exchanges/presentation", json=presentation).status_code == 403
    made = client.post("/api/exchanges/issuance", json=issuance)
    assert made.status_code == 201, made.text


def test_the_interaction_url_for_a_wallet_and_for_a_browser(client: TestClient) -> None:
    login(client, "olivia@demo.openler.org")
    issuance = {
        "organization": "ohio-nursing",
        "achievement": "registered-nurse",
        "email": "a@b.org",
    }
    made: dict[str, Any] = client.post("/api/exchanges/issuance", json=issuance).json()
    url = made["interactionUrl"].removeprefix("http://127.0.0.1:8000")
    wallet = client.get(url, headers={"Accept": "application/json"})
    protocols = wallet.json()["protocols"]
    assert protocols["vcapi"] == made["exchangeUrl"]
    assert protocols["OID4VCI"].startswith("openid-credential-offer://")
    browser = client.get(url, headers={"Accept": "text/html"})
    assert "A credential from Ohio Board of Nursing" in browser.text
    assert "Registered Nurse" in browser.text
    started = client.post(url.removesuffix("?iuv=1"), json={})
    request = started.json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["challenge"] and request["domain"]


def test_refusals_are_in_the_body(client: TestClient) -> None:
    unknown = client.post("/exchanges/nothing-here", json={})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "unknown_exchange"
    login(client, "olivia@demo.openler.org")
    issuance = {
        "organization": "ohio-nursing",
        "achievement": "registered-nurse",
        "email": "a@b.org",
    }
    made = client.post("/api/exchanges/issuance", json=issuance).json()
    path = made["exchangeUrl"].removeprefix("http://127.0.0.1:8000")
    for body, code in (
        ({"verifiablePresentation": "not a presentation"}, "invalid_request"),
        ({"verifiablePresentation": {"type": ["VerifiablePresentation"]}}, "invalid_presentation"),
    ):
        answer = client.post(path, json=body)
        assert answer.status_code == 400
        assert answer.json()["error"] == code
        assert answer.json()["error_description"]
