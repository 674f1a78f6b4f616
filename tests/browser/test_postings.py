"""Postings and candidates in Chromium on a phone-sized screen: the hospital's HR reaches the
emergency-department posting from their home page, reads the ranking in plain words with
its chart, asks for a skill and closes a posting after confirming, pastes a posting's text
and adds the skills suggested from it; Maria stops being
findable and is no longer listed; a learner and another organization's staff are refused.
Every page is axe-clean and fits the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
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

POSTING = "Registered Nurse — Emergency Department"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_demo(tmp_path_factory, "postings") as (base, _):
        yield base


def _to_candidates(page: Any, server: str, *, check: bool = False) -> None:
    sign_in(page, server, "hr@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    page.get_by_role("link", name="Job postings and candidates").first.click()
    page.wait_for_url(f"{server}/employer/piedmont-hospital/postings")
    page.get_by_role("link", name=POSTING, exact=True).click()
    expect(
        page.get_by_text("It asks for 6 required skills and 3 preferred skills.")
    ).to_be_visible()
    if check:  # the editor: a row a skill, each changed by keyboard-reachable controls
        expect(page.get_by_label("Weight (1–5) (plan nursing care)")).to_have_value("5")
        page_is_good(page)
    page.get_by_role("link", name="See the candidates").click()
    expect(page.get_by_role("heading", name=f"Candidates for {POSTING}")).to_be_visible()


def test_hr_reads_the_ranking_in_plain_words(server: str, phone: Any) -> None:  # noqa: F811
    _to_candidates(phone, server, check=True)
    maria = phone.locator("#candidate-1")
    expect(maria.get_by_role("heading", name="1. Maria Alvarez")).to_be_visible()
    expect(
        maria.get_by_text("Maria Alvarez meets 5 of 6 required skills and 2 of 3 preferred.")
    ).to_be_visible()
    expect(
        maria.get_by_text(
            "Registered Nurse from Ohio Board of Nursing proves Registered Nurses, plan nursing "
            "care and infection control."
        )
    ).to_be_visible()
    expect(maria.get_by_role("row", name="provide first aid")).to_contain_text("not shown")
    assert phone.get_by_text("Luis Ortega").count() == 0  # he never chose to be found
    phone.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('candidates-chart'))"
    )
    drawn = phone.evaluate(
        """() => Chart.getChart(document.getElementById("candidates-chart")).data"""
    )
    row = phone.locator("#candidates-table tbody tr").first.locator("td")
    assert [
        " ".join([label] if isinstance(label, str) else label) for label in drawn["labels"]
    ] == ["Maria Alvarez"]
    assert [str(drawn["datasets"][0]["data"][0]), str(drawn["datasets"][1]["data"][0])] == [
        row.nth(2).inner_text(),
        row.nth(3).inner_text(),
    ]
    page_is_good(phone)


def _new_posting(page: Any, server: str, title: str, occupation: str = "") -> None:
    """HR signs in and posts a job of ``title`` (checking the list page on the way)."""
    sign_in(page, server, "hr@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    page.goto(f"{server}/employer/piedmont-hospital/postings")
    page_is_good(page)
    page.get_by_label("Job title").fill(title)
    page.get_by_label("Occupation").fill(occupation)
    page.get_by_role("button", name="Create the posting").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def test_hr_makes_a_posting_asks_for_a_skill_and_closes_it(
    server: str,
    phone: Any,  # noqa: F811
) -> None:
    _new_posting(phone, server, "Night charge nurse", "29-1141.00")
    expect(phone.get_by_text("It asks for no skills yet")).to_be_visible()
    page_is_good(phone)
    # the demo's posting names its skills; this one asks for the demo occupation's
    phone.get_by_role("button", name="Close the posting…").click()
    expect(phone.get_by_role("heading", name="Close this posting?")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Close the posting").click()
    phone.wait_for_url(f"{server}/employer/piedmont-hospital/postings")
    expect(phone.get_by_role("row", name="Night charge nurse")).to_contain_text("closed")


def test_hr_pastes_the_postings_text_and_adds_suggested_skills(
    server: str,
    phone: Any,  # noqa: F811
) -> None:
    _new_posting(phone, server, "Phlebotomist, nights")
    phone.get_by_role("textbox", name="The posting's text").fill(
        "You will take blood samples from patients on the wards and label each one."
    )
    # the built-in framework first; a crosswalk (occupations, not skills) is not offered
    expect(phone.get_by_label("Suggest from the framework")).to_have_value("demo")
    expect(phone.locator("#suggest-framework option[value=military]")).to_have_count(0)
    phone.get_by_role("button", name="Suggest skills").click()
    expect(
        phone.get_by_role("heading", name=re.compile("this text seems to ask for"))
    ).to_be_visible()
    blood = phone.get_by_role("checkbox", name=re.compile("^take blood samples"))
    expect(blood).to_be_visible()
    page_is_good(phone)
    blood.focus()
    phone.keyboard.press("Space")  # by keyboard
    expect(blood).to_be_checked()
    phone.get_by_label("Required or preferred (take blood samples)").select_option("preferred")
    phone.get_by_role("button", name="Add the ticked skills").click()
    row = phone.locator("#requirements-table").get_by_role(
        "row", name=re.compile("take blood samples")
    )
    expect(row).to_contain_text("preferred, weight 3")
    expect(
        phone.get_by_text("It asks for 0 required skills and 1 preferred skill.")
    ).to_be_visible()
    page_is_good(phone)


def test_maria_stops_being_findable_and_is_not_listed(
    server: str,
    browser: Any,  # noqa: F811
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = watch_csp(context.new_page())
    sign_in(page, server, "maria@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    page.goto(f"{server}/record/skills")
    region = page.get_by_role("region", name="Found by employers")
    expect(region.get_by_text("Employers can find you.")).to_be_visible()
    page_is_good(page)
    region.get_by_role("button", name="Stop employers finding me").click()
    expect(page.get_by_text("Employers cannot find you.")).to_be_visible()
    context.close()

    hr = browser.new_context(viewport={"width": 375, "height": 740})
    other = watch_csp(hr.new_page())
    _to_candidates(other, server)
    expect(other.get_by_text("Nobody who chose to be found by employers")).to_be_visible()
    assert other.get_by_text("Maria Alvarez").count() == 0
    hr.close()

    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = watch_csp(context.new_page())
    sign_in(page, server, "maria@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    page.goto(f"{server}/record/skills")
    page.get_by_role("button", name="Let employers find me…").click()
    expect(page.get_by_role("heading", name="Let employers find you?")).to_be_visible()
    page_is_good(page)
    page.get_by_role("button", name="Let employers find me").click()
    expect(page.get_by_text("Employers can find you.")).to_be_visible()
    context.close()


@pytest.mark.parametrize("email", ["maria@demo.openler.org", "olivia@demo.openler.org"])
def test_a_learner_and_another_organizations_staff_are_refused(
    server: str,
    browser: Any,  # noqa: F811
    email: str,
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = watch_csp(context.new_page())
    sign_in(page, server, email)
    page.wait_for_url(f"{server}/home")
    answer = page.goto(f"{server}/employer/piedmont-hospital/postings")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    context.close()
