"""The OpenID4VCI authorization code flow against a live openler, driven by the
OpenWallet Foundation's ``Openid4vciClient``: Maria makes an offer of her licence from her
credential's page, the wallet library builds the authorization request (PKCE S256), Maria's
browser (here an HTTP client with her session) signs in and says yes, the library exchanges
the code and receives a copy bound to its key — verified by Digital Bazaar. A wrong
verifier, a replayed code and another person's sign-in are refused."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from openler.services.demo import DEMO_PASSWORD
from tests.interop.node import run_node
from tests.interop.test_oid4vci_wallet_client import Issuer, issuer  # noqa: F401 - fixture

SCRIPT = "oid4vci/wallet_authorize.mjs"
REDIRECT = "https://wallet.example/callback"


def browser(base: str, email: str) -> httpx.Client:
    """A signed-in browser: an HTTP client keeping the session cookie."""
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    signed = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf.group(1)}
    )
    assert signed.status_code == 303, signed.text
    return client


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def own_offer(maria: httpx.Client) -> str:
    record = maria.get("/record").text
    link = re.search(r'href="/record/issued:([^"]+)">Registered Nurse<', record)
    assert link is not None
    page = maria.get(f"/record/issued:{link.group(1)}").text
    assert "Add it to a wallet app" in page
    made = maria.post(
        "/wallet-offers",
        data={"csrf_token": csrf(page), "credential": unquote(html.unescape(link.group(1)))},
    )
    assert made.status_code == 303, made.text
    shown = maria.get(made.headers["location"]).text
    value = re.search(r'value="(openid-credential-offer://[^"]+)"', shown)
    assert value is not None
    return html.unescape(value.group(1))


def consent(person: httpx.Client, url: str) -> httpx.Response:
    """Open the authorization URL and say yes on the page it shows."""
    asked = person.get(url.removeprefix(str(person.base_url).rstrip("/")))
    assert asked.status_code == 200, asked.text
    assert "Send a copy of your Registered Nurse from Ohio Board of Nursing" in asked.text
    assert "wallet.example" in asked.text
    action = re.search(r'<form method="post" action="([^"]*authorize[^"]*)"', asked.text)
    assert action is not None
    form = asked.text[action.start() : asked.text.index("</form>", action.start())]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    return person.post(html.unescape(action.group(1)), data=fields)


@pytest.fixture
def maria(issuer: Issuer) -> Iterator[httpx.Client]:  # noqa: F811
    client = browser(issuer.base, "maria@demo.openler.org")
    yield client
    client.close()


def test_maria_copies_her_licence_to_an_independent_wallet(
    issuer: Issuer,  # noqa: F811
    maria: httpx.Client,
) -> None:
    offer = own_offer(maria)
    started = run_node(SCRIPT, {"step": "start", "offer": offer, "redirectUri": REDIRECT})
    url = started["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["issuer_state"]
    answered = consent(maria, url)
    assert answered.status_code == 303
    back = urlsplit(answered.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    returned = parse_qs(back.query)
    assert returned["iss"] == [f"{issuer.base}/orgs/ohio-nursing"]
    code = returned["code"][0]
    got = run_node(
        SCRIPT,
        {
            "step": "finish",
            "offer": offer,
            "redirectUri": REDIRECT,
            "code": code,
            "codeVerifier": started["codeVerifier"],
        },
        timeout=120,
    )
    assert "error" not in got, got
    credential = got["credential"]
    assert credential["credentialSubject"]["id"] == got["holder"]
    assert credential["credentialSubject"]["achievement"]["name"] == "Registered Nurse"
    verdict = run_node(
        "oid4vci/verify_ldp.mjs",
        {
            "credential": credential,
            "documents": issuer.documents(),
            "lists": issuer.lists(credential),
        },
    )
    assert verdict["verified"], verdict
    # the code worked once
    again = httpx.post(
        f"{issuer.base}/orgs/ohio-nursing/oid4vci/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": started["codeVerifier"],
            "redirect_uri": REDIRECT,
        },
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_wrong_verifier_is_invalid_grant(issuer: Issuer, maria: httpx.Client) -> None:  # noqa: F811
    offer = own_offer(maria)
    started = run_node(SCRIPT, {"step": "start", "offer": offer, "redirectUri": REDIRECT})
    code = parse_qs(urlsplit(consent(maria, started["url"]).headers["location"]).query)["code"][0]
    got = run_node(
        SCRIPT,
        {
            "step": "finish",
            "offer": offer,
            "redirectUri": REDIRECT,
            "code": code,
            "codeVerifier": "x" * 43,
        },
    )
    assert (got.get("stage"), got.get("error")) == ("token", "invalid_grant"), got


def test_another_person_cannot_use_marias_offer(issuer: Issuer, maria: httpx.Client) -> None:  # noqa: F811
    offer = own_offer(maria)
    started = run_node(SCRIPT, {"step": "start", "offer": offer, "redirectUri": REDIRECT})
    james = browser(issuer.base, "james@demo.openler.org")
    refused = james.get(started["url"].removeprefix(issuer.base))
    james.close()
    assert refused.status_code == 403
    assert "another person" in refused.text
