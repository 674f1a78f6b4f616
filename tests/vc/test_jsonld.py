"""Bundled contexts, the offline document loader and safe mode."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from openler.vc import DocumentLoader, UndefinedTermError, UnknownContextError, jsonld
from openler.vc.errors import ContextError
from tests.conftest import load_json, shared_path

CLR_URL = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_URL = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC2 = "https://www.w3.org/ns/credentials/v2"


EXAMPLES_URL = "https://www.w3.org/ns/credentials/examples/v2"
ED25519_2020_URL = "https://w3id.org/security/suites/ed25519-2020/v1"
# ../shared/standards has no copy of the examples context: the W3C suite's is compared below;
# nor of the Ed25519Signature2020 one: tests/interop/test_vcapi_ed25519.py compares it with
# the npm package's
STANDARD = {
    u: n
    for u, n in jsonld.BUNDLED.items()
    if u not in (jsonld.TRUST_CONTEXT, EXAMPLES_URL, ED25519_2020_URL)
}


@pytest.mark.parametrize(
    ("url", "name"), sorted((u, n) for u, n in STANDARD.items() if u != CLR_URL)
)
def test_bundled_context_equals_reference_copy(url: str, name: str) -> None:
    reference = load_json(shared_path("standards", "contexts", name))
    assert jsonld.bundled_context(url) == reference


def test_every_reference_context_is_bundled() -> None:
    folder = shared_path("standards", "contexts")
    assert {p.name for p in folder.iterdir()} == set(STANDARD.values())


def clr_sample() -> dict[str, Any]:
    return {
        "@context": [VC2, CLR_URL, OB_URL],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential", "ClrCredential"],
        "partial": True,
        "credentialSubject": {
            "id": "did:example:learner",
            "type": ["ClrSubject"],
            "association": [
                {
                    "type": "Association",
                    "associationType": "isChildOf",
                    "sourceId": "urn:uuid:a",
                    "targetId": "urn:uuid:b",
                }
            ],
            "achievement": [{"id": "urn:uuid:a", "type": ["Achievement"], "name": "A"}],
            "identifier": [{"type": "IdentityObject", "identityHash": "x", "hashed": False}],
            "verifiableCredential": [],
        },
    }


def test_clr_context_expands_exactly_as_the_official_copy() -> None:
    official = DocumentLoader(
        {CLR_URL: load_json(shared_path("standards", "contexts", "clr-v2p0-2.0.1.json"))}
    )
    doc = clr_sample()
    assert jsonld.expand(doc) == jsonld.expand(doc, official)
    assert jsonld.canonicalize(doc) == jsonld.canonicalize(doc, official)


def test_unknown_context_is_a_clear_error_naming_the_url(no_network: list[Any]) -> None:
    doc = {
        "@context": [VC2, "https://contexts.example/unknown.jsonld"],
        "type": "VerifiableCredential",
    }
    with pytest.raises(UnknownContextError, match=r"contexts\.example/unknown\.jsonld") as info:
        jsonld.canonicalize(doc)
    assert info.value.url == "https://contexts.example/unknown.jsonld"
    assert no_network == []


def test_no_network_is_attempted_for_any_operation(
    no_network: list[Any], signed_license: dict[str, Any]
) -> None:
    from openler.vc import verify
    from tests.conftest import NOW

    jsonld.canonicalize(signed_license)
    assert verify(signed_license, at=NOW).verified
    with pytest.raises(UnknownContextError):
        jsonld.expand({"@context": "https://www.w3.org/ns/odrl.jsonld", "a": 1})
    assert no_network == []


def test_undefined_term_is_an_error_not_dropped() -> None:
    doc = {"@context": [VC2], "type": ["VerifiableCredential"], "favouriteColour": "blue"}
    with pytest.raises(UndefinedTermError, match="favouriteColour"):
        jsonld.canonicalize(doc)


def test_undefined_type_is_an_error() -> None:
    doc = {"@context": [VC2], "type": ["VerifiableCredential", "MysteryCredential"]}
    with pytest.raises(UndefinedTermError, match="MysteryCredential"):
        jsonld.expand(doc)


def test_relative_identifier_is_refused() -> None:
    doc = {"@context": [VC2], "id": "not-absolute", "type": ["VerifiableCredential"]}
    with pytest.raises(ContextError, match="relative IRI reference 'not-absolute'"):
        jsonld.expand(doc)


def test_supplied_context_is_used_and_never_fetched(no_network: list[Any]) -> None:
    url = "https://extension.example/v1"
    loader = DocumentLoader(
        {url: {"@context": {"favouriteColour": "https://extension.example/colour"}}}
    )
    doc = {"@context": [VC2, url], "type": ["VerifiableCredential"], "favouriteColour": "blue"}
    assert "https://extension.example/colour" in jsonld.canonicalize(doc, loader)
    assert no_network == []


def test_issuer_dependent_terms_are_listed() -> None:
    loader = DocumentLoader(
        {"https://vocab.example": {"@context": {"@vocab": jsonld.ISSUER_DEPENDENT}}}
    )
    doc = {
        "@context": [VC2, "https://vocab.example"],
        "type": ["VerifiableCredential"],
        "shoeSize": 9,
    }
    assert jsonld.issuer_dependent_terms(jsonld.expand(doc, loader)) == ["shoeSize"]


def test_loader_hands_out_copies() -> None:
    first = DocumentLoader()(VC2)["document"]
    first["@context"]["tampered"] = True
    assert "tampered" not in json.dumps(DocumentLoader()(VC2)["document"])


def test_canonical_form_matches_pyld_reference(signed_license: dict[str, Any]) -> None:
    assert jsonld.canonicalize(signed_license) == jsonld.canonicalize_reference(signed_license)


def test_the_w3c_examples_context_is_bundled_as_published() -> None:
    # VC DM 2.0 §4.3: "The second URL (https://www.w3.org/ns/credentials/examples/v2) is used
    # for the purpose of demonstrating examples." The W3C suites send it; the W3C publishes
    # it (w3c/vc-data-model contexts/credentials/examples/v2) as one @vocab mapping.
    url = EXAMPLES_URL
    assert jsonld.bundled_context(url) == {
        "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
    }
    doc = {"@context": [VC2, url], "type": ["VerifiableCredential"], "alumniOf": "Example U"}
    expanded = jsonld.expand(doc)
    assert "https://www.w3.org/ns/credentials/examples#alumniOf" in expanded[0]


def test_the_examples_context_matches_the_w3c_suites_copy() -> None:
    # the VC Data Model 2.0 test suite serves this context from its own loader
    source = shared_path(
        "conformance", "w3c", "suites", "vc-data-model-2.0-test-suite", "tests", "data-generator.js"
    ).read_text("utf-8")
    block = source[source.index("credentials/examples/v2") :]
    vocab = re.search(r"'@vocab': '([^']+)'", block)
    assert vocab is not None
    bundled = jsonld.bundled_context(EXAMPLES_URL)
    assert bundled == {"@context": {"@vocab": vocab.group(1)}}
