"""Hostile request bodies: refused with a 400 that says why, before anything reads them.

FastAPI reads JSON bodies with Python's ``json``, which keeps the last of two equal names
and accepts NaN and unpaired surrogates. openler's routes read bodies as I-JSON instead
(``IJsonRequest``), so the VC API and the presentation-request answer see exactly one
document, and nothing a verification could crash on.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openler.vc import Multikey, sign_credential
from tests.conftest import NOW
from tests.web.conftest import login

ISSUER = Multikey.from_seed(bytes([7]) * 32)


@pytest.fixture
def credential(license_template: dict[str, Any]) -> dict[str, Any]:
    return sign_credential(license_template, ISSUER, created=NOW)


@pytest.fixture
def endpoints(client: TestClient) -> list[tuple[str, str]]:
    login(client, "hr@demo.openler.org")
    created = client.post("/api/requests", json={"organization": "piedmont-hospital"}).json()
    client.cookies.clear()
    return [
        ("/credentials/verify", "verifiableCredential"),
        ("/presentations/verify", "verifiablePresentation"),
        (f"/api/requests/{created['challenge']}/answer", "verifiablePresentation"),
    ]


def post(client: TestClient, path: str, body: str) -> Any:
    return client.post(path, content=body.encode(), headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("make_body", "message"),
    [
        # RFC 7493 §2.3: "Objects in I-JSON messages MUST NOT have members with duplicate names."
        (
            lambda field, doc: f'{{"{field}": {doc}, "{field}": {{}}}}',
            "duplicate member name",
        ),
        (
            lambda field, doc: f'{{"{field}": {{"proof": 1, "proof": 2}}}}',
            "duplicate member name 'proof'",
        ),
        # RFC 7493 §2.1: no unpaired surrogates, escaped or not.
        (lambda field, doc: f'{{"{field}": "\\ud800"}}', "unpaired surrogate"),
        (lambda field, doc: f'{{"{field}": {{"\\udfff": 1}}}}', "unpaired surrogate"),
        # RFC 8259 §6: NaN is not a JSON number; RFC 7493 §2.2: 1E400 is beyond a double.
        (lambda field, doc: f'{{"{field}": {{"n": NaN}}}}', "NaN is not a JSON number"),
        (lambda field, doc: f'{{"{field}": {{"n": 1E400}}}}', "IEEE 754 double"),
        (lambda field, doc: f'{{"{field}": {{"n": {"9" * 200}}}}}', "openler accepts at most"),
        # RFC 8259 §9: a parser may limit the depth of nesting.
        (
            lambda field, doc: f'{{"{field}": ' + "[" * 1000 + "]" * 1000 + "}",
            "nested more than 65 levels deep",
        ),
    ],
)
def test_bodies_that_are_not_i_json_are_refused_with_a_400(
    client: TestClient,
    endpoints: list[tuple[str, str]],
    credential: dict[str, Any],
    make_body: Any,
    message: str,
) -> None:
    for path, field in endpoints:
        response = post(client, path, make_body(field, json.dumps(credential)))
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "invalid_json"
        assert message in response.json()["message"]


def test_the_same_credential_without_the_repeated_name_verifies(
    client: TestClient, credential: dict[str, Any]
) -> None:
    # a did:key issuer outside the demo's trust registry: the caller asks for no trust check
    options = '"options": {"checks": ["proof", "status"]}'
    body = f'{{"verifiableCredential": {json.dumps(credential)}, {options}}}'
    assert post(client, "/credentials/verify", body).json()["verified"]
    twice = body.replace('"validUntil":', '"validUntil": "2020-01-01T00:00:00Z", "validUntil":')
    refused = post(client, "/credentials/verify", twice)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_json"


def test_the_body_admits_a_credential_of_64_levels_and_no_deeper(
    client: TestClient, endpoints: list[tuple[str, str]]
) -> None:
    # A credential may nest 64 levels (its top-level object is the first); the request
    # wraps it in one more. Deeper is refused before any verification runs.
    for path, field in endpoints:
        fits = "[" * 63 + "]" * 63  # the credential object and 63 arrays: 64 levels
        response = post(client, path, f'{{"{field}": {{"credentialSubject": {fits}}}}}')
        assert response.status_code == 400 and response.json()["verified"] is False
        assert response.json()["report"]["checks"][0] == {
            "id": "parse",
            "status": "passed",
            "message": "JSON object",
        }
        deeper = "[" * 64 + "]" * 64
        response = post(client, path, f'{{"{field}": {{"credentialSubject": {deeper}}}}}')
        assert response.status_code == 400 and response.json()["code"] == "invalid_json"


def test_a_jwt_whose_payload_nests_a_thousand_deep_fails_parse(
    client: TestClient, endpoints: list[tuple[str, str]]
) -> None:
    from openler.vc.multibase import b64url_encode

    header = b64url_encode(json.dumps({"alg": "EdDSA", "kid": ISSUER.id}).encode())
    payload = b64url_encode(("[" * 1000 + "]" * 1000).encode())
    token = f"{header}.{payload}.{b64url_encode(bytes(64))}"
    for path, field in endpoints:
        response = post(client, path, json.dumps({field: token}))
        assert response.status_code == 400
        assert response.json()["errors"] == [
            "parse: JWT payload is not acceptable JSON: JSON is nested more than 64 levels deep"
        ]


def test_other_json_routes_read_bodies_the_same_way(client: TestClient) -> None:
    login(client, "hr@demo.openler.org")
    response = post(
        client, "/api/requests", '{"organization": "piedmont-hospital", "organization": "x"}'
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"
