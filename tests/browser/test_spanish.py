"""Maria reads her record in Spanish, in Chromium on a phone-sized screen: she picks the
language with the footer's choice by keyboard, her record and home page answer in Spanish,
the choice follows her to an entry's page, and every page she sees is axe-clean."""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_demo(tmp_path_factory, "spanish") as (base, _workdir):
        yield base


def test_maria_switches_to_spanish_by_keyboard_and_reads_her_record(
    server: str,
    phone: Any,  # noqa: F811
) -> None:
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/record")
    assert phone.locator("html").get_attribute("lang") == "en"

    # the footer's choice, by keyboard only: focus the list, pick Spanish, Tab to the button
    choice = phone.get_by_label("Language · Idioma")
    choice.focus()
    phone.keyboard.press("ArrowDown")  # English, then español
    assert choice.input_value() == "es"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Change language"
    phone.keyboard.press("Enter")
    # the page comes back at the same address: wait for what the change shows, not the URL
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    assert phone.url == f"{server}/record"
    expect(phone.get_by_role("heading", level=1, name="Su historial")).to_be_visible()
    expect(phone.get_by_role("heading", name="Licencias y certificaciones")).to_be_visible()
    expect(phone.get_by_text("Todo lo que ha obtenido, en un solo lugar")).to_be_visible()
    assert phone.get_by_role("link", name="Ir al contenido").count() == 1
    page_is_good(phone)

    # the choice follows her: the entry's page, reached by keyboard, is in Spanish too
    entry = phone.get_by_role("link", name="Registered Nurse")
    entry.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{server}/record/issued:**")
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "es"
    sentence = phone.locator("p.sentence").inner_text()
    assert sentence.startswith("Registered Nurse, una licencia de Ohio Board of Nursing, activa")
    assert phone.get_by_role("term").filter(has_text="Emitida por").count() == 1
    expect(phone.get_by_text("Comprobada hace un momento")).to_be_visible()
    page_is_good(phone)

    # and her home page
    phone.goto(f"{server}/home")
    expect(phone.get_by_role("heading", name="Bienvenido/a, Maria Alvarez")).to_be_visible()
    expect(phone.get_by_role("link", name="Abrir su historial")).to_be_visible()
    page_is_good(phone)
