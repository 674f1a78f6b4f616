"""An incident with simulated check-ins, in Chromium on a phone-sized screen: Piedmont's
incident commander opens an incident with two roles from the pages, puts up its check-in
codes, and watches the roster fill in without reloading while responders check in — wallet
apps by OpenID4VP (simulated from the test: qualifying, revoked, a credential no role
accepts) and Maria from her openler wallet on her own phone. Counts per role come first in a
polite live region, keyboard focus stays where it was, and every page passes axe-core."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from openler.services.context import Platform
from openler.services.issuers import issuing
from openler.settings import Settings
from openler.vc import (
    Multikey,
    Resolver,
    build_presentation,
    read_request_object,
    sign_presentation,
)
from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    _free_port,
    _require_browser,
    accessibility_violations,
    browser,
    demo_server,
    fits_the_screen,
    phone,
    sign_in,
    watch_csp,
)
from tests.conftest import SETUP
from tests.services.incident_world import holder, issue_to

#: this test's servers listen on these ports only
PORTS = range(8120, 8130)


def _port() -> int:
    if os.environ.get("OPENLER_TEST_PORTS"):  # a machine where each run keeps to its own
        return _free_port()
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port in {PORTS.start}–{PORTS.stop - 1}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    _require_browser()
    workdir = tmp_path_factory.mktemp("incident-journey")
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
    }
    with demo_server(workdir, _port(), env) as base:
        yield base, workdir


def page_is_good(page: Any) -> None:
    assert accessibility_violations(page) == []
    assert fits_the_screen(page)
    assert page.csp_errors == []


class Wallet:
    """A wallet app of a simulated responder: it scans the check-in code, reads the signed
    request (its signature checked with the organization's did:web key, fetched from the
    server) and posts a presentation of its credentials."""

    def __init__(self, base: str, key: Multikey, documents: list[dict[str, Any]]) -> None:
        self.base, self.key, self.documents = base, key, documents

    def _fetch(self, url: str) -> dict[str, Any]:
        # the demo serves http on 127.0.0.1; did:web names https
        answer = httpx.get(url.replace("https://", "http://", 1), timeout=10)
        document: dict[str, Any] = answer.json()
        return document

    def check_in(self, wallet_link: str) -> httpx.Response:
        request_uri = parse_qs(urlsplit(wallet_link).query)["request_uri"][0]
        jwt = httpx.get(request_uri, timeout=10).text
        claims = read_request_object(jwt, resolver=Resolver(self._fetch)).claims
        presentation = sign_presentation(
            build_presentation(self.documents, holder=self.key.controller),
            self.key,
            challenge=claims["nonce"],
            domain=claims["client_id"],
        )
        return httpx.post(
            claims["response_uri"].replace("https://", "http://", 1),
            data={"state": claims["state"], "vp_token": json.dumps({"credential": [presentation]})},
            timeout=30,
        )


def responders(base: str, workdir: Path) -> dict[str, Wallet]:
    """Simulated responders with wallets of their own, added to the demo's database."""
    settings = Settings(
        database_url=f"sqlite:///{workdir / 'demo.db'}", public_url=base, data_dir=workdir
    )
    platform = Platform.from_settings(settings)
    wallets = {}
    with platform.db.session() as s:
        for n in (1, 2, 3):
            key = holder(500 + n)
            rn = issue_to(s, platform, "registered-nurse", key, 500 + n, licenseNumber=f"RN.90{n}")
            wallets[f"nurse {n}"] = Wallet(base, key, [rn.document])
        key = holder(504)
        wallets["medic"] = Wallet(base, key, [issue_to(s, platform, "68w", key, 504).document])
        key = holder(505)
        revoked = issue_to(s, platform, "registered-nurse", key, 505, licenseNumber="RN.905")
        issuing.set_status(
            s, platform, SETUP, revoked.id, action="revoke", reason="Licence surrendered"
        )
        wallets["revoked nurse"] = Wallet(base, key, [revoked.document])
        key = holder(506)
        cook = issue_to(s, platform, "servsafe-food-handler", key, 506).document
        wallets["cook"] = Wallet(base, key, [cook])
    platform.db.dispose()
    return wallets


def wait_for_counts(page: Any, text: str) -> None:
    page.wait_for_function(
        "t => document.getElementById('roster-counts').textContent.replace(/\\s+/g, ' ')"
        ".includes(t)",
        arg=text,
        timeout=30_000,
    )


def test_an_incident_with_simulated_check_ins(
    server: tuple[str, Path],
    browser: Any,  # noqa: F811
    phone: Any,  # noqa: F811
) -> None:
    base, workdir = server
    wallets = responders(base, workdir)

    sign_in(phone, base, "hr@demo.openler.org")
    phone.wait_for_url(f"{base}/home")
    phone.get_by_role("link", name="Open an incident").click()
    expect(phone.get_by_role("heading", name="Open an incident")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Incident", exact=True).fill("Surfside building collapse")
    first = phone.get_by_role("group", name="Role 1")
    first.get_by_label("Role", exact=True).fill("RN")
    first.get_by_label("Kind of credential").select_option("License")
    first.get_by_label("Its name").fill("registered nurse")
    first.get_by_label("Issuers that qualify").select_option(label="Ohio Board of Nursing (Ohio)")
    first.get_by_label("Recognised in").fill("US-NC")
    second = phone.get_by_role("group", name="Role 2")
    second.get_by_label("Role", exact=True).fill("Medic")
    second.get_by_label("Kind of credential").select_option("Certification")
    second.get_by_label("Issuers that qualify").select_option(label="U.S. Army (United States)")
    phone.get_by_role("button", name="Open the incident").click()

    expect(phone.get_by_role("heading", name="Surfside building collapse")).to_be_visible()
    assert phone.locator("#roster-counts").get_attribute("aria-live") == "polite"
    assert "RN: 0 verified, 0 refused" in " ".join(
        phone.locator("#roster-counts").inner_text().split()
    )
    expect(phone.get_by_role("img", name="QR code of the check-in page")).to_be_visible()
    # what each role accepts, in words: the kind, the issuer, the place by name
    rn = "Licence · named registered nurse · from Ohio Board of Nursing · recognised in North Carolina"
    expect(phone.get_by_text(rn)).to_be_visible()
    page_is_good(phone)
    checkin_link = phone.get_by_label("Check-in link").input_value()
    wallet_link = unquote(phone.get_by_label("Link for wallet apps (OpenID4VP)").input_value())
    assert wallet_link.startswith("openid4vp://?client_id=decentralized_identifier")
    phone.evaluate("() => { window.stillTheSamePage = true; }")
    phone.get_by_label("Check-in link").focus()

    # wallet apps scan and answer while the commander watches
    for name in ("nurse 1", "nurse 2", "medic"):
        assert wallets[name].check_in(wallet_link).status_code == 200, name
    wait_for_counts(phone, "RN: 2 verified, 0 refused")
    wait_for_counts(phone, "Medic: 1 verified, 0 refused")
    for name in ("revoked nurse", "cook"):
        refused = wallets[name].check_in(wallet_link)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"
    assert wallets["nurse 3"].check_in(wallet_link).status_code == 200
    wait_for_counts(phone, "RN: 3 verified, 1 refused")
    wait_for_counts(phone, "No role: 1 refused")
    assert phone.evaluate("() => window.stillTheSamePage === true")
    assert phone.evaluate("() => document.activeElement.id") == "checkin-link"
    detail = phone.locator("#roster-detail")
    phone.wait_for_function(
        "() => document.getElementById('roster-detail').textContent.includes('RN.903')"
    )
    refused_rows = phone.get_by_role("region", name="Refused", exact=True).inner_text()
    assert "RN.905" in refused_rows and "Licence surrendered" in refused_rows
    assert "not a credential any role accepts" in refused_rows
    assert "RN.901" in detail.get_by_role("region", name="Verified as RN", exact=True).inner_text()
    page_is_good(phone)

    # Maria checks in from her own phone with her openler wallet
    context = browser.new_context(viewport={"width": 375, "height": 740})
    maria = watch_csp(context.new_page())
    maria.goto(checkin_link)
    expect(
        maria.get_by_role("heading", name="Check in: Surfside building collapse")
    ).to_be_visible()
    page_is_good(maria)
    maria.get_by_role("link", name="Sign in to check in").click()
    maria.get_by_label("Email").fill("maria@demo.openler.org")
    maria.get_by_label("Password").fill("openler-demo-2026")
    maria.get_by_role("button", name="Sign in").click()
    maria.wait_for_url(checkin_link)
    page_is_good(maria)
    maria.get_by_label("Registered Nurse", exact=False).check()
    maria.get_by_label("I agree that Piedmont Regional Hospital may see", exact=False).check()
    maria.get_by_role("button", name="Check in").click()
    expect(maria.get_by_role("heading", name="You are checked in")).to_be_visible()
    assert "Verified as RN" in maria.get_by_role("status").inner_text()
    page_is_good(maria)
    context.close()

    wait_for_counts(phone, "RN: 4 verified, 1 refused")
    phone.wait_for_function(
        "() => document.getElementById('roster-detail').textContent.includes('Maria Alvarez')"
    )
    assert phone.evaluate("() => window.stillTheSamePage === true")
    page_is_good(phone)

    # the commander's home page counts the open incident's responders
    phone.get_by_role("link", name="Verifying for Piedmont Regional Hospital").click()
    phone.get_by_role("link", name="Home").click()
    incidents = phone.get_by_role("list", name="Open incidents").inner_text()
    assert "Surfside building collapse: 7 responders checked in — 5 verified, 2 refused" in (
        " ".join(incidents.split())
    )
    page_is_good(phone)
