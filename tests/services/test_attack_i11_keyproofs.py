"""Attack pass on issue 11: hostile wallets' proofs of possession (``vc/keyproofs``).

Each attack is refused with a :class:`KeyProofError` (the issuer answers ``invalid_proof``),
never an unexpected exception (which the credential endpoint would answer with a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openler.vc import KeyProofError, Multikey, check_key_proof, sign_key_proof
from openler.vc.multibase import b64url_encode
from tests.conftest import NOW

AUDIENCE = "https://openler.example/orgs/ohio-nursing"


def _part(value: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def _sign(header: dict[str, Any], payload: dict[str, Any], key: Multikey) -> str:
    signing_input = f"{_part(header)}.{_part(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode()))}"


def _jwk(key: Multikey) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key.public)}


def _header(key: Multikey, **over: Any) -> dict[str, Any]:
    return {"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": key.id, **over}


def _payload(**over: Any) -> dict[str, Any]:
    return {"aud": AUDIENCE, "iat": int(NOW.timestamp()), "nonce": "n", **over}


@pytest.mark.parametrize("iat", [10**20, -(10**20), 1e300, 253402300800])
def test_an_iat_out_of_any_calendar_is_invalid_proof_not_a_crash(iat: Any) -> None:
    key = Multikey.generate()
    with pytest.raises(KeyProofError):
        check_key_proof(_sign(_header(key), _payload(iat=iat), key), audience=AUDIENCE, at=NOW)


@pytest.mark.parametrize("exp", [10**20, -(10**20)])
def test_an_absurd_exp_is_no_crash(exp: int) -> None:
    key = Multikey.generate()
    token = _sign(_header(key), _payload(exp=exp), key)
    if exp < 0:
        with pytest.raises(KeyProofError):
            check_key_proof(token, audience=AUDIENCE, at=NOW)
    else:
        assert check_key_proof(token, audience=AUDIENCE, at=NOW).holder == key.controller


def test_alg_none_and_an_empty_signature_are_refused() -> None:
    key = Multikey.generate()
    unsigned = f"{_part(_header(key, alg='none'))}.{_part(_payload())}."
    with pytest.raises(KeyProofError):
        check_key_proof(unsigned, audience=AUDIENCE, at=NOW)
    signed = _sign(_header(key), _payload(), key)
    with pytest.raises(KeyProofError):
        check_key_proof(signed.rsplit(".", 1)[0] + ".", audience=AUDIENCE, at=NOW)


def test_alg_confusion_hs256_with_the_public_key_as_secret_is_refused() -> None:
    import hashlib
    import hmac

    key = Multikey.generate()
    header = _header(key, alg="HS256")
    signing_input = f"{_part(header)}.{_part(_payload())}"
    for secret in (key.public_key_multibase.encode(), key.id.encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(KeyProofError):
            check_key_proof(f"{signing_input}.{b64url_encode(mac)}", audience=AUDIENCE, at=NOW)


def test_a_did_jwk_kid_carrying_a_private_key_is_refused() -> None:
    from openler.vc.keyproofs import did_jwk

    key = Multikey.generate()
    public = _jwk(key)
    private = {**public, "d": b64url_encode(b"\x01" * 32)}
    did = "did:jwk:" + b64url_encode(json.dumps(private).encode())
    with pytest.raises(KeyProofError, match="private"):
        check_key_proof(
            _sign(_header(key, kid=f"{did}#0"), _payload(), key), audience=AUDIENCE, at=NOW
        )
    assert did_jwk(public).startswith("did:jwk:")


def test_kid_and_jwk_both_or_a_kid_on_a_did_web_are_refused() -> None:
    key = Multikey.generate()
    both = _header(key, jwk=_jwk(key))
    with pytest.raises(KeyProofError, match="exactly one"):
        check_key_proof(_sign(both, _payload(), key), audience=AUDIENCE, at=NOW)
    web = _header(key, kid="did:web:openler.example:orgs:ohio-nursing#key-1")
    with pytest.raises(KeyProofError, match="neither a did:key nor a did:jwk"):
        check_key_proof(_sign(web, _payload(), key), audience=AUDIENCE, at=NOW)


def test_a_kid_naming_another_did_key_is_refused() -> None:
    holder, other = Multikey.generate(), Multikey.generate()
    with pytest.raises(KeyProofError, match="does not verify"):
        check_key_proof(_sign(_header(other), _payload(), holder), audience=AUDIENCE, at=NOW)
    # the kid's fragment must be the DID's own key
    odd = _header(holder, kid=f"{holder.controller}#{other.public_key_multibase}")
    with pytest.raises(KeyProofError):
        check_key_proof(_sign(odd, _payload(), holder), audience=AUDIENCE, at=NOW)


def test_an_audience_list_that_names_us_is_taken_but_a_lookalike_is_not() -> None:
    key = Multikey.generate()
    ok = sign_key_proof(key, audience=AUDIENCE, nonce="n", at=NOW)
    assert check_key_proof(ok, audience=AUDIENCE, at=NOW).nonce == "n"
    for aud in (AUDIENCE + "/", AUDIENCE.upper(), [AUDIENCE + "x"], {"aud": AUDIENCE}):
        token = _sign(_header(key), _payload(aud=aud), key)
        with pytest.raises(KeyProofError):
            check_key_proof(token, audience=AUDIENCE, at=NOW)
