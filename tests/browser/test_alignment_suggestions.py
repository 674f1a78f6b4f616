"""Olivia, issuer administrator, asks for skill suggestions in the achievement editor, in
Chromium on a phone-sized screen and by keyboard: the suggestions of a framework for the
Registered Nurse licence, two of them ticked and added as alignments, saved as the next
version — every page without accessibility violations and nothing wider than the screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_achievements import check_page
from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    identity_provider,
    own_demo,
    phone,
    sign_in,
)

#: two skills of the demo framework the description below is about, which the demo's
#: Registered Nurse is not yet aligned to
NURSING = "provide professional care in nursing"
PRINCIPLES = "nursing principles"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo of this module's own (the test changes the demo's Registered Nurse), holding
    the demo framework."""
    with own_demo(tmp_path_factory, "suggestions") as (base, _):
        yield base


def test_olivia_confirms_suggested_skills_by_keyboard(
    server: str,
    phone: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.goto(f"{server}/issuer/ohio-nursing/achievements/registered-nurse/edit")
    expect(phone.get_by_role("heading", name="Suggest skills")).to_be_visible()
    phone.get_by_label("Description").fill(
        "Licensed to practise as a Registered Nurse: professional nursing care, administering "
        "prescribed medication and monitoring vital signs."
    )
    phone.get_by_label("Suggest from the framework").select_option("demo")
    suggest = phone.get_by_role("button", name="Suggest skills")
    suggest.focus()
    phone.keyboard.press("Enter")

    expect(
        phone.get_by_role("heading", name="that this achievement seems to be about")
    ).to_be_visible()
    assert "#suggestions" in phone.url
    check_page(phone)
    # the description typed before is kept
    assert "monitoring vital signs" in phone.get_by_label("Description").input_value()
    nursing = phone.get_by_role("checkbox", name=NURSING)
    medication = phone.get_by_role("checkbox", name=PRINCIPLES)
    for box in (nursing, medication):
        box.focus()
        phone.keyboard.press("Space")
        expect(box).to_be_checked()
    phone.get_by_role("button", name="Add the ticked skills as alignments").focus()
    phone.keyboard.press("Enter")

    expect(phone.locator(f'input[value="{NURSING}"]')).to_be_visible()
    expect(phone.locator(f'input[value="{PRINCIPLES}"]')).to_be_visible()
    check_page(phone)
    phone.get_by_role("button", name="Save as version 2").click()

    expect(phone.get_by_text("Saved as version 2")).to_be_visible()
    expect(phone.get_by_role("link", name=NURSING)).to_be_visible()
    expect(phone.get_by_role("link", name=PRINCIPLES)).to_be_visible()
    check_page(phone)
