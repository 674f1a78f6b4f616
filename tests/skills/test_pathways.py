"""Pathways: the gap and what is held make up the requirement, credentials are ordered by
greedy weighted set cover (a credential covering more of the gap never comes after one it
contains), related occupations closest first — known answers and properties."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from openler.skills.pathways import (
    Gap,
    Offer,
    Requirement,
    gap_of,
    pathways,
    ranked,
    requirements,
)
from openler.skills.profiles import Alignment, item_key

KEYS = st.sampled_from([f"k{i}" for i in range(12)])
WEIGHTS = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
REQUIREMENTS = st.lists(
    st.builds(Requirement, KEYS, st.sampled_from(["a", "b", "c"]), WEIGHTS), max_size=12
)
HELD = st.frozensets(KEYS)
OFFERS = st.lists(
    st.builds(
        Offer,
        st.sampled_from([f"o{i}" for i in range(8)]),
        st.sampled_from(["EMT", "CNA", "CPR"]),
        st.frozensets(KEYS, max_size=6),
        st.booleans(),
    ),
    max_size=8,
    unique_by=lambda o: o.key,
)

A = Requirement("a", "first aid", 1.0)
B = Requirement("b", "triage", 0.5)
C = Requirement("c", "patient transport", 0.25)


@given(REQUIREMENTS, HELD)
def test_what_is_held_and_the_gap_are_the_requirement(
    needs: list[Requirement], held: frozenset[str]
) -> None:
    gap = gap_of(needs, held)
    assert {r.key for r in gap.held} | {r.key for r in gap.missing} == {r.key for r in needs}
    assert not {r.key for r in gap.held} & {r.key for r in gap.missing}
    assert all(r.key in held for r in gap.held) and all(r.key not in held for r in gap.missing)
    assert math.isclose(gap.held_weight + gap.missing_weight, gap.total_weight, abs_tol=1e-9)
    assert 0.0 <= gap.readiness <= 1.0
    assert gap.required == len(requirements(needs))


@given(REQUIREMENTS, HELD, OFFERS)
def test_each_missing_skill_is_closed_once_and_in_order(
    needs: list[Requirement], held: frozenset[str], offers: list[Offer]
) -> None:
    gap = gap_of(needs, held)
    steps = ranked(gap, offers)
    closed = [r.key for s in steps for r in s.closes]
    assert len(closed) == len(set(closed))
    assert set(closed) <= {r.key for r in gap.missing}
    reachable = {r.key for r in gap.missing} & {k for o in offers for k in o.skills}
    assert set(closed) == reachable  # every gap skill some credential covers is closed
    assert [s.position for s in steps] == list(range(1, len(steps) + 1))
    # greedy: each step closes at least as much of what is still missing as any later one
    # would have closed at that point
    for i, step in enumerate(steps):
        still = {r.key for s in steps[i:] for r in s.closes}
        for later in steps[i + 1 :]:
            could = math.fsum(r.weight for r in later.covers if r.key in still)
            assert step.closed_weight >= could
    remaining = [s.remaining_after for s in steps]
    assert remaining == sorted(remaining, reverse=True)


@given(REQUIREMENTS, HELD, OFFERS, st.frozensets(KEYS, min_size=1, max_size=4))
def test_a_credential_covering_more_of_the_gap_never_ranks_below(
    needs: list[Requirement], held: frozenset[str], offers: list[Offer], extra: frozenset[str]
) -> None:
    gap = gap_of(needs, held)
    missing = {r.key for r in gap.missing}
    smaller = Offer("small", "A small one", frozenset(k for k in extra if k in missing) - {"k0"})
    bigger = Offer("big", "Z big one", smaller.skills | (extra & missing) | {"k0"})
    steps = ranked(gap, [*offers, smaller, bigger])
    order = [s.offer.key for s in steps]
    if (bigger.skills & missing) > (smaller.skills & missing) and "small" in order:
        assert order.index("big") < order.index("small")


def test_known_order_with_its_reasons() -> None:
    gap = gap_of([A, B, C], set())
    emt = Offer("emt", "EMT Certificate", frozenset({"a", "b"}))
    cpr = Offer("cpr", "CPR", frozenset({"a"}))
    move = Offer("move", "Patient Handling", frozenset({"c"}))
    licence = Offer("licence", "EMT licence", frozenset(), for_occupation=True)
    unrelated = Offer("weld", "Welding", frozenset({"z"}))
    steps = ranked(gap, [cpr, move, licence, unrelated, emt])
    assert [(s.offer.key, s.reason) for s in steps] == [
        ("emt", "most"),
        ("move", "next"),
        ("cpr", "overlap"),
        ("licence", "occupation"),
    ]
    assert steps[0].closed_weight == 1.5 and math.isclose(steps[0].share_of_gap, 1.5 / 1.75)
    assert steps[1].remaining_after == 0.0
    assert [r.key for r in steps[2].covers] == ["a"] and steps[2].closes == ()


def test_nothing_missing_means_nothing_to_close() -> None:
    gap = gap_of([A], {"a"})
    assert gap == Gap(held=(A,), missing=())
    assert gap.readiness == 1.0
    assert ranked(gap, [Offer("cpr", "CPR", frozenset({"a"}))]) == []
    assert gap_of([], set()).readiness == 1.0


def test_a_skill_named_twice_counts_once_at_its_highest_weight() -> None:
    gap = gap_of([A, Requirement("a", "first aid", 0.2), Requirement("x", "x", math.nan)], [])
    assert [(r.key, r.weight) for r in gap.missing] == [("a", 1.0), ("x", 0.5)]


def test_pathways_closest_first() -> None:
    ways = pathways(
        [A, B],
        {("lpn", "Practical Nurses"): [A, C], ("para", "Paramedics"): [A, B, C]},
        {"a", "b"},
    )
    assert [(w.key, w.shared, round(w.gap.readiness, 3)) for w in ways] == [
        ("para", 2, round(1.5 / 1.75, 3)),
        ("lpn", 1, 0.8),
    ]


def test_a_framework_item_and_an_alignment_meet_across_spellings() -> None:
    framework = item_key("skill", "https://DATA.europa.eu/esco/skill/x/", "x", code=None, url=None)
    signed = Alignment("skill", "x", url="http://data.europa.eu/esco/skill/x")
    assert framework == signed.key
    assert item_key("skill", "2.B.1.e", "x", code=None, url=None) != framework
