"""Wallet proofs of possession (OpenID4VCI ``jwt`` proofs) and ``jwt_vc_json`` encoding:
Ed25519 and P-256 keys named by did:key, did:jwk or an inline jwk; every way a proof can be
wrong refused with ``invalid_proof``; properties with Hypothesis."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jws
from joserfc.jwk import ECKey

from openler.vc import (
    KEY_PROOF_TYPE,
    KeyProofError,
    Multikey,
    check_key_proof,
    did_jwk,
    encode_jwt_credential,
    sign_key_proof,
)
from openler.vc.jose import p256_multikey

AUD = "https://issuer.example/orgs/ohio"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HOLDER = Multikey.from_seed(bytes(range(32)))
OTHER = Multikey.from_seed(bytes(range(1, 33)))


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def signed(header: dict[str, Any], payload: dict[str, Any], key: Multikey = HOLDER) -> str:
    head = f"{b64(header)}.{b64(payload)}"
    sig = base64.urlsafe_b64encode(key.sign(head.encode())).rstrip(b"=").decode()
    return f"{head}.{sig}"


def claims(**extra: Any) -> dict[str, Any]:
    return {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **extra}


def header(**extra: Any) -> dict[str, Any]:
    return {"alg": "EdDSA", "typ": KEY_PROOF_TYPE, "kid": HOLDER.id, **extra}


def test_an_ed25519_did_key_proof() -> None:
    proof = check_key_proof(
        sign_key_proof(HOLDER, audience=AUD, nonce="n-1", at=NOW), audience=AUD, at=NOW
    )
    assert proof.holder == HOLDER.controller
    assert proof.key_id == HOLDER.id
    assert proof.nonce == "n-1"


def _p256_proof(named_by: str) -> tuple[str, str]:
    key = ECKey.generate_key("P-256")
    public = {
        k: str(v) for k, v in key.as_dict(private=False).items() if k in ("kty", "crv", "x", "y")
    }
    from cryptography.hazmat.primitives.asymmetric import ec

    point = ec.EllipticCurvePublicNumbers(
        int.from_bytes(base64.urlsafe_b64decode(public["x"] + "=="), "big"),
        int.from_bytes(base64.urlsafe_b64decode(public["y"] + "=="), "big"),
        ec.SECP256R1(),
    ).public_key()
    did = f"did:key:{p256_multikey(point)}"
    head: dict[str, Any] = {"alg": "ES256", "typ": KEY_PROOF_TYPE}
    head.update(
        {"kid": f"{did}#{did.removeprefix('did:key:')}"} if named_by == "kid" else {"jwk": public}
    )
    token = jws.serialize_compact(head, json.dumps(claims()).encode(), key, algorithms=["ES256"])
    return token, did if named_by == "kid" else did_jwk(public)


@pytest.mark.parametrize("named_by", ["kid", "jwk"])
def test_p256_proofs(named_by: str) -> None:
    token, holder = _p256_proof(named_by)
    assert check_key_proof(token, audience=AUD, at=NOW).holder == holder


def test_a_did_jwk_kid_and_an_inline_jwk_name_the_same_holder() -> None:
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(HOLDER.public).rstrip(b"=").decode(),
    }
    token = signed({"alg": "EdDSA", "typ": KEY_PROOF_TYPE, "jwk": jwk}, claims())
    inline = check_key_proof(token, audience=AUD, at=NOW)
    by_kid = check_key_proof(
        signed(header(kid=f"{inline.holder}#0"), claims()), audience=AUD, at=NOW
    )
    assert inline.holder == by_kid.holder == did_jwk(jwk)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (signed(header(), claims(), OTHER), "signature"),
        (signed(header(typ="JWT"), claims()), "typ"),
        (signed(header(), claims(aud="https://elsewhere.example")), "not for this issuer"),
        (
            signed(header(), claims(aud=["https://a.example", "https://b.example"])),
            "not for this issuer",
        ),
        (signed(header(), claims(iat=int((NOW - timedelta(minutes=10)).timestamp()))), "older"),
        (signed(header(), claims(iat=int((NOW + timedelta(minutes=10)).timestamp()))), "future"),
        (signed(header(), {k: v for k, v in claims().items() if k != "iat"}), "iat"),
        (signed(header(), claims(exp=int(NOW.timestamp()) - 1)), "expired"),
        (signed(header(), claims(nonce=7)), "nonce"),
        (signed(header(kid="did:web:example.org#key-1"), claims()), "neither a did:key"),
        (signed(header(kid=f"{HOLDER.controller}#other"), claims()), "names no key"),
        (signed(header(jwk={"kty": "OKP", "crv": "Ed25519", "x": "AA"}), claims()), "exactly one"),
        (
            signed(
                {
                    "alg": "EdDSA",
                    "typ": KEY_PROOF_TYPE,
                    "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"},
                },
                claims(),
            ),
            "private",
        ),
        (signed({"alg": "EdDSA", "typ": KEY_PROOF_TYPE}, claims()), "exactly one"),
        (signed(header(alg="none"), claims()), "not a JWT openler accepts"),
        ("not.a.jwt!", "not a JWT"),
    ],
)
def test_wrong_proofs_are_refused(token: str, reason: str) -> None:
    with pytest.raises(KeyProofError, match=reason) as refused:
        check_key_proof(token, audience=AUD, at=NOW)
    assert refused.value.code == "invalid_proof"


def test_an_audience_list_holding_the_issuer_is_accepted() -> None:
    token = signed(header(), claims(aud=["https://other.example", AUD]))
    assert check_key_proof(token, audience=AUD, at=NOW).holder == HOLDER.controller


@settings(max_examples=40, deadline=None)
@given(nonce=st.text(min_size=1, max_size=80), seed=st.binary(min_size=32, max_size=32))
def test_round_trip_keeps_the_nonce_and_the_holder(nonce: str, seed: bytes) -> None:
    key = Multikey.from_seed(seed)
    proof = check_key_proof(
        sign_key_proof(key, audience=AUD, nonce=nonce, at=NOW), audience=AUD, at=NOW
    )
    assert (proof.holder, proof.nonce) == (key.controller, nonce)


@settings(max_examples=40, deadline=None)
@given(position=st.integers(min_value=0, max_value=10_000))
def test_any_changed_byte_is_refused(position: int) -> None:
    token = sign_key_proof(HOLDER, audience=AUD, nonce="n-1", at=NOW)
    raw = bytearray(token.encode())
    index = position % len(raw)
    if raw[index] == ord("."):
        index = (index + 1) % len(raw)
    raw[index] = ord("A") if raw[index] != ord("A") else ord("B")
    changed = raw.decode()
    try:
        proof = check_key_proof(changed, audience=AUD, at=NOW)
    except KeyProofError:
        return
    # a change to base64url padding bits can leave the decoded token the same
    assert proof.holder == HOLDER.controller and proof.nonce == "n-1"


def test_jwt_vc_json_claims_come_from_the_credential() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential"],
        "issuer": {"id": "did:key:issuer", "name": "Board"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2028-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:key:holder"},
        "proof": {"type": "DataIntegrityProof"},
    }
    token = encode_jwt_credential(document, HOLDER, at=NOW)
    head, payload, _sig = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert json.loads(base64.urlsafe_b64decode(head + "=="))["kid"] == HOLDER.id
    assert decoded["iss"] == "did:key:issuer" and decoded["sub"] == "did:key:holder"
    assert decoded["jti"] == "urn:uuid:1"
    assert decoded["nbf"] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    assert decoded["exp"] == int(datetime(2028, 1, 1, tzinfo=UTC).timestamp())
    assert "proof" not in decoded["vc"]
