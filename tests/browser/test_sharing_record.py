"""Sharing from the learner's record in Chromium on a phone-sized screen: Maria shares two
credentials with a view limit and sees the QR code with the link; the hospital's verifier
opens it signed in; Maria reads "Piedmont Regional Hospital" in the share's log, withdraws
it, and the link no longer opens. Her data page too. Every page passes axe-core's WCAG 2.1
A/AA rules."""

from __future__ import annotations

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


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_share_with_a_limit_see_who_opened_it_and_withdraw(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/shares")
    expect(phone.get_by_role("heading", name="Sharing", exact=True)).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Only the ones I tick below").check()
    phone.get_by_label(re.compile("^Registered Nurse")).check()
    phone.get_by_label(re.compile("^IV Therapy and Infusion Safety")).check()
    phone.get_by_label("Who will see them").fill("Piedmont Regional Hospital")
    phone.get_by_label("Why").fill("RN position")
    phone.get_by_label("Most times it may be opened (optional)").fill("5")
    phone.get_by_label(re.compile("^I agree that this audience")).check()
    phone.get_by_role("button", name="Create share link").click()
    phone.get_by_role("heading", name="Your new share link").wait_for()
    qr = phone.get_by_role("img", name="QR code of the share link")
    assert qr.is_visible() and qr.get_attribute("src").startswith("data:image/svg+xml")
    link = phone.get_by_role("textbox", name="Share link").input_value()
    assert "/s/" in link
    expect(
        phone.get_by_text(
            "Send this link to Piedmont Regional Hospital, or let them scan the QR code."
        )
    ).to_be_visible()
    # copied with one press, and said so in words a screen reader announces
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    phone.get_by_role("button", name="Copy link").click()
    said = phone.locator(".copy-said")
    assert said.get_attribute("aria-live") == "polite"
    phone.wait_for_function("() => document.querySelector('.copy-said').textContent !== ''")
    assert said.inner_text() == "Copied"
    assert phone.evaluate("() => navigator.clipboard.readText()") == link
    expect(phone.get_by_text("used 0 of 5 views")).to_be_visible()
    page_is_good(phone)
    phone.goto(f"{server}/record/my-data")
    expect(phone.get_by_role("heading", name="Your data")).to_be_visible()
    expect(phone.get_by_role("link", name="Download everything (JSON)")).to_be_visible()
    page_is_good(phone)
    sign_out(phone)

    # the hospital's verifier opens the link, signed in
    sign_in(phone, server, "hr@demo.openler.org")
    phone.wait_for_url(re.compile(r".*/home$"))
    phone.goto(link)
    said = phone.locator(".answer-said").all_inner_texts()
    assert [t.split(",", 1)[0] for t in said] == [
        "Maria Alvarez holds Registered Nurse",
        "Maria Alvarez holds IV Therapy and Infusion Safety",
    ], said
    checks = phone.locator("details.checks")
    assert not checks.get_by_text("Every credential verified.").is_visible()
    checks.locator("summary").click()
    expect(checks.get_by_text("Every credential verified.")).to_be_visible()
    page_is_good(phone)
    sign_out(phone)

    # Maria reads who opened it, then withdraws it
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/shares")
    expect(phone.get_by_text("used 1 of 5 views")).to_be_visible()
    phone.get_by_role("link", name="Piedmont Regional Hospital", exact=True).click()
    expect(phone.get_by_role("heading", name="Who opened it")).to_be_visible()
    row = phone.get_by_role("row", name=re.compile("Piedmont Regional Hospital"))
    assert "Piedmont Regional Hospital (Sam Patel)" in row.inner_text()
    page_is_good(phone)
    phone.get_by_role("button", name="Withdraw this share").click()
    expect(
        phone.get_by_role("heading", name="Withdraw the share with Piedmont Regional Hospital?")
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Withdraw the share").click()
    phone.wait_for_url(f"{server}/shares")
    expect(phone.get_by_text("withdrawn", exact=True).first).to_be_visible()
    sign_out(phone)

    # the link no longer opens
    phone.goto(link)
    expect(phone.get_by_text("The learner withdrew this share")).to_be_visible()
    page_is_good(phone)


def test_a_credential_that_cannot_go_is_listed_with_why_among_the_choices(
    server: str,  # noqa: F811
    phone: Any,  # noqa: F811
) -> None:
    """Piedmont suspends Maria's IV therapy training: on her sharing page it stays among
    the credentials she may choose from, not ticked-able, saying why — not in a box apart."""
    sign_in(phone, server, "trainer@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Issue and manage credentials").click()
    phone.get_by_label("Find by recipient, credential or id").fill("maria")
    phone.get_by_role("button", name="Find").click()
    found = phone.get_by_role("region", name="Credentials found")
    found.get_by_role("link", name="IV Therapy and Infusion Safety").first.click()
    phone.get_by_role("button", name="Suspend").click()
    phone.get_by_label("Reason").fill("Practice under review")
    phone.get_by_role("button", name="Suspend it").click()
    assert "now suspended" in phone.get_by_role("status").inner_text()
    sign_out(phone)

    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/shares")
    choices = phone.get_by_role("group", name=re.compile("^Credentials"))
    held = choices.locator("ul.not-offered li")
    assert held.count() == 1
    text = held.inner_text()
    assert text.startswith("IV Therapy and Infusion Safety from Piedmont Regional Hospital: ")
    assert "you hold it, but it cannot be shared: suspended" in text.lower()
    assert "Practice under review" in text
    assert choices.get_by_role("checkbox", name=re.compile("^IV Therapy")).count() == 0
    assert phone.get_by_text("Not offered").count() == 0
    page_is_good(phone)
