"""Exports of the learner's record: the JSON bundle with a presentation the holder's key
signed (verified by openler's own verifier), the HR Open LER-RS résumé (checked against the
HR Open ``LER-RSType`` schema), the PDF, and the printed résumé's links, each of which opens a
verification of one credential. Nobody exports another person's record."""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

import jsonschema
import pytest
import referencing
from referencing.jsonschema import DRAFT4
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden
from openler.services.holders import exports, record, resume_pdf, sharing
from openler.services.people import accounts
from openler.services.people.accounts import Principal
from openler.services.verifiers.verifying import verify_document
from openler.store.models import AuditEvent, Person, ReceivedCredential, SelfReported
from tests.conftest import load_demo, load_json, shared_path


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


def who(session: Session, email: str) -> Principal:
    person = session.execute(select(Person).where(Person.email == email)).scalar_one()
    return accounts.principal_for(session, person)


def maria(session: Session) -> Principal:
    principal = who(session, "maria@demo.openler.org")
    session.add_all(
        [
            SelfReported(
                person_id=principal.person_id,
                kind="job",
                title="Charge nurse",
                organization="Mercy Health",
                started="2019-03",
                description="Led a night shift of six.",
            ),
            SelfReported(person_id=principal.person_id, kind="skill", title="Spanish"),
        ]
    )
    session.flush()
    return principal


def exported(session: Session) -> list[Any]:
    return [
        (e.action, e.data)
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "record.export"))
    ]


def test_the_bundle_holds_everything_and_a_presentation_her_key_signed(
    session: Session, platform: Any
) -> None:
    principal = maria(session)
    found = exports.bundle(session, platform, principal)
    names = {c["name"] for c in found["credentials"]}
    assert {"Registered Nurse", "IS-100.C: Introduction to the Incident Command System"} <= names
    nurse = next(c for c in found["credentials"] if c["name"] == "Registered Nurse")
    assert nurse["source"] == "issued" and nurse["state"]["state"] == "active"
    assert nurse["credential"]["proof"]
    fema = next(c for c in found["credentials"] if c["name"].startswith("IS-100.C"))
    assert [old["state"]["state"] for old in fema["history"]] == ["expired"]
    wrote = {s["title"]: s for s in found["selfReported"]}
    assert wrote["Charge nurse"]["selfReported"] is True
    assert wrote["Charge nurse"]["organization"] == "Mercy Health"
    presentation = found["presentation"]
    assert presentation is not None, found["presentationNote"]
    proof = presentation["proof"]
    report = verify_document(
        session,
        platform,
        presentation,
        challenge=proof["challenge"],
        domain=proof["domain"],
        require_holder_binding=True,
    )
    assert report.verified, report.summary
    holder = report.check("holder")
    assert holder is not None and holder.status == "passed"
    # the presentation is made for its challenge: another challenge does not verify
    other = verify_document(
        session, platform, presentation, challenge="another", domain=proof["domain"]
    )
    assert not other.verified
    assert exported(session) == [("record.export", {"format": "json"})]
    json.dumps(found)  # it is JSON through and through


def test_a_person_without_a_wallet_key_gets_the_bundle_and_a_note(
    session: Session, platform: Any
) -> None:
    person = accounts.create_person(
        session,
        platform,
        name="Noor Haddad",
        email="noor@example.org",
        password=None,
        actor=Principal.system("test"),
    )
    session.flush()
    found = exports.bundle(session, platform, accounts.principal_for(session, person))
    assert found["presentation"] is None
    assert "no wallet key" in found["presentationNote"]
    assert found["credentials"] == [] and found["person"]["name"] == "Noor Haddad"


def _ler_rs_validator() -> jsonschema.Draft4Validator:
    """The HR Open ``LER-RSType`` schema; the types it names in other files of the HR Open
    catalogue (not among the reference copies) are taken as they come."""
    schema = load_json(shared_path("standards", "schemas", "hropen-LER-RSType.json"))

    def retrieve(uri: str) -> referencing.Resource[Any]:
        return referencing.Resource.from_contents({}, default_specification=DRAFT4)

    registry: referencing.Registry[Any] = referencing.Registry(retrieve=retrieve)  # type: ignore[call-arg]
    return jsonschema.Draft4Validator(schema, registry=registry)


def test_the_ler_rs_resume_is_an_ler_rs_type_with_her_credentials_as_verifications(
    session: Session, platform: Any
) -> None:
    principal = maria(session)
    document = exports.ler_rs(session, platform, principal)
    errors = sorted(str(e.message) for e in _ler_rs_validator().iter_errors(document))
    assert errors == []
    assert document["type"] == exports.LER_RS_TYPE
    assert document["person"]["name"]["formattedName"] == "Maria Alvarez"
    assert document["communication"]["email"] == [{"address": "maria@demo.openler.org"}]
    (licence,) = [item for item in document["licenses"] if item["name"] == "Registered Nurse"]
    assert licence["issuingAuthority"] == {"name": "Ohio Board of Nursing"}
    assert licence["status"] == "Active"
    (attached,) = licence["verifications"]
    assert attached["credentialSubject"]["achievement"]["name"] == "Registered Nurse"
    assert verify_document(session, platform, attached).verified
    courses = {item["name"] for item in document["certifications"]}
    assert "IS-100.C: Introduction to the Incident Command System" in courses
    (job,) = document["employmentHistories"]
    assert job["organization"] == {"name": "Mercy Health"}
    assert job["positionHistories"][0]["title"] == "Charge nurse"
    assert job["positionHistories"][0]["current"] is True
    assert "verifications" not in job  # what she wrote herself is not offered as verified
    assert {"name": "Spanish"} in document["skills"]
    # what the licence aligns to (O*NET's Registered Nurses) is a skill it proves
    (aligned,) = [s for s in document["skills"] if s["name"] == "Registered Nurses"]
    assert aligned["verifications"] == licence["verifications"]
    # the examples HR Open published have the same shape: each verification a whole VC
    example = load_json(
        shared_path(
            "standards", "schemas", "hropen-ler-rs-examples", "LER-RS_V2_UC008_portability.json"
        )
    )
    theirs = example["credentialSubject"]["certifications"][0]["verifications"][0]
    assert {"@context", "type", "issuer", "credentialSubject", "proof"} <= set(theirs)
    assert {"@context", "type", "issuer", "credentialSubject", "proof"} <= set(attached)


def test_a_wrong_type_fails_the_schema(session: Session, platform: Any) -> None:
    """The schema check can fail: the same document with an older type does not pass."""
    document = exports.ler_rs(session, platform, maria(session))
    document["type"] = (
        "http://schema.hropenstandards.org/4.3/recruiting/json/ler-rs/LER-RSType.json"
    )
    document["licenses"] = []
    messages = [e.message for e in _ler_rs_validator().iter_errors(document)]
    assert len(messages) == 2


def _pdf_text(pdf: bytes) -> str:
    """The PDF's metadata and uncompressed streams, as text (enough to find its title)."""
    parts = [pdf.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(parts)


def test_the_pdf_carries_her_name_and_a_qr_code_per_linked_credential(
    session: Session, platform: Any
) -> None:
    principal = maria(session)
    made = exports.print_links(session, platform, principal)
    shown = exports.printed(session, platform, principal, kind="pdf", links=made)
    pdf = resume_pdf.render(shown)
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert resume_pdf.title_of(shown) == "Résumé of Maria Alvarez"
    assert "Maria Alvarez" in bytes.fromhex(
        re.search(r"/Title <([0-9A-Fa-f]+)>", text).group(1)  # type: ignore[union-attr]
    ).decode("utf-16")
    linked = [line for _, lines in shown.groups for line in lines if line.link]
    assert linked and text.count("/Subtype /Image") == len(linked)


def test_a_name_outside_latin_1_prints(session: Session, platform: Any) -> None:
    person = accounts.create_person(
        session,
        platform,
        name="Nguyễn Thị Ánh Łukasiewicz",
        email="anh@example.org",
        password=None,
        actor=Principal.system("test"),
    )
    session.flush()
    principal = accounts.principal_for(session, person)
    pdf = resume_pdf.render(exports.printed(session, platform, principal, kind="pdf"))
    assert pdf.startswith(b"%PDF-")


def test_each_printed_link_verifies_that_credential_alone(session: Session, platform: Any) -> None:
    principal = maria(session)
    made = exports.print_links(session, platform, principal)
    entries = {e.ref: e for e in record.record_of(session, platform, principal).entries}
    assert made.tokens and made.until == "2027-" + made.until[5:]
    for ref, link in made.links(platform).items():
        token = link.rsplit("/s/", 1)[1]
        view = sharing.view_share(
            session, platform, token, viewer="anonymous", principal=Principal.system("share link")
        )
        assert view.report.verified, view.report.summary
        assert sharing.credential_ids(view.presentation) == [entries[ref].row.id]
        assert view.share.audience == exports.PRINTED_AUDIENCE
    # credentials from elsewhere and revoked ones get none
    assert all(entries[ref].source == "issued" for ref in made.tokens)
    assert all(entries[ref].state.code != "revoked" for ref in made.tokens)


@pytest.mark.parametrize("export", ["bundle", "ler_rs", "print_links"])
def test_nobody_exports_anothers_record(session: Session, platform: Any, export: str) -> None:
    james = who(session, "james@demo.openler.org")
    as_maria_by_james = Principal(
        who(session, "maria@demo.openler.org").person_id,
        james.name,
        james.email,
        token_scope=("x", "y"),
    )
    with pytest.raises(Forbidden):
        getattr(exports, export)(session, platform, as_maria_by_james)
    with pytest.raises(Forbidden):
        getattr(exports, export)(session, platform, Principal.system("test"))
    assert exported(session) == []


def test_an_imported_credential_that_did_not_verify_is_marked_and_not_offered_as_proof(
    session: Session, platform: Any
) -> None:
    principal = maria(session)
    session.add(
        ReceivedCredential(
            person_id=principal.person_id, issuer="did:example:elsewhere",
            issuer_name="Elsewhere College", credential_issuer="https://elsewhere.example",
            format="ldp_vc", name="Welding Basics", source="import", verified=False,
            verification_note="the proof does not match the document",
            document={
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {"id": "did:example:elsewhere", "name": "Elsewhere College"},
                "credentialSubject": {"achievement": {"name": "Welding Basics",
                                                      "achievementType": "Certification"}},
            },
        )
    )  # fmt: skip
    session.flush()
    found = exports.bundle(session, platform, principal)
    (welding,) = [c for c in found["credentials"] if c["name"] == "Welding Basics"]
    assert welding["source"] == "imported"
    assert welding["verifiedWhenImported"] is False
    assert welding["verificationNote"] == "the proof does not match the document"
    assert welding["state"]["state"] == "unverified"
    proof = found["presentation"]
    assert "Welding Basics" not in json.dumps(proof)  # not bound to her key, not presented
    document = exports.ler_rs(session, platform, principal)
    (listed,) = [c for c in document["certifications"] if c["name"] == "Welding Basics"]
    assert "verifications" not in listed and listed["status"] == "Does not verify"


def test_each_person_exports_only_their_own(session: Session, platform: Any) -> None:
    marias = exports.bundle(session, platform, maria(session))
    luis = who(session, "luis@demo.openler.org")
    his = exports.bundle(session, platform, luis)
    assert his["person"]["email"] == "luis@demo.openler.org"
    mine = {json.dumps(c["credential"], sort_keys=True) for c in marias["credentials"]}
    theirs = {json.dumps(c["credential"], sort_keys=True) for c in his["credentials"]}
    assert mine and theirs and not mine & theirs
    assert his["selfReported"] == []  # Maria's entries are hers
