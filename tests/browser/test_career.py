"""Career navigation in Chromium on a phone-sized screen: Luis (Army 68W) translates his
military occupation and opens the navigator for Emergency Medical Technicians — what he has,
the gap as a chart and a table, the EMT certificate first among the credentials that close
it — grants Carmen (NCWorks) access again after withdrawing it; Carmen sees his navigator,
read-only; Luis withdraws it, confirmed; Carmen is refused. Every page axe-clean, by keyboard
where it matters."""

from __future__ import annotations

import re
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

ESCO = "http://data.europa.eu/esco/skill/"
#: the demo framework's EMT requirements (a part of them), saved when the demo has none yet
EMT_NEEDS = {
    "1d21f6ad-340f-45da-a0a3-4e83867f47a6": ("provide first aid", 1.0),
    "038256f5-7b18-4e6f-8314-2401be1b601b": ("provide pre-hospital emergency care of trauma", 1.0),
    "51e79cb4-fab3-404c-88f3-cd4a1bd5879e": ("deal with emergency care situations", 1.0),
    "60f826be-0c1b-413b-aad5-4f7546622e16": ("monitor patient's vital signs", 1.0),
    "8bd49d04-ab2f-4333-b5d9-12d716e4e2f6": ("resuscitation", 1.0),
    "fa845322-85c4-42cb-b230-c1d43d308f02": ("apply wound dressings", 0.75),
}


def _framework_if_missing(base: str, workdir: Path) -> None:
    """Emergency Medical Technicians and the Army 68W crosswalk, saved through the service
    when the demo does not hold them yet (the demo framework comes with its own part)."""
    from sqlalchemy import select

    from openler.services.context import Platform
    from openler.services.people.accounts import Principal
    from openler.services.skills import frameworks
    from openler.settings import Settings
    from openler.skills import Framework, Item, Relation
    from openler.store.models import Competency

    settings = Settings(
        database_url=f"sqlite:///{workdir / 'demo.db'}", public_url=base, data_dir=workdir
    )
    platform = Platform.from_settings(settings)
    system = Principal.system("test")
    with platform.db.session() as session:
        held = session.execute(
            select(Competency.id).where(
                Competency.kind == "occupation", Competency.code == "29-2042.00"
            )
        ).first()
        if held is None:
            emt = Item(
                "29-2042.00", "occupation", "Emergency Medical Technicians", code="29-2042.00"
            )
            medic = Item("29-2043.00", "occupation", "Paramedics", code="29-2043.00")
            skills = [
                Item(ESCO + uuid, "skill", label, url=ESCO + uuid)
                for uuid, (label, _) in EMT_NEEDS.items()
            ]
            needs = [
                Relation("29-2042.00", ESCO + uuid, "requires", weight)
                for uuid, (_, weight) in EMT_NEEDS.items()
            ]
            needs += [Relation("29-2043.00", ESCO + uuid, "requires", 1.0) for uuid in EMT_NEEDS]
            frameworks.save(
                session,
                platform,
                system,
                Framework(
                    "navigator-browser",
                    "builtin",
                    "Navigator browser test",
                    items=(emt, medic, *skills),
                    relations=(*needs, Relation("29-2042.00", "29-2043.00", "related")),
                ),
            )
        crosswalk = session.execute(
            select(Competency.id).where(Competency.kind == "military", Competency.code == "68W")
        ).first()
        if crosswalk is None:
            frameworks.save(
                session,
                platform,
                system,
                Framework(
                    "military",
                    "military",
                    "Military crosswalk",
                    items=(
                        Item(
                            "army:68W",
                            "military",
                            "Combat Medic Specialist",
                            code="68W",
                            extra={"service": "Army", "status": "Active"},
                        ),
                    ),
                    relations=(Relation("army:68W", "29-2042.00", "translates"),),
                ),
            )
    platform.db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_demo(tmp_path_factory, "career") as (base, workdir):
        _framework_if_missing(base, workdir)
        yield base


HEADLINE = re.compile(r"Emergency Medical Technicians: you have \d+ of the \d+ skills it needs\.")
EMT_CERTIFICATE = "Emergency Medical Technician (EMT-Basic) Certificate"


def test_luis_translates_68w_and_reads_the_navigator(server: str, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "luis@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    link = phone.get_by_role("link", name="Military translation")
    link.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{server}/record/career/military")
    page_is_good(phone)
    phone.get_by_label("Service").select_option("Army")
    phone.get_by_label("Occupation code").fill("68w")
    phone.get_by_label("Occupation code").press("Enter")
    expect(
        phone.get_by_role("heading", name=re.compile(r"Army 68W, Combat Medic Specialist"))
    ).to_be_visible()
    emt = phone.locator("#civilian-list > li").filter(
        has=phone.get_by_role("heading", name=re.compile("Emergency Medical Technicians"))
    )
    expect(emt.get_by_text("Your credentials already show: provide first aid")).to_be_visible()
    expect(emt.locator("ol.closing h4").first).to_have_text(EMT_CERTIFICATE)
    page_is_good(phone)

    # the navigator for that occupation: the answer first, then the gap, chart and table
    emt.get_by_role("link", name="Emergency Medical Technicians").click()
    expect(phone.get_by_role("heading", name=HEADLINE)).to_be_visible()
    phone.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('career-chart'))"
    )
    drawn = phone.evaluate(
        """() => { const c = Chart.getChart(document.getElementById('career-chart'));
        return c.data.labels.map(l => [].concat(l).join(' ')); }"""
    )
    table = phone.locator("#gap-table tbody th").all_inner_texts()
    assert drawn == table and len(table) >= 5
    box = phone.get_by_role("img", name=re.compile("Bar chart of the skills")).bounding_box()
    assert box is not None and box["width"] > 200 and box["x"] + box["width"] <= 376
    expect(phone.locator("#closing-list h4").first).to_have_text(EMT_CERTIFICATE)
    expect(phone.locator("#closing-list li").first).to_contain_text(
        "Offered by Capital Area Community College"
    )
    page_is_good(phone)


def test_luis_shares_with_carmen_and_withdraws(server: str, browser: Any, phone: Any) -> None:  # noqa: F811
    sign_in(phone, server, "luis@demo.openler.org")
    phone.wait_for_url(f"{server}/home")
    phone.goto(f"{server}/record/career/coaches")
    expect(phone.get_by_text("1 career navigator can see your skills")).to_be_visible()
    expect(phone.locator("#coaches-list")).to_contain_text("Carmen Diaz")
    page_is_good(phone)

    # Carmen, in her own browser, sees Luis and opens his navigator
    carmen = watch_csp(browser.new_context(viewport={"width": 375, "height": 740}).new_page())
    sign_in(carmen, server, "carmen@demo.openler.org")
    carmen.wait_for_url(f"{server}/home")
    expect(carmen.get_by_role("heading", name="Career navigation")).to_be_visible()
    page_is_good(carmen)
    carmen.get_by_role("link", name="People you coach").click()
    expect(carmen.get_by_role("row", name=re.compile("Luis Ortega"))).to_be_visible()
    page_is_good(carmen)
    carmen.get_by_role("link", name="Career navigator (Luis Ortega)").click()
    expect(carmen.get_by_role("heading", name="Luis Ortega's career navigator")).to_be_visible()
    expect(carmen.get_by_text("provide first aid").first).to_be_visible()
    carmen.get_by_label("Occupation title or O*NET-SOC code").fill("emergency medical")
    carmen.get_by_role("button", name="Find occupations").click()
    carmen.get_by_role("link", name="Emergency Medical Technicians").first.click()
    expect(
        carmen.get_by_role(
            "heading",
            name=re.compile(r"Emergency Medical Technicians: Luis Ortega has \d+ of the \d+"),
        )
    ).to_be_visible()
    page_is_good(carmen)
    luis_page = carmen.url

    # Luis withdraws it, and confirms
    phone.get_by_role("button", name="Withdraw access (Carmen Diaz)").click()
    expect(phone.get_by_role("heading", name="Withdraw Carmen Diaz's access?")).to_be_visible()
    page_is_good(phone)
    phone.get_by_role("button", name="Withdraw access").click()
    expect(phone.get_by_text("Access withdrawn: they are refused from now on.")).to_be_visible()
    expect(phone.locator("#past-list")).to_contain_text("Carmen Diaz")
    page_is_good(phone)

    # Carmen is refused from now on
    refused = carmen.goto(luis_page)
    assert refused is not None and refused.status == 403
    carmen.goto(f"{server}/coach")
    expect(carmen.get_by_text("No one has granted you access yet.")).to_be_visible()

    # and Luis grants it again, by email, with his consent
    phone.get_by_label("Your career navigator's email").fill("carmen@demo.openler.org")
    phone.get_by_label("I agree that this career navigator may see").check()
    phone.get_by_role("button", name="Grant access").click()
    expect(phone.get_by_text("Access granted.")).to_be_visible()
    carmen.goto(luis_page)
    expect(carmen.get_by_role("heading", name="Luis Ortega's career navigator")).to_be_visible()
