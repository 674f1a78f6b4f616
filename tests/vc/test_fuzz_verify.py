"""Fuzzing ``openler.vc.verify``: whatever a holder hands over, the answer is a report.

The inputs are structured mutations of real signed documents (``tests/hostile.py``), and
the documents a verifier fetches while checking them (DID documents, status lists) are
hostile too. The test fails on any exception that is not openler's own (``VCError``), and
on a report that cannot be shown: the API writes it as UTF-8 JSON, the CLI as text.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from openler.vc import (
    Bitstring,
    Fetched,
    ResolutionError,
    Resolvers,
    VCError,
    VerificationReport,
    add_proof,
    status_list_credential,
    verify,
)
from tests.hostile import (
    CHALLENGE,
    ISSUER,
    LOADER,
    NOW,
    STATUS_URL,
    fuzz_settings,
    hostile_inputs,
    hostile_values,
    mutated_documents,
)


def shown(report: VerificationReport) -> str:
    """The report as the API sends it; raises if any message cannot be UTF-8 JSON."""
    text = json.dumps(report.to_json(), ensure_ascii=False)
    text.encode("utf-8")
    return text


def _status_list() -> dict[str, Any]:
    unsigned = status_list_credential(
        list_url=STATUS_URL,
        issuer=ISSUER.controller,
        purpose="revocation",
        bits=Bitstring.empty(),
        valid_from="2026-01-01T00:00:00Z",
    )
    return add_proof(unsigned, ISSUER, created=NOW)


fetched_documents = st.one_of(
    st.builds(_status_list),
    mutated_documents(),
    st.dictionaries(st.text(max_size=8), hostile_values, max_size=4),
    hostile_values,
    st.sampled_from([ResolutionError("not published"), ConnectionRefusedError("refused")]),
)


@fuzz_settings(300)
@given(data=hostile_inputs(), world=st.data())
def test_verify_answers_every_input_with_a_report(data: Any, world: st.DataObject) -> None:
    def fetch(url: str) -> Any:
        document = world.draw(fetched_documents, label=f"document at {url}")
        if isinstance(document, BaseException):
            raise document
        return Fetched(document) if world.draw(st.booleans()) else document

    try:
        report = verify(
            data,
            at=NOW,
            resolvers=Resolvers(fetch, contexts=LOADER),
            challenge=world.draw(st.sampled_from([None, CHALLENGE])),
        )
    except VCError:
        return  # openler's own refusal
    shown(report)
    assert report.checks and report.checks[0].id == "parse"
