"""Build the demo's built-in framework (src/openler/demo/demo-framework.json) from the real
ESCO and O*NET files in ../shared/data, so that every skill's URI and preferred label and every
occupation's O*NET-SOC code, title, description, alternate titles and related occupations are
the published ones. The requirements (which skills an occupation needs, and how much) are our
own reading of the two frameworks for the demo's stories.

Run: python scripts/demo_frameworks.py [DATA_DIR]   (default ../shared/data)
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "openler" / "demo" / "demo-framework.json"

#: weights: 1.0 essential, 0.75 important (M), 0.5 helpful (ESCO's essential 1 / optional 0.5,
#: with one step between)
E, M, H = 1.0, 0.75, 0.5

NURSING_CORE = [
    ("plan nursing care", E),
    ("implement fundamentals of nursing", E),
    ("provide professional care in nursing", E),
    ("administer prescribed medication", E),
    ("monitor patient's vital signs", E),
    ("infection control", E),
    ("hygiene in a health care setting", M),
    ("empathise with the healthcare user", M),
    ("use electronic health records in nursing", M),
    ("carry out wound care", M),
    ("medical terminology", M),
    ("nursing principles", M),
]
EMERGENCY_CARE = [
    ("provide first aid", E),
    ("provide pre-hospital emergency care of trauma", E),
    ("deal with emergency care situations", E),
    ("monitor patient's vital signs", E),
    ("resuscitation", E),
    ("immobilise patients for emergency intervention", E),
    ("transfer patients to and from ambulance vehicles", M),
    ("monitor patients during transfer to hospital", M),
    ("conduct physical examination in emergency", M),
    ("work in multidisciplinary teams related to emergency care", M),
    ("drive ambulance under emergency conditions", H),
    ("apply wound dressings", M),
    ("infection control", M),
    ("create incident reports", H),
]

#: O*NET-SOC code → (ESCO occupation label or None, [(ESCO skill label, weight)])
OCCUPATIONS: dict[str, tuple[str | None, list[tuple[str, float]]]] = {
    "29-1141.00": (
        "nurse responsible for general care",
        [
            *NURSING_CORE,
            ("diagnose nursing care", E),
            ("evaluate nursing care", M),
            ("intravenous infusion", M),
            ("prepare intravenous packs", H),
            ("supervise nursing staff", H),
            ("manage patients with acute illnesses", H),
            ("resuscitation", M),
        ],
    ),
    "29-2061.00": (
        "nurse assistant",
        [
            ("implement fundamentals of nursing", E),
            ("administer prescribed medication", E),
            ("monitor patient's vital signs", E),
            ("infection control", E),
            ("provide basic support to patients", E),
            ("work with nursing staff", M),
            ("carry out wound care", M),
            ("apply wound dressings", M),
            ("hygiene in a health care setting", M),
            ("empathise with the healthcare user", M),
            ("provide first aid", H),
            ("intravenous infusion", H),
        ],
    ),
    "29-2042.00": ("emergency ambulance driver", EMERGENCY_CARE),
    "29-2043.00": (
        "paramedic in emergency responses",
        [
            *EMERGENCY_CARE,
            ("administer medication in emergency", E),
            ("intravenous infusion", M),
            ("triage clients", M),
            ("manage major incidents", H),
        ],
    ),
    "31-1131.00": (
        "healthcare assistant",
        [
            ("provide basic support to patients", E),
            ("monitor patient's vital signs", E),
            ("maintain personal hygiene standards", E),
            ("work with nursing staff", E),
            ("infection control", M),
            ("empathise with the healthcare user", M),
            ("hygiene in a health care setting", M),
            ("answer patients' questions", H),
            ("first aid", H),
        ],
    ),
    "31-9092.00": (
        "medical administrative assistant",
        [
            ("monitor patient's vital signs", E),
            ("take blood samples", M),
            ("medical terminology", E),
            ("use electronic health records management system", E),
            ("answer patients' questions", M),
            ("infection control", M),
            ("administer prescribed medication", M),
            ("apply wound dressings", H),
            ("provide first aid", H),
            ("collect biological samples from patients", H),
        ],
    ),
    "29-1141.01": (
        "specialist nurse",
        [
            *NURSING_CORE,
            ("manage patients with acute illnesses", E),
            ("specialist nursing care", E),
            ("intravenous infusion", E),
            ("prepare intravenous packs", M),
            ("resuscitation", M),
            ("diagnose nursing care", M),
        ],
    ),
    "29-1141.03": (
        "specialist nurse",
        [
            *NURSING_CORE,
            ("manage patients with acute illnesses", E),
            ("specialist nursing care", E),
            ("resuscitation", E),
            ("intravenous infusion", E),
            ("prepare intravenous packs", M),
            ("respiratory therapy", M),
            ("deal with emergency care situations", M),
        ],
    ),
    "11-9111.00": (
        "healthcare institution manager",
        [
            ("manage a multidisciplinary team involved in patient care", E),
            ("manage budgets", E),
            ("manage staff", E),
            ("health records management", M),
            ("infection control", H),
            ("supervise nursing staff", H),
            ("create incident reports", H),
        ],
    ),
    "11-9161.00": (
        "emergency response coordinator",
        [
            ("manage emergency procedures", E),
            ("operational tactics for emergency responses", E),
            ("manage major incidents", E),
            ("personnel planning in emergency response", E),
            ("conduct full-scale emergency plan exercises", M),
            ("educate on emergency management", M),
            ("create incident reports", M),
            ("manage budgets", H),
            ("manage staff", H),
        ],
    ),
    "29-2052.00": (
        "pharmacy technician",
        [
            ("prepare medication from prescription", E),
            ("maintain pharmacy records", E),
            ("pharmaceutical products", E),
            ("pharmacology", M),
            ("medical terminology", M),
            ("communicate with customers", M),
            ("prepare intravenous packs", H),
        ],
    ),
    "29-2034.00": (
        "radiographer",
        [
            ("make radiographic images", E),
            ("radiation protection", E),
            ("answer patients' questions", M),
            ("medical terminology", M),
            ("infection control", H),
            ("use electronic health records management system", H),
        ],
    ),
    "29-2072.00": (
        "medical records clerk",
        [
            ("health records management", E),
            ("use electronic health records management system", E),
            ("identify patients' medical records", E),
            ("medical terminology", E),
            ("answer patients' questions", H),
        ],
    ),
    "31-9097.00": (
        "phlebotomist",
        [
            ("take blood samples", E),
            ("label blood samples", E),
            ("collect biological samples from patients", E),
            ("transport blood samples", M),
            ("infection control", E),
            ("hygiene in a health care setting", M),
            ("empathise with the healthcare user", H),
            ("medical terminology", H),
        ],
    ),
    "29-1126.00": (
        "respiratory therapy technician",
        [
            ("respiratory therapy", E),
            ("monitor patient's vital signs", E),
            ("resuscitation", E),
            ("manage patients with acute illnesses", M),
            ("infection control", M),
            ("administer prescribed medication", M),
            ("medical terminology", M),
        ],
    ),
    "21-1094.00": (
        "community health worker",
        [
            ("health education", E),
            ("empathise with the healthcare user", E),
            ("answer patients' questions", M),
            ("monitor patient's vital signs", H),
            ("provide first aid", H),
            ("communicate with customers", H),
        ],
    ),
    "33-2011.00": (
        "firefighter",
        [
            ("extinguish fires", E),
            ("use different types of fire extinguishers", E),
            ("fire prevention procedures", E),
            ("work as a team in a hazardous environment", E),
            ("provide first aid", E),
            ("wear appropriate protective gear", E),
            ("drive firetruck under emergency conditions", M),
            ("operational tactics for emergency responses", M),
            ("manage emergency procedures", M),
            ("provide pre-hospital emergency care of trauma", M),
            ("resuscitation", H),
        ],
    ),
    "47-2111.00": (
        "building electrician",
        [
            ("electricity principles", E),
            ("create electrical wiring diagram", M),
            ("install electricity sockets", E),
            ("repair wiring", E),
            ("test electrical equipment", E),
            ("read standard blueprints", M),
            ("use measurement instruments", M),
            ("wear appropriate protective gear", M),
        ],
    ),
    "49-9021.00": (
        "heating, ventilation, air conditioning (and refrigeration) service engineer",
        [
            ("heating, ventilation, air conditioning and refrigeration parts", E),
            ("install heating, ventilation, air conditioning and refrigeration ducts", E),
            ("repair heating equipment", E),
            ("electricity principles", M),
            ("test electrical equipment", M),
            ("read standard blueprints", M),
            ("use measurement instruments", M),
            ("communicate with customers", H),
            ("operate oxy-fuel welding torch", H),
        ],
    ),
    "51-4121.00": (
        "welder",
        [
            ("apply arc welding techniques", E),
            ("perform metal active gas welding", E),
            ("use welding equipment", E),
            ("welding techniques", E),
            ("read standard blueprints", E),
            ("wear appropriate protective gear", E),
            ("perform welding inspection", M),
            ("perform metal inert gas welding", M),
            ("perform tungsten inert gas welding", M),
            ("operate oxy-fuel welding torch", M),
            ("use measurement instruments", H),
        ],
    ),
    "53-3032.00": (
        "cargo vehicle driver",
        [
            ("drive vehicles", E),
            ("manoeuvre heavy trucks", E),
            ("ensure implementation of safe driving practices", E),
            ("road traffic laws", E),
            ("secure cargo in stowage", M),
            ("load cargo", M),
            ("maintain records related to vehicle operation", M),
            ("execute vehicle maintenance", H),
            ("hazardous materials transportation", H),
        ],
    ),
    "15-1232.00": (
        "ICT help desk agent",
        [
            ("provide ICT support", E),
            ("perform ICT troubleshooting", E),
            ("install operating system", M),
            ("maintain computer hardware", M),
            ("use digital device operating systems", M),
            ("maintain information network hardware", H),
            ("communicate with customers", E),
            ("customer service", M),
        ],
    ),
    "43-4051.00": (
        "customer service representative",
        [
            ("customer service", E),
            ("communicate with customers", E),
            ("handle customer complaints", E),
            ("guarantee customer satisfaction", M),
            ("show empathy", M),
            ("teamwork principles", H),
        ],
    ),
    "35-2014.00": (
        "cook",
        [
            ("use cooking techniques", E),
            ("comply with food safety and hygiene", E),
            ("food safety principles", E),
            ("food hygiene rules", M),
            ("cook meat dishes", M),
            ("cook vegetable products", M),
            ("clean kitchen equipment", M),
            ("store kitchen supplies", H),
            ("foodborne diseases", H),
            ("maintain personal hygiene standards", M),
        ],
    ),
    "47-2031.00": (
        "carpenter",
        [
            ("carpentry", E),
            ("join wood elements", E),
            ("install wood elements in structures", E),
            ("woodworking tools", E),
            ("read standard blueprints", M),
            ("use measurement instruments", M),
            ("wear appropriate protective gear", M),
        ],
    ),
}

#: skills the demo holds beyond those the occupations above require: ones the stories' people
#: and postings name (emergency calls, first aid on its own, teamwork)
EXTRA_SKILLS = [
    "first aid",
    "apply medical first aid in case of emergency",
    "answer emergency calls",
    "teamwork principles",
    "guarantee customer satisfaction",
    "evaluate nursing care",
    "work with nursing staff",
    "administer medication in emergency",
]

#: O*NET's relatedness tiers as relation weights (as openler's O*NET reader gives them)
TIERS = {"Primary-Short": 1.0, "Primary-Long": 0.75, "Supplemental": 0.5}

#: alternate titles kept per occupation (O*NET lists dozens)
ALT_TITLES = 8
#: alternative labels kept per skill
ALT_LABELS = 10


def main(data: Path) -> None:
    skills = {r["preferredLabel"]: r for r in _csv(data / "esco" / "skills_en.csv")}
    esco_occupations = {r["preferredLabel"]: r for r in _csv(data / "esco" / "occupations_en.csv")}
    onet = data / "onet"
    titles = {r["O*NET-SOC Code"]: r for r in _tsv(onet / "Occupation Data.txt")}
    alternates: dict[str, list[str]] = {}
    for r in _tsv(onet / "Alternate Titles.txt"):
        alternates.setdefault(r["O*NET-SOC Code"], []).append(r["Alternate Title"])
    zones = {r["O*NET-SOC Code"]: int(r["Job Zone"]) for r in _tsv(onet / "Job Zones.txt")}

    items: list[dict[str, object]] = []
    relations: list[dict[str, object]] = []
    wanted: dict[str, None] = {}
    for code, (esco_label, needs) in OCCUPATIONS.items():
        row = titles[code]  # KeyError: not an O*NET 29.2 occupation
        extra: dict[str, object] = {"job_zone": zones[code]}
        if esco_label is not None:
            esco = esco_occupations[esco_label]  # KeyError: not an ESCO occupation
            extra.update(esco_uri=esco["conceptUri"], esco_label=esco_label)
        items.append(
            {
                "identifier": code,
                "kind": "occupation",
                "label": row["Title"],
                "alt_labels": alternates.get(code, [])[:ALT_TITLES],
                "description": row["Description"],
                "code": code,
                "url": f"https://www.onetonline.org/link/summary/{code}",
                "extra": extra,
            }
        )
        seen: set[str] = set()
        for label, weight in needs:
            if label in seen:
                raise SystemExit(f"{code} names {label!r} twice")
            seen.add(label)
            uri = skills[label]["conceptUri"]  # KeyError: not an ESCO preferred label
            wanted[label] = None
            relations.append(
                {"source": code, "target": uri, "kind": "requires", "weight": weight, "detail": {}}
            )
    for r in _tsv(onet / "Related Occupations.txt"):
        source, target = r["O*NET-SOC Code"], r["Related O*NET-SOC Code"]
        if source in OCCUPATIONS and target in OCCUPATIONS:
            relations.append(
                {
                    "source": source,
                    "target": target,
                    "kind": "related",
                    "weight": TIERS.get(r["Relatedness Tier"]),
                    "detail": {"tier": r["Relatedness Tier"], "index": int(r["Index"])},
                }
            )
    for label in EXTRA_SKILLS:
        wanted[label] = None
    for label in wanted:
        row = skills[label]
        items.append(
            {
                "identifier": row["conceptUri"],
                "kind": "knowledge" if row["skillType"] == "knowledge" else "skill",
                "label": label,
                "alt_labels": [a for a in row["altLabels"].split("\n") if a][:ALT_LABELS],
                "description": row["description"],
                "code": None,
                "url": row["conceptUri"],
                "extra": {"skill_type": row["skillType"]},
            }
        )
    document = {
        "id": "demo",
        "kind": "builtin",
        "name": "openler demo: skills and occupations of the stories",
        "source": None,
        "version": "ESCO v1.1.1 skills, O*NET 29.2 occupations",
        "items": items,
        "relations": relations,
    }
    OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    occupations = sum(1 for i in items if i["kind"] == "occupation")
    print(
        f"{OUT}: {len(items) - occupations} skills, {occupations} occupations, "
        f"{len(relations)} relations"
    )


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
