"""A small framework of the navigator's own, saved through ``frameworks.save`` on top of the
demo: occupations with codes no other framework holds (so that the demo's built-in framework,
whatever it holds, does not change the answers), the skills they require by the ESCO URIs
the demo's credentials are aligned to, relations between them, and a military crosswalk."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from openler.services.people.accounts import Principal
from openler.services.skills import frameworks
from openler.skills import Framework, Item, Relation

ESCO = "http://data.europa.eu/esco/skill/"
FIRST_AID = ESCO + "1d21f6ad-340f-45da-a0a3-4e83867f47a6"
TRAUMA = ESCO + "038256f5-7b18-4e6f-8314-2401be1b601b"
EMERGENCIES = ESCO + "51e79cb4-fab3-404c-88f3-cd4a1bd5879e"
VITAL_SIGNS = ESCO + "60f826be-0c1b-413b-aad5-4f7546622e16"
RESUSCITATION = ESCO + "8bd49d04-ab2f-4333-b5d9-12d716e4e2f6"
WOUNDS = ESCO + "fa845322-85c4-42cb-b230-c1d43d308f02"
INFECTION = ESCO + "6d13053b-ee35-492c-8976-8178420df398"
NURSING_CARE = ESCO + "6acf652c-33b2-4e28-8f79-1e553f255229"

#: the codes of this world's occupations (9x: no real O*NET-SOC code)
EMT, MEDIC, NURSE, COOK = "99-2042.00", "99-2043.00", "99-1141.00", "99-2014.00"

SKILLS = {
    FIRST_AID: "provide first aid",
    TRAUMA: "provide pre-hospital emergency care of trauma",
    EMERGENCIES: "deal with emergency care situations",
    VITAL_SIGNS: "monitor patient's vital signs",
    RESUSCITATION: "resuscitation",
    WOUNDS: "apply wound dressings",
    INFECTION: "infection control",
    NURSING_CARE: "plan nursing care",
}
REQUIRES = {
    EMT: [
        (FIRST_AID, 1.0),
        (TRAUMA, 1.0),
        (EMERGENCIES, 1.0),
        (VITAL_SIGNS, 1.0),
        (RESUSCITATION, 1.0),
        (WOUNDS, 0.75),
        (INFECTION, 0.75),
    ],
    MEDIC: [(FIRST_AID, 1.0), (TRAUMA, 1.0), (EMERGENCIES, 1.0), (RESUSCITATION, 1.0)],
    NURSE: [(NURSING_CARE, 1.0), (INFECTION, 1.0), (VITAL_SIGNS, 0.75), (FIRST_AID, 0.5)],
    COOK: [],
}
TITLES = {
    EMT: "Test Emergency Medical Technicians",
    MEDIC: "Test Paramedics",
    NURSE: "Test Registered Nurses",
    COOK: "Test Cooks",
}


def save_world(session: Session, platform: Any) -> None:
    """Save the navigator's test frameworks (as the registry office would import them)."""
    system = Principal.system("test")
    items = [Item(url, "skill", label, url=url) for url, label in SKILLS.items()]
    items += [Item(code, "occupation", title, code=code) for code, title in TITLES.items()]
    relations = [
        Relation(code, skill, "requires", weight)
        for code, needs in REQUIRES.items()
        for skill, weight in needs
    ]
    relations += [Relation(EMT, MEDIC, "related"), Relation(NURSE, EMT, "related")]
    frameworks.save(
        session,
        platform,
        system,
        Framework(
            "navtest", "builtin", "Navigator test", items=tuple(items), relations=tuple(relations)
        ),
    )
    medic = Item(
        "army:99W",
        "military",
        "Test Combat Medic",
        code="99W",
        extra={"service": "Army", "status": "Active"},
    )
    corpsman = Item("navy:HX", "military", "Test Corpsman", code="HX", extra={"service": "Navy"})
    frameworks.save(
        session,
        platform,
        system,
        Framework(
            "navtest-military",
            "military",
            "Navigator test crosswalk",
            items=(medic, corpsman),
            relations=(
                Relation("army:99W", EMT, "translates"),
                Relation("army:99W", NURSE, "translates"),
                Relation("navy:HX", EMT, "translates"),
            ),
        ),
    )
