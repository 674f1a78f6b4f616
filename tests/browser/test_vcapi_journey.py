"""VC API exchanges in Chromium on a phone-sized screen, with an LCW-style wallet others
wrote (the DCC libraries, driven from the test): the Ohio Board of Nursing makes a link, the
wallet authenticates with its DID and receives the licence; Piedmont asks a wallet app, the
same wallet answers, and Piedmont sees the answer verified on its request page. Then Maria's
openler wallet answers a VC API verifier built on Digital Bazaar's libraries. Every page
passes axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

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
from tests.interop.node import node_server
from tests.interop.vcapi_world import WALLET_SEED, lcw


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo, allowed to reach the Node verifier on 127.0.0.1 (never in production)."""
    _require_browser()
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
        "OPENLER_PROTOCOL_ALLOW_LOOPBACK": "1",
    }
    with demo_server(tmp_path_factory.mktemp("vcapi-web"), _free_port(), env) as base:
        yield base


def test_an_lcw_style_exchange_issues_and_presents(
    server: str,
    phone: Any,  # noqa: F811
) -> None:
    # the board makes a link for a wallet app
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/issuer/ohio-nursing")
    phone.get_by_role("link", name="Issue to a wallet app").click()
    phone.get_by_label("Achievement").select_option(label="Registered Nurse")
    phone.get_by_label("Recipient's email").fill("lee.wallet@example.org")
    phone.get_by_label("Recipient's name (optional)").fill("Lee Wallet")
    page_is_good(phone)
    phone.get_by_role("button", name="Make the link").click()
    expect(phone.get_by_role("heading", name="Link to receive the credential")).to_be_visible()
    page_is_good(phone)
    link = phone.get_by_label("Link for the wallet").input_value()
    assert link.endswith("?iuv=1")
    phone.goto(link)  # the same link opened in a browser says what it is
    expect(
        phone.get_by_role("heading", name="A credential from Ohio Board of Nursing")
    ).to_be_visible()
    assert phone.get_by_label("Link for your wallet").input_value() == link
    page_is_good(phone)

    # the wallet (DCC libraries, Ed25519Signature2020 DIDAuth) receives the licence
    issued = lcw("exchange", url=link, seed=WALLET_SEED)
    [licence] = issued["response"]["verifiablePresentation"]["verifiableCredential"]
    assert licence["credentialSubject"]["id"] == issued["sent"]["holder"]
    phone.goto(link)
    assert "already used" in phone.get_by_role("status").inner_text()
    page_is_good(phone)
    phone.goto(f"{server}/home")
    phone.get_by_role("button", name="Sign out").click()

    # Piedmont asks a wallet app; the same wallet answers, signed
    sign_in(phone, server, "hr@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/verifier/piedmont-hospital")
    phone.get_by_role("link", name="Ask a wallet app instead").click()
    phone.get_by_label("What you ask for, and why").fill("Your RN licence, for the ICU post")
    page_is_good(phone)
    phone.get_by_role("button", name="Make the link").click()
    page_is_good(phone)
    ask = phone.get_by_label("Link for the wallet").input_value()
    answered = lcw("exchange", url=ask, seed=WALLET_SEED, credentials=[licence])
    assert answered["response"] == {}, answered
    phone.get_by_role("link", name="See the answer when it comes").click()
    expect(phone.get_by_role("heading", name="Your RN licence, for the ICU post")).to_be_visible()
    assert "Every credential verified." in phone.content()
    page_is_good(phone)
    phone.get_by_role("button", name="Sign out").click()

    # Maria's openler wallet answers a VC API verifier others wrote
    with node_server("vcapi/verifier.mjs", server) as verifier:
        made = httpx.post(f"{verifier}/admin/exchanges", json={"didAuth": True}).json()
        sign_in(phone, server, "maria@demo.openler.org")
        phone.wait_for_url(f"{server}/home")
        phone.get_by_role("link", name="Answer a request from elsewhere").click()
        page_is_good(phone)
        phone.get_by_label("The link").fill(made["interactionUrl"])
        phone.get_by_role("button", name="See what they ask for").click()
        assert "nursing licence" in phone.content()
        page_is_good(phone)
        phone.get_by_label("Registered Nurse", exact=False).first.check()
        phone.get_by_label("I agree that").check()
        phone.get_by_role("button", name="Send to").click()
        assert "and accepted" in phone.get_by_role("status").inner_text()
        page_is_good(phone)
        outcome = httpx.get(f"{verifier}/admin/results/{made['id']}").json()
        assert outcome["verified"], outcome["error"]
