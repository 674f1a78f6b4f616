"""What a new user's tryout of the issuer workspace found, checked in Chromium at a phone's
width (390 px): Back and Reload after a confirmation send nothing again; the issuing page
says what needs attention; wide tables stack or say that they scroll; the achievement
form shows no stray button; a message keeps what the user typed; a verifier reads the
issuer's reason first, in a box that is not green. Every page passes axe-core."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    identity_provider,
    page_is_good,
    server,
    sign_in,
    watch_csp,
)

#: where screenshots go when OPENLER_SCREENSHOTS names a folder (for a person to look at)
SHOTS = os.environ.get("OPENLER_SCREENSHOTS")


@pytest.fixture
def phone390(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = watch_csp(context.new_page())
    yield page
    context.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def inside_the_screen(page: Any, selector: str) -> list[str]:
    """The texts of ``selector``'s elements that reach past the right edge of the screen."""
    found: list[str] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
             .map(e => e.innerText)""",
        selector,
    )
    return found


def licence_of(page: Any, base: str, email: str) -> dict[str, Any]:
    """The current Registered Nurse credential of ``email`` (signing in and out as them)."""
    sign_in(page, base, email)
    page.wait_for_url(f"{base}/home")
    wallet = page.request.get(f"{base}/api/me/credentials").json()["credentials"]
    licence: dict[str, Any] = next(
        c["document"] for c in wallet if c["document"]["name"] == "Registered Nurse"
    )
    page.get_by_role("button", name="Sign out").click()
    return licence


def test_back_and_reload_after_a_confirmation_send_nothing_again(
    server: str,  # noqa: F811
    phone390: Any,
) -> None:
    page = phone390
    licence = licence_of(page, server, "maria@demo.openler.org")
    sign_in(page, server, "olivia@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    credential_page = f"{server}/issuer/ohio-nursing/credentials/{licence['id']}"
    page.goto(credential_page)
    page.get_by_role("button", name="Suspend").click()
    page.wait_for_url(re.compile(r".*/confirm\?c="))
    question = page.get_by_role("heading", name=re.compile("^Suspend Registered Nurse"))
    expect(question).to_be_visible()
    page_is_good(page)
    # Reload, Back and Forward: pages, never "Confirm Form Resubmission"
    answer = page.reload()
    assert answer is not None and answer.request.method == "GET" and question.is_visible()
    page.go_back()
    assert page.url == credential_page
    page.go_forward()
    expect(question).to_be_visible()
    page.get_by_label("Reason").fill("Under review")
    page.get_by_role("button", name="Suspend it").click()
    assert "now suspended" in page.get_by_role("status").inner_text()
    page.go_back()  # back to the question: shown again, nothing sent
    assert page.url.startswith(f"{server}/confirm?c=") and question.is_visible()


def test_the_issuing_page_and_its_tables_on_a_phone(
    server: str,  # noqa: F811
    phone390: Any,
) -> None:
    page = phone390
    sign_in(page, server, "olivia@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    assert inside_the_screen(page, "main td") == []
    expect(page.get_by_text(re.compile(r"\d+ current credentials")).first).to_be_visible()
    shot(page, "home")
    page_is_good(page)
    page.goto(f"{server}/issuer/ohio-nursing")
    attention = page.get_by_role("heading", name="What needs your attention")
    expect(attention).to_be_visible()
    # the demo's November roster left a row unissued: a link to its job
    page.locator("section.attention").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/issuer/ohio-nursing/jobs/[0-9a-f-]+$"))
    page.go_back()
    # the issuer list stacks its cells: every status is on the screen, labelled
    assert inside_the_screen(page, "main td") == []
    status = page.locator("td[data-label='Status']").first
    label = page.evaluate("(e) => getComputedStyle(e, '::before').content", status.element_handle())
    assert "Status" in label
    shot(page, "issuer")
    page_is_good(page)
    page.goto(f"{server}/issuer/ohio-nursing/jobs")
    assert inside_the_screen(page, "main td") == []
    shot(page, "jobs")
    page_is_good(page)


def test_a_table_that_still_scrolls_says_so(server: str, phone390: Any) -> None:  # noqa: F811
    page = phone390
    sign_in(page, server, "hr@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    licence = page.request.get(f"{server}/api/me/credentials")  # hr holds none
    assert licence.status == 200
    # the checks table on a verification result is wide: its hint says it scrolls, once
    # "How it was checked" is opened
    page.goto(f"{server}/verify")
    page.get_by_label("Or paste a credential, or a share link").fill(
        json.dumps({"type": ["VerifiableCredential"], "issuer": "did:example:" + "x" * 120})
    )
    page.get_by_role("button", name="Verify", exact=True).click()
    page.get_by_role("heading", name="Verification result").wait_for()
    page.wait_for_load_state("load")
    page.locator("details.checks summary").click()
    page.get_by_role("region", name="Checks").wait_for()
    wraps = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')].map(w => [
             w.scrollWidth > w.clientWidth + 1,
             !!(w.previousElementSibling && w.previousElementSibling.classList
                .contains('scroll-hint'))])"""
    )
    assert wraps and all(wide == hinted for wide, hinted in wraps), wraps
    page_is_good(page)


def test_no_stray_button_and_messages_keep_what_was_typed(
    server: str,  # noqa: F811
    phone390: Any,
) -> None:
    page = phone390
    page.goto(f"{server}/signup")
    transform = page.evaluate(
        """() => { const p = document.createElement('p'); p.className = 'error message';
             document.querySelector('main').append(p);
             return getComputedStyle(p, '::first-letter').textTransform; }"""
    )
    assert transform == "none"
    sign_in(page, server, "olivia@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    page.goto(f"{server}/issuer/ohio-nursing/achievements/new")
    hidden = page.locator("button[hidden]")
    assert hidden.count() == 1 and not hidden.is_visible()
    assert page.get_by_role("button", name="Save", exact=True).count() == 0
    page_is_good(page)


def test_the_verifier_reads_the_reason_first(server: str, phone390: Any) -> None:  # noqa: F811
    page = phone390
    licence = {"document": licence_of(page, server, "maria@demo.openler.org")}
    sign_in(page, server, "olivia@demo.openler.org")
    page.goto(f"{server}/issuer/ohio-nursing/credentials/{licence['document']['id']}")
    page.get_by_role("button", name="Revoke").click()
    page.get_by_label("Reason").fill("Licence surrendered voluntarily.")
    page.get_by_role("button", name="Revoke it").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server, "hr@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    page.goto(f"{server}/verify")
    page.get_by_label("Or paste a credential, or a share link").fill(
        json.dumps(licence["document"])
    )
    page.get_by_role("button", name="Verify", exact=True).click()
    text = page.locator("main").inner_text()
    assert text.index("Licence surrendered voluntarily.") < text.index("How it was checked")
    assert "voluntarily.." not in text
    box = page.locator("section.notice")
    colour = page.evaluate("(e) => getComputedStyle(e).borderLeftColor", box.element_handle())
    assert colour == "rgb(164, 22, 26)"  # --bad, not the green of --ok
    shot(page, "verify-revoked")
    page_is_good(page)
