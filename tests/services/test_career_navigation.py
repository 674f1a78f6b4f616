"""The career navigator and military translation over a framework saved for the test: the
occupation's requirements against the person's current credentials, the gap, the demo's
achievements that close it in order with their issuers and standing, related occupations
as pathways; a military occupation code to civilian occupations with the same view."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden, NotFound, UsageError
from openler.services.skills import navigation
from tests.conftest import load_demo
from tests.services.issuing_world import who
from tests.services.navigation_world import EMT, MEDIC, NURSE, save_world


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        save_world(s, platform)
        yield s


def luis_holds(session: Session, platform: Any) -> navigation.Holding:
    return navigation.holding_of(session, platform, who(session, "luis@demo.openler.org"))


def test_luis_sees_what_he_has_the_gap_and_what_closes_it(session: Session, platform: Any) -> None:
    found = navigation.my_navigation(session, platform, who(session, "luis@demo.openler.org"), EMT)
    assert found.occupation.name == "Test Emergency Medical Technicians" and found.measured
    assert (found.gap.required, len(found.gap.held)) == (7, 2)
    assert [r.label for r in found.gap.held] == [
        "provide first aid",
        "provide pre-hospital emergency care of trauma",
    ]
    assert found.gap.missing_weight == 4.5
    order = [(c.offered.name, c.step.reason, c.step.closed_weight) for c in found.closing]
    assert order[:2] == [
        ("Emergency Medical Technician (EMT-Basic) Certificate", "most", 3.0),
        ("IV Therapy and Infusion Safety", "next", 0.75),
    ]
    assert order[2][1] == "overlap"  # the RN licence covers infection control too, already closed
    first = found.closing[0]
    assert first.offered.organization.name == "Capital Area Community College"
    assert first.offered.trusted is True and first.offered.kind == "Certificate"
    assert [r.label for r in first.step.closes] == [
        "deal with emergency care situations",
        "monitor patient's vital signs",
        "resuscitation",
    ]
    assert [r.label for r in found.uncovered] == ["apply wound dressings"]
    # related both ways round, the closest first
    assert [(p.key, p.shared) for p in found.pathways] == [(MEDIC, 4), (NURSE, 3)]
    assert found.pathways[0].gap.readiness == 0.5


def test_what_a_person_holds_is_not_offered_to_them(session: Session, platform: Any) -> None:
    found = navigation.my_navigation(
        session, platform, who(session, "luis@demo.openler.org"), MEDIC
    )
    assert "Combat Medic Specialist (68W)" not in [c.offered.name for c in found.closing]
    maria = navigation.my_navigation(
        session, platform, who(session, "maria@demo.openler.org"), MEDIC
    )
    # offered by an issuer here (held by Luis); each closes two of the four, a tie by name
    assert [c.offered.name for c in maria.closing][:2] == [
        "Combat Medic Specialist (68W)",
        "Emergency Medical Technician (EMT-Basic) Certificate",
    ]


def test_occupations_are_found_by_title_or_code(session: Session) -> None:
    found = navigation.search(session, "test emergency")
    assert [o.ref for o in found] == [EMT]
    assert [o.name for o in navigation.search(session, "99-2042")] == [
        "Test Emergency Medical Technicians"
    ]
    assert EMT in [o.ref for o in navigation.search(session, "medical tech")]
    assert navigation.search(session, "   ") == []
    assert navigation.search(session, "100%_\\") == []


def test_an_unknown_occupation_is_a_clear_error(session: Session, platform: Any) -> None:
    luis = who(session, "luis@demo.openler.org")
    with pytest.raises(NotFound, match=r"no occupation 00-0000\.00 is known here"):
        navigation.my_navigation(session, platform, luis, "00-0000.00")
    with pytest.raises(UsageError, match="choose an occupation"):
        navigation.my_navigation(session, platform, luis, " ")


def test_the_navigator_is_the_persons_own(session: Session, platform: Any) -> None:
    from openler.services.people.accounts import Principal

    with pytest.raises(Forbidden):
        navigation.holding_of(session, platform, Principal.system("test"))


def test_army_99w_translates_to_civilian_occupations_with_the_gap(
    session: Session, platform: Any
) -> None:
    luis = who(session, "luis@demo.openler.org")
    found = navigation.my_translation(session, platform, luis, " army ", "99w")
    assert [(m.service, m.code, m.title, m.status) for m in found.military] == [
        ("Army", "99W", "Test Combat Medic", "Active")
    ]
    assert [n.occupation.ref for n in found.civilian] == [EMT, NURSE]  # closest first
    emt = found.civilian[0]
    assert len(emt.gap.held) == 2 and emt.closing[0].offered.name.startswith("Emergency Medical")
    assert emt.pathways == []  # the translation shows each occupation's gap, not its pathways
    assert {"Army", "Navy"} <= set(navigation.services(session))


def test_an_unknown_military_code_is_a_clear_error(session: Session, platform: Any) -> None:
    luis = who(session, "luis@demo.openler.org")
    with pytest.raises(NotFound, match="no Navy occupation 99W is known here"):
        navigation.my_translation(session, platform, luis, "Navy", "99W")
    with pytest.raises(UsageError, match="give the service and the occupation code"):
        navigation.my_translation(session, platform, luis, "Army", "")


def test_an_occupation_without_requirements_says_so(session: Session, platform: Any) -> None:
    found = navigation.my_navigation(
        session, platform, who(session, "luis@demo.openler.org"), "99-2014.00"
    )
    assert not found.measured and found.closing == [] and found.gap.readiness == 1.0


def test_titles_that_start_with_the_words_come_first(session: Session) -> None:
    found = [o.name for o in navigation.search(session, "test")]
    assert len(found) == 4 and found == sorted(found, key=len)  # the shortest first
    medic = [o.name.lower() for o in navigation.search(session, "medic")]
    assert "test paramedics" in medic and "test emergency medical technicians" in medic
    starting = [name.startswith("medic") for name in medic]
    assert starting == sorted(starting, reverse=True)  # those that start with it first


def test_the_navigator_reads_the_profile_employers_rank(session: Session, platform: Any) -> None:
    """Held: a credential aligned to the skill or to an occupation that requires it (Maria's
    nursing licence names Registered Nurses, which requires skills it does not name); what
    the person only says they have is shown apart and never held."""
    from openler.services.skills import matching
    from openler.services.skills.profiles import OccupationSkills
    from openler.store.models import Person, SelfReported

    maria = who(session, "maria@demo.openler.org")
    session.add(SelfReported(person_id=maria.person_id, kind="skill", title="Provide First Aid"))
    session.flush()
    holding = navigation.holding_of(session, platform, maria)
    ranked = matching.profile_of(
        session, platform, session.get_one(Person, maria.person_id), OccupationSkills(session)
    )
    assert holding.weighted.skills.keys() == ranked.skills.keys()
    through_occupation = {
        k for k, s in ranked.skills.items() if {p.source for p in s.proofs} == {"occupation"}
    }
    assert through_occupation and through_occupation <= holding.held_keys()
    nurse = navigation.navigate(session, platform, holding, "29-1141.00")
    assert nurse.measured and not nurse.gap.missing  # her licence's occupation: nothing missing
    medic = navigation.navigate(session, platform, holding, MEDIC)
    said = [r.label for r in medic.gap.missing if r.key in medic.said]
    assert said == ["provide first aid"]  # she says so: shown, not held
    assert "provide first aid" not in [r.label for r in medic.gap.held]
