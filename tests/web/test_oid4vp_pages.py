"""OpenID4VP through the web layer: a verifier asks from its page (link and QR code), the
request object and the response endpoint answer wallets as the specification says, the API
creates and shows requests, and the wallet's page is for signed-in people."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fastapi.testclient import TestClient

from openler.services.verifiers.verifying import local_fetcher
from openler.vc import Resolver, read_request_object
from tests.web.conftest import csrf_of, login

HTML = {"Accept": "text/html"}


def as_(client: TestClient, who: str) -> str:
    client.cookies.clear()
    login(client, f"{who}@demo.openler.org")
    return csrf_of(client.get("/home").text)


def ask(client: TestClient, **form: str) -> tuple[str, str]:
    token = as_(client, "hr")
    created = client.post(
        "/verifier/piedmont-hospital/oid4vp",
        data={"csrf_token": token, "achievement_type": "License", "hours": "2", **form},
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    detail = client.get(created.headers["location"]).text
    assert 'alt="QR code of this OpenID4VP request"' in detail
    link = re.search(r'id="link" type="text" readonly value="(openid4vp://[^"]+)"', detail)
    assert link is not None
    return created.headers["location"], unquote(link.group(1).replace("&amp;", "&"))


def request_path(link: str) -> str:
    return urlsplit(parse_qs(urlsplit(link).query)["request_uri"][0]).path


def test_a_verifier_asks_and_a_wallet_reads_the_signed_request(
    client: TestClient, demo_platform: Any
) -> None:
    detail_path, link = ask(client, name="Registered Nurse", skills="IV therapy")
    client.cookies.clear()  # wallets are not signed in here
    served = client.get(request_path(link))
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    assert served.headers["cache-control"] == "no-store"
    with demo_platform.db.session() as s:
        read = read_request_object(served.text, resolver=Resolver(local_fetcher(s, demo_platform)))
    assert read.claims["dcql_query"]["credential_sets"][1]["required"] is False
    assert read.claims["response_uri"] == "http://127.0.0.1:8000/oid4vp/response"
    # a wallet's error response is taken with 200 and a JSON object; the page says so
    declined = client.post(
        "/oid4vp/response", data={"state": read.claims["state"], "error": "access_denied"}
    )
    assert (declined.status_code, declined.json()) == (200, {})
    as_(client, "hr")
    assert "wallet declined: access_denied" in client.get(detail_path).text
    # answered: the request object is no longer served
    client.cookies.clear()
    gone = client.get(request_path(link))
    assert gone.status_code == 409 and gone.json()["error"] == "invalid_request_uri"


def test_the_response_endpoint_refuses_with_the_specifications_error(client: TestClient) -> None:
    for form in ({}, {"state": "unknown"}, {"state": "unknown", "vp_token": "{}"}):
        answered = client.post("/oid4vp/response", data=form)
        assert answered.status_code == 400
        assert answered.json()["error"] == "invalid_request"
        assert answered.json()["error_description"]
    assert client.get("/oid4vp/requests/not-a-token").status_code == 404


def test_the_form_checks_its_input_and_roles(client: TestClient) -> None:
    token = as_(client, "hr")
    bad = client.post(
        "/verifier/piedmont-hospital/oid4vp",
        data={"csrf_token": token, "achievement_type": "Pony", "hours": "2"},
        headers=HTML,
    )
    assert bad.status_code == 400 and "Choose a kind of credential" in bad.text
    token = as_(client, "maria")
    refused = client.post(
        "/verifier/piedmont-hospital/oid4vp",
        data={"csrf_token": token, "achievement_type": "License", "hours": "2"},
        headers=HTML,
    )
    assert refused.status_code == 403


def test_the_api_creates_and_shows_an_oid4vp_request(client: TestClient) -> None:
    as_(client, "hr")
    query = {
        "credentials": [
            {
                "id": "rn",
                "format": "ldp_vc",
                "meta": {
                    "type_values": [
                        ["https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]
                    ]
                },
            }
        ]
    }
    created = client.post(
        "/api/requests",
        json={"organization": "piedmont-hospital", "protocol": "oid4vp", "query": query},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["uri"].startswith("openid4vp://?client_id=decentralized_identifier")
    shown = client.get(f"/api/requests/{body['id']}").json()
    assert shown["protocol"] == "oid4vp" and shown["state"] == "open"
    assert shown["verified"] is None and shown["uri"] == body["uri"]
    bad = client.post(
        "/api/requests",
        json={"organization": "piedmont-hospital", "protocol": "oid4vp", "query": {"x": 1}},
    )
    assert bad.status_code == 400 and "DCQL" in bad.json()["message"]


def test_the_wallet_page_is_for_signed_in_people(client: TestClient) -> None:
    client.cookies.clear()
    page = client.get("/oid4vp/answer", headers=HTML, follow_redirects=False)
    assert page.status_code in (303, 307) and "/login" in page.headers["location"]
    as_(client, "maria")
    assert 'href="/oid4vp/answer"' in client.get("/home").text
    bad = client.get("/oid4vp/answer", params={"uri": "openid4vp://?client_id=x"}, headers=HTML)
    assert bad.status_code == 400 and "request_uri" in bad.text
