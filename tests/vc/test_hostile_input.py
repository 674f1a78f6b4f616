"""Hostile input to ``verify``: each attack found against it ends in a clear verdict.

The attack pass (issue 9, findings 2.2 and 2.3) found duplicate JSON names read last-wins,
and crashes on a lone surrogate, a deeply nested JWT payload, a non-string previousProof
and an inline context with an invalid @language. Each is pinned here on every path the
input can take (JSON text, mapping, JWT, baked PNG/SVG, presentation, fetched document).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from pyld import jsonld as pyld

from openler.vc import (
    ContextError,
    DocumentLoader,
    Multikey,
    ResolutionError,
    Resolver,
    Resolvers,
    VerificationReport,
    bake_png,
    bake_svg,
    build_presentation,
    sign_credential,
    sign_presentation,
    verify,
)
from openler.vc import jsonld as vc_jsonld
from openler.vc.baking import blank_png
from openler.vc.multibase import b64url_encode
from tests.conftest import NOW

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


def parse_message(report: VerificationReport) -> str:
    check = report.check("parse")
    assert check is not None and check.status == "failed", report.summary
    assert not report.verified
    return check.message


def failed(report: VerificationReport, check_id: str) -> str:
    check = report.check(check_id)
    assert check is not None and check.status == "failed", report.summary
    assert not report.verified
    return check.message


def serving(document: Any) -> Callable[[str], Any]:
    """A fetcher that answers every URL with ``document``."""
    return lambda url: document


def jwt_with(header: str, payload: str, key: Multikey) -> str:
    """A compact JWS over exactly these header and payload texts, signed by ``key``."""
    signing_input = f"{b64url_encode(header.encode())}.{b64url_encode(payload.encode())}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


# --- duplicate names (finding 2.2) --------------------------------------------------------


def with_duplicate(text: str, name: str, value: Any) -> str:
    """``text`` (a JSON object) with ``name`` written once more, first, with ``value``."""
    return "{" + f"{json.dumps(name)}: {json.dumps(value)}, " + text.lstrip()[1:]


def test_a_repeated_name_is_refused_not_read_last_wins(signed_license: dict[str, Any]) -> None:
    # RFC 7493 §2.3: "Objects in I-JSON messages MUST NOT have members with duplicate
    # names." Python's json keeps the last value, other readers the first: the verifier
    # and whoever relies on its verdict must read the same document.
    text = json.dumps(signed_license)
    assert verify(text, at=NOW).verified
    twice = with_duplicate(text, "validUntil", "2020-01-01T00:00:00Z")
    message = parse_message(verify(twice, at=NOW))
    assert message.startswith("duplicate member name 'validUntil'")


def test_a_repeated_name_deep_inside_is_refused(signed_license: dict[str, Any]) -> None:
    text = json.dumps(signed_license).replace(
        '"credentialSubject": {', '"credentialSubject": {"id": "did:example:other", ', 1
    )
    assert "duplicate member name 'id'" in parse_message(verify(text, at=NOW))


def test_a_repeated_name_in_a_jwt_header_or_payload_is_refused(
    signed_license: dict[str, Any], issuer_key: Multikey
) -> None:
    # RFC 7515 §4 / RFC 7519 §4: parsers "MUST either reject JWTs with duplicate Claim
    # Names or use a JSON parser that returns only the lexically last duplicate member
    # name" — openler rejects.
    payload = json.dumps(signed_license)
    header = json.dumps({"alg": "EdDSA", "kid": issuer_key.id})
    assert verify(jwt_with(header, payload, issuer_key), at=NOW).checks[0].status == "passed"
    twice_header = with_duplicate(header, "alg", "none")
    message = parse_message(verify(jwt_with(twice_header, payload, issuer_key), at=NOW))
    assert message.startswith("JWT header is not acceptable JSON: duplicate member name 'alg'")
    twice_payload = with_duplicate(payload, "issuer", "did:example:someone-else")
    message = parse_message(verify(jwt_with(header, twice_payload, issuer_key), at=NOW))
    assert message.startswith("JWT payload is not acceptable JSON: duplicate member name")


@pytest.mark.parametrize("bake", [lambda t: bake_png(blank_png(), t), lambda t: bake_svg(SVG, t)])
def test_a_repeated_name_in_a_baked_badge_is_refused(
    signed_license: dict[str, Any], bake: Callable[[str], Any]
) -> None:
    text = with_duplicate(json.dumps(signed_license), "proof", {})
    baked = bake(text)
    assert "duplicate member name 'proof'" in parse_message(verify(baked, at=NOW))


def test_a_repeated_name_inside_an_embedded_credential_refuses_the_presentation(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    presentation = sign_presentation(
        build_presentation([signed_license], holder=holder_key.controller),
        holder_key,
        challenge="c",
        created=NOW,
    )
    text = json.dumps(presentation).replace(
        '"validUntil":', '"validUntil": "2099-01-01", "validUntil":'
    )
    assert "duplicate member name 'validUntil'" in parse_message(verify(text, at=NOW))


# --- unpaired surrogates (finding 2.3) -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update({"name": "Nurse \ud800"}), "the string at name"),
        (lambda d: d["credentialSubject"].update({"x\udfff": 1}), "object at credentialSubject"),
        (lambda d: d["@context"].append("https://x.example/\ud800"), "the string at @context[2]"),
        (lambda d: d["@context"].append({"@language": "\ud800"}), "@context[2].@language"),
        (lambda d: d["proof"].update({"proofValue": "z\ud800"}), "the string at proof.proofValue"),
    ],
)
def test_a_lone_surrogate_anywhere_is_a_parse_failure(
    signed_license: dict[str, Any], change: Callable[[dict[str, Any]], None], where: str
) -> None:
    # RFC 7493 §2.1: strings "MUST NOT include code points that identify Surrogates";
    # RFC 8259 §8.2 calls such strings unpredictable. No canonical form (UTF-8) exists.
    doc = copy.deepcopy(signed_license)
    change(doc)
    as_mapping = parse_message(verify(doc, at=NOW))
    as_text = parse_message(verify(json.dumps(doc), at=NOW))  # escaped: "\ud800"
    assert where in as_mapping and where in as_text and "unpaired surrogate" in as_text
    raw = parse_message(verify(json.dumps(doc, ensure_ascii=False), at=NOW))  # the code point
    assert "unpaired surrogate (U+D" in raw


def test_a_lone_surrogate_in_a_jwt_is_a_parse_failure(
    signed_license: dict[str, Any], issuer_key: Multikey
) -> None:
    header = json.dumps({"alg": "EdDSA", "kid": issuer_key.id})
    payload = json.dumps({**signed_license, "name": "\ud800"})
    message = parse_message(verify(jwt_with(header, payload, issuer_key), at=NOW))
    assert message.startswith("JWT payload is not acceptable JSON: the string at name")
    odd_header = json.dumps({"alg": "EdDSA", "kid": "\udc00"})
    message = parse_message(verify(jwt_with(odd_header, payload, issuer_key), at=NOW))
    assert message.startswith("JWT header is not acceptable JSON: the string at kid")


# --- nesting, on every input path (finding 2.3) -------------------------------------------------


def nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_a_jwt_payload_nested_a_thousand_deep_is_a_parse_failure(issuer_key: Multikey) -> None:
    header = json.dumps({"alg": "EdDSA", "kid": issuer_key.id})
    for payload in ('{"vc": ' + "[" * 1000 + "]" * 1000 + "}", json.dumps({"a": nested(200)})):
        message = parse_message(verify(jwt_with(header, payload, issuer_key), at=NOW))
        assert (
            message == "JWT payload is not acceptable JSON: JSON is nested more than 64 levels deep"
        )


@pytest.mark.parametrize(
    "wrap",
    [
        lambda text: text,
        lambda text: text.encode(),
        lambda text: bake_png(blank_png(), text),
        lambda text: bake_svg(SVG, text),
        lambda text: json.loads(text) if text.count("[") < 500 else text,
    ],
)
def test_nesting_over_64_levels_fails_on_every_path(wrap: Callable[[str], Any]) -> None:
    for depth in (65, 1000):
        text = '{"credentialSubject": ' + "[" * depth + "]" * depth + "}"
        assert "nested more than 64 levels deep" in parse_message(verify(wrap(text), at=NOW))


def test_fetched_documents_are_held_to_the_same_limits() -> None:
    for document, message in [
        ({"id": "https://issuer.example", "deep": nested(100)}, "nested more than 64"),
        ({"id": "https://issuer.example", "name": "\ud800"}, "unpaired surrogate"),
        ({"id": "https://issuer.example", "n": float("nan")}, "not finite"),
    ]:
        resolver = Resolver(serving(document))
        with pytest.raises(ResolutionError, match=message):
            resolver.document("https://issuer.example")


def test_a_fetcher_bug_is_not_turned_into_a_verdict() -> None:
    # A fetcher reports what it cannot supply with ResolutionError, a network failure with
    # OSError; anything else is a bug in the fetcher and must surface.
    def broken(url: str) -> Any:
        raise ValueError("a bug in the fetcher")

    def offline(url: str) -> Any:
        raise ConnectionRefusedError("refused")

    with pytest.raises(ValueError, match="a bug in the fetcher"):
        Resolver(broken).document("https://issuer.example")
    with pytest.raises(ResolutionError, match=r"could not fetch https://issuer\.example: refused"):
        Resolver(offline).document("https://issuer.example")


# --- previousProof (finding 2.3) ----------------------------------------------------------------


@pytest.mark.parametrize("previous", [{"id": "x"}, [{"id": "x"}], [["x"]], 5, True, [None]])
def test_a_previous_proof_that_is_not_strings_is_a_proof_failure(
    signed_license: dict[str, Any], previous: Any
) -> None:
    # VC Data Integrity 1.0 §2.1: previousProof is "An OPTIONAL string value or unordered
    # list of string values."
    doc = copy.deepcopy(signed_license)
    doc["proof"]["previousProof"] = previous
    report = verify(doc, at=NOW)
    assert not report.verified
    proof, context = report.check("proof"), report.check("context")
    assert proof is not None and context is not None
    # a proof failure, or (``[null]`` is not the compact form the contexts define: null is
    # "no value" in JSON-LD) the document refused before its proof is read
    assert proof.status == "failed" or (context.status == "failed" and proof.status == "skipped")


def test_previous_proof_as_a_string_or_strings_is_still_checked(
    signed_license: dict[str, Any],
) -> None:
    for previous in ("urn:uuid:missing", ["urn:uuid:missing"]):
        doc = copy.deepcopy(signed_license)
        doc["proof"]["previousProof"] = previous
        assert "is not among the document's proofs" in failed(verify(doc, at=NOW), "proof")


# --- inline contexts and language tags (finding 2.3) ---------------------------------------------


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("not a tag!", "language tag 'not a tag!' is not a well-formed BCP 47 tag"),
        ("en_US", "language tag 'en_us' is not a well-formed BCP 47 tag"),
        (5, '"@language" in a @context must be a string or null'),
        ({}, '"@language" in a @context must be a string or null'),
        (None, 'sets "@language" to null where no default language is set'),
    ],
)
def test_an_inline_context_with_an_invalid_language_fails_the_context_check(
    signed_license: dict[str, Any], language: Any, message: str
) -> None:
    # JSON-LD 1.1 API §7.2 (Object to RDF Conversion): "If item has an @language entry
    # which is not well-formed, return null" — the value would vanish from what is signed.
    doc = copy.deepcopy(signed_license)
    doc["@context"].append({"@language": language})
    assert message in failed(verify(doc, at=NOW), "context")


def test_a_value_object_with_an_ill_formed_language_fails(signed_license: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed_license)
    doc["name"] = {"@value": "Registered Nurse", "@language": "en US"}
    assert "is not a well-formed BCP 47 tag" in failed(verify(doc, at=NOW), "context")


@pytest.mark.parametrize("iri", ["https://x.example/A B", "https://x.example/A\u00a0B"])
def test_an_iri_that_rdf_would_drop_is_refused_not_left_unsigned(
    signed_license: dict[str, Any], iri: str
) -> None:
    # pyld's conversion to RDF skips a triple whose IRI contains white space (its
    # absolute-IRI test is ``[^\s]*``), so such a type added after signing left the
    # signature valid: the JSON said one thing, the signature covered another.
    doc = copy.deepcopy(signed_license)
    doc["type"].append(iri)
    assert "is not a well-formed IRI" in failed(verify(doc, at=NOW), "context")
    doc = copy.deepcopy(signed_license)
    doc["credentialSubject"]["achievement"]["id"] = iri
    assert "is not a well-formed IRI" in failed(verify(doc, at=NOW), "context")


def test_a_processor_bug_surfaces_instead_of_becoming_a_verdict() -> None:
    # Only JSON-LD errors (pyld's JsonLdError) and openler's own become a ContextError;
    # a loader that fails for another reason is a bug, and it is not hidden.
    broken = "https://broken.example/v1"

    class BrokenLoader(DocumentLoader):
        def load(self, url: str) -> Any:
            if url == broken:
                raise RuntimeError("loader bug")
            return super().load(url)

    loader = BrokenLoader(fast=False)
    doc = {"@context": [broken], "type": "VerifiableCredential"}
    with pytest.raises(pyld.JsonLdError) as caught:
        vc_jsonld.expand(doc, loader)
    assert not isinstance(caught.value, ContextError)
    with pytest.raises(ContextError, match="unknown JSON-LD context"):
        vc_jsonld.expand({**doc, "@context": ["https://unknown.example/v1"]}, loader)


# --- huge inputs (finding 2.3) ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["9" * 1_000_000, "9" * 1_000_000 + ".5", "1e999999"])
def test_a_number_of_a_million_digits_is_refused_quickly(
    signed_license: dict[str, Any], number: str
) -> None:
    text = json.dumps(signed_license)[:-1] + f', "n": {number}}}'
    started = time.perf_counter()
    message = parse_message(verify(text, at=NOW))
    assert time.perf_counter() - started < 1.0
    assert "characters" in message or "beyond the range of an IEEE 754 double" in message


def test_long_strings_and_many_members_get_a_verdict(signed_license: dict[str, Any]) -> None:
    long_name = {**signed_license, "name": "n" * 3_000_000}
    assert failed(verify(json.dumps(long_name), at=NOW), "proof")
    many = {**signed_license, **{f"k{i}": i for i in range(20_000)}}
    assert "is not defined by the document's @context" in failed(
        verify(json.dumps(many), at=NOW), "context"
    )


def test_an_input_over_the_limit_is_refused_before_parsing() -> None:
    assert "the limit is 4 MB" in parse_message(verify(b"[" + b" " * (5 * 1024 * 1024), at=NOW))


def test_a_str_input_with_a_lone_surrogate_is_refused(signed_license: dict[str, Any]) -> None:
    text = json.dumps({**signed_license, "name": "\ud800"}, ensure_ascii=False)
    assert "unpaired surrogate (U+D800)" in parse_message(verify(text, at=NOW))


def test_signing_refuses_what_verification_would(issuer_key: Multikey) -> None:
    from openler.vc import InputError

    with pytest.raises(InputError, match="unpaired surrogate"):
        sign_credential({"@context": [], "name": "\ud800"}, issuer_key, created=NOW)


def test_resolvers_with_hostile_fetched_status_lists_answer(
    signed_license: dict[str, Any], issuer_key: Multikey
) -> None:
    from openler.vc import status_entry

    doc = copy.deepcopy(signed_license)
    del doc["proof"]
    doc["credentialStatus"] = status_entry(
        list_url="https://status.example/1", index=3, purpose="revocation"
    )
    signed = sign_credential(doc, issuer_key, created=NOW)
    for fetched in ({"deep": nested(80)}, {"a\ud800": 1}, {"encodedList": 5}):
        resolvers = Resolvers(serving(fetched))
        message = failed(verify(signed, at=NOW, resolvers=resolvers), "status")
        assert "status could not be checked" in message
