"""Weighted profiles: a credential's own alignment counts fully, an occupation's required
skills at their importance discounted, what the person wrote below any verified evidence;
skills are the same across frameworks by address and occupations by O*NET-SOC code."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openler.skills.profiles import (
    MEETS,
    SELF_REPORTED,
    VERIFIED_FLOOR,
    Alignment,
    Credential,
    OccupationSkill,
    SelfClaim,
    Shown,
    implied_strength,
    item_key,
    key,
    weighted_profile,
)

URI = "http://data.europa.eu/esco/skill/6d13053b-ee35-492c-8976-8178420df398"
RN = Credential("issued:1", "Registered Nurse", "Ohio Board of Nursing")
IV = Credential("issued:2", "IV Therapy", "Piedmont Regional Hospital")


def test_an_esco_uri_is_one_skill_whether_aligned_or_in_a_framework() -> None:
    aligned = Alignment("skill", "infection control", url=URI, framework="ESCO")
    assert aligned.key == item_key("skill", URI, "Infection control", code=None, url=None)
    assert aligned.key == item_key("skill", "local-id-7", "x", code=None, url=URI + "/")


def test_an_occupation_is_one_by_its_o_net_soc_code() -> None:
    aligned = Alignment(
        "occupation", "Registered Nurses", url="https://example.org/rn", code="29-1141.00"
    )
    assert aligned.key == item_key("occupation", "29-1141.00", "RN", code="29-1141.00", url=None)
    assert key("skill", code="2.B.1.e", framework="O*NET") == "code:o*net:2.b.1.e"


def test_evidence_weighs_more_than_implication_more_than_a_claim() -> None:
    nurse = Alignment("occupation", "Registered Nurses", code="29-1141.00")
    own = Alignment("skill", "infection control", url=URI)
    aid = OccupationSkill("url:esco/aid?", "provide first aid", 0.9)
    lift = OccupationSkill("url:esco/lift?", "lift patients", None)
    profile = weighted_profile(
        "p",
        "Maria",
        [Shown(nurse, (RN,)), Shown(own, (RN, IV))],
        {"29-1141.00": [aid, lift], "99-9999.00": [OccupationSkill("x", "x", 1.0)]},
        [SelfClaim("Conversational Spanish"), SelfClaim("provide first aid", aid.key)],
    )
    assert profile.strength(own.key) == 1.0 and len(profile.skills[own.key].proofs) == 2
    assert profile.strength(aid.key) == implied_strength(0.9)
    first = profile.skills[aid.key].proofs[0]
    assert first.source == "occupation" and first.occupation == "Registered Nurses"
    assert profile.skills[aid.key].proofs[-1].source == "self"  # kept, but weaker
    assert profile.strength(lift.key) == VERIFIED_FLOOR and profile.meets(lift.key)
    spanish = key("skill", "conversational spanish")
    assert profile.strength(spanish) == SELF_REPORTED and not profile.meets(spanish)
    assert "x" not in profile.skills  # an occupation nobody's credential shows implies nothing


@given(st.one_of(st.none(), st.floats(-10, 10)))
def test_implied_strength_stays_verified_and_below_a_direct_alignment(w: float | None) -> None:
    strength = implied_strength(w)
    assert SELF_REPORTED < MEETS <= VERIFIED_FLOOR <= strength < 1.0
