"""A CLR 2.0 ClrCredential is verified together with every credential it bundles."""

from __future__ import annotations

import copy
from typing import Any

from openler.vc import Multikey, sign_credential, verify
from tests.conftest import NOW


def clr(issuer: Multikey, credentials: list[dict[str, Any]], subject: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:8d1c7a3e-3f5e-4c53-9a0e-2b6f1e0c4d11",
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": "Transcript",
        "issuer": {"id": issuer.controller, "type": ["Profile"], "name": "Board"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "type": ["ClrSubject"],
            "verifiableCredential": credentials,
            "association": [
                {
                    "type": "Association",
                    "associationType": "isParentOf",
                    "sourceId": "https://example.org/a",
                    "targetId": "https://example.org/b",
                }
            ],
        },
    }


def test_a_clr_verifies_with_each_embedded_credential(
    signed_license: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    record = sign_credential(
        clr(issuer_key, [signed_license], holder_key.controller), issuer_key, created=NOW
    )
    report = verify(record, at=NOW)
    assert report.verified, report.errors()
    assert report.check("schema").message == "conforms to the CLR 2.0 ClrCredential schema"  # type: ignore[union-attr]
    assert len(report.credentials) == 1
    inner = report.credentials[0]
    assert inner.input.endswith("#credentialSubject.verifiableCredential[0]")
    assert inner.verified and inner.status_of("proof") == "passed"


def test_a_tampered_embedded_credential_fails_the_record(
    signed_license: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    tampered = copy.deepcopy(signed_license)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Practice Nurse"
    # the record itself is signed over the tampered copy: its own proof holds
    record = sign_credential(
        clr(issuer_key, [signed_license, tampered], holder_key.controller), issuer_key, created=NOW
    )
    report = verify(record, at=NOW)
    assert report.status_of("proof") == "passed"
    assert [r.verified for r in report.credentials] == [True, False]
    assert report.credentials[1].status_of("proof") == "failed"
    assert not report.verified
    assert any("verifiableCredential[1]" in reason for reason in report.errors())


def test_other_credentials_are_not_searched_for_embedded_ones(
    signed_license: dict[str, Any],
) -> None:
    report = verify(signed_license, at=NOW)
    assert report.credentials == []


def test_a_registered_issuer_is_trusted_for_a_record_whose_credentials_are_judged_each(
    signed_license: dict[str, Any], issuer_key: Multikey, holder_key: Multikey, key_factory: Any
) -> None:
    from openler.vc.verify import Resolvers
    from tests.vc.test_trust import registry_for

    resolvers = Resolvers(trust=registry_for(issuer_key))
    record = sign_credential(
        clr(issuer_key, [signed_license], holder_key.controller), issuer_key, created=NOW
    )
    report = verify(record, at=NOW, resolvers=resolvers)
    assert report.verified, report.errors()
    assert "each credential the record bundles is checked" in report.check("trust").message  # type: ignore[union-attr]
    assert report.credentials[0].status_of("trust") == "passed"

    # a registered issuer's record that bundles an unregistered issuer's credential
    stranger = key_factory(9)
    doc = copy.deepcopy(signed_license)
    del doc["proof"]
    doc["issuer"]["id"] = stranger.controller
    foreign = sign_credential(doc, stranger, created=NOW)
    mixed = sign_credential(
        clr(issuer_key, [signed_license, foreign], holder_key.controller), issuer_key, created=NOW
    )
    report = verify(mixed, at=NOW, resolvers=resolvers)
    assert report.status_of("trust") == "passed"
    assert report.credentials[1].status_of("trust") == "failed"
    assert not report.verified

    # an unregistered issuer's record is not trusted, whatever it bundles
    record = sign_credential(
        clr(stranger, [signed_license], holder_key.controller), stranger, created=NOW
    )
    report = verify(record, at=NOW, resolvers=resolvers)
    assert report.status_of("trust") == "failed" and not report.verified


def test_a_record_cannot_lend_someone_elses_credential_to_its_learner(
    signed_license: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> None:
    """An attack pass found a trusted issuer could bundle another person's credential
    into a learner's record and the record still verified."""
    someone_else = Multikey.generate().controller
    assert signed_license["credentialSubject"]["id"] != someone_else
    record = sign_credential(
        clr(issuer_key, [signed_license], someone_else), issuer_key, created=NOW
    )
    report = verify(record, at=NOW)
    assert report.status_of("proof") == "passed"
    assert not report.verified
    inner = report.credentials[0]
    assert inner.status_of("holder") == "failed"
    assert f"not the record's learner {someone_else}" in inner.check("holder").message  # type: ignore[union-attr]
    # the record's own learner: the same credential passes the check
    own = sign_credential(
        clr(issuer_key, [signed_license], signed_license["credentialSubject"]["id"]),
        issuer_key,
        created=NOW,
    )
    assert verify(own, at=NOW).credentials[0].status_of("holder") == "passed"
