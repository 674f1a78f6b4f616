"""A recipient without an account, in Chromium on a phone-sized screen: issuer staff issue
to an address, the mailbox shows the message, the recipient opens the claim link, creates
an account there and finds the credential in their wallet. Every page passes axe-core's
WCAG 2.1 A/AA rules. Issuing it to them again asks first."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    identity_provider,
    page_is_good,
    phone,
    server,
    sign_in,
    watch_csp,
)

ACHIEVEMENT = "IV Therapy and Infusion Safety"
ADDRESS = "casey.lee@example.org"


def test_a_recipient_without_an_account_claims_from_the_mailed_link(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    phone: Any,  # noqa: F811
) -> None:
    # issuer staff issue to an address that has no account
    sign_in(phone, server, "trainer@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/issuer/piedmont-hospital")
    phone.get_by_label("Achievement").select_option(label=ACHIEVEMENT)
    phone.get_by_label("Recipient's email").fill(ADDRESS)
    phone.get_by_label("Recipient's name (optional)").fill("Casey Lee")
    page_is_good(phone)
    phone.get_by_role("button", name="Issue", exact=True).click()
    assert f"A claim link was sent to {ADDRESS}" in phone.get_by_role("status").inner_text()
    expect(phone.get_by_role("heading", name="Claim link")).to_be_visible()
    page_is_good(phone)

    # issuing it to them again asks first; cancelling issues nothing
    phone.goto(f"{server}/issuer/piedmont-hospital")
    phone.get_by_label("Achievement").select_option(label=ACHIEVEMENT)
    phone.get_by_label("Recipient's email").fill(ADDRESS)
    phone.get_by_role("button", name="Issue", exact=True).click()
    expect(phone.get_by_role("heading", name=re.compile("again\\?$"))).to_be_visible()
    assert "Casey Lee already holds" in phone.content()
    page_is_good(phone)
    phone.get_by_role("link", name="Cancel").click()
    assert "not claimed yet" in phone.content()
    phone.get_by_role("button", name="Sign out").click()

    # the demo sends no mail: the platform administrator's mailbox shows the message
    sign_in(phone, server, "admin@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/mailbox")
    message = phone.get_by_role("article").filter(has_text=ADDRESS).first
    assert "Piedmont Regional Hospital has issued you" in message.inner_text()
    page_is_good(phone)
    link = message.locator("a[href*='/claim/']").get_attribute("href")
    assert link is not None and link.startswith(f"{server}/claim/")

    # the recipient opens it on their own phone and creates their account there
    context = browser.new_context(viewport={"width": 375, "height": 740})
    recipient = watch_csp(context.new_page())
    recipient.goto(link)
    expect(
        recipient.get_by_role(
            "heading", name=f"Piedmont Regional Hospital has issued you {ACHIEVEMENT}"
        )
    ).to_be_visible()
    assert "Casey Lee" in recipient.content()
    page_is_good(recipient)
    assert recipient.get_by_label("Your name").input_value() == "Casey Lee"
    recipient.get_by_label("Password (at least 12 characters)").fill("casey's own passphrase")
    recipient.get_by_role("button", name="Create my account and add the credential").click()
    expect(recipient.get_by_role("heading", name=ACHIEVEMENT)).to_be_visible()
    expect(recipient.get_by_role("heading", name="Checked just now")).to_be_visible()
    page_is_good(recipient)
    recipient.goto(f"{server}/record")
    expect(recipient.get_by_role("link", name=ACHIEVEMENT)).to_be_visible()
    page_is_good(recipient)

    # the link worked once
    recipient.goto(link)
    assert "already used" in recipient.get_by_role("alert").inner_text()
    page_is_good(recipient)
    context.close()
