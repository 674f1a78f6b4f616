"""The framework readers: published files read into items and relations with their
identifiers kept exactly, bad rows reported by line, hostile files refused whole with a
message, and no input that crashes them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openler.skills import Framework, readers
from openler.skills.readers import Limits, Problem, ReaderError

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason="../shared/data (the published framework files) is absent"
)

SKILLS_CSV = (
    "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description\n"
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/a,skill/competence,,"
    'weld pipes,"join pipes\nfuse pipes",Weld metal pipes.\n'
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/b,knowledge,,"
    "welding techniques,,\n"
)
RELATIONS_CSV = (
    "occupationUri,relationType,skillType,skillUri\n"
    "http://data.europa.eu/esco/occupation/w,essential,skill/competence,"
    "http://data.europa.eu/esco/skill/a\n"
    "http://data.europa.eu/esco/occupation/w,optional,knowledge,"
    "http://data.europa.eu/esco/skill/b\n"
    "http://data.europa.eu/esco/occupation/w,sometimes,knowledge,"
    "http://data.europa.eu/esco/skill/b\n"
)
OCCUPATIONS_CSV = (
    "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,description\n"
    "Occupation,http://data.europa.eu/esco/occupation/w,7212,welder,,Welders join metal.\n"
)


def test_esco_skills_occupations_and_relations() -> None:
    problems: list[Problem] = []
    framework = readers.read_esco(
        {"skills_en.csv": SKILLS_CSV, "occ.csv": OCCUPATIONS_CSV, "rel.csv": RELATIONS_CSV},
        problems=problems,
    )
    items = {i.identifier: i for i in framework.items}
    weld = items["http://data.europa.eu/esco/skill/a"]
    assert (weld.kind, weld.label, weld.alt_labels) == (
        "skill",
        "weld pipes",
        ("join pipes", "fuse pipes"),
    )
    assert weld.url == weld.identifier and weld.description == "Weld metal pipes."
    assert items["http://data.europa.eu/esco/skill/b"].kind == "knowledge"
    assert items["http://data.europa.eu/esco/occupation/w"].extra == {"iscoGroup": "7212"}
    assert [(r.kind, r.weight) for r in framework.relations] == [
        ("requires", 1.0),
        ("requires", 0.5),
    ]
    assert [str(p) for p in problems] == [
        "rel.csv, line 4: not occupationUri, essential/optional, skillUri: skipped"
    ]


def test_a_bad_row_refuses_the_file_when_no_one_collects_problems() -> None:
    with pytest.raises(
        ReaderError,
        match=r"rel.csv, line 4: not occupationUri, essential/optional, skillUri \(nothing was",
    ):
        readers.read_esco({"rel.csv": RELATIONS_CSV})


def test_rows_are_counted_by_the_line_they_start_on() -> None:
    broken = SKILLS_CSV + "KnowledgeSkillCompetence,http://x/c,skill/competence\n"
    problems: list[Problem] = []
    readers.read_esco({"s.csv": broken}, problems=problems)
    assert [(p.line, p.message) for p in problems] == [
        (5, "3 cells where the header has 7: skipped")
    ]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (Limits(max_bytes=100), "more than the 100 a framework file may have"),
        (Limits(max_rows=1), "more than 1 rows"),
        (Limits(max_items=1), "holds more than 1 items"),
    ],
)
def test_hostile_sizes_are_refused_whole(limits: Limits, message: str) -> None:
    with pytest.raises(ReaderError, match=message):
        readers.read_esco({"s.csv": SKILLS_CSV}, limits=limits, problems=[])


def test_a_long_cell_is_a_problem_and_not_utf8_is_refused() -> None:
    problems: list[Problem] = []
    framework = readers.read_esco(
        {"s.csv": SKILLS_CSV}, limits=Limits(max_cell=12), problems=problems
    )
    assert framework.items == () and len(problems) == 2
    assert "longer than 12 characters" in problems[0].message
    with pytest.raises(ReaderError, match=r"s.csv, line 2: not UTF-8"):
        readers.read_esco({"s.csv": b"conceptUri,preferredLabel,skillType\n\xff,x,y\n"})
    with pytest.raises(ReaderError, match="not an ESCO skills, occupations"):
        readers.read_esco({"s.csv": "a,b\n1,2\n"})


ONET = {
    "Occupation Data.txt": "O*NET-SOC Code\tTitle\tDescription\n"
    "29-1141.00\tRegistered Nurses\tAssess patient health problems.\n"
    "29-2061.00\tLicensed Practical and Licensed Vocational Nurses\tCare for the ill.\n",
    "Skills.txt": "O*NET-SOC Code\tElement ID\tElement Name\tScale ID\tData Value\tN\n"
    "29-1141.00\t2.A.1.a\tReading Comprehension\tIM\t4.00\t8\n"
    "29-1141.00\t2.A.1.a\tReading Comprehension\tLV\t4.25\t8\n"
    "29-1141.00\t2.C.8.b\tMedicine and Dentistry\tIM\t4.60\t8\n"
    "29-1141.00\t2.C.8.b\tMedicine and Dentistry\tIM\tmany\t8\n",
    "Related Occupations.txt": "O*NET-SOC Code\tRelated O*NET-SOC Code\tRelatedness Tier\tIndex\n"
    "29-1141.00\t29-2061.00\tPrimary-Short\t1\n",
    "Job Zones.txt": "O*NET-SOC Code\tJob Zone\n29-1141.00\t3\n99-0000.00\t2\n",
    "Alternate Titles.txt": "O*NET-SOC Code\tAlternate Title\tShort Title\n"
    "29-1141.00\tStaff Nurse\tRN\n",
    "Technology Skills.txt": "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\t"
    "Hot Technology\tIn Demand\n29-1141.00\tEpic Systems\t43231507\tMedical software\tY\tN\n",
    "Task Statements.txt": "O*NET-SOC Code\tTask ID\tTask\tTask Type\n"
    "29-1141.00\t1\tRecord patients' medical information.\tCore\n",
    "Read Me.txt": "O*NET 29.2 Database\n",
}


def test_onet_occupations_ratings_related_and_extras() -> None:
    problems: list[Problem] = []
    framework = readers.read_onet(ONET, problems=problems)
    items = {i.identifier: i for i in framework.items}
    nurse = items["29-1141.00"]
    assert nurse.code == "29-1141.00" and nurse.alt_labels == ("Staff Nurse", "RN")
    assert nurse.url == "https://www.onetonline.org/link/summary/29-1141.00"
    assert nurse.extra["job_zone"] == 3
    assert nurse.extra["tasks"] == [
        {"id": "1", "task": "Record patients' medical information.", "type": "Core"}
    ]
    assert items["2.A.1.a"].kind == "skill" and items["2.C.8.b"].kind == "knowledge"
    assert items["unspsc:43231507"].alt_labels == ("Epic Systems",)
    requires = {r.target: r for r in framework.relations if r.kind == "requires"}
    assert requires["2.A.1.a"].weight == 0.75  # (4 - 1) / 4
    assert requires["2.A.1.a"].detail == {"importance": 4.0, "level": 4.25}
    assert requires["unspsc:43231507"].detail == {"examples": ["Epic Systems"], "hot": True}
    related = [r for r in framework.relations if r.kind == "related"]
    assert [(r.target, r.weight) for r in related] == [("29-2061.00", 1.0)]
    assert sorted(str(p) for p in problems) == [
        "Job Zones.txt, line 3: 99-0000.00 is not in Occupation Data: skipped",
        "Read Me.txt: not one of the O*NET files openler reads",
        "Skills.txt, line 5: 'many' is not a number: skipped",
    ]


def test_onet_needs_its_occupations() -> None:
    with pytest.raises(ReaderError, match="Occupation Data"):
        readers.read_onet({"Job Zones.txt": ONET["Job Zones.txt"]}, problems=[])


def test_military_crosswalk_by_its_published_columns() -> None:
    text = (
        "MOC Code\tService\tMOC Title\tPersonnel Category\tO*NET-SOC Code\n"
        "68W\tA\tCombat Medic Specialist\tEnlisted\t29-2042.00\n"
        "68W\tA\tCombat Medic Specialist\tEnlisted\t29-2061.00\n"
        "HM\tN\tHospital Corpsman\tEnlisted\t31-9092.00\n"
        "HM\tN\tHospital Corpsman\tEnlisted\tnone\n"
    )
    problems: list[Problem] = []
    framework = readers.read_military(text, problems=problems)
    assert [(i.identifier, i.code, i.label, dict(i.extra)) for i in framework.items] == [
        ("army:68W", "68W", "Combat Medic Specialist", {"service": "Army", "status": "Enlisted"}),
        ("navy:HM", "HM", "Hospital Corpsman", {"service": "Navy", "status": "Enlisted"}),
    ]
    assert [(r.source, r.target, r.kind) for r in framework.relations] == [
        ("army:68W", "29-2042.00", "translates"),
        ("army:68W", "29-2061.00", "translates"),
        ("navy:HM", "31-9092.00", "translates"),
    ]
    assert [p.line for p in problems] == [5]
    with pytest.raises(ReaderError, match="no MOC, O\\*NET-SOC Code column"):
        readers.read_military("Service,Title\nArmy,Medic\n")


CTDL = {
    "@context": "https://credreg.net/ctdlasn/schema/context/json",
    "@graph": [
        {
            "@id": "https://credentialengineregistry.org/resources/ce-f",
            "@type": "ceasn:CompetencyFramework",
            "ceasn:name": {"en-US": "Welding Competencies"},
        },
        {
            "@id": "https://credentialengineregistry.org/resources/ce-1",
            "@type": "ceasn:Competency",
            "ceasn:competencyLabel": {"en-US": "Weld safely"},
            "ceasn:competencyText": {"en-US": "Weld steel plate safely in all positions."},
            "ceasn:codedNotation": "W.1",
            "ceasn:isPartOf": "https://credentialengineregistry.org/resources/ce-f",
            "ceasn:isChildOf": ["https://credentialengineregistry.org/resources/ce-f"],
            "ceasn:hasChild": ["https://credentialengineregistry.org/resources/ce-2"],
        },
        {
            "@id": "https://credentialengineregistry.org/resources/ce-2",
            "@type": "ceasn:Competency",
            "ceasn:competencyText": {"es": "Soldar", "en": "Weld a fillet joint."},
            "ceasn:isChildOf": "https://credentialengineregistry.org/resources/ce-1",
        },
        {"@id": "https://credentialengineregistry.org/resources/ce-3", "@type": "ceasn:Competency"},
    ],
}


def test_ctdl_competencies_language_maps_and_hierarchy() -> None:
    problems: list[Problem] = []
    framework = readers.read_ctdl(json.dumps(CTDL), problems=problems)
    assert (framework.id, framework.kind, framework.name) == (
        "ctdl-ce-f",
        "ctdl",
        "Welding Competencies",
    )
    first, second = framework.items
    assert (first.label, first.description, first.code) == (
        "Weld safely", "Weld steel plate safely in all positions.", "W.1",
    )  # fmt: skip
    assert second.label == "Weld a fillet joint."
    assert [(r.source[-4:], r.target[-4:], r.kind) for r in framework.relations] == [
        ("ce-2", "ce-1", "broader")  # stated twice (isChildOf, hasChild), kept once
    ]
    assert [p.line for p in problems] == [4]
    with pytest.raises(ReaderError, match="holds no ceasn:CompetencyFramework"):
        readers.read_ctdl(json.dumps({"@graph": [{"@type": "ceterms:Certificate"}]}))


@needs_data
def test_case_packages_as_opensalt_exports_them() -> None:
    data = (SHARED_DATA / "case" / "opensalt-sample-framework-20c5134f.json").read_bytes()
    framework = readers.read_case(data, source="sample.json")
    package = json.loads(data)
    assert framework.id == f"case-{package['CFDocument']['identifier']}"
    assert framework.source == package["CFDocument"]["uri"]
    assert {i.identifier for i in framework.items} == {i["identifier"] for i in package["CFItems"]}
    first = package["CFItems"][0]
    item = next(i for i in framework.items if i.identifier == first["identifier"])
    assert item.url == first["uri"] and item.code == (first.get("humanCodingScheme") or None)
    children = [
        a for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
        and a["destinationNodeURI"]["identifier"] != package["CFDocument"]["identifier"]
    ]  # fmt: skip
    broader = [r for r in framework.relations if r.kind == "broader"]
    assert len(broader) == len(children)


def test_case_node_references_may_be_bare_uris() -> None:
    package = {
        "CFDocument": {"identifier": "d", "uri": "https://x/CFDocuments/d", "title": "T"},
        "CFItems": [
            {"identifier": "a", "fullStatement": "A", "CFDocumentURI": "https://x/CFDocuments/d"},
            {"identifier": "b", "fullStatement": "B", "humanCodingScheme": "1.b"},
            {"fullStatement": "no identifier"},
        ],
        "CFAssociations": [
            {"associationType": "isChildOf", "originNodeURI": "https://x/CFItems/b",
             "destinationNodeURI": {"identifier": "a"}},
            {"associationType": "isChildOf", "originNodeURI": {"identifier": "a"},
             "destinationNodeURI": "https://x/CFDocuments/d"},
        ],
    }  # fmt: skip
    problems: list[Problem] = []
    framework = readers.read_case(json.dumps(package), problems=problems)
    assert [(r.source, r.target, r.kind) for r in framework.relations] == [("b", "a", "broader")]
    assert [p.line for p in problems] == [3]


def test_native_framework_json() -> None:
    document = {
        "id": "x", "kind": "builtin", "name": "X",
        "items": [{"identifier": "a", "kind": "skill", "label": "A"}, {"identifier": "b"}],
        "relations": [{"source": "a", "target": "a", "kind": "related", "weight": 2}],
    }  # fmt: skip
    problems: list[Problem] = []
    framework = readers.read_native(json.dumps(document), problems=problems)
    assert [i.identifier for i in framework.items] == ["a"] and framework.relations == ()
    assert [(p.line, p.message[:12]) for p in problems] == [
        (2, "item is not "),
        (1, "relation is "),
    ]


Reader = Callable[[bytes | str], Framework]
READERS: list[Reader] = [
    lambda data: readers.read_esco({"f.csv": data}, problems=[]),
    lambda data: readers.read_onet({"Occupation Data.txt": data}, problems=[]),
    lambda data: readers.read_military(data, problems=[]),
    lambda data: readers.read_case(data, problems=[]),
    lambda data: readers.read_ctdl(data, problems=[]),
    lambda data: readers.read_native(data, problems=[]),
]
KEYS = ["@graph", "@type", "@id", "CFDocument", "CFItems", "items", "identifier", "id", "kind"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet='a,\t\n"{}[]:O*NET-SOC Code conceptUri preferredLabel', max_size=300),
        JSON_VALUES.map(json.dumps),
    )
)
def test_no_input_crashes_a_reader(data: bytes | str) -> None:
    """Whatever the bytes, a reader returns a framework or refuses with a message."""
    for read in READERS:
        try:
            framework = read(data)
        except ReaderError as exc:
            message = exc.message
        else:
            message = framework.name
        assert isinstance(message, str) and message


@needs_data
def test_the_whole_esco_download_is_read_and_its_other_files_left_aside() -> None:
    folder = SHARED_DATA / "esco"
    problems: list[Problem] = []
    framework = readers.read_esco(
        {f.name: f.read_bytes() for f in folder.iterdir()}, problems=problems
    )
    kinds = [i.kind for i in framework.items]
    assert kinds.count("skill") + kinds.count("knowledge") == 13_412  # collections repeat them
    assert kinds.count("occupation") >= 2_942
    assert {p.source for p in problems if p.line == 0} >= {
        "ISCOGroups_en.csv",
        "skillGroups_en.csv",
    }
    assert [p for p in problems if p.line > 0] == []


@needs_data
def test_ctdl_credentials_and_programs_are_not_competency_frameworks() -> None:
    for path in sorted((SHARED_DATA / "ctdl").glob("*.json")):
        with pytest.raises(ReaderError, match="holds no ceasn:CompetencyFramework"):
            readers.read_ctdl(path.read_bytes(), source=path.name)
