"""The verification pipeline end to end: formats, checks in order, and clear failures."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.jwk import ECKey

from openler.vc import (
    CHECK_IDS,
    Multikey,
    Policy,
    bake_png,
    bake_svg,
    build_presentation,
    jose,
    sign_credential,
    sign_presentation,
    verify,
)
from openler.vc.baking import blank_png
from openler.vc.multibase import b64url_encode
from openler.vc.verify import Resolvers
from tests.conftest import NOW


def statuses(report: Any) -> dict[str, str]:
    return {c.id: c.status for c in report.checks}


def presented(credential: dict[str, Any], key: Multikey, holder: str | None = "") -> dict[str, Any]:
    """``credential`` in a presentation signed by ``key`` with challenge "c"; the holder is
    the key's controller unless given (None: no holder at all)."""
    unsigned = build_presentation([credential], holder=holder or key.controller)
    if holder is None:
        del unsigned["holder"]
    return sign_presentation(unsigned, key, challenge="c", created=NOW)


def test_checks_run_in_the_fixed_order(
    signed_license: dict[str, Any], issuer_key: Multikey
) -> None:
    report = verify(signed_license, at=NOW)
    assert [c.id for c in report.checks] == list(CHECK_IDS)
    assert report.verified
    # without a trust registry the headline names the issuer by its DID, not by the name
    # the credential gives itself (tests/vc/test_issuer_names.py)
    assert report.to_json()["summary"].startswith(
        f"Verified: License 'Registered Nurse' issued by {issuer_key.controller} to did:key:"
    )


def test_expired_and_not_yet_valid(signed_license: dict[str, Any]) -> None:
    late = verify(signed_license, at=datetime(2029, 1, 1, tzinfo=UTC))
    assert statuses(late)["validity"] == "failed"
    assert late.check("validity").message.startswith("expired on 2028-10-31T23:59:59Z")  # type: ignore[union-attr]
    early = verify(signed_license, at=datetime(2026, 1, 1, tzinfo=UTC))
    assert early.check("validity").message.startswith("not yet valid")  # type: ignore[union-attr]
    assert not late.verified and not early.verified


def test_issuer_must_control_the_signing_key(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    doc = copy.deepcopy(license_template)
    doc["issuer"]["id"] = "did:example:someone-else"
    report = verify(sign_credential(doc, issuer_key, created=NOW), at=NOW)
    assert statuses(report)["proof"] == "passed"
    assert statuses(report)["issuer"] == "failed"
    assert "which is not the issuer did:example:someone-else" in report.summary


def test_unknown_context_fails_context(signed_license: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed_license)
    doc["@context"].append("https://unknown.example/context.json")
    report = verify(doc, at=NOW)
    assert statuses(report)["context"] == "failed"
    assert "https://unknown.example/context.json" in report.check("context").message  # type: ignore[union-attr]


def test_undefined_term_fails_context(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    doc = copy.deepcopy(license_template)
    doc["favouriteColour"] = "blue"
    report = verify(doc, at=NOW)
    assert statuses(report)["context"] == "failed"
    assert "favouriteColour" in report.check("context").message  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "malformed JSON at line 1, column 2"),
        (b"[1, 2]", "expected a JSON object, found a JSON list"),
        (b"\xff\xfe\x00garbage", "input is not JSON, a compact JWT, or a baked PNG/SVG badge"),
        (b"", "input is not JSON"),
        (b"eyJhbGciOiJub25lIn0.eyJhIjoxfQ.c2ln", "JWT algorithm 'none' is not accepted"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "no baked Open Badges credential"),
        (b"\x89PNG\r\n\x1a\nbroken", "truncated PNG chunk"),
        (b"[" * 100000 + b"]" * 100000, "nested more than 64 levels deep"),
    ],
)
def test_bad_input_gives_a_clear_error_never_a_traceback(data: bytes, message: str) -> None:
    report = verify(data, at=NOW)
    assert statuses(report) == {"parse": "failed"}
    assert message in report.check("parse").message  # type: ignore[union-attr]
    assert not report.verified


def test_huge_input_is_refused_clearly() -> None:
    data = b'{"a": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    report = verify(data, at=NOW)
    assert report.check("parse").message == "input is 10.5 MB; the limit is 4 MB"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "check_id"),
    [
        (lambda d: d.update(type="VerifiableCredential"), "proof"),
        (lambda d: d.update(type=["OpenBadgeCredential"]), "type"),
        (lambda d: d["credentialSubject"].update(type=["Person"]), "type"),
        (lambda d: d.update(validFrom="yesterday"), "schema"),
        (lambda d: d.pop("proof"), "proof"),
        (lambda d: d["credentialSubject"].update(achievement="RN"), "schema"),
    ],
)
def test_wrong_shapes_fail_the_right_check(
    signed_license: dict[str, Any], change: Any, check_id: str
) -> None:
    doc = copy.deepcopy(signed_license)
    change(doc)
    report = verify(doc, at=NOW)
    assert statuses(report)[check_id] == "failed", report.to_json()
    assert not report.verified


def test_presentation_with_challenge_and_domain(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    vp = sign_presentation(
        build_presentation([signed_license], holder=holder_key.controller),
        holder_key,
        challenge="c-1",
        domain="employer.example",
        created=NOW,
    )
    report = verify(vp, at=NOW, challenge="c-1", domain="employer.example")
    assert report.kind == "presentation" and report.verified, report.summary
    assert report.credentials[0].verified
    replay = verify(vp, at=NOW, challenge="c-2", domain="employer.example")
    assert not replay.verified and "challenge mismatch" in replay.summary


def test_presentation_signed_by_someone_else_fails_holder(
    signed_license: dict[str, Any], holder_key: Multikey, key_factory: Any
) -> None:
    intruder = key_factory(7)
    vp = presented(signed_license, intruder, holder=holder_key.controller)
    report = verify(vp, at=NOW, challenge="c")
    assert statuses(report)["holder"] == "failed"


def test_presentation_with_a_bad_credential_is_not_verified(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    bad = copy.deepcopy(signed_license)
    bad["name"] = "Forged"
    vp = presented(bad, holder_key)
    report = verify(vp, at=NOW, challenge="c")
    assert not report.verified
    assert "embedded credential" in report.summary


def test_vc_jwt_with_eddsa(license_template: dict[str, Any], issuer_key: Multikey) -> None:
    doc = copy.deepcopy(license_template)
    doc["issuer"]["id"] = issuer_key.controller
    token = jose.encode(doc, issuer_key)
    report = verify(token.encode(), at=NOW)
    assert report.format == "jwt" and report.verified, report.to_json()
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert statuses(verify(tampered, at=NOW))["proof"] == "failed"


def test_ob3_jwt_with_es256_and_vc_claim(license_template: dict[str, Any]) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    did = f"did:key:{jose.p256_multikey(private.public_key())}"
    kid = f"{did}#{did.removeprefix('did:key:')}"
    doc = copy.deepcopy(license_template)
    doc["issuer"]["id"] = did
    payload = {"iss": did, "jti": doc["id"], "nbf": int(NOW.timestamp()) - 10, "vc": doc}
    from cryptography.hazmat.primitives import serialization

    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    token = jws.serialize_compact(
        {"alg": "ES256", "kid": kid, "typ": "JWT"},
        json.dumps(payload),
        ECKey.import_key(pem),
        algorithms=["ES256"],
    )
    report = verify(token, at=NOW)
    assert report.verified, report.to_json()
    expired = payload | {"exp": int((NOW - timedelta(days=1)).timestamp())}
    token2 = jws.serialize_compact(
        {"alg": "ES256", "kid": kid},
        json.dumps(expired),
        ECKey.import_key(pem),
        algorithms=["ES256"],
    )
    assert verify(token2, at=NOW).check("validity").message == "the JWT has expired (exp)"  # type: ignore[union-attr]


def test_jwt_key_in_header_is_not_bound_to_the_issuer(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    doc = copy.deepcopy(license_template)
    doc["issuer"]["id"] = issuer_key.controller
    header = {
        "alg": "EdDSA",
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(issuer_key.public)},
    }
    signing_input = (
        b64url_encode(json.dumps(header).encode()) + "." + b64url_encode(json.dumps(doc).encode())
    )
    token = signing_input + "." + b64url_encode(issuer_key.sign(signing_input.encode()))
    report = verify(token, at=NOW)
    assert statuses(report)["proof"] == "passed"
    assert statuses(report)["issuer"] == "failed"


@pytest.mark.parametrize("as_jwt", [False, True])
def test_baked_png_and_svg(
    signed_license: dict[str, Any], issuer_key: Multikey, as_jwt: bool
) -> None:
    text = (
        jose.encode(signed_license | {"issuer": signed_license["issuer"]}, issuer_key)
        if as_jwt
        else json.dumps(signed_license)
    )
    png = verify(bake_png(blank_png(), text), at=NOW)
    assert png.format == "png" and png.verified, png.summary
    svg = bake_svg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>', text, jwt=as_jwt
    )
    report = verify(svg.encode(), at=NOW)
    assert report.format == "svg" and report.verified, report.summary


def test_svg_with_entities_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><svg>&a;</svg>'
    report = verify(bomb, at=NOW)
    assert statuses(report) == {"parse": "failed"}


def test_verification_method_on_https_profile(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    profile = "https://nursing.ohio.example/issuer"
    key = issuer_key.with_controller(profile, f"{profile}#key-1")
    signed = sign_credential(license_template, key, created=NOW)
    document = {
        "id": profile,
        "verificationMethod": [key.public_json()],
        "assertionMethod": [key.id],
    }
    assert verify(signed, at=NOW, resolvers=Resolvers(lambda url: document)).verified
    offline = verify(signed, at=NOW)
    assert "could not be resolved" in offline.check("proof").message  # type: ignore[union-attr]


def test_someone_elses_credential_is_a_warning_unless_the_policy_binds_the_holder(
    signed_license: dict[str, Any], key_factory: Any
) -> None:
    """VC Data Model 2.0 §1.2: a holder is often, but not always, the subject ("a parent
    presenting a child's credential"); binding holder to subject is a verifier's policy,
    here ``Policy(require_holder_binding=True)`` as openler's own share links use it."""
    stranger = key_factory(6)
    vp = presented(signed_license, stranger)
    generic = verify(vp, at=NOW, challenge="c")
    assert generic.check("holder").status == "warning"  # type: ignore[union-attr]
    assert "about someone else" in generic.check("holder").message  # type: ignore[union-attr]
    assert generic.verified, generic.summary
    bound = verify(vp, at=NOW, challenge="c", policy=Policy(require_holder_binding=True))
    check = bound.check("holder")
    assert check is not None and check.status == "failed"
    assert "about someone else" in check.message
    assert signed_license["credentialSubject"]["id"] in check.message
    assert not bound.verified


def test_a_presentation_without_holder_verifies_by_its_proof(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    """VC Data Model 2.0 §4.13: "holder" is OPTIONAL in a verifiable presentation. Without
    it the presentation is verified by its proof (which still must verify); a policy that
    binds the holder refuses it."""
    vp = presented(signed_license, holder_key, holder=None)
    report = verify(vp, at=NOW, challenge="c")
    assert report.verified, report.to_json()
    assert report.check("holder").status == "skipped"  # type: ignore[union-attr]
    assert report.description == "presentation of 1 credential"
    bound = verify(vp, at=NOW, challenge="c", policy=Policy(require_holder_binding=True))
    assert bound.check("holder").status == "failed" and not bound.verified  # type: ignore[union-attr]
    tampered = copy.deepcopy(vp)
    tampered["proof"]["challenge"] = "other"
    assert statuses(verify(tampered, at=NOW))["proof"] == "failed"
    unsigned = {k: v for k, v in vp.items() if k != "proof"}
    assert not verify(unsigned, at=NOW).verified  # no proof: nothing shows who presented it


def test_a_presentation_failing_by_a_credential_says_which_and_why(
    signed_license: dict[str, Any], holder_key: Multikey
) -> None:
    """The VC API's VerificationResponse lists errors; a presentation that fails only
    because a credential in it fails names that credential, its check and the message."""
    late = datetime(2029, 1, 1, tzinfo=UTC)
    vp = presented(signed_license, holder_key)
    report = verify(vp, at=late, challenge="c")
    assert not report.verified
    assert all(c.status != "failed" for c in report.checks)
    [reason] = report.errors()
    assert reason.startswith("verifiableCredential[0] (License 'Registered Nurse' issued by ")
    assert reason.endswith(
        ": validity: expired on 2028-10-31T23:59:59Z (checked at 2029-01-01T00:00:00Z)"
    )
    assert report.to_json()["errors"] == [reason]
    assert verify(vp, at=NOW, challenge="c").errors() == []


def test_bearer_credential_in_presentation_is_a_warning(
    license_template: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    doc = copy.deepcopy(license_template)
    del doc["credentialSubject"]["id"]
    credential = sign_credential(doc, issuer_key, created=NOW)
    vp = presented(credential, holder_key)
    report = verify(vp, at=NOW, challenge="c")
    assert report.check("holder").status == "warning"  # type: ignore[union-attr]
    assert report.verified


def test_endorsements_are_verified_and_reported(
    signed_license: dict[str, Any],
    license_template: dict[str, Any],
    issuer_key: Multikey,
    key_factory: Any,
) -> None:
    endorser = key_factory(4)
    endorsement = sign_credential(
        {
            "@context": signed_license["@context"],
            "id": "urn:uuid:endorsement-1",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": {"type": ["Profile"], "name": "National Council of State Boards of Nursing"},
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "https://nursing.ohio.gov/achievements/registered-nurse",
                "type": ["EndorsementSubject"],
                "endorsementComment": "Meets NCLEX-RN requirements.",
            },
        },
        endorser,
        created=NOW,
    )
    doc = copy.deepcopy(license_template)
    doc["credentialSubject"]["achievement"]["endorsement"] = [endorsement]
    credential = sign_credential(doc, issuer_key, created=NOW)
    report = verify(credential, at=NOW)
    assert report.verified
    [endorsed] = report.endorsements
    assert endorsed.verified and endorsed.input.endswith("#achievement.endorsement[0]")
    assert "endorsements: 1 of 1 verified" in report.summary
    doc["credentialSubject"]["achievement"]["endorsement"][0]["credentialSubject"][
        "endorsementComment"
    ] = "forged"
    forged = verify(sign_credential(doc, issuer_key, created=NOW), at=NOW)
    assert forged.verified  # the credential itself is fine …
    assert not forged.endorsements[0].verified  # … and the endorsement is reported as not
    assert "endorsements: 0 of 1 verified" in forged.summary
    assert forged.to_json()["endorsements"][0]["verified"] is False


def test_nan_and_infinity_are_not_json() -> None:
    report = verify(b'{"@context": [], "x": NaN}', at=NOW)
    assert report.check("parse").message == "NaN is not a JSON number (RFC 8259 §6)"  # type: ignore[union-attr]


@pytest.mark.parametrize("empty", [None, []], ids=["null", "empty list"])
def test_a_null_or_empty_proof_fails_the_proof_check(
    signed_license: dict[str, Any], holder_key: Multikey, empty: Any
) -> None:
    """VC Data Integrity §4.4 (Verify Proof): a secured document has a ``proof``; a proof
    that is ``null`` or an empty set secures nothing, so the proof check fails for a
    credential and for a presentation alike (it never "passes" with nothing checked)."""
    unsigned_vc = {**signed_license, "proof": empty}
    vc_report = verify(unsigned_vc, at=NOW)
    assert statuses(vc_report)["proof"] == "failed"
    assert vc_report.check("proof").message == "the document has no proof"  # type: ignore[union-attr]
    assert not vc_report.verified
    vp = {**build_presentation([signed_license], holder=holder_key.controller), "proof": empty}
    vp_report = verify(vp, at=NOW)
    assert vp_report.kind == "presentation" and statuses(vp_report)["proof"] == "failed"
    assert not vp_report.verified


def test_a_json_string_value_must_be_a_compact_jwt(
    signed_license: dict[str, Any], license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    """VC Data Integrity §4.4: "If securedDocument is not a map … an error MUST be raised and
    SHOULD convey an error type of PARSING_ERROR". A VC API caller's JSON *string* is not a
    map: only a compact JWT may be sent that way. The same text read from a file is JSON."""
    text = json.dumps(signed_license)
    refused = verify(text, at=NOW, json_value=True)
    assert statuses(refused) == {"parse": "failed"} and not refused.verified
    assert refused.check("parse").message.startswith("PARSING_ERROR")  # type: ignore[union-attr]
    assert verify(text, at=NOW).verified  # a file's text is a JSON document
    assert verify(signed_license, at=NOW, json_value=True).verified
    doc = copy.deepcopy(license_template)
    doc["issuer"]["id"] = issuer_key.controller
    token = jose.encode(doc, issuer_key)
    assert verify(token, at=NOW, json_value=True).verified
