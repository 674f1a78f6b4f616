"""The skills profile: skills and occupations read from the alignments of credentials that
count now, merged across credentials with the credentials behind each, what no longer counts
apart, self-reported skills apart, and nobody else's."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden
from openler.services.holders import skills_profile
from openler.services.holders.record import Entry
from openler.services.holders.skills_profile import (
    MAX_ALIGNMENTS,
    alignments_of,
    kind_of,
    profile_from,
    read_alignments,
)
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers.credential_state import CredentialState
from openler.store.models import Person, ReceivedCredential, SelfReported
from tests.conftest import load_demo

ESCO = "http://data.europa.eu/esco/skill/"
INFECTION = ESCO + "6d13053b-ee35-492c-8976-8178420df398"


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


def who(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def align(name: str, **fields: Any) -> dict[str, Any]:
    return {"type": ["Alignment"], "targetName": name, **fields}


def entry(ref: str, *alignments: dict[str, Any], state: str = "active", **extra: Any) -> Entry:
    document = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {"achievement": {"name": ref, "alignment": list(alignments)}},
        **extra,
    }
    return Entry(
        ref=ref,
        name=f"Credential {ref}",
        issuer="An issuer",
        category="training",
        state=CredentialState(state, None if state == "active" else f"it is {state}"),  # type: ignore[arg-type]
        source="received",
        document=document,
        issued_on=None,
        valid_until=None,
        image=None,
    )


# -- classification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"code": "29-1141.00", "framework": "O*NET-SOC 2019"}, "occupation"),
        ({"code": "29-1141"}, "occupation"),  # a SOC code alone
        ({"code": "29-2061.00", "target_type": "ext:ONET"}, "occupation"),
        ({"target_type": "ceterms:Occupation"}, "occupation"),
        ({"target_type": "ext:Occupation"}, "occupation"),
        ({"framework": "SOC 2018"}, "occupation"),
        ({"framework": "ISCO-08"}, "occupation"),
        ({"url": "https://www.onetonline.org/link/summary/51-4121.00"}, "occupation"),
        ({"url": "http://data.europa.eu/esco/occupation/f2b15a0e"}, "occupation"),
        ({"target_type": "ceasn:Competency", "framework": "ESCO"}, "skill"),
        ({"target_type": "CFItem", "framework": "Nursing competencies"}, "skill"),
        ({"target_type": "ceterms:Skill"}, "skill"),
        ({"target_type": "ext:Knowledge"}, "skill"),
        ({"framework": "O*NET Skills", "code": "2.A.1.b"}, "skill"),  # O*NET, not O*NET-SOC
        ({"url": INFECTION}, "skill"),
        ({}, "skill"),
        ({"target_type": "ceterms:Credential"}, None),
        ({"target_type": "CFRubricCriterionLevel"}, None),
    ],
)
def test_an_alignment_is_an_occupation_a_skill_or_neither(
    fields: dict[str, str], kind: str | None
) -> None:
    assert kind_of(**fields) == kind


def test_the_reader_keeps_what_a_person_can_read() -> None:
    read = read_alignments(
        {
            "alignment": [
                align(
                    "  Registered\n Nurses ",
                    targetCode="29-1141.00",
                    targetUrl="https://example.org/rn",
                ),
                align("a script", targetUrl="javascript:alert(1)"),  # not a web address
                {"targetCode": "51-4121.00"},  # no name: its code names it
                align("another credential", targetType="ceterms:Credential"),
                {"targetFramework": "ESCO"},  # nothing to name it by
            ]
        }
    )
    assert [(a.kind, a.name, a.url) for a in read] == [
        ("occupation", "Registered Nurses", "https://example.org/rn"),
        ("skill", "a script", None),
        ("occupation", "51-4121.00", None),
    ]
    # an O*NET occupation links to its summary on O*NET OnLine, whatever URL it came with
    assert read[0].link == "https://www.onetonline.org/link/summary/29-1141.00"


odd = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
alignment_like = st.fixed_dictionaries(
    {},
    optional={
        "targetName": odd,
        "targetUrl": odd | st.sampled_from(["https://a.example/x", "http://[::1", "https://"]),
        "targetCode": odd | st.just("29-1141.00"),
        "targetFramework": odd,
        "targetType": odd | st.sampled_from(["ceasn:Competency", "ext:Occupation"]),
        "type": odd,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(achievement=odd | st.fixed_dictionaries({"alignment": odd | st.lists(alignment_like | odd)}))
def test_odd_achievements_are_read_without_failing(achievement: Any) -> None:
    for alignment in read_alignments(achievement):
        assert alignment.kind in ("skill", "occupation")
        assert isinstance(alignment.name, str) and alignment.name
        assert alignment.url is None or alignment.url.startswith(("http://", "https://"))
        assert isinstance(alignment.key, str)
    profile_from([entry("held:x", *([achievement] if isinstance(achievement, dict) else []))], [])


def test_a_huge_alignment_list_is_read_up_to_its_limit() -> None:
    many = [align(f"skill {n}", targetName=f"skill {n}" * 100) for n in range(10_000)]
    read = read_alignments({"alignment": many})
    assert len(read) == MAX_ALIGNMENTS
    assert all(len(a.name) <= skills_profile.MAX_TEXT for a in read)


# -- merging ------------------------------------------------------------------------------


def test_the_same_skill_from_several_credentials_is_one_line_with_its_credentials() -> None:
    infection = align("infection control", targetUrl=INFECTION, targetType="ceasn:Competency")
    profile = profile_from(
        [
            entry("issued:a", infection, align("Registered Nurses", targetCode="29-1141.00")),
            # the same skill by another address form and another name: its URL makes it one
            entry("held:b", align("Infection prevention", targetUrl=INFECTION + "/")),
            # the same occupation at another address: its O*NET-SOC code makes it one
            entry(
                "held:c",
                align("RN", targetCode="29-1141.00", targetUrl="https://example.org/rn"),
            ),
            # no URL: framework and code, else the name written the same way
            entry("held:d", align("Triage", targetFramework="Local", targetCode="T1")),
            entry("held:e", align(" triage ", targetFramework="local", targetCode="t1")),
            entry("held:f", align("Wound  care"), align("wound care")),  # once per credential
            entry("held:g", align("WOUND CARE")),
        ],
        [],
    )
    by_name = {s.name: s for s in profile.skills}
    assert set(by_name) == {"infection control", "Triage", "Wound care"}
    assert [e.ref for e in by_name["infection control"].evidence] == ["issued:a", "held:b"]
    assert by_name["Triage"].count == 2 and by_name["Wound care"].count == 2
    (nurse,) = profile.occupations
    assert (nurse.name, nurse.count) == ("Registered Nurses", 2)
    assert [e.page for e in nurse.evidence] == ["/record/issued%3Aa", "/record/held%3Ac"]
    # strongest first, then by name
    assert [s.count for s in profile.skills] == [2, 2, 2]
    assert profile.summary == "Your credentials show 3 skills and 1 occupation."


def test_what_only_lapsed_credentials_show_is_apart_and_not_counted() -> None:
    first_aid = align("provide first aid", targetUrl=ESCO + "1d21f6ad")
    profile = profile_from(
        [
            entry("held:ok", first_aid),
            entry("held:old", first_aid, align("triage"), state="expired"),
            entry("held:gone", align("Paramedics", targetCode="29-2043.00"), state="revoked"),
            entry("held:bad", align("forgery"), state="unverified"),
            entry("issued:held", align("hazmat"), state="suspended"),
            entry("held:who", align("lockpicking"), state="issuer-not-trusted"),
        ],
        [],
    )
    # a skill an active credential shows counts that credential only
    assert [(s.name, s.count) for s in profile.skills] == [("provide first aid", 1)]
    assert profile.occupations == []
    lapsed = {n.name: [e.state.code for e in n.evidence] for n in profile.no_longer_evidenced}
    assert lapsed == {
        "triage": ["expired"],
        "Paramedics": ["revoked"],
        "forgery": ["unverified"],
        "hazmat": ["suspended"],
        "lockpicking": ["issuer-not-trusted"],
    }
    assert profile.summary == "Your credentials show 1 skill."


def test_a_clr_speaks_for_its_achievements_unless_its_parts_were_unpacked() -> None:
    clr_document = {
        "type": ["VerifiableCredential", "ClrCredential"],
        "credentialSubject": {
            "achievement": [{"alignment": [align("welding safety")]}],
            "verifiableCredential": [
                {"credentialSubject": {"achievement": {"alignment": [align("blueprint reading")]}}}
            ],
        },
    }
    assert [a.name for a in alignments_of(clr_document)] == ["welding safety", "blueprint reading"]
    clr = entry("held:clr")
    clr = Entry(**{**clr.__dict__, "document": clr_document})
    alone = profile_from([clr], [])
    assert [s.name for s in alone.skills] == ["blueprint reading", "welding safety"]
    part = entry("held:part", align("blueprint reading"))
    part = Entry(**{**part.__dict__, "row": ReceivedCredential(id="part", parent_id="clr")})
    unpacked = profile_from([clr, part], [])
    assert [(s.name, [e.ref for e in s.evidence]) for s in unpacked.skills] == [
        ("blueprint reading", ["held:part"])
    ]


def test_self_reported_skills_are_apart_and_never_merged() -> None:
    mine = [
        SelfReported(id="1", kind="skill", title="infection control"),
        SelfReported(id="2", kind="job", title="Night nurse"),
    ]
    profile = profile_from([entry("held:a", align("infection control"))], mine)
    assert [s.title for s in profile.self_reported] == ["infection control"]
    assert [(s.name, s.count) for s in profile.skills] == [("infection control", 1)]
    shown = profile.to_json()
    assert shown["selfReported"] == [
        {"id": "1", "title": "infection control", "description": None, "verified": False}
    ]
    assert shown["skills"][0]["credentials"][0]["ref"] == "held:a"


# -- on the platform ------------------------------------------------------------------------


def test_marias_profile_from_the_demo(session: Session, platform: Any) -> None:
    maria = who(session, "maria@demo.openler.org")
    session.add(SelfReported(person_id=maria.person_id, kind="skill", title="Spanish"))
    session.flush()
    profile = skills_profile.skills_profile(session, platform, maria)
    skills = {s.name: s for s in profile.skills}
    assert set(skills) == {
        "infection control",
        "plan nursing care",
        "intravenous infusion",
        "prepare intravenous packs",
        "manage emergency procedures",
        "operational tactics for emergency responses",
    }
    # her licence and her hospital badge both show infection control: it comes first
    assert profile.skills[0].name == "infection control"
    assert sorted(e.name for e in skills["infection control"].evidence) == [
        "IV Therapy and Infusion Safety",
        "Registered Nurse",
    ]
    # her renewed FEMA course is one entry (its expired copy is its history): counted once
    assert skills["manage emergency procedures"].count == 1
    (nurse,) = profile.occupations
    assert nurse.alignment.link == "https://www.onetonline.org/link/summary/29-1141.00"
    assert profile.no_longer_evidenced == []
    assert [s.title for s in profile.self_reported] == ["Spanish"]
    assert profile.summary == "Your credentials show 6 skills and 1 occupation."


def test_a_suspended_licence_shows_nothing_now(session: Session, platform: Any) -> None:
    kevin = who(session, "kevin@demo.openler.org")
    profile = skills_profile.skills_profile(session, platform, kevin)
    assert profile.skills == [] and profile.occupations == []
    assert {n.name for n in profile.no_longer_evidenced} >= {
        "Registered Nurses",
        "plan nursing care",
    }
    assert all(e.state.code == "suspended" for n in profile.no_longer_evidenced for e in n.evidence)
    assert profile.summary.startswith("None of your current credentials")


def test_nobody_reads_anothers_profile(session: Session, platform: Any) -> None:
    maria = who(session, "maria@demo.openler.org")
    session.add(SelfReported(person_id=maria.person_id, kind="skill", title="Secret skill"))
    session.flush()
    james = who(session, "james@demo.openler.org")
    his = skills_profile.skills_profile(session, platform, james)
    assert "Secret skill" not in str(his.to_json())
    assert {o.name for o in his.occupations} == {"Welders, Cutters, Solderers, and Brazers"}
    assert "infection control" not in {s.name for s in his.skills}
    with pytest.raises(Forbidden):
        skills_profile.skills_profile(session, platform, Principal.system("test"))
    token = Principal(
        maria.person_id, maria.name, maria.email, {}, token_scope=("ohio-nursing", "issuer_admin")
    )
    with pytest.raises(Forbidden):
        skills_profile.skills_profile(session, platform, token)
