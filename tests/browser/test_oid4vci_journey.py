"""OpenID4VCI journeys in Chromium on a phone-sized screen, with counterparts others wrote:

1. The Ohio Board of Nursing offers Maria her licence through the claim flow; on the claim
   page she asks for an offer for her wallet app, and an independent wallet — the
   OpenWallet Foundation's ``@openid4vc/openid4vci`` client, driven by the test as her
   phone's app — takes the offer shown on the page and receives the licence, which
   Digital Bazaar's verifier accepts. The claim link then says it was used.
2. Maria authorizes a wallet app (the same library, authorization code flow with PKCE) to
   copy the licence she holds: an offer from her credential's page, the consent page.
3. Maria's openler wallet receives a credential from an independent issuer (built on
   ``Openid4vciIssuer``): she pastes its offer, sees who offers what, confirms, and finds
   it verified in her record, labelled with its issuer.

Every page passes axe-core's WCAG 2.1 A/AA rules and fits the screen."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    _free_port,
    _require_browser,
    browser,
    demo_server,
    page_is_good,
    phone,
    sign_in,
    watch_csp,
)
from tests.interop.node import node_server, run_node
from tests.interop.test_oid4vci_wallet_client import Issuer

MARIA = "maria@demo.openler.org"
LUIS = "luis@demo.openler.org"
LICENCE = "Registered Nurse"


@pytest.fixture(scope="module")
def openler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    _require_browser()
    workdir: Path = tmp_path_factory.mktemp("oid4vci-journey")
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
        "OPENLER_PROTOCOL_ALLOW_LOOPBACK": "1",  # the independent issuer runs on 127.0.0.1
    }
    with demo_server(workdir, _free_port(), env) as base:
        yield Issuer(base, workdir)


@pytest.fixture(scope="module")
def server(openler: Issuer) -> str:
    return openler.base


def test_a_new_nurse_receives_his_licence_into_an_independent_wallet(
    openler: Issuer,
    phone: Any,  # noqa: F811
) -> None:
    """Luis, newly licensed (Maria already holds hers: the board would not issue her a
    second), gets his licence's claim mail and takes it into another wallet app."""
    base = openler.base
    openler.offer(LUIS, name="Luis Ortega")  # issued through the claim flow: a link in his mail
    sign_in(phone, base, LUIS)
    phone.wait_for_url(f"{base}/home")
    phone.goto(f"{base}/mailbox")
    message = phone.get_by_role("article").filter(has_text="Ohio Board of Nursing").first
    link = message.locator("a[href*='/claim/']").first.get_attribute("href")
    assert link is not None
    phone.goto(link)
    assert phone.get_by_role("heading", name=f"Ohio Board of Nursing has issued you {LICENCE}")
    page_is_good(phone)
    phone.get_by_role("button", name="Get an offer for my wallet app").click()
    expect(
        phone.get_by_role("heading", name=f"Add {LICENCE} to another wallet app")
    ).to_be_visible()
    assert phone.get_by_role("img", name="QR code of the credential offer for your wallet app")
    page_is_good(phone)
    offer = phone.get_by_label("The offer, to copy into a wallet app").input_value()
    assert offer.startswith("openid-credential-offer://?credential_offer_uri=")
    phone.reload()  # Back and Reload show the same offer, nothing made twice
    assert phone.get_by_label("The offer, to copy into a wallet app").input_value() == offer

    # her phone's wallet app (the independent library) scans it
    got = run_node("oid4vci/wallet_client.mjs", {"offer": offer, "scenario": "happy"}, timeout=120)
    assert "error" not in got, got
    credential = got["credential"]
    assert credential["credentialSubject"]["id"] == got["holder"]
    assert credential["credentialSubject"]["achievement"]["name"] == LICENCE
    verdict = run_node(
        "oid4vci/verify_ldp.mjs",
        {
            "credential": credential,
            "documents": openler.documents(),
            "lists": openler.lists(credential),
        },
    )
    assert verdict["verified"], verdict

    # the claim link has done its work
    phone.goto(link)
    assert "sent to a wallet app" in phone.get_by_role("alert").first.inner_text()
    page_is_good(phone)


def test_marias_wallet_receives_from_an_independent_issuer(
    openler: Issuer,
    phone: Any,  # noqa: F811
) -> None:
    base = openler.base
    with node_server("oid4vci/issuer_server.mjs") as issuer:
        offer = httpx.post(f"{issuer}/test/offers", json={"byReference": True}).json()["offer"]
        sign_in(phone, base, MARIA)
        phone.wait_for_url(f"{base}/home")
        phone.get_by_role("link", name="Receive a credential from another issuer").click()
        page_is_good(phone)
        phone.get_by_label("The offer link").fill(offer)
        phone.get_by_role("button", name="Continue").click()
        expect(phone.get_by_role("heading", name="Receive a credential")).to_be_visible()
        question = "Add Forklift Operator Safety from Independent Training Institute"
        assert question in phone.content()
        page_is_good(phone)
        phone.get_by_role("button", name="Add it to my wallet").click()
        expect(phone.get_by_role("heading", name="Forklift Operator Safety")).to_be_visible()
        assert "Independent Training Institute" in phone.content()
        # its proof holds; this site's trust registry does not know its issuer, and the
        # record says so as it does for every credential (one computed state)
        facts = phone.locator("dl.facts").inner_text()
        assert "issuer not trusted" in facts and "Independent Training Institute" in facts
        assert "did:" not in facts  # named as people name it
        phone.locator("summary", has_text="How it was checked").click()
        proof = phone.locator("tr").filter(has=phone.locator("td", has_text=re.compile("^proof$")))
        assert "passed" in proof.inner_text()
        page_is_good(phone)
    phone.goto(f"{base}/record")
    expect(phone.get_by_role("link", name="Forklift Operator Safety")).to_be_visible()
    page_is_good(phone)


def test_maria_authorizes_a_wallet_app_to_copy_her_licence(
    openler: Issuer,
    phone: Any,  # noqa: F811
) -> None:
    base = openler.base
    sign_in(phone, base, MARIA)
    phone.wait_for_url(f"{base}/home")
    phone.get_by_role("link", name="Open your record").click()
    phone.get_by_role("link", name=LICENCE).first.click()
    phone.get_by_role("button", name="Add it to a wallet app").click()
    expect(phone.get_by_role("heading", name="Add it to your wallet app")).to_be_visible()
    page_is_good(phone)
    offer = phone.get_by_label("The offer, to copy into a wallet app").input_value()

    # the wallet app (the independent library) sends her browser to openler to say yes
    redirect = "https://wallet.example/callback"
    started = run_node(
        "oid4vci/wallet_authorize.mjs", {"step": "start", "offer": offer, "redirectUri": redirect}
    )
    came_back: list[str] = []

    def wallet_app(route: Any) -> None:  # the redirect lands in the app, not on the web
        came_back.append(route.request.url)
        route.fulfill(body="back in the app")

    phone.route("https://wallet.example/**", wallet_app)
    phone.goto(started["url"])
    expect(phone.get_by_role("heading", name="Send a credential to a wallet app")).to_be_visible()
    assert f"Send a copy of your {LICENCE} from Ohio Board of Nursing" in phone.content()
    page_is_good(phone)
    phone.get_by_role("button", name="Send it to the wallet app").click()
    phone.wait_for_url("https://wallet.example/**")
    code = parse_qs(urlsplit(came_back[-1]).query)["code"][0]
    got = run_node(
        "oid4vci/wallet_authorize.mjs",
        {
            "step": "finish",
            "offer": offer,
            "redirectUri": redirect,
            "code": code,
            "codeVerifier": started["codeVerifier"],
        },
        timeout=120,
    )
    assert "error" not in got, got
    assert got["credential"]["credentialSubject"]["id"] == got["holder"]
