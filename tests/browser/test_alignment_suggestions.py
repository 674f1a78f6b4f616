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

from openler.services.context import Platform
from openler.services.people.accounts import Principal
from openler.services.skills import frameworks
from openler.settings import Settings
from openler.skills import Framework, Item
from openler.store.models import SkillFramework
from tests.browser.test_achievements import check_page
from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    identity_provider,
    own_demo,
    phone,
    sign_in,
)

ESCO = "http://data.europa.eu/esco/skill/"
SKILLS = (
    Item(ESCO + "n1", "skill", "apply nursing care", ("provide nursing care",)),
    Item(ESCO + "n2", "skill", "administer medication", ("give medicines",)),
    Item(ESCO + "n3", "skill", "monitor patient vital signs", ("check vital signs",)),
    Item(ESCO + "w1", "skill", "weld metal parts", ("welding",)),
    Item("29-1141.00", "occupation", "Registered Nurses", code="29-1141.00"),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo of this module's own, holding the demo framework — or, until that arrives,
    a small one saved here."""
    with own_demo(tmp_path_factory, "suggestions") as (base, workdir):
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'demo.db'}", data_dir=workdir, public_url=base
        )
        platform = Platform.from_settings(settings)
        with platform.db.session() as s:
            if s.get(SkillFramework, "demo") is None:
                framework = Framework("demo", "builtin", "Demo skills", items=SKILLS)
                frameworks.save(s, platform, Principal.system("test"), framework)
        platform.db.dispose()
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
        "Licensed to practise as a Registered Nurse: nursing care, medication and vital signs."
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
    assert "medication and vital signs" in phone.get_by_label("Description").input_value()
    nursing = phone.get_by_role("checkbox", name="apply nursing care")
    medication = phone.get_by_role("checkbox", name="administer medication")
    for box in (nursing, medication):
        box.focus()
        phone.keyboard.press("Space")
        expect(box).to_be_checked()
    phone.get_by_role("button", name="Add the ticked skills as alignments").focus()
    phone.keyboard.press("Enter")

    expect(phone.locator("input[value='apply nursing care']")).to_be_visible()
    expect(phone.locator("input[value='administer medication']")).to_be_visible()
    check_page(phone)
    phone.get_by_role("button", name="Save as version 2").click()

    expect(phone.get_by_text("Saved as version 2")).to_be_visible()
    expect(phone.get_by_role("link", name="apply nursing care")).to_be_visible()
    expect(phone.get_by_role("link", name="administer medication")).to_be_visible()
    check_page(phone)
