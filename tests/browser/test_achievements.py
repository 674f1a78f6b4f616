"""An issuer administrator defines an achievement in Chromium on a phone-sized screen: creates
it with an alignment and a badge image, edits it into version 2, and reads its versions —
every page without accessibility violations, nothing blocked by the page's CSP, nothing
wider than the screen."""

from __future__ import annotations

from pathlib import Path
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
from tests.services.test_achievements import SVG


def check_page(page: Any) -> None:
    assert accessibility_violations(page) == []
    assert fits_the_screen(page)
    assert page.csp_errors == []


def test_an_administrator_creates_and_edits_an_achievement(
    server: str,  # noqa: F811
    phone: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.goto(f"{server}/issuer/ohio-nursing")
    phone.get_by_role("link", name="Achievements", exact=True).click()
    expect(
        phone.get_by_role("heading", name="Achievements — Ohio Board of Nursing")
    ).to_be_visible()
    check_page(phone)
    phone.get_by_role("link", name="New achievement").click()
    check_page(phone)

    phone.get_by_label("Short name for addresses").fill("lpn-browser")
    phone.locator("#name").fill("Licensed Practical Nurse")
    phone.get_by_label("Description").fill("Licensed to practise as an LPN in Ohio.")
    phone.locator("#criteria").fill("An approved program and the NCLEX-PN.")
    phone.get_by_label("Type (optional)").fill("License")
    phone.locator("#valid_days").fill("730")
    image = tmp_path / "badge.svg"
    image.write_bytes(SVG)
    phone.locator("#image").set_input_files(str(image))
    phone.locator("#alignment-1-targetName").fill("Licensed Practical Nurses")
    phone.locator("#alignment-1-targetUrl").fill(
        "https://www.onetonline.org/link/summary/29-2061.00"
    )
    phone.locator("#alignment-1-targetType").fill("ext:ONET")
    phone.locator("#alignment-1-targetCode").fill("29-2061.00")
    # another row, without JavaScript: the form comes back with what was typed
    phone.get_by_role("button", name="Add another alignment").click()
    expect(phone.locator("#alignment-2-targetName")).to_be_visible()
    assert phone.locator("#alignment-1-targetCode").input_value() == "29-2061.00"
    phone.locator("#image").set_input_files(str(image))  # a file input is never kept
    phone.get_by_role("button", name="Create the achievement").click()

    expect(phone.get_by_text("The achievement was created as version 1.")).to_be_visible()
    # an image has no size until it has loaded: wait for it rather than read it at once
    phone.get_by_role("img", name="Badge image of Licensed Practical Nurse").wait_for()
    expect(phone.get_by_role("link", name="Licensed Practical Nurses")).to_be_visible()
    check_page(phone)

    phone.get_by_role("link", name="Edit").click()
    check_page(phone)
    phone.get_by_label("Description").fill("Licensed to practise as an LPN in the State of Ohio.")
    phone.locator("#alignment-1-targetUrl").fill("not a web address")
    phone.get_by_role("button", name="Save as version 2").click()
    # the browser's own check of a URL field stops it first; a person sees where
    assert "/edit" in phone.url
    phone.locator("#alignment-1-targetUrl").fill(
        "https://www.onetonline.org/link/summary/29-2061.00"
    )
    phone.get_by_role("button", name="Save as version 2").click()
    expect(phone.get_by_text("Saved as version 2.")).to_be_visible()
    versions = phone.get_by_role("region", name="What changed in version 2")
    assert "in the State of Ohio" in versions.inner_text()
    expect(phone.get_by_role("heading", name="Version 1")).to_be_visible()
    check_page(phone)


def test_problems_are_announced_at_their_fields(
    server: str,  # noqa: F811
    phone: Any,  # noqa: F811
) -> None:
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.goto(f"{server}/issuer/ohio-nursing/achievements/new")
    phone.get_by_label("Short name for addresses").fill("Bad Slug")
    phone.locator("#name").fill("Something")
    phone.get_by_label("Description").fill("Something.")
    phone.locator("#alignment-1-targetName").fill("A skill")  # without its web address
    phone.get_by_role("button", name="Create the achievement").click()
    alert = phone.get_by_role("alert")
    assert "Short name: use lower-case letters" in alert.inner_text()
    assert "Criteria: say what someone must do" in alert.inner_text()
    assert "Alignment 1, web address" in alert.inner_text()
    alert.get_by_role("link", name="Alignment 1, web address", exact=False).click()
    assert phone.url.endswith("#alignment-1-targetUrl")
    check_page(phone)
