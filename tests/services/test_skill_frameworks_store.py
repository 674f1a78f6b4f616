"""Frameworks saved: added, updated in place, relations replaced, crosswalks joined to the
occupation of their O*NET-SOC code; only the registry office or the operator imports."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from openler.services.errors import Forbidden, UsageError
from openler.services.people.accounts import Principal
from openler.services.skills import frameworks
from openler.skills import Framework, Item, Relation
from openler.store.models import AuditEvent, Competency, CompetencyRelation, SkillFramework

SYSTEM = Principal.system("test")
NURSE = Item("29-1141.00", "occupation", "Registered Nurses", code="29-1141.00")
LPN = Item("29-2061.00", "occupation", "Licensed Practical Nurses", code="29-2061.00")
CARE = Item("2.B.1.e", "skill", "Service Orientation", ("helping people",))


def onet(*relations: Relation, items: tuple[Item, ...] = (NURSE, LPN, CARE)) -> Framework:
    return Framework("onet", "onet", "O*NET", version="29.2", items=items, relations=relations)


def test_a_framework_is_added_then_updated_in_place(platform: Any) -> None:
    with platform.db.session() as s:
        first = frameworks.save(
            s, platform, SYSTEM, onet(Relation("29-1141.00", "2.B.1.e", "requires", 0.8))
        )
        assert first == {
            "added": 3,
            "updated": 0,
            "missing": 0,
            "items": 3,
            "relations": 1,
            "unresolved": 0,
        }
        nurse_id = s.execute(
            select(Competency.id).where(Competency.identifier == "29-1141.00")
        ).scalar_one()
    renamed = Item("29-1141.00", "occupation", "Registered Nurse", code="29-1141.00")
    with platform.db.session() as s:
        again = frameworks.save(
            s,
            platform,
            SYSTEM,
            onet(Relation("29-1141.00", "29-2061.00", "related"), items=(renamed, LPN)),
        )
        assert again == {
            "added": 0,
            "updated": 2,
            "missing": 1,
            "items": 2,
            "relations": 1,
            "unresolved": 0,
        }
        row = s.get(Competency, nurse_id)
        assert row is not None and row.label == "Registered Nurse"  # the same row, updated
        kinds = s.execute(select(CompetencyRelation.kind)).scalars().all()
        assert kinds == ["related"]  # the file's relations replace the old ones
        framework = s.get(SkillFramework, "onet")
        assert framework is not None and framework.updated_at is not None
        assert (
            s.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "framework.imported")
            ).scalar()
            == 2
        )


def test_a_crosswalk_joins_the_occupation_of_its_code(platform: Any) -> None:
    medic = Item("army:68W", "military", "Combat Medic Specialist", code="68W")
    crosswalk = Framework(
        "military",
        "military",
        "Military crosswalk",
        items=(medic,),
        relations=(
            Relation("army:68W", "29-2061.00", "translates"),
            Relation("army:68W", "31-9099.00", "translates"),  # no framework holds it yet
        ),
    )
    with platform.db.session() as s:
        frameworks.save(s, platform, SYSTEM, onet())
        counts = frameworks.save(s, platform, SYSTEM, crosswalk)
        assert counts["relations"] == 1 and counts["unresolved"] == 1
        target = s.execute(
            select(Competency.label).join(
                CompetencyRelation, CompetencyRelation.target_id == Competency.id
            )
        ).scalar_one()
        assert target == "Licensed Practical Nurses"


def test_bad_frameworks_are_refused_whole(platform: Any) -> None:
    with platform.db.session() as s:
        with pytest.raises(UsageError, match="appears twice"):
            frameworks.save(s, platform, SYSTEM, onet(items=(NURSE, NURSE)))
        with pytest.raises(UsageError, match="holds no items"):
            frameworks.save(s, platform, SYSTEM, onet(items=()))
        frameworks.save(s, platform, SYSTEM, onet())
        with pytest.raises(UsageError, match="another kind"):
            frameworks.save(s, platform, SYSTEM, Framework("onet", "esco", "ESCO", items=(CARE,)))


def test_only_the_registry_office_or_the_operator_imports(platform: Any) -> None:
    learner = Principal("p1", "Maria", "maria@example.org")
    issuer = Principal("p2", "Olivia", "o@example.org", roles={"org1": frozenset({"issuer_admin"})})
    with platform.db.session() as s:
        for who in (learner, issuer):
            with pytest.raises(Forbidden):
                frameworks.save(s, platform, who, onet())
        assert s.execute(select(func.count()).select_from(SkillFramework)).scalar() == 0
