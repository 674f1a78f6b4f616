"""The lifecycle in Chromium: an issuer admin extends every Registered Nurse licence as a
job and watches it finish, revokes one with a reason, and a verifier pasting that
credential reads the reason. Every page passes axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    accessibility_violations,
    browser,
    fits_the_screen,
    identity_provider,
    phone,
    server,
    sign_in,
)


def page_is_good(page: Any) -> None:
    assert accessibility_violations(page) == []
    assert fits_the_screen(page)
    assert page.csp_errors == []


def current_licence(page: Any, base: str) -> dict[str, Any]:
    sign_in(page, base, "maria@demo.openler.org")
    page.wait_for_url(f"{base}/home")
    wallet = page.request.get(f"{base}/api/me/credentials").json()["credentials"]
    licence: dict[str, Any] = next(
        c["document"] for c in wallet if c["document"]["name"] == "Registered Nurse"
    )
    page.get_by_role("button", name="Sign out").click()
    return licence


def test_extend_then_revoke_with_a_reason_the_verifier_reads(server: str, phone: Any) -> None:  # noqa: F811
    before = current_licence(phone, server)

    # bulk extension: form, preview count, confirmation, the job's page
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.goto(f"{server}/issuer/ohio-nursing")
    phone.get_by_role("link", name="Extend validity").click()
    expect(phone.get_by_role("heading", name="Extend validity")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Achievement").select_option(label="Registered Nurse")
    phone.get_by_label("Extend by (days)").fill("90")
    phone.get_by_role("button", name="Count them").click()
    counted = phone.get_by_role("heading", name=re.compile(r"^\d+ credentials? would be"))
    n = int(counted.inner_text().split()[0])  # Maria's and the November roster's
    assert n >= 1
    page_is_good(phone)
    them = f"{n} credential{'' if n == 1 else 's'}"
    phone.get_by_role("button", name=f"Extend {them}…").click()
    expect(phone.get_by_role("heading", name=f"Extend {them} by 90 days?")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name=f"Extend {them}", exact=True).click()
    phone.wait_for_url(re.compile(r".*/issuer/ohio-nursing/extend/[0-9a-f-]+$"))
    phone.get_by_text(f"Done: {n} extended.").wait_for(timeout=30_000)
    expect(phone.get_by_role("link", name="Download the report (CSV)")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Sign out").click()

    extended = current_licence(phone, server)
    assert extended["id"] != before["id"]
    assert extended["validUntil"] > before["validUntil"]

    # revoke the extended licence, giving the reason
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.goto(f"{server}/issuer/ohio-nursing/credentials/{extended['id']}")
    phone.get_by_role("button", name="Revoke").click()
    expect(
        phone.get_by_role("heading", name=re.compile("^Revoke Registered Nurse"))
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Reason").fill("Licence surrendered by the holder")
    phone.get_by_role("button", name="Revoke it").click()
    assert "now revoked" in phone.get_by_role("status").inner_text()
    page_is_good(phone)
    phone.get_by_role("button", name="Sign out").click()

    # the verifier pastes it and reads the issuer's reason
    sign_in(phone, server, "hr@demo.openler.org")
    phone.get_by_role("link", name="Verify a credential", exact=True).click()
    phone.get_by_label("Or paste a credential, or a share link").fill(json.dumps(extended))
    phone.get_by_role("button", name="Verify", exact=True).click()
    expect(phone.get_by_role("heading", name="Verification result")).to_be_visible()
    assert "Do not rely on it." in phone.locator("main").inner_text()
    note = phone.get_by_role("heading", name="What the issuer says").locator("..").inner_text()
    assert re.search(
        r"Registered Nurse: Revoked on \d{4}-\d\d-\d\d by Ohio Board of Nursing: "
        r"Licence surrendered by the holder\.",
        note,
    ), note
    page_is_good(phone)
