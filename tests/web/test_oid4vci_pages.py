"""OpenID4VCI in the pages: the claim link's "use another wallet app" (an offer as a link
and a QR code, shown again on reload, refused once the link is used), the wallet's
"receive a credential" form refusing what is not an offer, and capability URLs kept out
of the access log."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openler.store.models import CredentialOffer
from openler.web.edge import redact
from tests.web.conftest import csrf_of, login
from tests.web.test_claim_pages import another, form_token, issue_to_stranger, link_in_mailbox


def offer_uri_on(page: str) -> str:
    start = page.index('value="openid-credential-offer://') + len('value="')
    return html.unescape(page[start : page.index('"', start)])


def test_a_claim_link_offers_the_credential_to_another_wallet_app(
    client: TestClient, demo_platform: Any
) -> None:
    issue_to_stranger(client, "pat@example.org", name="Pat Doe")
    path = link_in_mailbox(demo_platform, "pat@example.org")
    stranger = another(client)
    claim_page = stranger.get(path)
    assert "Use another wallet app" in claim_page.text
    made = stranger.post(
        f"{path}/wallet-app",
        data={"form_token": form_token(claim_page.text)},
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == f"{path}/wallet-app"
    shown = stranger.get(f"{path}/wallet-app")
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert "data:image/svg+xml" in shown.text and "QR code of the credential offer" in shown.text
    uri = offer_uri_on(shown.text)
    assert offer_uri_on(stranger.get(f"{path}/wallet-app").text) == uri  # the same on reload
    again = stranger.post(
        f"{path}/wallet-app",
        data={"form_token": form_token(claim_page.text)},
        follow_redirects=True,
    )
    assert offer_uri_on(again.text) == uri  # asked again, the same offer
    with demo_platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(CredentialOffer)) == 1
    offer_url = parse_qs(urlsplit(uri).query)["credential_offer_uri"][0]
    offer = stranger.get(offer_url.removeprefix("http://127.0.0.1:8000")).json()
    assert offer["credential_configuration_ids"] == ["iv-therapy.ldp_vc"]
    assert offer["credential_issuer"] == "http://127.0.0.1:8000/orgs/piedmont-hospital"


def test_a_forged_form_makes_no_offer(client: TestClient, demo_platform: Any) -> None:
    issue_to_stranger(client, "sam@example.org")
    path = link_in_mailbox(demo_platform, "sam@example.org")
    stranger = another(client)
    stranger.get(path)
    refused = stranger.post(f"{path}/wallet-app", data={"form_token": "forged"})
    assert refused.status_code == 403
    with demo_platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(CredentialOffer)) == 0
    # without an offer made, its page leads back to the claim page
    back = stranger.get(f"{path}/wallet-app", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == path


def test_the_receive_form_refuses_what_is_not_an_offer(client: TestClient) -> None:
    login(client, "maria@demo.openler.org")
    home = client.get("/home").text
    assert 'href="/receive"' in home
    form = client.get("/receive")
    assert form.status_code == 200 and "Receive a credential from another issuer" in form.text
    refused = client.post(
        "/receive", data={"csrf_token": csrf_of(form.text), "offer": "hello, this is no link"}
    )
    assert refused.status_code == 400
    assert "not an OpenID4VCI offer" in refused.text
    elsewhere = client.post(  # a web link is asked for the offer it names: none here
        "/receive", data={"csrf_token": csrf_of(form.text), "offer": "https://127.0.0.1:9/x"}
    )
    assert elsewhere.status_code == 400 and "127.0.0.1" in elsewhere.text
    far = client.post(
        "/receive",
        data={
            "csrf_token": csrf_of(form.text),
            "offer": "openid-credential-offer://?credential_offer_uri=https%3A%2F%2F10.0.0.5%2Fo",
        },
    )
    assert far.status_code == 400  # the wallet reaches public addresses only


def test_the_receive_pages_need_a_person_signed_in(client: TestClient) -> None:
    assert client.get("/receive", follow_redirects=False).status_code in (303, 401)
    assert client.get("/received/x", follow_redirects=False).status_code in (303, 401)
    login(client, "maria@demo.openler.org")
    assert client.get("/received/not-mine").status_code == 404


def test_offers_stay_out_of_the_access_log() -> None:
    assert redact("/orgs/ohio-nursing/oid4vci/offers/s3cr3t") == (
        "/orgs/ohio-nursing/oid4vci/offers/[redacted]"
    )
    assert "s3cr3t" not in unquote(redact("/x?credential_offer=s3cr3t&credential_offer_uri=s3cr3t"))
    assert "s3cr3t" not in unquote(redact("/confirm?c=s3cr3t"))


AUTHORIZE = "/orgs/ohio-nursing/oid4vci/authorize"
PKCE = {
    "response_type": "code",
    "client_id": "a-wallet",
    "redirect_uri": "https://wallet.example/cb",
    "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "code_challenge_method": "S256",
    "state": "s-1",
}


def test_authorization_needs_a_person_signed_in(client: TestClient) -> None:
    asked = client.get(AUTHORIZE, params={**PKCE, "scope": "registered-nurse.ldp_vc"})
    assert asked.status_code == 200 and "Sign in" in asked.text  # the sign-in page
    assert client.cookies.get("openler_return") is not None or "login" in str(asked.url)


def test_a_wallet_started_authorization_asks_then_answers_with_a_code(
    client: TestClient, demo_platform: Any
) -> None:
    login(client, "maria@demo.openler.org")
    asked = client.get(AUTHORIZE, params={**PKCE, "scope": "registered-nurse.ldp_vc"})
    assert asked.status_code == 200
    assert "Send a copy of your Registered Nurse from Ohio Board of Nursing" in asked.text
    assert "wallet.example" in asked.text
    assert "https://wallet.example/cb?error=access_denied" in html.unescape(asked.text)
    said_yes = client.post(
        AUTHORIZE,
        data={**PKCE, "scope": "registered-nurse.ldp_vc", "csrf_token": csrf_of(asked.text)},
        follow_redirects=False,
    )
    assert "form-action 'self' https://wallet.example" in asked.headers["content-security-policy"]
    assert said_yes.status_code == 303
    back = parse_qs(urlsplit(said_yes.headers["location"]).query)
    assert back["state"] == ["s-1"] and back["code"]
    token = client.post(
        "/orgs/ohio-nursing/oid4vci/token",
        data={
            "grant_type": "authorization_code",
            "code": back["code"][0],
            "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",  # RFC 7636 B
            "redirect_uri": "https://wallet.example/cb",
            "client_id": "a-wallet",
        },
    )
    assert token.status_code == 200, token.text
    wrong = client.post(
        "/orgs/ohio-nursing/oid4vci/token",
        data={"grant_type": "authorization_code", "code": back["code"][0], "code_verifier": "x"},
    )
    assert wrong.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"code_challenge_method": "plain"}, "PKCE"),
        ({"redirect_uri": "javascript:alert(1)"}, "address to come back to"),
        ({"redirect_uri": "https://a.example;script-src */cb"}, "address to come back to"),
        ({"redirect_uri": "http://wallet.example/cb"}, "address to come back to"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": "licensed-practical-nurse.ldp_vc"}, "you hold no current"),
        ({"scope": "registered-nurse.mso_mdoc"}, "not issued here"),
    ],
)
def test_bad_authorization_requests_are_shown_not_redirected(
    client: TestClient, change: dict[str, str], says: str
) -> None:
    login(client, "maria@demo.openler.org")
    asked = client.get(AUTHORIZE, params={**PKCE, "scope": "registered-nurse.ldp_vc", **change})
    assert asked.status_code == 400
    assert says.lower() in html.unescape(asked.text).lower()
