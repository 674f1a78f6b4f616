"""Creating and checking Data Integrity proofs: round trips, mutations, every failure path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from openler.vc import (
    CRYPTOSUITES,
    CanonicalForms,
    Multikey,
    ProofError,
    Resolver,
    add_proof,
    check_proofs,
    credential_problems,
    new_proof,
    sign_credential,
    verify,
)
from tests.conftest import NOW
from tests.vc.strategies import ob_credentials


def check(doc: dict[str, Any], purpose: str = "assertionMethod", **kwargs: Any) -> list[Any]:
    return check_proofs(doc, resolver=Resolver(), purpose=purpose, at=NOW, **kwargs)


@pytest.mark.parametrize("suite", CRYPTOSUITES)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(credential=ob_credentials())
def test_sign_then_verify_round_trip(
    suite: str, credential: dict[str, Any], issuer_key: Multikey
) -> None:
    signed = sign_credential(credential, issuer_key, cryptosuite=suite, created=NOW)  # type: ignore[arg-type]
    report = verify(signed, at=NOW)
    assert report.verified, report.summary
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    assert unsigned == {
        **credential,
        "issuer": {"id": issuer_key.controller, **credential["issuer"]},
    }


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*path, index))
    else:
        yield path


def mutated(doc: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    copy_ = copy.deepcopy(doc)
    target = copy_
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    if isinstance(old, bool):
        new: Any = not old
    elif isinstance(old, int | float):
        new = old + 1
    elif isinstance(old, str) and old.startswith("z") and path[-1] == "proofValue":
        new = old[:-2] + ("1" if old[-2] != "1" else "2") + old[-1]
    else:
        new = str(old) + "x"
    target[path[-1]] = new
    return copy_


@pytest.mark.parametrize("suite", CRYPTOSUITES)
def test_every_single_field_mutation_fails_proof(
    suite: str, license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    signed = sign_credential(license_template, issuer_key, cryptosuite=suite, created=NOW)  # type: ignore[arg-type]
    paths = list(leaf_paths(signed))
    assert len(paths) > 30
    for path in paths:
        report = verify(mutated(signed, path), at=NOW)
        assert report.status_of("proof") == "failed" or report.status_of("context") == "failed", (
            path
        )
        assert not report.verified, path


def test_wrong_key_fails_with_its_own_message(
    signed_license: dict[str, Any], key_factory: Callable[[int], Multikey]
) -> None:
    other = key_factory(9)
    forged = copy.deepcopy(signed_license)
    forged["proof"]["verificationMethod"] = other.id
    [result] = check(forged)
    assert not result.ok
    assert result.message.startswith("signature does not match")
    assert other.id in result.message


def test_wrong_purpose_fails_with_its_own_message(signed_license: dict[str, Any]) -> None:
    [result] = check(signed_license, purpose="authentication")
    assert not result.ok
    assert result.message == "proof purpose is 'assertionMethod' but 'authentication' is required"


def test_method_not_authorised_for_purpose(
    issuer_key: Multikey, license_template: dict[str, Any]
) -> None:
    did = "did:web:board.example"
    key = issuer_key.with_controller(did, f"{did}#key-1")
    doc = {
        "id": did,
        "verificationMethod": [key.public_json()],
        "authentication": [f"{did}#key-1"],
    }
    signed = sign_credential(license_template, key, created=NOW)
    [result] = check_proofs(
        signed, resolver=Resolver(lambda url: doc), purpose="assertionMethod", at=NOW
    )
    assert not result.ok
    assert result.message.startswith("verification method not authorised")
    assert "assertionMethod" in result.message


def test_wrong_challenge_and_domain_fail_with_their_own_messages(
    license_template: dict[str, Any], holder_key: Multikey
) -> None:
    signed = add_proof(
        license_template,
        holder_key,
        purpose="authentication",
        challenge="abc",
        domain="a.example",
        created=NOW,
    )
    [ok] = check(signed, purpose="authentication", challenge="abc", domain="a.example")
    assert ok.ok, ok.message
    [bad] = check(signed, purpose="authentication", challenge="xyz")
    assert bad.message == "challenge mismatch: the verifier asked for 'xyz', the proof has 'abc'"
    [bad_domain] = check(signed, purpose="authentication", challenge="abc", domain="b.example")
    assert bad_domain.message.startswith("domain mismatch: the verifier expected 'b.example'")


def test_expired_proof_fails_with_its_own_message(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    signed = add_proof(license_template, issuer_key, created=NOW, expires=NOW + timedelta(days=1))
    [fresh] = check(signed)
    assert fresh.ok
    [late] = check_proofs(
        signed, resolver=Resolver(), purpose="assertionMethod", at=NOW + timedelta(days=2)
    )
    assert late.message == "proof expired on 2026-11-25T12:00:00Z"


def test_proof_created_in_the_future_fails(signed_license: dict[str, Any]) -> None:
    [result] = check_proofs(
        signed_license, resolver=Resolver(), purpose="assertionMethod", at=NOW - timedelta(days=1)
    )
    assert result.message.startswith("proof was created in the future")


def test_messages_for_each_failure_are_distinct(
    signed_license: dict[str, Any], key_factory: Callable[[int], Multikey]
) -> None:
    forged = copy.deepcopy(signed_license)
    forged["proof"]["verificationMethod"] = key_factory(9).id
    messages = {
        check(forged)[0].message.split(":")[0],
        check(signed_license, purpose="authentication")[0].message.split(":")[0],
        check(signed_license, purpose="assertionMethod", challenge="n")[0].message.split(":")[0],
    }
    assert len(messages) == 3


def test_second_proof_makes_a_proof_set(
    signed_license: dict[str, Any], key_factory: Callable[[int], Multikey]
) -> None:
    both = add_proof(signed_license, key_factory(5), cryptosuite="eddsa-jcs-2022", created=NOW)
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    assert all(r.ok for r in check(both))
    assert signed_license["proof"] == both["proof"][0]


def test_chained_proof_names_its_previous_proof(
    license_template: dict[str, Any], key_factory: Callable[[int], Multikey]
) -> None:
    first = add_proof(license_template, key_factory(1), created=NOW, proof_id="urn:uuid:p1")
    chained = add_proof(first, key_factory(2), created=NOW, previous_proof="urn:uuid:p1")
    assert all(r.ok for r in check(chained))
    broken = copy.deepcopy(chained)
    broken["proof"][1]["previousProof"] = "urn:uuid:missing"
    assert not check(broken)[1].ok


def test_signing_without_a_secret_is_refused(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    public_only = Multikey.from_json(issuer_key.public_json())
    with pytest.raises(ProofError, match="no secret key"):
        add_proof(license_template, public_only, created=NOW)


def test_signing_changes_nothing_else(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    before = copy.deepcopy(license_template)
    signed = sign_credential(license_template, issuer_key, created=NOW)
    assert license_template == before
    assert {k for k in signed if signed[k] != before.get(k)} == {"proof", "issuer"}
    assert signed["issuer"] == {"id": issuer_key.controller, **before["issuer"]}


def test_unsupported_suite_and_type_are_reported(signed_license: dict[str, Any]) -> None:
    other = copy.deepcopy(signed_license)
    other["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    assert "not supported" in check(other)[0].message
    other["proof"]["type"] = "Ed25519Signature2020"  # verified, but it has no cryptosuite
    assert "has no cryptosuite" in check(other)[0].message
    other["proof"]["type"] = "RsaSignature2018"
    assert "not supported" in check(other)[0].message


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(credential=ob_credentials(), other=ob_credentials())
def test_signing_after_the_data_model_check_reuses_its_canonical_form_only_for_that_document(
    credential: dict[str, Any], other: dict[str, Any], issuer_key: Multikey
) -> None:
    """``credential_problems(doc, forms=f)`` then ``add_proof(doc, forms=f)`` (roster
    signing) makes the very proof ``add_proof`` makes alone; forms filled by checking
    another document are not used for this one."""
    credential = {**credential, "issuer": {**credential["issuer"], "id": issuer_key.controller}}
    other = {**other, "issuer": {**other["issuer"], "id": issuer_key.controller}}
    forms = CanonicalForms()
    assert credential_problems(credential, forms=forms) == []
    alone = add_proof(credential, issuer_key, created=NOW)
    shared = add_proof(credential, issuer_key, created=NOW, forms=forms)
    assert shared == alone
    assert check(shared)[0].ok
    if other != credential:
        elsewhere = add_proof(other, issuer_key, created=NOW, forms=forms)
        assert elsewhere == add_proof(other, issuer_key, created=NOW)
        assert check(elsewhere)[0].ok


def test_a_signed_copy_shares_nothing_with_the_document(issuer_key: Multikey) -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer_key.controller,
        "credentialSubject": {"id": "did:example:holder"},
    }
    signed = add_proof(credential, issuer_key, created=NOW)
    signed["type"].append("ExampleCredential")
    signed["credentialSubject"]["id"] = "did:example:other"
    assert credential["type"] == ["VerifiableCredential"]
    assert credential["credentialSubject"] == {"id": "did:example:holder"}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(credential=ob_credentials())
def test_new_proof_is_the_proof_add_proof_adds(
    credential: dict[str, Any], issuer_key: Multikey
) -> None:
    """The roster's signing workers take only the proof (``new_proof``) and write the
    document with it: the same credential, byte for byte, as ``add_proof`` returns."""
    document = {**credential, "issuer": {"id": issuer_key.controller, **credential["issuer"]}}
    forms = CanonicalForms()
    credential_problems(document, forms=forms)  # as the workers do: the check's form is signed
    proof = new_proof(document, issuer_key, created=NOW, forms=forms)
    assert proof is not None
    slow = add_proof(document, issuer_key, created=NOW)  # canonicalizes by itself
    fast = {**document, "proof": proof}
    assert json.dumps(fast) == json.dumps(slow)
    assert verify(fast, at=NOW).verified


def test_new_proof_leaves_to_add_proof_what_changes_more_than_the_proof(
    license_template: dict[str, Any], issuer_key: Multikey
) -> None:
    signed = sign_credential(license_template, issuer_key, created=NOW)
    assert new_proof(signed, issuer_key, created=NOW) is None  # a second proof: a proof set
    v1 = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": issuer_key.controller,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    assert new_proof(v1, issuer_key, created=NOW) is None  # add_proof appends a context
    assert len(add_proof(v1, issuer_key, created=NOW)["@context"]) == 2
