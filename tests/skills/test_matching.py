"""Candidate matching: the sparse ranking agrees with explaining every profile one by one,
verified evidence outweighs the person's own word, and bad input is refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openler.skills.matching import ProfileMatrix, Requirement, explain, rank, scores
from openler.skills.profiles import (
    SELF_REPORTED,
    Credential,
    Proof,
    SkillStrength,
    WeightedProfile,
)

SKILLS = ["care", "iv", "triage", "aid", "lift"]
RN = Credential("issued:1", "Registered Nurse", "Ohio Board of Nursing")


def person(pid: str, **strengths: float) -> WeightedProfile:
    skills = {
        k: SkillStrength(k, k, [Proof("self" if v == SELF_REPORTED else "credential", v, RN)])
        for k, v in strengths.items()
    }
    return WeightedProfile(pid, pid.title(), skills)


profiles = st.lists(
    st.dictionaries(
        st.sampled_from(SKILLS),
        st.sampled_from([1.0, 0.7, 0.35, SELF_REPORTED]),
        max_size=len(SKILLS),
    ),
    max_size=30,
)
requirements = st.lists(
    st.tuples(st.sampled_from(SKILLS), st.booleans(), st.integers(1, 5)),
    min_size=1,
    max_size=5,
    unique_by=lambda r: r[0],
)


@given(profiles, requirements, st.integers(1, 8))
def test_the_ranking_is_the_one_explaining_everyone_gives(
    found: list[dict[str, float]], wanted: list[tuple[str, bool, int]], top: int
) -> None:
    people = [person(f"p{i}", **p) for i, p in enumerate(found)]
    asked = [Requirement(k, k, req, w) for k, req, w in wanted]
    matrix = ProfileMatrix.from_profiles(people)
    explained = [explain(p, asked) for p in people]
    expected = sorted(
        (i for i, m in enumerate(explained) if m.score > 1e-6),
        key=lambda i: (-round(explained[i].score, 5), -explained[i].required_met, i),
    )[:top]
    got = rank(matrix, asked, top)
    assert [round(r.score, 4) for r in got] == [round(explained[i].score, 4) for i in expected]
    for r in got:
        assert r.required_met == explained[r.row].required_met
        assert abs(r.score - explained[r.row].score) < 1e-5
        assert abs(explained[r.row].part(True) + explained[r.row].part(False) - r.score) < 1e-5


def test_verified_evidence_outranks_the_same_skill_self_reported() -> None:
    matrix = ProfileMatrix.from_profiles(
        [person("says", care=SELF_REPORTED, iv=SELF_REPORTED), person("shows", care=1.0)]
    )
    asked = [Requirement("care", "care", True, 1), Requirement("iv", "IV", True, 1)]
    ranked = rank(matrix, asked)
    assert [matrix.people[r.row] for r in ranked] == ["shows", "says"]
    says = explain(person("says", care=SELF_REPORTED, iv=SELF_REPORTED), asked)
    assert says.required_met == 0 and all(e.claimed_only for e in says.gaps)


def test_required_counts_more_than_preferred() -> None:
    matrix = ProfileMatrix.from_profiles([person("a", care=1.0), person("b", iv=1.0)])
    asked = [Requirement("care", "care", False, 3), Requirement("iv", "IV", True, 3)]
    assert [matrix.people[r.row] for r in rank(matrix, asked)] == ["b", "a"]


def test_proofs_are_grouped_by_credential_and_gaps_named() -> None:
    maria = person("maria", care=1.0, iv=1.0)
    match = explain(
        maria,
        [
            Requirement("care", "plan nursing care", True, 5),
            Requirement("iv", "intravenous infusion", True, 4),
            Requirement("aid", "provide first aid", True, 3),
        ],
    )
    assert match.by_credential() == [(RN, ["plan nursing care", "intravenous infusion"])]
    assert [g.requirement.label for g in match.gaps] == ["provide first aid"]
    assert (match.required_met, len(match.required)) == (2, 3)


def test_a_pair_given_twice_keeps_its_greater_strength_and_nobody_scoring_0_is_listed() -> None:
    matrix = ProfileMatrix.from_entries(["a", "b"], ["care"], [0, 0], [0, 0], [0.25, 1.0])
    assert matrix.values.tolist() == [1.0] and matrix.nbytes > 0
    assert [r.row for r in rank(matrix, [Requirement("care", "care", True, 1)])] == [0]
    assert rank(matrix, [Requirement("unknown", "x", True, 1)]) == []


def test_bad_input_is_refused_with_a_reason() -> None:
    matrix = ProfileMatrix.from_profiles([person("a", care=1.0)])
    with pytest.raises(ValueError, match="no requirements"):
        scores(matrix, [])
    with pytest.raises(ValueError, match="above 0"):
        scores(matrix, [Requirement("care", "care", True, 0)])
    with pytest.raises(ValueError, match="top"):
        rank(matrix, [Requirement("care", "care", True, 1)], top=0)
    with pytest.raises(ValueError, match="outside"):
        ProfileMatrix.from_entries(["a"], ["care"], [1], [0], [1.0])
    with pytest.raises(ValueError, match="length"):
        ProfileMatrix.from_entries(["a"], ["care"], [0], [0, 0], [1.0])


def test_the_arrays_stay_compact() -> None:
    """The arrays stay compact: int32 rows, float32 strengths, one offset a skill."""
    rng = np.random.default_rng(1)
    rows = np.arange(1000)
    matrix = ProfileMatrix.from_entries(
        [f"p{i}" for i in range(1000)], ["care"], rows, np.zeros(1000), rng.random(1000)
    )
    assert matrix.rows.dtype == np.int32 and matrix.values.dtype == np.float32
    best = rank(matrix, [Requirement("care", "care", True, 1)], top=3)
    assert [r.row for r in best] == list(np.argsort(-matrix.values[np.argsort(matrix.rows)])[:3])
