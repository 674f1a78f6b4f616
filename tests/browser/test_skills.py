"""The skills profile in Chromium on a phone-sized screen: Maria reaches it from her home page
by keyboard, the chart is drawn from the same figures as the table beside it, the page is
axe-clean, and without JavaScript the table alone tells the same."""

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

#: the table's rows as (skill, how many credentials), read from the page
TABLE = """() => [...document.querySelectorAll("#skills-table tbody tr")].map(row => [
  row.querySelector("th").firstChild.textContent.trim(),
  Number(row.querySelector("td").textContent)])"""

#: what the chart drew: its labels (wrapped onto lines) joined again, and its bars
CHART = """() => {
  const chart = Chart.getChart(document.getElementById("skills-chart"));
  return chart.data.labels.map((label, i) =>
    [[].concat(label).join(" "), chart.data.datasets[0].data[i]]);
}"""


def _self_reported(base: str, workdir: Path) -> None:
    """A skill Maria wrote herself (the page to write one is another part of the record)."""
    from sqlalchemy import select

    from openler.services.context import Platform
    from openler.settings import Settings
    from openler.store.models import Person, SelfReported

    settings = Settings(
        database_url=f"sqlite:///{workdir / 'demo.db'}", public_url=base, data_dir=workdir
    )
    platform = Platform.from_settings(settings)
    with platform.db.session() as session:
        maria = session.execute(
            select(Person).where(Person.email == "maria@demo.openler.org")
        ).scalar_one()
        session.add(SelfReported(person_id=maria.id, kind="skill", title="Conversational Spanish"))
    platform.db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_demo(tmp_path_factory, "skills") as (base, workdir):
        _self_reported(base, workdir)
        yield base


def test_maria_reads_her_skills_chart_and_its_table(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "maria@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    link = phone.get_by_role("link", name="Your skills")
    link.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{server}/record/skills")
    expect(phone.get_by_text("Your credentials show 6 skills and 1 occupation.")).to_be_visible()

    # the chart is drawn, on a canvas of real size, from exactly the table's figures
    phone.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('skills-chart'))"
    )
    canvas = phone.get_by_role("img", name="Bar chart of your skills")
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    assert box["x"] + box["width"] <= 375 + 1
    table = phone.evaluate(TABLE)
    assert table[0] == ["infection control", 2] and len(table) == 6
    assert phone.evaluate(CHART) == table
    # the canvas holds drawn pixels, not a blank box
    assert phone.evaluate(
        """() => { const c = document.getElementById("skills-chart");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return true; } return false; }"""
    )

    # each skill's credentials are links to their entries of the record, reached by keyboard
    shown_by = phone.locator("#skills-table tbody tr").first.locator('td[data-label="Shown by"] a')
    assert shown_by.count() == 2
    assert all(
        (h or "").startswith("/record/issued%3A")
        for h in shown_by.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    reached = False
    for _ in range(40):
        phone.keyboard.press("Tab")
        if phone.evaluate("() => !!document.activeElement.closest('#skills-table')"):
            reached = True
            break
    assert reached

    occupations = phone.locator("#occupations-list")
    expect(occupations.get_by_role("heading", name="Registered Nurses")).to_be_visible()
    onet = occupations.get_by_role("link", name="read about it on O*NET OnLine")
    assert onet.get_attribute("href") == "https://www.onetonline.org/link/summary/29-1141.00"
    mine = phone.get_by_role("region", name="Self-reported (not verified)")
    expect(mine.get_by_text("Conversational Spanish")).to_be_visible()
    page_is_good(phone)


def test_without_javascript_the_table_tells_the_same(server: str, browser: Any) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    page = watch_csp(context.new_page())
    sign_in(page, server, "maria@demo.openler.org")
    page.wait_for_url(f"{server}/home")
    page.goto(f"{server}/record/skills")
    assert not page.locator(".skills-chart").is_visible()  # no empty box where a chart would be
    assert page.locator("#skills-table tbody tr").count() == 6
    expect(page.get_by_role("rowheader", name="infection control")).to_be_visible()
    context.close()
