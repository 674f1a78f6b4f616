"""The learner's record in Chromium on a phone-sized screen: Maria opens her record (her
FEMA renewal is one entry), opens the FEMA entry and its history, and adds a self-reported
job by keyboard alone, correcting a date the page refused. Every page passes axe-core's
WCAG 2.1 A/AA rules."""

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
)

FEMA = "IS-100.C: Introduction to the Incident Command System"


def focused(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def tab_to(page: Any, element_id: str) -> None:
    for _ in range(12):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"the keyboard never reached #{element_id}")


def test_maria_reads_her_record_and_adds_a_job_by_keyboard(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    expect(phone.get_by_role("heading", name="Your record")).to_be_visible()
    page_is_good(phone)

    # the record: grouped, the FEMA renewal one entry with one earlier
    phone.get_by_role("link", name="Open your record").click()
    phone.wait_for_url(f"{server}/record")
    expect(phone.get_by_role("heading", name="Your record", level=1)).to_be_visible()
    expect(phone.get_by_role("heading", name="Licences and certifications")).to_be_visible()
    assert phone.get_by_role("link", name=FEMA).count() == 1
    fema = phone.get_by_role("listitem").filter(has=phone.get_by_role("link", name=FEMA))
    assert "1 earlier credential" in fema.first.inner_text()
    page_is_good(phone)

    # the FEMA entry: the facts in words first, its history, the checks collapsed
    phone.get_by_role("link", name=FEMA).click()
    expect(phone.get_by_role("heading", name=FEMA, level=1)).to_be_visible()
    sentence = phone.locator(".sentence").inner_text()
    assert sentence.startswith(f"{FEMA}, a certification from FEMA Emergency Management")
    expect(phone.get_by_role("heading", name="History")).to_be_visible()
    assert not phone.get_by_role("table", name="How it was checked").is_visible()
    page_is_good(phone)
    earlier = phone.get_by_role("link", name=re.compile(r"^Issued \d{4}-\d\d-\d\d, valid until"))
    earlier.click()
    expect(phone.get_by_text("This is an earlier credential.")).to_be_visible()
    assert "expired" in phone.locator("dl.facts").inner_text().lower()
    phone.locator("summary", has_text="How it was checked").click()
    expect(phone.get_by_role("table", name="How it was checked")).to_be_visible()
    page_is_good(phone)

    # a job of her own, by keyboard alone
    phone.goto(f"{server}/record")
    phone.get_by_role("link", name="Add something yourself").first.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{server}/record/self/new")
    page_is_good(phone)
    phone.get_by_role("radio", name="Job").focus()
    assert phone.get_by_role("radio", name="Job").is_checked()
    tab_to(phone, "title")
    phone.keyboard.type("Charge nurse, night shift")
    tab_to(phone, "organization")
    phone.keyboard.type("Mercy Hospital, Toledo")
    tab_to(phone, "started")
    phone.keyboard.type("2018-13")
    tab_to(phone, "ended")
    phone.keyboard.type("2023-06")
    phone.keyboard.press("Enter")
    # refused, with what was typed kept and the way to the field
    alert = phone.get_by_role("alert")
    assert "There is no month 13" in alert.inner_text()
    assert phone.get_by_label("Title").input_value() == "Charge nurse, night shift"
    assert phone.get_by_label("Where").input_value() == "Mercy Hospital, Toledo"
    page_is_good(phone)
    alert.get_by_role("link").first.focus()
    phone.keyboard.press("Enter")
    phone.get_by_label("From").focus()
    phone.keyboard.press("ControlOrMeta+A")
    phone.keyboard.type("2018-03")
    tab_to(phone, "ended")
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r".*/record\?done=added"))
    assert phone.get_by_role("status").inner_text() == (
        "Added to your record, marked self-reported."
    )
    job = phone.get_by_role("listitem").filter(has_text="Charge nurse, night shift")
    text = job.inner_text()
    assert "Self-reported" in text and "Mercy Hospital, Toledo" in text
    assert "2018-03 to 2023-06" in text
    page_is_good(phone)
