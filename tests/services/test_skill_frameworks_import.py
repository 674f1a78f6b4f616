"""Frameworks imported from their published files and read back: ESCO's skills, O*NET's
occupations with their ratings, the military crosswalk joined to them, and the queries the
profiles, matching and the navigator use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openler.services.errors import FileError, Forbidden, NotFound, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import frameworks
from openler.skills import Framework, Item

SYSTEM = Principal.system("test")
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason="../shared/data (the published framework files) is absent"
)
CROSSWALK = (
    b"Service,MOC,Title,Status,O*NET-SOC Code\n"
    b"Army,68W,Combat Medic Specialist,Active,29-2042.00\n"
    b"Army,68W,Combat Medic Specialist,Active,29-2061.00\n"
    b"Army,68W,Combat Medic Specialist,Active,31-9092.00\n"
    b"Army,88M,Motor Transport Operator,Reserve,53-3032.00\n"
)


@needs_data
def test_esco_skills_import_then_update_in_place(platform: Any) -> None:
    path = SHARED_DATA / "esco" / "skills_en.csv"
    with platform.db.session() as s:
        done = frameworks.import_files(s, platform, SYSTEM, "esco", [path])
        assert done.framework_id == "esco" and done.problems == ()
        assert done.counts["added"] == 13_412 and done.counts["items"] == 13_412
    with platform.db.session() as s:
        again = frameworks.import_files(
            s, platform, SYSTEM, "esco", {"skills_en.csv": path.read_bytes()}
        )
        assert (again.counts["added"], again.counts["updated"]) == (0, 13_412)
        found = frameworks.items(s, "esco", query="Welding Techniques", limit=5)
        assert found.items[0].label == "welding techniques"
        assert found.items[0].identifier == (
            "http://data.europa.eu/esco/skill/530cb489-d900-46ab-9350-4d50ccd49eea"
        )
        by_alt = frameworks.items(s, "esco", query="manage music staff")  # an altLabel
        assert [i.label for i in by_alt.items] == ["manage musical staff"]
        knowledge = frameworks.items(s, "esco", kind="knowledge", limit=1)
        assert knowledge.total == 2_723
        second = frameworks.items(s, "esco", kind="knowledge", limit=1, offset=1)
        assert second.items[0].id != knowledge.items[0].id


@needs_data
def test_onet_requirements_related_and_the_crosswalk(platform: Any) -> None:
    with platform.db.session() as s:
        onet = frameworks.import_files(s, platform, SYSTEM, "onet", [SHARED_DATA / "onet"])
        assert onet.counts["unresolved"] == 0 and onet.counts["relations"] > 40_000
        military = frameworks.import_files(s, platform, SYSTEM, "military", {"x.csv": CROSSWALK})
        assert military.counts == {
            "added": 2, "updated": 0, "missing": 0, "items": 2, "relations": 4, "unresolved": 0
        }  # fmt: skip
        nurse = frameworks.item(s, "onet", "29-1141.00")
        assert nurse.label == "Registered Nurses" and nurse.extra["job_zone"] == 4
        needs = frameworks.occupation_requirements(s, "29-1141.00")
        labels = [c.label for c, _ in needs]
        assert "Active Listening" in labels and "Service Orientation" in labels
        weights = [w for _, w in needs]
        assert weights == sorted(weights, reverse=True) and all(0 <= w <= 1 for w in weights)
        related = [o.code for o, _ in frameworks.related_occupations(s, "29-1141.00")]
        assert "29-2061.00" in related and "29-1141.00" not in related
        medic = [o.code for o in frameworks.translations(s, "army", "68w")]
        assert medic == ["29-2042.00", "29-2061.00", "31-9092.00"]  # by title
        assert set(medic) == {"29-2042.00", "29-2061.00", "31-9092.00"}
        assert frameworks.translations(s, "A", "88M")[0].code == "53-3032.00"
        assert frameworks.translations(s, "Navy", "68W") == []
        driver = frameworks.military_occupations(s, "Army", "88M")[0]
        assert driver.extra == {"service": "Army", "status": "Reserve"}
        page = frameworks.item_relations(s, driver)
        assert [o.code for o, _, _ in page.translates_to] == ["53-3032.00"]
        truck = frameworks.item(s, "onet", "53-3032.00")
        assert truck.code is not None
        assert [
            m.identifier for m, _, _ in frameworks.item_relations(s, truck).translated_from
        ] == ["army:88M"]


def test_the_demo_framework_answers_the_stories(platform: Any) -> None:
    with platform.db.session() as s:
        frameworks.load_demo(s, platform, SYSTEM)
        needs = {c.label: w for c, w in frameworks.occupation_requirements(s, "29-2042.00")}
        assert (
            needs["provide first aid"] == 1.0
            and needs["drive ambulance under emergency conditions"] == 0.5
        )
        emt = [o.label for o in frameworks.translations(s, "Army", "68W")]
        assert "Emergency Medical Technicians" in emt
        assert [o.code for o, _ in frameworks.related_occupations(s, "29-2042.00")][:1] == [
            "29-2043.00"
        ]
        assert frameworks.occupation_requirements(s, "00-0000.00") == []


def test_bad_imports_say_what_is_wrong(platform: Any) -> None:
    learner = Principal("p1", "Maria", "maria@example.org")
    with platform.db.session() as s:
        with pytest.raises(Forbidden):
            frameworks.import_files(s, platform, learner, "military", {"x.csv": CROSSWALK})
        with pytest.raises(UsageError, match="'nope' is not a kind of framework"):
            frameworks.import_files(s, platform, SYSTEM, "nope", {"x.csv": CROSSWALK})
        with pytest.raises(UsageError, match="a military framework is one file"):
            frameworks.import_files(
                s, platform, SYSTEM, "military", {"a": CROSSWALK, "b": CROSSWALK}
            )
        with pytest.raises(UsageError, match=r"x\.csv is not a military crosswalk"):
            frameworks.import_files(s, platform, SYSTEM, "military", {"x.csv": b"a,b\n1,2\n"})
        with pytest.raises(UsageError, match="'Bad Id' is not a framework id"):
            frameworks.import_files(
                s, platform, SYSTEM, "military", {"x.csv": CROSSWALK}, framework_id="Bad Id"
            )
        skipped = frameworks.import_files(
            s, platform, SYSTEM, "military", {"x.csv": CROSSWALK + b"Army,,,,29-1141.00\n"}
        )
        assert [str(p) for p in skipped.problems] == [
            "x.csv, line 6: no service or military code: skipped"
        ]
        with pytest.raises(NotFound, match="holds no item"):
            frameworks.item(s, "military", "army:00X")
        with pytest.raises(UsageError, match="1 to 500"):
            frameworks.items(s, "military", limit=0)


def test_paths_are_read_with_their_names(platform: Any, tmp_path: Path) -> None:
    (tmp_path / "crosswalk.csv").write_bytes(CROSSWALK)
    (tmp_path / "empty").mkdir()
    with platform.db.session() as s:
        done = frameworks.import_files(
            s, platform, SYSTEM, "military", [tmp_path / "crosswalk.csv"]
        )
        assert done.counts["items"] == 2
        with pytest.raises(UsageError, match="the directory is empty"):
            frameworks.import_files(s, platform, SYSTEM, "esco", [tmp_path / "empty"])
        with pytest.raises(FileError, match="cannot read"):
            frameworks.import_files(s, platform, SYSTEM, "esco", [tmp_path / "gone.csv"])


def test_items_are_found_by_any_spelling_of_their_names(platform: Any) -> None:
    items = (
        Item("c1", "skill", "Cook a crème brûlée", ("bake 50%_custard",)),
        Item("c2", "skill", "Serve café", ("Kaffee servieren", "servir un café")),
        Item("c3", "skill", "Cook", code="35-2014.00"),
    )
    with platform.db.session() as s:
        frameworks.save(
            s, platform, SYSTEM, Framework("kitchen", "builtin", "Kitchen", items=items)
        )

        def found(text: str) -> list[str]:
            return [i.identifier for i in frameworks.items(s, "kitchen", query=text).items]

        assert found("cook") == ["c3", "c1"]  # the exact label first
        assert found("CAFÉ") == ["c2"] and found("servir un café") == ["c2"]  # alt, non-ASCII
        assert found("50%_") == ["c1"] and found("%") == ["c1"]  # wildcards are characters
        assert found("35-2014.00") == ["c3"] and found("nothing") == []
