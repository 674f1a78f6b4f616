"""Exports in Chromium on a phone-sized screen: Maria opens the export page, downloads her
LER-RS résumé and the PDF, prints her résumé with QR codes and follows one — it verifies her
credential; James deletes his account after typing his email. Every page axe-clean."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import (  # noqa: F401 - fixtures used by name
    accessibility_violations,
    browser,
    fits_the_screen,
    own_demo,
    phone,
    sign_in,
    watch_csp,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_demo(tmp_path_factory, "exports") as (base, _workdir):
        yield base


def page_is_good(page: Any) -> None:
    assert accessibility_violations(page) == []
    assert fits_the_screen(page)
    assert page.csp_errors == []


def test_maria_exports_prints_and_her_qr_code_verifies(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.get_by_role("link", name="Export or print your record").click()
    expect(phone.get_by_role("heading", name="Export your record")).to_be_visible()
    page_is_good(phone)

    with phone.expect_download() as ler_rs:
        phone.get_by_role("link", name="Résumé for employers (HR Open LER-RS)").click()
    resume = json.loads(Path(ler_rs.value.path()).read_text("utf-8"))
    assert resume["person"]["name"]["formattedName"] == "Maria Alvarez"
    assert any(item["name"] == "Registered Nurse" for item in resume["licenses"])

    phone.get_by_label("Add QR codes", exact=False).check()
    with phone.expect_download() as pdf:
        phone.get_by_role("button", name="Download the PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    assert pdf.value.suggested_filename == "openler-resume.pdf"

    phone.get_by_role("button", name="Open the printable page").click()
    expect(phone.get_by_role("heading", name="Maria Alvarez", level=1)).to_be_visible()
    page_is_good(phone)
    code = phone.get_by_role("link", name="QR code: verify Registered Nurse")
    target = code.get_attribute("href")
    assert target and "/s/" in target
    phone.context.clear_cookies()  # whoever scans the paper is not Maria
    phone.goto(target)
    expect(
        phone.get_by_text(re.compile(r"^Maria Alvarez holds Registered Nurse, "))
    ).to_be_visible()
    assert "Registered Nurse" in phone.content()
    page_is_good(phone)


def test_james_deletes_his_account(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "james@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/record/export")
    phone.get_by_role("link", name="Delete your account").click()
    expect(phone.get_by_role("heading", name="What is kept, and why")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Delete my account…").click()
    expect(phone.get_by_role("heading", name="Delete your account?")).to_be_visible()
    page_is_good(phone)
    phone.get_by_label("Type your email address to confirm").fill("someone@else.example")
    phone.get_by_role("button", name="Delete my account").click()
    expect(phone.get_by_role("alert")).to_be_visible()
    field = phone.get_by_label("Type your email address to confirm")
    assert field.input_value() == "someone@else.example"  # nothing typed is lost
    page_is_good(phone)
    field.fill("james@demo.openler.org")
    phone.get_by_role("button", name="Delete my account").click()
    expect(phone.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    page_is_good(phone)
    sign_in(phone, server, "james@demo.openler.org")
    expect(phone.get_by_text("wrong email or password", exact=False)).to_be_visible()
