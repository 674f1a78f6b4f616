"""The demo's built-in frameworks: the 25 occupations of the stories with their real
O*NET-SOC codes, skills with real ESCO URIs, every achievement's alignment naming an item
the demo holds, and the military sample crossing to civilian occupations."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from openler.services import demo
from openler.store.models import Competency, CompetencyRelation, SkillFramework
from tests.conftest import load_demo

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
STORY_CODES = {
    "29-1141.00", "29-2061.00", "29-2042.00", "29-2043.00", "31-1131.00", "31-9092.00",
    "29-1141.01", "29-1141.03", "11-9111.00", "11-9161.00", "29-2052.00", "29-2034.00",
    "29-2072.00", "31-9097.00", "29-1126.00", "21-1094.00", "33-2011.00", "47-2111.00",
    "49-9021.00", "51-4121.00", "53-3032.00", "15-1232.00", "43-4051.00", "35-2014.00",
    "47-2031.00",
}  # fmt: skip


def _items(session: Any, framework: str) -> dict[str, Competency]:
    query = select(Competency).where(Competency.framework_id == framework)
    return {c.identifier: c for c in session.execute(query).scalars()}


def test_the_demo_loads_its_frameworks(platform: Any) -> None:
    with platform.db.session() as s:
        load_demo(s, platform)
        items = _items(s, "demo")
        occupations = {i.code for i in items.values() if i.kind == "occupation"}
        assert occupations == STORY_CODES
        skills = [i for i in items.values() if i.kind in ("skill", "knowledge")]
        assert 90 <= len(skills) <= 130
        assert all(i.identifier.startswith("http://data.europa.eu/esco/skill/") for i in skills)
        framework = s.get(SkillFramework, "demo")
        assert framework is not None and framework.kind == "builtin"
        medic = s.execute(
            select(Competency).where(
                Competency.framework_id == "military", Competency.identifier == "army:68W"
            )
        ).scalar_one()
        assert medic.extra == {"service": "Army", "status": "Active"} and medic.code == "68W"
        targets = s.execute(
            select(Competency.code)
            .join(CompetencyRelation, CompetencyRelation.target_id == Competency.id)
            .where(CompetencyRelation.source_id == medic.id)
        ).scalars()
        assert set(targets) == {"29-2042.00", "29-2061.00", "31-9092.00"}
        assert framework.counts["unresolved"] == 0
        military = s.get(SkillFramework, "military")
        assert military is not None and military.counts["unresolved"] == 0


def test_every_demo_alignment_names_a_demo_item(platform: Any) -> None:
    with platform.db.session() as s:
        load_demo(s, platform)
        items = _items(s, "demo")
        urls = {i.url: i for i in items.values()}
        aligned = [a for data, _ in demo.ACHIEVEMENTS.values() for a in data["alignment"]]
        for alignment in aligned:
            code = alignment.get("targetCode")
            if code is not None:
                assert items[code].label == alignment["targetName"]
            else:
                assert urls[alignment["targetUrl"]].label == alignment["targetName"]


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data (ESCO and O*NET files) is absent")
def test_the_demo_items_are_the_published_ones(platform: Any) -> None:
    with (DATA / "esco" / "skills_en.csv").open(encoding="utf-8") as f:
        esco = {r["conceptUri"]: r["preferredLabel"] for r in csv.DictReader(f)}
    with (DATA / "onet" / "Occupation Data.txt").open(encoding="utf-8") as f:
        onet = {r["O*NET-SOC Code"]: r["Title"] for r in csv.DictReader(f, delimiter="\t")}
    with (DATA / "esco" / "occupations_en.csv").open(encoding="utf-8") as f:
        esco_occupations = {r["conceptUri"]: r["preferredLabel"] for r in csv.DictReader(f)}
    with platform.db.session() as s:
        load_demo(s, platform)
        for item in _items(s, "demo").values():
            if item.kind == "occupation":
                assert onet[item.identifier] == item.label
                if "esco_uri" in item.extra:
                    assert esco_occupations[item.extra["esco_uri"]] == item.extra["esco_label"]
            else:
                assert esco[item.identifier] == item.label
