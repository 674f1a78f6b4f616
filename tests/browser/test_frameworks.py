"""The registry office's frameworks pages in Chromium on a phone-sized screen: Renee reaches
them from her home page, imports a crosswalk, finds an occupation and reads what it requires
and which military occupations translate to it; every page is axe-clean and fits the screen.
A learner and an issuer admin are refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    browser,
    own_demo,
    page_is_good,
    phone,
    sign_in,
    watch_csp,
)

CROSSWALK = (
    "Service,MOC,Title,Status,O*NET-SOC Code\n"
    "Coast Guard,HS,Health Services Technician,Active,29-2042.00\n"
    "Coast Guard,,Nothing,Active,29-2042.00\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_demo(tmp_path_factory, "frameworks") as (base, _):
        yield base


def test_renee_imports_browses_and_reads_an_occupation(
    server: str,
    phone: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    sign_in(phone, server, "renee@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Skills and occupations frameworks").click()
    expect(phone.get_by_role("heading", name="Skills and occupations frameworks")).to_be_visible()
    expect(phone.get_by_text("2 frameworks are here.")).to_be_visible()
    page_is_good(phone)

    crosswalk = tmp_path / "coast-guard.csv"
    crosswalk.write_text(CROSSWALK)
    phone.get_by_label("Kind of file").select_option("military")
    phone.get_by_label("File", exact=True).set_input_files(str(crosswalk))
    phone.get_by_label("Framework id").fill("coast-guard")
    phone.get_by_role("button", name="Import").click()
    expect(
        phone.get_by_role("heading", name="Imported: Military occupations crosswalk")
    ).to_be_visible()
    assert "1 added, 0 updated" in phone.get_by_role("status").inner_text()
    expect(
        phone.get_by_text("coast-guard.csv, line 3: no service or military code")
    ).to_be_visible()
    page_is_good(phone)

    phone.get_by_role("link", name="Skills and occupations frameworks").click()
    phone.get_by_role("link", name="openler demo: skills and occupations of the stories").click()
    expect(
        phone.get_by_role("heading", name="openler demo: skills and occupations")
    ).to_be_visible()
    phone.get_by_label("Find items by name, alternative name or code").fill("emergency medical")
    phone.get_by_label("Kind").select_option("occupation")
    phone.get_by_role("button", name="Find").click()
    expect(phone.get_by_role("heading", name="2 items match “emergency medical”")).to_be_visible()
    page_is_good(phone)

    phone.get_by_role("link", name="Emergency Medical Technicians").click()
    expect(
        phone.get_by_role("heading", name="Emergency Medical Technicians", exact=True)
    ).to_be_visible()
    needs = phone.get_by_role(
        "region", name="Skills and knowledge it requires, the most important first"
    )
    expect(needs.get_by_role("link", name="provide first aid")).to_be_visible()
    crosswalks = phone.get_by_role("region", name="Military occupations")
    expect(crosswalks.get_by_role("link", name="Combat Medic Specialist")).to_be_visible()
    expect(crosswalks.get_by_role("link", name="Health Services Technician")).to_be_visible()
    page_is_good(phone)

    crosswalks.get_by_role("link", name="Combat Medic Specialist").click()
    expect(phone.get_by_role("heading", name="Combat Medic Specialist")).to_be_visible()
    expect(phone.get_by_role("link", name="Medical Assistants")).to_be_visible()
    page_is_good(phone)


@pytest.mark.parametrize("who", ["maria", "olivia"])
def test_a_learner_and_an_issuer_admin_are_refused(server: str, phone: Any, who: str) -> None:  # noqa: F811
    sign_in(phone, server, f"{who}@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    expect(phone.get_by_role("link", name="Skills and occupations frameworks")).to_have_count(0)
    answer = phone.goto(f"{server}/registry/frameworks")
    assert answer is not None and answer.status == 403
    page_is_good(phone)
