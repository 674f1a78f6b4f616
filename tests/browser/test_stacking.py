"""Stacking and transcripts in Chromium: an issuer admin sets a rule, issues its
components, sees the stacked credential issued (or waiting for approval, and approves it),
then issues a learner's transcript — every page axe-clean on a phone-sized screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    _free_port,
    _require_browser,
    accessibility_violations,
    browser,
    demo_server,
    fits_the_screen,
    phone,
    sign_in,
    watch_csp,
)


def _add_courses(base: str, workdir: Path) -> None:
    """The nursing courses of tests/services/issuing_world.py, added to the demo's database
    (there is no page to create achievements on this branch)."""
    from openler.services.context import Platform
    from openler.settings import Settings
    from tests.services.issuing_world import add_courses

    settings = Settings(
        database_url=f"sqlite:///{workdir / 'demo.db'}", public_url=base, data_dir=workdir
    )
    platform = Platform.from_settings(settings)
    with platform.db.session() as session:
        add_courses(session, platform)
    platform.db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    port = _free_port()
    workdir = tmp_path_factory.mktemp("stacking")
    env = {
        **os.environ,
        "OPENLER_PASSWORD_HASH_MEMORY_KIB": "1024",
        "OPENLER_PASSWORD_HASH_TIME_COST": "1",
    }
    with demo_server(workdir, port, env) as base:
        _add_courses(base, workdir)
        yield base


def page_is_good(page: Any) -> None:
    assert accessibility_violations(page) == []
    assert fits_the_screen(page)
    assert page.csp_errors == []


def issue(page: Any, base: str, achievement: str, email: str) -> None:
    page.goto(f"{base}/issuer/ohio-nursing")
    page.get_by_label("Achievement").select_option(label=achievement)
    page.get_by_label("Recipient's email").fill(email)
    page.get_by_role("button", name="Issue", exact=True).click()
    assert "Issued and signed just now" in page.get_by_role("status").inner_text()


def set_rule(
    page: Any, base: str, achievement: str, requires: list[str], *, approval: bool
) -> None:
    page.goto(f"{base}/issuer/ohio-nursing")
    page.get_by_role("link", name="Stacked achievements").click()
    page.get_by_role("link", name=f"{achievement} — edit its stacking rule").click()
    expect(page.get_by_role("heading", name=f"What {achievement} requires")).to_be_visible()
    page_is_good(page)
    for name in requires:
        page.get_by_label(name, exact=True).check()
    page.get_by_label("All of them").check()
    if approval:
        page.get_by_label("An issuer admin approves each award before it is issued").check()
    page.get_by_role("button", name="Save the rule").click()
    assert "The rule is saved" in page.get_by_role("status").inner_text()


def test_an_admin_stacks_approves_and_issues_a_transcript(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    set_rule(
        phone,
        server,
        "Practical Nurse Program",
        ["Nursing Fundamentals", "Pharmacology I"],
        approval=False,
    )
    page_is_good(phone)
    assert "all of: Nursing Fundamentals, Pharmacology I" in phone.content()  # names, not slugs

    # automatic: the second component issues the stacked credential
    issue(phone, server, "Nursing Fundamentals", "james@demo.openler.org")
    issue(phone, server, "Pharmacology I", "james@demo.openler.org")
    phone.goto(f"{server}/issuer/ohio-nursing")
    phone.get_by_label("Find by recipient, credential or id").fill("james")
    phone.get_by_role("button", name="Find").click()
    found = phone.get_by_role("region", name="Credentials found").inner_text()
    assert "Practical Nurse Program" in found

    # with approval: it waits until an admin approves it
    set_rule(phone, server, "Clinical Practicum", ["Nursing Fundamentals"], approval=True)
    issue(phone, server, "Nursing Fundamentals", "dana@demo.openler.org")
    phone.get_by_role("link", name="Ohio Board of Nursing — issuing").click()
    phone.get_by_role("link", name="Stacked achievements").click()
    expect(phone.get_by_role("heading", name="Clinical Practicum")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Approve Clinical Practicum for Dana Brooks").click()
    expect(
        phone.get_by_role(
            "heading", name="Approve Clinical Practicum for Dana Brooks (dana@demo.openler.org)?"
        )
    ).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Approve and issue").click()
    assert "Approved" in phone.get_by_role("status").inner_text()
    assert "Nothing is waiting." in phone.content()

    # a transcript for James, from one of his credentials
    phone.goto(f"{server}/issuer/ohio-nursing?q=james")
    phone.get_by_role("link", name="Nursing Fundamentals").first.click()
    phone.get_by_role("link", name="Issue a transcript (CLR) to this recipient").click()
    expect(phone.get_by_role("heading", name="Issue a transcript to James Carter")).to_be_visible()
    assert "Practical Nurse Program is the parent of Nursing Fundamentals" in phone.content()
    page_is_good(phone)
    phone.get_by_label("Relation 1: this achievement").select_option(label="Nursing Fundamentals")
    phone.get_by_label("Relation 1: how").select_option(label="comes before")
    phone.get_by_label("Relation 1: that achievement").select_option(label="Pharmacology I")
    phone.get_by_role("button", name="Issue the transcript").click()
    expect(phone.get_by_role("heading", name="Issue a transcript to James Carter?")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Issue the transcript").click()
    assert "Issued and signed just now" in phone.get_by_role("status").inner_text()
    expect(
        phone.get_by_role("heading", name="Ohio Board of Nursing transcript of James Carter")
    ).to_be_visible()
    page_is_good(phone)


def test_an_admin_endorses_and_the_learner_sees_it(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "olivia@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/issuer/ohio-nursing")
    phone.get_by_role("link", name="Endorsements").click()
    page_is_good(phone)
    phone.get_by_label("What you endorse").select_option(
        label="IV Therapy and Infusion Safety (Piedmont Regional Hospital)"
    )
    phone.get_by_label("Why you endorse it").fill(
        "Meets the board's continuing-education standard."
    )
    phone.get_by_role("button", name="Endorse").click()
    page_is_good(phone)
    phone.get_by_role("button", name="Sign the endorsement").click()
    assert "The endorsement is signed" in phone.get_by_role("status").inner_text()
    page_is_good(phone)
    phone.get_by_role("button", name="Sign out").click()

    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Open your record").click()
    phone.get_by_role("link", name="IV Therapy and Infusion Safety").first.click()
    section = phone.get_by_role("region", name="Endorsements").inner_text()
    assert "Endorsed by Ohio Board of Nursing (verified ✓)" in section
    page_is_good(phone)
