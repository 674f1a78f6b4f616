"""The compact-form rule (``vc.compactform``): what it accepts, what it refuses, and the
reading view that merges a node written in two places."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from openler.vc import (
    ContextError,
    Multikey,
    NotCompactError,
    compactform,
    jsonld,
    sign_credential,
    verify,
)
from openler.vc.credentials import build_presentation
from openler.vc.statuslist import status_entry
from openler.vc.verify import Resolvers
from tests.conftest import EXAMPLES_CONTEXT, EXAMPLES_CONTEXT_URL, NOW, shared_path
from tests.vc.test_models import clr_sample
from tests.vc.test_statuslist import LIST_URL, Board

V2 = "https://www.w3.org/ns/credentials/v2"


def minimal(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2],
        "id": "urn:uuid:c-1",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Ana"},
    }
    return doc | changes


def read(doc: dict[str, Any]) -> None:
    jsonld.check(doc)
    compactform.reading_view(doc)


def refusal(doc: dict[str, Any], loader: jsonld.DocumentLoader | None = None) -> str:
    jsonld.check(doc, loader)  # the rule applies to documents that pass safe mode
    with pytest.raises(NotCompactError) as caught:
        compactform.reading_view(doc, loader)
    return caught.value.message


@pytest.mark.parametrize(
    "doc",
    [
        minimal(),
        # VC Data Model 2.0 §6 ("All other properties … either a single value or an array"):
        # arrays of one and single values are both compact
        minimal(type="VerifiableCredential", credentialSubject=[{"id": "did:example:s"}]),
        # §4.7: issuer is "a URL or an object containing an id property"
        minimal(issuer={"id": "did:example:issuer"}),
        # §11.1: language value objects are how a language is written
        minimal(name={"@value": "Licencia", "@language": "es"}),
        minimal(
            description=[
                {"@value": "License", "@language": "en"},
                {"@value": "Licence", "@language": "en-GB", "@direction": "ltr"},
            ]
        ),
        # §4.3: "Subsequent items … any combination of URLs and/or objects"
        minimal(
            **{
                "@context": [V2, {"ExampleCredential": "https://example.org/#ExampleCredential"}],
                "type": ["VerifiableCredential", "ExampleCredential"],
            }
        ),
        # JSON-LD: null and [] are "no value"
        minimal(credentialStatus=None, evidence=[]),
        clr_sample() | {"issuer": {"id": "did:example:office", "type": ["Profile"]}},
    ],
    ids=lambda d: json.dumps(d)[:60],
)
def test_compact_documents_are_accepted(doc: dict[str, Any]) -> None:
    jsonld.check(doc)
    assert compactform.reading_view(doc) is doc  # nothing to merge: read as sent


def test_the_suites_inputs_in_compact_form_are_accepted() -> None:
    """The W3C VC Data Model 2.0 suite's valid inputs (with inline contexts, examples
    context, presentations) are all in compact form."""
    loader = jsonld.DocumentLoader({EXAMPLES_CONTEXT_URL: EXAMPLES_CONTEXT})
    folder = shared_path("conformance", "w3c", "suites", "vc-data-model-2.0-test-suite", "tests")
    checked = 0
    for path in sorted((folder / "input").glob("*-ok.json")):
        doc = json.loads(path.read_text("utf-8"))
        try:
            jsonld.check(doc, loader)
        except ContextError:
            continue  # refused earlier, for its own reason
        compactform.reading_view(doc, loader)
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update({"https://www.w3.org/2018/credentials#validUntil": "x"}),
            "",  # refused by safe mode or compact form: either way never read as validUntil
        ),
        (
            lambda d: d["credentialSubject"].update({"@id": d["credentialSubject"].pop("id")}),
            "at credentialSubject: '@id' is written where the contexts write 'id'",
        ),
        (
            lambda d: d.update({"@type": d.pop("type")}),
            "'@type' is written where the contexts write 'type'",
        ),
        (
            lambda d: d.update(
                validFrom={
                    "@value": d["validFrom"],
                    "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
                }
            ),
            "at validFrom: a @value object is written where the contexts define a plain value",
        ),
        (
            lambda d: d.update(credentialSubject={"@set": [d["credentialSubject"]]}),
            "at credentialSubject:",
        ),
        (
            lambda d: d.update({"@included": [{"id": d["id"], "name": "x"}]}),
            "'@included' moves statements to another node",
        ),
        (
            lambda d: d["credentialSubject"].update({"@index": "i"}),
            "at credentialSubject: '@index' moves statements",
        ),
        (
            lambda d: d.update({"@reverse": {"https://example.org/p": {"id": "urn:x"}}}),
            "'@reverse' moves statements",
        ),
        (
            lambda d: d.update(id="_:b0"),
            "blank node label '_:b0'",
        ),
        (
            lambda d: d.update(
                credentialSubject={"@context": [V2], "@id": d["credentialSubject"]["id"]}
            ),
            "in credentialSubject: '@id' is written where the contexts write 'id'",
        ),
        (
            lambda d: d.update(
                {
                    "@context": [
                        V2,
                        {"until": {"@id": "https://www.w3.org/2018/credentials#validUntil"}},
                    ]
                }
            ),
            "the inline context's 'until' gives https://www.w3.org/2018/credentials#validUntil "
            "a second name; the contexts call it 'validUntil'",
        ),
        (
            lambda d: d.update({"@context": [V2, {"wrapper": "@nest"}]}),
            "the inline context's 'wrapper' aliases the keyword @nest",
        ),
        (
            lambda d: d.update({"@context": [V2, {"ident": "@id"}]}),
            "the inline context's 'ident' aliases the keyword @id",
        ),
        (
            lambda d: d.update({"@context": [V2, {"@vocab": "https://example.org/"}]}),
            "an inline context sets @vocab; only bundled contexts may",
        ),
        (
            lambda d: d.update({"@context": [V2, {"@base": "https://example.org/"}]}),
            "an inline context sets @base",
        ),
        (
            lambda d: d.update(
                {"@context": [V2, {"knows": {"@reverse": "https://example.org/knows"}}]}
            ),
            "the inline context's 'knows' uses @reverse",
        ),
        (
            lambda d: d.update(
                {
                    "@context": [
                        V2,
                        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                        {"ClrSubject": "https://example.org/kind"},
                    ]
                }
            ),
            "the inline context's 'ClrSubject' redefines a term of the bundled contexts",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_other_spellings_are_refused_saying_what_and_where(change: Any, message: str) -> None:
    doc = minimal()
    change(doc)
    if message == "":  # safe mode or compact form: either way it is never read as written
        with pytest.raises(ContextError):
            read(doc)
        return
    found = refusal(doc)
    assert message in found, found


def test_a_context_inside_a_node_is_its_own_document() -> None:
    """An embedded credential carries its own @context (VC DM 2.0 §4.13: presentations
    embed credentials): it is checked as a document with that context, and compact there."""
    key = Multikey.from_seed(b"\x05" * 32)
    credential = sign_credential(minimal(issuer=key.controller), key, created=NOW)
    vp = build_presentation([credential], holder="did:example:h")
    jsonld.check(vp)
    assert compactform.reading_view(vp) is vp
    vp["verifiableCredential"][0]["credentialSubject"]["@id"] = vp["verifiableCredential"][0][
        "credentialSubject"
    ].pop("id")
    assert refusal(vp).startswith("in verifiableCredential[0]: at credentialSubject: '@id'")


def test_a_shape_is_checked_with_pyld_once() -> None:
    loader = jsonld.DocumentLoader()
    forms = compactform.forms_for(loader)
    for n in range(5):
        compactform.reading_view(minimal(id=f"urn:uuid:{n}", issuer=f"did:example:{n}"), loader)
    assert forms.checked == 1  # one shape, many documents
    compactform.reading_view(minimal(name="x"), loader)
    assert forms.checked == 2


# -- the reading view: a node written in two places of one graph ---------------------------


def test_a_credential_written_in_two_places_is_read_as_one() -> None:
    """JSON-LD merges node objects with the same id. An Open Badges endorsement of the
    credential itself (its subject is the credential's id, in the same graph) lets a holder
    move the credential's credentialStatus there: the RDF, and the rdfc proof, are
    unchanged, and the status must still be found and checked."""
    issuer, endorser = Multikey.from_seed(b"\x01" * 32), Multikey.from_seed(b"\x04" * 32)
    board = Board(issuer)
    board.set(LIST_URL, 3, 1)  # revoked
    doc = clr_sample()["credentialSubject"]["verifiableCredential"][0]
    doc["issuer"] = {"id": issuer.controller, "type": ["Profile"], "name": "Board"}
    doc["credentialStatus"] = status_entry(list_url=LIST_URL, index=3, purpose="revocation")
    endorsement = sign_credential(
        {
            "@context": doc["@context"],
            "id": "urn:uuid:endorsement",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": {"type": ["Profile"], "name": "Council"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": doc["id"],
                "type": ["EndorsementSubject"],
                "endorsementComment": "A fine credential.",
            },
        },
        endorser,
        created=NOW,
    )
    doc["endorsement"] = [endorsement]
    signed = sign_credential(doc, issuer, created=NOW)
    resolvers = Resolvers(board.fetch)
    assert verify(signed, at=NOW, resolvers=resolvers).check("status").status == "failed"  # type: ignore[union-attr]
    moved = copy.deepcopy(signed)
    subject = moved["endorsement"][0]["credentialSubject"]
    # the credential is a VerifiableCredential in its graph already: saying so again here
    # adds nothing to the RDF, and makes "credentialStatus" a term in this node
    subject["type"] = ["EndorsementSubject", "VerifiableCredential"]
    subject["credentialStatus"] = moved.pop("credentialStatus")
    assert jsonld.canonicalize_slow(moved) == jsonld.canonicalize_slow(signed)  # same RDF
    report = verify(moved, at=NOW, resolvers=resolvers)
    assert report.check("proof").status == "passed"  # type: ignore[union-attr]
    status = report.check("status")
    assert status is not None and status.status == "failed" and "Revoked" in status.message
    assert not report.verified
    view = compactform.reading_view(moved)
    assert view["credentialStatus"] == signed["credentialStatus"]
    assert "EndorsementSubject" in view["type"]  # what the graph says about the credential


def test_an_embedded_context_document_is_read_as_its_contexts() -> None:
    """JSON-LD processors accept an inline context written as a context document
    (``{"@context": {…}}``), as the W3C vc-di-eddsa suite's VC 1.1 vectors do; its terms are
    judged like those of any inline context."""
    doc = minimal(
        **{
            "@context": [V2, {"@context": {"alumniOf": "https://www.example.org/alumniOf"}}],
            "credentialSubject": {"id": "did:example:s", "alumniOf": "The School"},
        }
    )
    read(doc)
    aliased = {"@context": {"until": "https://www.w3.org/2018/credentials#validUntil"}}
    assert "gives https://www.w3.org/2018/credentials#validUntil a second name" in refusal(
        minimal(**{"@context": [V2, aliased]})
    )
