"""The data-model check once per shape (``vc.shapecheck``) gives the full check's answer.

Every test compares :class:`ShapeChecks` with ``credential_problems`` on the same document:
the same problems (the same words), the same canonical form, and — where the document
passes — the same signed credential, byte for byte, as ``add_proof`` makes of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openler.vc import (
    CanonicalForms,
    Multikey,
    add_proof,
    credential_problems,
    jsonld,
    new_proof,
)
from openler.vc.errors import VCError
from openler.vc.shapecheck import (
    CONSTRAINED,
    DATETIME,
    PLAIN,
    ShapeChecks,
    _string_rule,
    string_rules,
)
from tests.vc.test_fastpath import OB, VC2, ob_credential

KEY = Multikey.from_seed(bytes(range(32))).with_controller(
    "did:example:board", "did:example:board#key-1"
)
CREATED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
LIST = "https://openler.example/status/"

safe = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
hexes = st.text(alphabet="0123456789abcdef", min_size=8, max_size=64)
dates = st.sampled_from(
    [
        "2026-11-27T09:30:00Z",
        "2027-01-01T00:00:00Z",
        "2028-11-27T23:59:59Z",
        "2026-11-27T09:30:00+02:00",
    ]
)


@st.composite
def roster_credential(draw: st.DrawFn) -> dict[str, Any]:
    """A credential as a roster job builds one (``issuing.credential_document`` with the
    id and status entries added), with valid values."""
    achievement: dict[str, Any] = {
        "id": f"https://openler.example/orgs/board/achievements/{draw(safe)}",
        "type": ["Achievement"],
        "name": draw(safe),
        "description": draw(safe),
        "criteria": {"narrative": draw(safe)},
        "achievementType": draw(st.sampled_from(["License", "Certificate", "ext:Permit"])),
    }
    if draw(st.booleans()):
        achievement["resultDescription"] = [
            {
                "id": f"{achievement['id']}#result-grade",
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "LetterGrade",
                "allowedValue": ["A", "B", "C"],
            }
        ]
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if draw(st.booleans()):
        subject["id"] = f"did:key:z6Mk{draw(safe)}"
    subject["identifier"] = [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": f"sha256${draw(hexes)}",
            "identityType": draw(st.sampled_from(["emailAddress", "identifier", "sisSourcedId"])),
            "salt": draw(hexes),
        }
        for _ in range(draw(st.integers(1, 2)))
    ]
    if draw(st.booleans()):
        subject["licenseNumber"] = draw(safe)
    subject["achievement"] = achievement
    if "resultDescription" in achievement and draw(st.booleans()):
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": achievement["resultDescription"][0]["id"],
                "value": draw(st.sampled_from(["A", "B", "C"])),
            }
        ]
    document: dict[str, Any] = {
        "@context": [VC2, OB],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": {"id": "did:example:board", "type": ["Profile"], "name": draw(safe)},
        "validFrom": "2026-11-27T09:30:00Z",
    }
    if draw(st.booleans()):
        document["validUntil"] = "2028-11-27T09:30:00Z"
    document["credentialSubject"] = subject
    if draw(st.booleans()):
        document["evidence"] = [
            {"id": f"https://evidence.example/{draw(safe)}", "type": ["Evidence"]}
        ]
    document["id"] = f"urn:uuid:{draw(st.uuids())}"
    document["credentialStatus"] = [
        {
            "id": f"{LIST}{lst}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": f"{LIST}{lst}",
        }
        for purpose, lst, index in (
            ("revocation", draw(safe), draw(st.integers(0, 131071))),
            ("suspension", draw(safe), draw(st.integers(0, 131071))),
        )
    ]
    return document


#: a roster's credential, bound to no wallet
REFERENCE: dict[str, Any] = {
    "@context": [VC2, OB],
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Registered Nurse",
    "issuer": {"id": "did:example:board", "type": ["Profile"], "name": "Board of Nursing"},
    "validFrom": "2026-11-27T09:30:00Z",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": "sha256$" + "ab" * 32,
                "identityType": "emailAddress",
                "salt": "cd" * 16,
            }
        ],
        "achievement": {
            "id": "https://openler.example/orgs/board/achievements/rn",
            "type": ["Achievement"],
            "name": "Registered Nurse",
            "description": "Licensed to practise as a registered nurse.",
            "criteria": {"narrative": "Passed the licensing examination."},
            "achievementType": "License",
        },
    },
    "id": "urn:uuid:00000000-0000-4000-8000-000000000000",
    "credentialStatus": [
        {
            "id": f"{LIST}r#7",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "7",
            "statusListCredential": f"{LIST}r",
        },
        {
            "id": f"{LIST}s#9",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": "9",
            "statusListCredential": f"{LIST}s",
        },
    ],
}

#: strings a changed value may be: ordinary, and every kind the full check refuses or
#: that changes the document's shape
hostile = st.one_of(
    safe,
    hexes,
    dates,
    st.text(max_size=10),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.sampled_from(
        [
            "",
            "not a date",
            "2026-13-01T00:00:00Z",
            "2026-01-01",
            "2020-01-01T00:00:00Z",
            "relative/path",
            "https://example.org/a b",
            "https://example.org/<x>",
            "_:b0",
            "Profile",
            "AchievementSubject",
            "License",
            "Completed",
            "ext:Other",
            "emailAddress",
            "revocation",
            "suspension",
            "message",
            "-1",
            "12abc",
            "sec:proof",
            "did:example:board",
            "\ud800 lone surrogate",
            "line\nbreak\x00",
            "naïve café — ✓ 😀",
        ]
    ),
)


def _at(document: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _set(document: Any, path: tuple[str | int, ...], value: str) -> None:
    *parent, last = path
    _at(document, tuple(parent))[last] = value


def _copy(value: Any) -> Any:
    """A deep copy that keeps shared objects shared (as a roster chunk's documents share
    their achievement), without sharing with the original."""
    return json.loads(json.dumps(value))


#: values of the enumerations a roster's documents hold (achievementType, identityType)
ENUMERATIONS = ["License", "Certificate", "ext:Permit", "emailAddress", "sisSourcedId"]


def similar(value: str) -> st.SearchStrategy[str]:
    """Another value of the same kind as ``value`` (a recipient's next row): mostly valid."""
    if value.startswith("urn:uuid:"):
        return st.uuids().map(lambda u: f"urn:uuid:{u}")
    if value in ENUMERATIONS:
        return st.sampled_from(ENUMERATIONS)
    if value.startswith(("https://", "http://")):
        page = value.split("#", 1)[0]
        head = page.rsplit("/", 1)[0]
        return st.one_of(safe.map(lambda s: f"{head}/{s}"), safe.map(lambda s: f"{page}#{s}"))
    if value.startswith("did:"):
        return safe.map(lambda s: f"did:key:z6Mk{s}")
    if value.startswith("sha256$"):
        return hexes.map(lambda h: f"sha256${h}")
    if value.isdigit():
        return st.integers(0, 131071).map(str)
    if value[:4].isdigit() and "T" in value:
        return dates
    if all(c in "0123456789abcdef" for c in value):
        return hexes
    return safe


def variant(data: st.DataObject, reference: dict[str, Any], share: float) -> dict[str, Any]:
    """``reference`` with some of its values replaced: by one of the same kind (most), or
    by a drawn string of any kind."""
    document: dict[str, Any] = _copy(reference)
    paths = jsonld.DEFAULT_LOADER.fastpath.value_paths(document)
    for path in paths:
        if data.draw(st.floats(0, 1)) < share:
            value = _at(document, path)
            kind = similar(value) if data.draw(st.integers(0, 9)) < 8 else hostile
            _set(document, path, data.draw(kind))
    return document


def _signed_text(document: dict[str, Any], forms: CanonicalForms | None) -> str | type[VCError]:
    """The signed credential's JSON text (as a roster stores it) or the error signing
    raises."""
    try:
        if forms is None:
            signed = add_proof(document, KEY, created=CREATED)
        elif "proof" in document:  # a proof set: add_proof's work, not new_proof's
            signed = add_proof(document, KEY, created=CREATED, forms=forms)
        else:
            proof = new_proof(document, KEY, created=CREATED, forms=forms)
            assert proof is not None
            signed = {**document, "proof": proof}
    except VCError as exc:
        return type(exc)
    return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))


def _outcome(check: Callable[[], list[str]]) -> list[str] | tuple[type[BaseException], str]:
    """What a check answers, or the exception it raises (the full check raises for a
    string no UTF-8 can hold; the shape check must raise it too)."""
    try:
        return check()
    except Exception as exc:  # compared, whatever it is
        return type(exc), str(exc)


def assert_same(checks: ShapeChecks, document: dict[str, Any]) -> bool:
    """The shape check answers as the full check, signs as ``add_proof``; returns whether
    the document passed without a full check."""
    before = checks.full
    fast_forms, slow_forms = CanonicalForms(), CanonicalForms()
    fast = _outcome(lambda: checks.problems(document, fast_forms))
    slow = _outcome(lambda: credential_problems(document, forms=slow_forms))
    assert fast == slow
    if slow == []:
        assert fast_forms.unsecured_form(document) == slow_forms.unsecured_form(document)
        assert _signed_text(document, fast_forms) == _signed_text(document, None)
    return fast == [] and checks.full == before


SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_changed_values_get_the_full_checks_answer() -> None:
    """A reference checked in full, then documents of its shape with values changed —
    some valid, some hostile (bad dates, dates out of order, non-URLs, surrogates, terms
    that change the shape): the answers are the full check's, and most valid ones are
    vouched for without a full check."""
    tally = {"vouched": 0, "passed": 0}

    @SETTINGS
    @given(roster_credential(), st.data())
    def agree(reference: dict[str, Any], data: st.DataObject) -> None:
        checks = ShapeChecks()
        assert checks.problems(reference, CanonicalForms()) == []
        for share in (0.1, 0.4):
            document = variant(data, reference, share)
            tally["vouched"] += assert_same(checks, document)
            tally["passed"] += _outcome(partial(credential_problems, document)) == []

    agree()
    assert tally["passed"] >= 50, tally  # valid variants are about half of 500: well above
    assert tally["vouched"] >= 0.5 * tally["passed"], tally


def test_generated_documents_of_every_kind_agree() -> None:
    """The fast path's own generator (OB 3.0 documents with endorsements, proofs, inline
    oddities and invalid values), a document and a variant of it."""

    @SETTINGS
    @given(ob_credential(), st.data())
    def agree(reference: dict[str, Any], data: st.DataObject) -> None:
        checks = ShapeChecks()
        assert_same(checks, reference)
        assert_same(checks, variant(data, reference, 0.3))

    agree()


def test_a_roster_chunk_is_checked_in_full_once_per_shape() -> None:
    """Documents differing only in the recipient's values, the id and the status entries
    (what a roster chunk signs): one full check, then none."""
    checks = ShapeChecks()
    reference = _copy(REFERENCE)
    for i in range(20):
        document = _copy(reference)
        document["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
        document["credentialSubject"]["identifier"][0]["salt"] = f"{i:032x}"
        document["credentialStatus"][0]["statusListIndex"] = str(i)
        document["credentialStatus"][0]["id"] = f"{LIST}r#{i}"
        assert_same(checks, document)
    assert checks.full == 1


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("validFrom",), "27 November 2026", "validFrom"),
        (("validUntil",), "2020-01-01T00:00:00Z", "earlier than validFrom"),
        (("id",), "not a url", "id: must be a single URL"),
        (("credentialStatus", 0, "statusListIndex"), "-1", "credentialStatus[0]"),
        (("credentialStatus", 1, "statusListCredential"), "nope", "statusListCredential"),
        (("credentialSubject", "achievement", "achievementType"), "Licence", "Licence"),
        (("credentialSubject", "identifier", 0, "identityType"), "phone", "phone"),
        (("evidence", 0, "id"), "relative/evidence", "context"),
    ],
)
def test_a_value_the_full_check_refuses_is_refused_in_its_words(
    path: tuple[str | int, ...], value: str, expected: str
) -> None:
    checks = ShapeChecks()
    reference = _copy(REFERENCE)
    reference["validUntil"] = "2028-11-27T09:30:00Z"
    reference["evidence"] = [{"id": "https://evidence.example/1", "type": ["Evidence"]}]
    assert checks.problems(reference, CanonicalForms()) == []
    document = _copy(reference)
    _set(document, path, value)
    problems = checks.problems(document, CanonicalForms())
    assert problems == credential_problems(document)
    assert problems and expected in "; ".join(problems)


def test_an_unpaired_surrogate_goes_where_the_full_check_goes() -> None:
    """A string no UTF-8 can hold: the full check raises (it cannot write the canonical
    form), and so does the shape check — it never vouches for such a value."""
    checks = ShapeChecks()
    assert checks.problems(_copy(REFERENCE), CanonicalForms()) == []
    document = _copy(REFERENCE)
    document["credentialSubject"]["identifier"][0]["salt"] = "ab\ud800"
    fast = _outcome(lambda: checks.problems(document, CanonicalForms()))
    assert fast == _outcome(lambda: credential_problems(document))
    assert isinstance(fast, tuple) and fast[0] is UnicodeEncodeError
    assert checks.full == 2


def test_string_rules_come_from_the_models() -> None:
    rules = string_rules()
    for key in ("validFrom", "validUntil", "awardedDate", "created", "activityEndDate"):
        assert rules[key] == DATETIME
    for key in ("achievementType", "identityType", "resultType", "status", "@language"):
        assert rules[key] == CONSTRAINED
    for key in ("id", "name", "identityHash", "salt", "statusListIndex", "value", "narrative"):
        assert key not in rules  # any string passes the models there


def test_unknown_annotations_are_constrained() -> None:
    from typing import Annotated, Literal

    from pydantic import AfterValidator, Strict

    assert _string_rule(str) == PLAIN
    assert _string_rule(Annotated[str, Strict()]) == PLAIN
    assert _string_rule(int) == CONSTRAINED  # lax: "5" passes, "five" does not
    assert _string_rule(Annotated[int, Strict()]) == PLAIN
    assert _string_rule(Literal["a", "b"]) == CONSTRAINED
    assert _string_rule(Annotated[str, AfterValidator(str.strip)]) == CONSTRAINED
    assert _string_rule(list[Annotated[str, Strict()]] | None) == PLAIN
    assert _string_rule(bytes) == CONSTRAINED


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ob_credential())
def test_value_paths_name_the_values_the_walk_takes_out(document: dict[str, Any]) -> None:
    fastpath = jsonld.DEFAULT_LOADER.fastpath
    walked = fastpath.walked(document)
    if walked is None:
        return
    _key, values = walked
    paths = fastpath.value_paths(document)
    assert [_at(document, path) for path in paths] == values
