"""Importing what a person has from elsewhere: each kind of file a real signed input, each
verified and labelled; duplicates in another spelling recognised; what does not verify
kept and marked; what is not a credential refused with nothing stored; nobody else's."""

from __future__ import annotations

import base64
import copy
import json
import struct
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openler.services.errors import Forbidden, NotFound
from openler.services.holders import imports, record
from openler.services.holders.imports import Upload
from openler.services.issuers import stacking, transcripts
from openler.services.issuers.stacking import Rule
from openler.services.people import accounts
from openler.store.models import AuditEvent, ReceivedCredential
from openler.vc import Multikey, add_proof, bake_png, bake_svg, encode_jwt_credential, jose
from openler.vc.baking import blank_png
from tests.conftest import DATA, NOW, load_demo, load_json, shared_path
from tests.services.issuing_world import add_courses, ohio, person, who

MARIA = "maria@demo.openler.org"
JAMES = "james@demo.openler.org"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.fixture
def session(platform: Any) -> Any:
    with platform.db.session() as s:
        load_demo(s, platform)
        yield s


@pytest.fixture
def maria(session: Session) -> accounts.Principal:
    return who(session, MARIA)


def bring(session: Session, platform: Any, principal: Any, *files: tuple[str, bytes | str]) -> Any:
    uploads = [
        Upload(name, data.encode() if isinstance(data, str) else data) for name, data in files
    ]
    return imports.import_files(session, platform, principal, uploads)


def held(session: Session, principal: Any) -> list[ReceivedCredential]:
    return record.held_rows(session, str(principal.person_id))


def outcomes(report: Any) -> list[str]:
    return [r.outcome for r in report.rows]


def the_row(session: Session, ref: str) -> ReceivedCredential:
    row = session.get(ReceivedCredential, ref.removeprefix("held:"))
    assert row is not None
    return row


# -- each kind, verified --------------------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_a_data_integrity_credential_is_kept_verified(
    session: Session, platform: Any, maria: Any, license_template: dict[str, Any], suite: Any
) -> None:
    key = Multikey.from_seed(bytes([7]) * 32)
    document = copy.deepcopy(license_template)
    document["issuer"]["id"] = key.controller
    signed = add_proof(document, key, cryptosuite=suite, created=NOW)
    report = bring(session, platform, maria, ("licence.json", json.dumps(signed)))
    [row] = report.rows
    assert (row.outcome, row.name) == ("kept", "Registered Nurse")
    assert row.message == (
        "Verified: signed by Ohio Board of Nursing; its issuer is not on this platform's "
        "list of trusted issuers"  # a name it gives itself, from a key the registry lacks
    )
    stored = the_row(session, str(row.ref))
    assert (stored.source, stored.verified, stored.format) == ("import", True, "ldp_vc")
    assert stored.issuer == stored.credential_issuer == key.controller
    assert stored.issuer_name == "Ohio Board of Nursing"
    assert stored.digest == record.digest_of(signed)
    # the record shows it as imported, and what this platform makes of its issuer
    entry = record.entry(session, platform, maria, str(row.ref))
    assert (entry.source, entry.state.code) == ("imported", "issuer-not-trusted")


def test_an_ed25519signature2020_credential_from_an_older_issuer_verifies(
    session: Session, platform: Any, maria: Any
) -> None:
    signed = load_json(DATA / "imports" / "dcc-ed25519-2020.json")
    assert signed["proof"]["type"] == "Ed25519Signature2020"
    [row] = bring(session, platform, maria, ("welding.json", json.dumps(signed))).rows
    assert (row.outcome, row.name) == ("kept", "Welding Safety Certificate")
    assert row.message.startswith("Verified: signed by Example Community College")


def test_the_w3c_ed25519signature2020_vector_is_kept_but_does_not_verify(
    session: Session, platform: Any, maria: Any
) -> None:
    """Its proof is good, but its key is not its issuer's: kept, marked, not verified."""
    vector = shared_path("standards", "vectors", "Ed25519Signature2020", "signedEdSig.json")
    [row] = bring(session, platform, maria, ("alumni.json", vector.read_bytes())).rows
    assert row.outcome == "not-verified"
    assert row.message.startswith("Did not verify: it is not signed by the issuer it names")
    stored = the_row(session, str(row.ref))
    assert stored.verified is False
    assert stored.issuer_name == "https://vc.example/issuers/5678"  # it names no other
    assert record.entry(session, platform, maria, str(row.ref)).state.code == "unverified"


def test_a_jwt_credential_is_kept_with_its_token(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any], issuer_key: Any
) -> None:
    unsigned = {k: v for k, v in signed_license.items() if k != "proof"}
    token = encode_jwt_credential(unsigned, issuer_key, at=NOW)
    [row] = bring(session, platform, maria, ("licence.jwt", token + "\n")).rows
    assert row.outcome == "kept", row.message
    stored = the_row(session, str(row.ref))
    assert (stored.format, stored.jwt, stored.document["id"]) == (
        "jwt_vc_json",
        token,
        unsigned["id"],
    )
    assert record.entry(session, platform, maria, str(row.ref)).verified_when_added


def test_a_vc_2_jwt_and_a_jwt_naming_its_issuer_by_iss(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any], issuer_key: Any
) -> None:
    """VC-JOSE: a VC 2.0 credential as the JWT payload verifies; a ``vc`` claim that leaves
    its issuer to ``iss`` is named by it (and does not verify without one of its own)."""
    unsigned = {k: v for k, v in signed_license.items() if k != "proof"}
    payload_form = jose.encode(unsigned | {"id": "urn:uuid:vc2-jwt"}, issuer_key)
    claim = {k: v for k, v in unsigned.items() if k != "issuer"} | {"id": "urn:uuid:v11"}
    claim_form = jose.encode({"iss": issuer_key.controller, "vc": claim}, issuer_key, typ="JWT")
    report = bring(session, platform, maria, ("a.jwt", payload_form), ("b.jwt", claim_form))
    first, second = report.rows
    assert first.outcome == "kept", first.message
    assert the_row(session, str(first.ref)).jwt == payload_form
    stored = the_row(session, str(second.ref))
    assert stored.issuer == stored.issuer_name == issuer_key.controller


def test_baked_png_and_svg_badges_keep_their_images(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any], issuer_key: Any
) -> None:
    png = bake_png(blank_png(4, 4), json.dumps(signed_license))
    other = add_proof(
        {k: v for k, v in signed_license.items() if k != "proof"} | {"id": "urn:uuid:svg-1"},
        issuer_key,
        created=NOW,
    )
    svg = bake_svg(SVG, json.dumps(other)).encode()
    report = bring(session, platform, maria, ("badge.png", png), ("badge.svg", svg))
    assert outcomes(report) == ["kept", "kept"]
    first, second = (the_row(session, str(r.ref)) for r in report.rows)
    assert (first.original, first.original_type) == (png, "image/png")
    assert (second.original, second.original_type) == (svg, "image/svg+xml")


def test_a_presentation_brings_each_of_its_credentials(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any]
) -> None:
    welding = load_json(DATA / "imports" / "dcc-ed25519-2020.json")
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [signed_license, welding],
    }
    report = bring(session, platform, maria, ("vp.json", json.dumps(presentation)))
    assert outcomes(report) == ["kept", "kept"]
    assert [r.source for r in report.rows] == ["vp.json, credential 1", "vp.json, credential 2"]


@pytest.fixture
def transcript(session: Session, platform: Any) -> Any:
    """A CLR issued here to James, of two courses and the award they stack into."""
    courses = add_courses(session, platform)
    olivia, board = who(session, "olivia@demo.openler.org"), ohio(session)
    stacking.set_rule(
        session, platform, olivia, board, courses["practical-nurse"],
        Rule(("fundamentals", "pharmacology"), 2),
    )  # fmt: skip
    james = person(session, JAMES)
    from openler.services.issuers import issuing

    first = None
    for slug in ("fundamentals", "pharmacology"):
        row = issuing.issue(session, platform, olivia, board, courses[slug], recipient=james)
        stacking.after_issue(session, platform, row)
        first = first or row
    assert first is not None
    return transcripts.issue_transcript(session, platform, olivia, board, first.id)


@pytest.fixture
def from_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """The transcript stands for a CLR issued on another platform to Maria. (Issued here it
    is James's, and a copy of another person's credential is refused to anyone else:
    ``tests/services/test_attack_i12_import.py``.)"""
    monkeypatch.setattr(imports._Importer, "_someone_elses", lambda self, document: False)


def test_a_clr_is_kept_and_unpacked_into_its_achievements(
    session: Session, platform: Any, maria: Any, transcript: Any, from_elsewhere: None
) -> None:
    """Maria brings a CLR from elsewhere: the record is one
    entry, and each credential it bundles its own, verified in its own right, under it."""
    report = bring(session, platform, maria, ("clr.json", json.dumps(transcript.document)))
    bundled = transcript.document["credentialSubject"]["verifiableCredential"]
    assert outcomes(report) == ["kept"] * (1 + len(bundled)), [r.message for r in report.rows]
    clr = the_row(session, str(report.rows[0].ref))
    assert clr.document == transcript.document and clr.parent_id is None
    parts = [the_row(session, str(r.ref)) for r in report.rows[1:]]
    assert {p.document["id"] for p in parts} == {vc["id"] for vc in bundled}
    assert {p.parent_id for p in parts} == {clr.id}
    assert all(p.verified for p in parts)


def test_a_clr_bundling_an_enveloped_jwt_keeps_it_under_the_record(
    session: Session,
    platform: Any,
    maria: Any,
    transcript: Any,
    signed_license: dict[str, Any],
    issuer_key: Any,
    from_elsewhere: None,
) -> None:
    """A bundled credential may be a JWT (VC 2.0 ``EnvelopedVerifiableCredential``): it is
    unpacked under the record too. Changing the bundle makes the record itself not verify
    (its schema and its signature): it is kept, marked, and what it bundles is judged each
    on its own."""
    unsigned = {k: v for k, v in signed_license.items() if k != "proof"}
    token = encode_jwt_credential(unsigned, issuer_key, at=NOW)
    altered = copy.deepcopy(transcript.document)
    altered["credentialSubject"]["verifiableCredential"].append(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "EnvelopedVerifiableCredential",
            "id": f"data:application/vc+jwt,{token}",
        }
    )
    report = bring(session, platform, maria, ("clr.json", json.dumps(altered)))
    assert report.rows[0].outcome == "not-verified"
    assert report.rows[0].message.startswith("Did not verify")
    last = report.rows[-1]
    assert last.outcome == "kept", last.message
    part = the_row(session, str(last.ref))
    assert (part.jwt, part.parent_id) == (token, str(report.rows[0].ref).removeprefix("held:"))


def test_a_clr_issued_here_to_the_person_is_already_in_their_record(
    session: Session, platform: Any, transcript: Any
) -> None:
    james = who(session, JAMES)
    report = bring(session, platform, james, ("clr.json", json.dumps(transcript.document)))
    assert set(outcomes(report)) == {"already-held"}
    assert report.rows[0].ref == f"issued:{transcript.id}"
    assert report.rows[0].message == "It was issued to you here"
    assert held(session, james) == []


def test_an_ler_rs_resume_brings_the_credentials_it_carries(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any], issuer_key: Any
) -> None:
    example = load_json(
        shared_path(
            "standards", "schemas", "hropen-ler-rs-examples", "LER-RS_V2_UC008_portability.json"
        )
    )
    resume = copy.deepcopy(example)
    subject = resume["credentialSubject"]
    subject["certifications"][0]["verifications"] = [signed_license]
    unsigned = {k: v for k, v in signed_license.items() if k != "proof"} | {"id": "urn:uuid:att"}
    token = encode_jwt_credential(unsigned, issuer_key, at=NOW)
    subject["attachments"].append(
        {"id": {"value": "licence"}, "content": {"value": base64.b64encode(token.encode()).decode(),
         "encoding": "base64", "mimeType": "application/jwt", "filename": "licence.jwt"}}
    )  # fmt: skip
    for item in subject.get("educationAndLearnings", []):
        item.pop("verifications", None)  # (the example's own are unsigned)
    report = bring(session, platform, maria, ("resume.json", json.dumps(resume)))
    assert outcomes(report) == ["kept", "kept"], [r.message for r in report.rows]
    assert report.rows[0].source == "resume.json, certifications 1 verification 1"
    assert report.rows[1].source == "resume.json, attachment 2"
    said = " ".join(report.not_imported)
    assert "the résumé itself" in said and "'jenniferjonesc.txt' is not a credential" in said


def test_the_ler_rs_examples_own_verifications_are_kept_but_not_verified(
    session: Session, platform: Any, maria: Any
) -> None:
    path = shared_path("standards", "schemas", "hropen-ler-rs-examples", "LER-RS_V2_VCwrapper.json")
    report = bring(session, platform, maria, ("wrapper.json", path.read_bytes()))
    [row] = report.rows  # its one embedded credential: an unknown context, never fetched
    assert (row.outcome, row.name) == ("not-verified", "Full transcript credential")
    assert row.message.startswith("Did not verify: it uses a vocabulary openler does not know")
    assert [r.verified for r in held(session, maria)] == [False]
    said = "\n".join(report.not_imported)
    assert "certifications 1 verification 1: a link to a credential" in said  # not fetched
    assert "'gunillaklein.txt' is not a credential" in said


# -- what does not verify, duplicates, refusals ---------------------------------------


def test_a_tampered_credential_is_kept_marked_and_the_genuine_one_replaces_it(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any]
) -> None:
    tampered = copy.deepcopy(signed_license)
    tampered["credentialSubject"]["achievement"]["name"] = "Chief Surgeon"
    [bad] = bring(session, platform, maria, ("forged.json", json.dumps(tampered))).rows
    assert bad.outcome == "not-verified"
    assert bad.message.startswith("Did not verify: the signature does not match")
    entry = record.entry(session, platform, maria, str(bad.ref))
    assert (entry.state.code, entry.verified_when_added) == ("unverified", False)
    # the genuine credential (the same id) takes its place; a forged copy does not
    [good] = bring(session, platform, maria, ("real.json", json.dumps(signed_license))).rows
    assert (good.outcome, good.ref) == ("kept", bad.ref)
    assert "replaces the copy that did not verify" in good.message
    [again] = bring(session, platform, maria, ("forged.json", json.dumps(tampered))).rows
    assert again.outcome == "already-held" and "this one does not" in again.message
    [row] = held(session, maria)
    assert row.verified and row.document == signed_license


def test_duplicates_in_another_spelling_are_recognised(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any], issuer_key: Any
) -> None:
    first = bring(session, platform, maria, ("a.json", json.dumps(signed_license)))
    respelled = json.dumps(dict(reversed(list(signed_license.items()))), indent=7)
    png = bake_png(blank_png(), json.dumps(signed_license, separators=(",", ":")))
    again = bring(session, platform, maria, ("b.json", respelled), ("c.png", png))
    assert outcomes(again) == ["already-held", "already-held"]
    assert {r.ref for r in again.rows} == {first.rows[0].ref}
    # a credential without an id: recognised by its canonical form
    no_id = add_proof(
        {k: v for k, v in signed_license.items() if k not in ("proof", "id")},
        issuer_key,
        created=NOW,
    )
    bring(session, platform, maria, ("x.json", json.dumps(no_id)))
    [dup] = bring(
        session, platform, maria, ("y.json", json.dumps(no_id, indent=1, sort_keys=True))
    ).rows
    assert dup.outcome == "already-held"
    assert len(held(session, maria)) == 2


def test_re_running_the_same_files_stores_nothing_twice(
    session: Session,
    platform: Any,
    maria: Any,
    signed_license: dict[str, Any],
    transcript: Any,
    from_elsewhere: None,
) -> None:
    files = (("l.json", json.dumps(signed_license)), ("clr.json", json.dumps(transcript.document)))
    bring(session, platform, maria, *files)
    count = len(held(session, maria))
    second = bring(session, platform, maria, *files)
    assert set(outcomes(second)) == {"already-held"}
    assert len(held(session, maria)) == count


def corrupt_png() -> bytes:
    """A PNG whose compressed ``openbadgecredential`` chunk does not inflate."""
    body = b"openbadgecredential\0\x01\x00\0\0" + b"not deflate data"
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + body))
    png = blank_png()
    return png[:-12] + chunk + png[-12:]  # before IEND


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"\x00\x01\x02garbage", "not a credential"),
        (b"<!doctype html><html><body>Hello</body></html>", "not a baked SVG badge"),
        (blank_png(), "carries no credential"),
        (corrupt_png(), "carries no credential"),
        (SVG.encode(), "not a baked SVG badge"),
        (b'{"name": "my CV"}', "not a credential"),
        (b'{"a": 1, "a": 2}', "cannot be read"),
        (b"[" * 200 + b"]" * 200, "not a credential"),
        (b"   ", "empty"),
        (b"eyJhbGciOiJub25lIn0.eyJ4IjoxfQ.", "cannot be read"),
        (b"{" + b" " * (imports.MAX_FILE_BYTES + 1) + b"}", "the limit is 4 MB"),
    ],
    ids=[
        "bytes",
        "html",
        "png",
        "corrupt-png",
        "svg",
        "json",
        "duplicate-key",
        "deep",
        "empty",
        "alg-none",
        "large",
    ],
)
def test_what_is_not_a_credential_is_refused_and_nothing_stored(
    session: Session, platform: Any, maria: Any, data: bytes, says: str
) -> None:
    report = bring(session, platform, maria, ("file", data))
    [row] = report.rows
    assert row.outcome == "refused" and says in row.message, row.message
    assert not report.ok
    assert held(session, maria) == []


def test_each_import_is_audited_without_the_document(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any]
) -> None:
    bring(session, platform, maria, ("l.json", json.dumps(signed_license)), ("x", b"junk"))
    events = (
        session.execute(
            select(AuditEvent).where(AuditEvent.action == "wallet.import").order_by(AuditEvent.seq)
        )
        .scalars()
        .all()
    )
    assert [e.data["result"] for e in events] == ["kept", "refused"]
    assert events[0].data["credential"] == signed_license["id"]
    assert "proof" not in json.dumps([e.data for e in events])


def test_verification_fetches_no_internal_address(
    session: Session,
    platform: Any,
    maria: Any,
    signed_license: dict[str, Any],
    no_network: list[Any],
) -> None:
    """A credential pointing at addresses inside the network (its key on a did:web there, its
    status list on a metadata address) is kept, not verified, and nothing is fetched."""
    pointing = copy.deepcopy(signed_license)
    pointing["proof"]["verificationMethod"] = "did:web:10.0.0.1#key-1"
    pointing["credentialStatus"] = {
        "id": "http://169.254.169.254/latest/status#1",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "1",
        "statusListCredential": "http://169.254.169.254/latest/status",
    }
    [row] = bring(session, platform, maria, ("inside.json", json.dumps(pointing))).rows
    assert row.outcome == "not-verified", row.message
    assert no_network == []


# -- nobody else's --------------------------------------------------------------------


def test_another_persons_imports_are_invisible(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any]
) -> None:
    report = bring(session, platform, maria, ("l.json", json.dumps(signed_license)))
    james = who(session, JAMES)
    with pytest.raises(NotFound):
        record.entry(session, platform, james, str(report.rows[0].ref))
    with pytest.raises(NotFound):
        imports.report_of(session, james, str(report.id))
    assert imports.report_of(session, maria, str(report.id)).rows == report.rows
    # James bringing the same credential gets his own copy, not "already held"
    [his] = bring(session, platform, james, ("l.json", json.dumps(signed_license))).rows
    assert his.outcome == "kept" and his.ref != report.rows[0].ref
    with pytest.raises(Forbidden):
        bring(session, platform, accounts.Principal.system("test"), ("l.json", b"{}"))


# -- any bytes ------------------------------------------------------------------------


def _mutations(seed: dict[str, Any]) -> st.SearchStrategy[bytes]:
    text = json.dumps(seed)
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        st.tuples(st.integers(0, len(text)), st.text(max_size=5)).map(
            lambda cut: (text[: cut[0]] + cut[1] + text[cut[0] + 1 :]).encode()
        ),
        st.binary(max_size=60).map(lambda tail: bake_png(blank_png(), "x") + tail),
    )


def test_any_bytes_are_refused_or_kept_unverified_never_an_exception(
    session: Session, platform: Any, maria: Any, signed_license: dict[str, Any]
) -> None:
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=_mutations(signed_license))
    def check(data: bytes) -> None:
        report = bring(session, platform, maria, ("any", data))
        for row in report.rows:
            assert row.outcome in ("refused", "not-verified", "kept", "already-held")
            if row.outcome == "kept":  # only the untouched credential verifies
                assert the_row(session, str(row.ref)).document == signed_license

    check()
    stored = session.execute(select(func.count()).select_from(ReceivedCredential)).scalar_one()
    assert stored == len(held(session, maria))
