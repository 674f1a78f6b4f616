"""The VC Data Model 2.0 object rules (``openler.vc.datamodel``), the start date only the
schemas require, and VC 1.1 signing: what an issuer refuses before signing and a verifier
fails in its ``schema`` check."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openler.vc import Multikey, credential_problems, sign_credential, verify
from openler.vc.datamodel import is_url, object_problems, related_resource_problems
from tests.conftest import NOW

V2 = "https://www.w3.org/ns/credentials/v2"
V2_SHA256 = bytes.fromhex("24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9")


def plain(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [V2],
        "id": "urn:uuid:0f4a1b34-7a3e-4d1e-9a4c-1d1f8e0c2b77",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "name": "Example"},
    }
    document.update(changes)
    return document


# VC DM 2.0 §4.4: "If present, the value of the id property MUST be a single URL"; a DID and
# a URN are URLs in its sense (§4.4's examples use both)
@pytest.mark.parametrize(
    "value",
    ["https://example.edu/credentials/1872", "did:example:123", "urn:uuid:1", "mailto:a@b.org"],
)
def test_urls(value: str) -> None:
    assert is_url(value)


@pytest.mark.parametrize(
    "value",
    ["https ://example.edu/1", "not a url", "example.edu/1", "", "https:", 5, None, ["did:x:1"]],
)
def test_not_urls(value: Any) -> None:
    assert not is_url(value)


@given(st.text(min_size=1), st.sampled_from([" ", "\t", "\n", "<", ">", '"', "{", "`"]))
def test_a_url_never_holds_whitespace_or_forbidden_characters(text: str, bad: str) -> None:
    assert not is_url(f"https://example.edu/{text}{bad}")


@pytest.mark.parametrize(
    ("name", "section"),
    [
        ("credentialStatus", "§4.10"),
        ("credentialSchema", "§4.11"),
        ("refreshService", "§5.4"),
        ("termsOfUse", "§5.5"),
        ("evidence", "§5.6"),
    ],
)
def test_typed_objects_need_a_type(name: str, section: str) -> None:
    # VC DM 2.0 §4.5: "the following table lists the objects that MUST have a type specified"
    untyped = {"id": "https://example.edu/thing/1"}
    for value in (untyped, [untyped], [{**untyped, "type": "X"}, untyped], {**untyped, "type": []}):
        problems = object_problems(plain(**{name: value}))
        assert problems == [f"{name}: each object must have a type (VC DM 2.0 §4.5, {section})"]
    typed = {**untyped, "type": ["ExampleType"]}
    if name == "credentialStatus":
        typed["type"] = "ExampleStatus"
    assert object_problems(plain(**{name: [typed]})) == []
    assert object_problems(plain(**{name: "https://example.edu/x"})) == [
        f"{name}: must be an object or an array of objects (VC DM 2.0 {section})"
    ]


def test_a_caller_status_entry_is_checked_as_bitstring_status_list_does() -> None:
    # Bitstring Status List §2.1: "statusListIndex … MUST be an arbitrary size integer
    # greater than or equal to 0, expressed as a string in base 10"; statusListCredential
    # "MUST be a URL to a verifiable credential"
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.edu/status/3",
    }
    assert object_problems(plain(credentialStatus=entry)) == []
    for key, value in [
        ("statusListIndex", True),
        ("statusListIndex", 94567),
        ("statusListIndex", "-1"),
        ("statusListIndex", "²"),  # a digit to str.isdigit, not a base-10 integer
        ("statusPurpose", 1),
        ("statusListCredential", "https ://example.edu/status/3"),
    ]:
        problems = object_problems(plain(credentialStatus={**entry, key: value}))
        assert problems and problems[0].startswith("credentialStatus"), (key, value)


def test_an_issuer_must_be_a_url_or_name_one() -> None:
    # VC DM 2.0 §4.7: "The value of the issuer property MUST be either a URL, or an object
    # containing an id property whose value is a URL"
    for issuer in (None, "fake-issuer", {"id": None}, {"id": "https ://x"}, {"name": "X"}, 5):
        assert object_problems(plain(issuer=issuer)) == [
            "issuer: must be a URL or an object whose id is a URL (VC DM 2.0 §4.7)"
        ]
    assert object_problems(plain(issuer={"id": "did:example:1", "name": "X"})) == []


def _multibase(digest: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_related_resources() -> None:
    good = {"id": V2, "digestMultibase": _multibase(V2_SHA256)}
    assert related_resource_problems([good]) == []
    assert related_resource_problems(good) == []
    multihash = _multibase(b"\x12\x20" + V2_SHA256)  # a multihash names its algorithm
    assert related_resource_problems({"id": V2, "digestMultibase": multihash}) == []
    sri = "sha256-" + base64.b64encode(V2_SHA256).decode()
    assert related_resource_problems({"id": V2, "digestSRI": sri}) == []
    # §5.3: objects; a unique id; "at least a digestSRI or a digestMultibase value"
    assert related_resource_problems([V2]) == [
        "relatedResource: must be one or more objects (VC DM 2.0 §5.3)"
    ]
    assert related_resource_problems([]) == [
        "relatedResource: must be one or more objects (VC DM 2.0 §5.3)"
    ]
    assert "listed twice" in related_resource_problems([good, good])[0]
    assert "needs a digestSRI" in related_resource_problems([{"id": V2}])[0]
    assert "id: required" in related_resource_problems([{"digestSRI": sri}])[0]


@given(st.binary(min_size=32, max_size=32))
def test_any_other_digest_of_the_base_context_is_refused(digest: bytes) -> None:
    # VC DM 2.0 §5.3: "If the digest provided by the issuer does not match the digest
    # computed for the retrieved resource, the conforming verifier implementation MUST
    # produce an error"; Appendix B.1 publishes the base context's SHA2-256 digest
    expected_ok = digest == V2_SHA256
    for item in (
        {"id": V2, "digestMultibase": _multibase(digest)},
        {"id": V2, "digestSRI": "sha256-" + base64.b64encode(digest).decode()},
    ):
        assert (related_resource_problems([item]) == []) is expected_ok


@given(st.binary(min_size=0, max_size=70).filter(lambda b: len(b) not in (32, 34, 48, 50, 64, 66)))
def test_a_value_that_is_no_digest_is_refused(data: bytes) -> None:
    item = {"id": "https://example.edu/x", "digestMultibase": _multibase(data)}
    assert related_resource_problems([item]) == [
        "relatedResource[0].digestMultibase: not a digest (multibase (z or u) of a SHA-2 digest "
        "or multihash)"
    ]


def test_a_resource_openler_does_not_know_is_checked_for_its_form_only() -> None:
    digest = hashlib.sha384(b"syllabus").digest()
    item = {
        "id": "https://example.edu/s.pdf",
        "digestSRI": "sha384-" + base64.b64encode(digest).decode(),
    }
    assert related_resource_problems([item]) == []


def test_valid_from_is_optional_for_a_plain_credential(issuer_key: Multikey) -> None:
    # VC DM 2.0 §4.9: "If present, the value of the validFrom property MUST be an
    # [XMLSCHEMA11-2] dateTimeStamp string"; "If validFrom and validUntil are not present,
    # the verifiable credential validity period is considered valid indefinitely."
    unsigned = plain(issuer=issuer_key.controller)
    assert credential_problems(unsigned) == []
    report = verify(sign_credential(unsigned, issuer_key, created=NOW), at=NOW)
    assert report.status_of("type") == "passed" and report.status_of("schema") == "passed"
    assert report.status_of("proof") == "passed"


def test_valid_from_is_required_where_the_open_badges_schema_requires_it(
    license_template: dict[str, Any],
) -> None:
    # the OB 3.0 AchievementCredential schema requires a start date (issuanceDate in the
    # schema, validFrom with the VC 2.0 context)
    document = copy.deepcopy(license_template)
    document["issuer"]["id"] = "did:example:board"
    assert credential_problems(document) == []
    document.pop("validFrom")
    assert credential_problems(document) == [
        "schema: does not conform to the Open Badges 3.0 AchievementCredential schema: "
        "validFrom is required"
    ]


def test_a_verifier_fails_the_schema_check_on_a_broken_object(issuer_key: Multikey) -> None:
    signed = sign_credential(
        plain(issuer=issuer_key.controller, termsOfUse={"id": "https://example.edu/terms"}),
        issuer_key,
        created=NOW,
    )
    report = verify(signed, at=NOW)
    assert report.status_of("proof") == "passed"  # signed, yet not a conforming credential
    assert report.status_of("schema") == "failed" and not report.verified
    assert "termsOfUse: each object must have a type" in report.check("schema").message  # type: ignore[union-attr]


@pytest.mark.parametrize("cryptosuite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_a_vc_1_1_credential_is_signed_so_that_it_verifies(
    issuer_key: Multikey, cryptosuite: Any
) -> None:
    # VC Data Integrity 1.0 §2.4.2: "implementations SHOULD inject or append an @context
    # property with a value of https://w3id.org/security/data-integrity/v2"
    unsigned = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer_key.controller,
        "issuanceDate": "2020-03-16T22:37:26Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    signed = sign_credential(unsigned, issuer_key, created=NOW, cryptosuite=cryptosuite)
    assert signed["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    report = verify(signed, at=NOW)
    assert report.verified, report.summary
