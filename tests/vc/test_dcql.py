"""DCQL (OpenID4VP 1.0 §6-7): queries checked, claims paths selected, credentials matched,
credential sets satisfied — known answers, each refusal, and properties."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openler.vc import (
    Candidate,
    DcqlError,
    check_dcql_query,
    dcql_satisfied,
    describe_dcql_query,
    expanded_types,
    match_dcql,
)
from openler.vc.dcql import select
from tests.conftest import DATA

OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"
BAD = json.loads((DATA / "oid4vp" / "bad_queries.json").read_text())
RN_QUERY = json.loads((DATA / "oid4vp" / "rn_licence.json").read_text())


def badge(kind: str, name: str, skills: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {
            "achievement": {
                "achievementType": kind,
                "name": name,
                "alignment": [{"targetName": s} for s in skills],
            }
        },
    }


def candidate(cid: str, document: dict[str, Any], fmt: str = "ldp_vc") -> Candidate:
    return Candidate(cid, fmt, document, expanded_types(document))


@pytest.mark.parametrize("case", BAD, ids=[c["why"] for c in BAD])
def test_bad_queries_are_refused_naming_the_problem(case: dict[str, Any]) -> None:
    with pytest.raises(DcqlError) as raised:
        check_dcql_query(case["query"])
    assert case["says"] in raised.value.message
    assert raised.value.code == "invalid_request"


def test_the_type_values_are_compared_expanded() -> None:
    assert OB in expanded_types(badge("License", "RN"))
    result = match_dcql(check_dcql_query(RN_QUERY), [candidate("rn", badge("License", "RN"))])
    assert result.matches == {"rn_licence": ["rn"]} and result.satisfied


def test_claims_values_and_wildcards() -> None:
    query = check_dcql_query(
        {
            "credentials": [
                {
                    "id": "iv",
                    "format": "ldp_vc",
                    "meta": {"type_values": [[OB]]},
                    "claims": [
                        {
                            "path": [
                                "credentialSubject",
                                "achievement",
                                "alignment",
                                None,
                                "targetName",
                            ],
                            "values": ["IV therapy"],
                        }
                    ],
                }
            ]
        }
    )
    held = [
        candidate("a", badge("Certificate", "IV", ("Triage", "IV therapy"))),
        candidate("b", badge("Certificate", "CPR", ("CPR",))),
        candidate("c", badge("Certificate", "IV", ("IV therapy",)), fmt="jwt_vc_json"),
    ]
    result = match_dcql(query, held)
    assert result.matches["iv"] == ["a"]
    assert "is not what is asked for" in result.reasons["iv"]["b"]
    assert "jwt_vc_json" in result.reasons["iv"]["c"]


def test_claim_sets_take_the_first_option_that_matches() -> None:
    query = check_dcql_query(
        {
            "credentials": [
                {
                    "id": "x",
                    "format": "ldp_vc",
                    "meta": {"type_values": [[OB]]},
                    "claims": [
                        {
                            "id": "k",
                            "path": ["credentialSubject", "achievement", "achievementType"],
                            "values": ["License"],
                        },
                        {
                            "id": "n",
                            "path": ["credentialSubject", "achievement", "name"],
                            "values": ["RN"],
                        },
                    ],
                    "claim_sets": [["k", "n"], ["k"]],
                }
            ]
        }
    )
    assert match_dcql(query, [candidate("1", badge("License", "LPN"))]).matches["x"] == ["1"]
    assert match_dcql(query, [candidate("2", badge("Badge", "RN"))]).matches["x"] == []


def test_a_value_matches_only_its_own_type() -> None:
    assert select({"a": [1, True]}, ["a", None]) == [1, True]
    query = check_dcql_query(
        {
            "credentials": [
                {
                    "id": "x",
                    "format": "ldp_vc",
                    "meta": {"type_values": [[OB]]},
                    "claims": [{"path": ["credentialSubject", "n"], "values": [1]}],
                }
            ]
        }
    )
    doc = badge("License", "RN")
    doc["credentialSubject"]["n"] = True  # True == 1 in Python, not in JSON
    assert match_dcql(query, [Candidate("t", "ldp_vc", doc, frozenset({OB}))]).matches["x"] == []


def test_credential_sets_and_optional_ones_in_words() -> None:
    query = check_dcql_query(
        {
            "credentials": [
                {"id": "rn", "format": "ldp_vc", "meta": {"type_values": [[OB]]}},
                {"id": "iv", "format": "ldp_vc", "meta": {"type_values": [[OB]]}},
            ],
            "credential_sets": [{"options": [["rn"]]}, {"options": [["iv"]], "required": False}],
        }
    )
    assert dcql_satisfied(query, {"rn"}) and not dcql_satisfied(query, {"iv"})
    assert describe_dcql_query(query).endswith("(optional)")


ids = st.sampled_from(["a", "b", "c", "d"])


@given(
    options=st.lists(
        st.lists(st.lists(ids, min_size=1, max_size=3), min_size=1, max_size=3),
        min_size=1,
        max_size=3,
    ),
    answered=st.sets(ids),
    more=st.sets(ids),
)
def test_answering_more_never_unsatisfies(
    options: list[list[list[str]]], answered: set[str], more: set[str]
) -> None:
    query = check_dcql_query(
        {
            "credentials": [
                {"id": i, "format": "ldp_vc", "meta": {"type_values": [[OB]]}} for i in "abcd"
            ],
            "credential_sets": [{"options": o} for o in options],
        }
    )
    if dcql_satisfied(query, answered):
        assert dcql_satisfied(query, answered | more)


@given(
    st.recursive(
        st.integers() | st.text(max_size=3),
        lambda c: st.dictionaries(st.text(max_size=2), c, max_size=3),
        max_leaves=8,
    ),
    st.lists(st.text(max_size=2), min_size=1, max_size=3),
)
def test_a_path_of_names_selects_what_plain_lookup_finds(document: Any, path: list[str]) -> None:
    node: Any = document
    for step in path:
        if not isinstance(node, dict) or step not in node:
            assert select(document, path) == []
            return
        node = node[step]
    assert select(document, path) == [node]
