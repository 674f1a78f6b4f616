"""Proofs of possession of a wallet's key (OpenID4VCI 1.0 §8.2.1.1, the ``jwt`` proof type)
and the ``jwt_vc_json`` credential format (OpenID4VCI 1.0 Appendix A.1.1).

A wallet asking for a credential signs a small JWT — ``typ: openid4vci-proof+jwt``, ``aud``
the credential issuer's identifier, ``iat`` now, ``nonce`` the issuer's fresh ``c_nonce`` —
with the key the credential is to be bound to, named by ``kid`` (a ``did:key`` or a
``did:jwk`` verification method) or given inline as ``jwk``. :func:`check_key_proof` checks
all of that and answers the holder's DID (the ``did:key``, or the ``did:jwk`` of an inline
key); whether the nonce is fresh is the caller's to decide (it keeps the nonces)::

    proof = sign_key_proof(holder, audience=issuer_id, nonce=c_nonce, at=now)
    checked = check_key_proof(proof, audience=issuer_id, at=now)
    checked.holder   # 'did:key:z6Mk…', what credentialSubject.id becomes

Ed25519 (``EdDSA``) and P-256 (``ES256``) keys are accepted; openler signs with Ed25519.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc.errors import JoseError as _JoseLibError
from joserfc.jwk import ECKey, OKPKey

from openler.vc import jose
from openler.vc.dates import parse_datetime
from openler.vc.errors import InputError, JoseError, KeyFormatError, KeyProofError
from openler.vc.keys import Multikey
from openler.vc.multibase import b64url_decode, b64url_encode

PROOF_TYPE = "openid4vci-proof+jwt"
#: how old a proof may be (its ``iat``), and how far ahead of our clock it may be
MAX_AGE = timedelta(minutes=5)
LEEWAY = timedelta(seconds=60)
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


@dataclass(frozen=True)
class KeyProof:
    """A checked proof: the holder's DID (what the credential is bound to), the key's
    verification method id, and the ``nonce`` the proof carries (unverified freshness:
    the caller compares it with the nonces it gave out)."""

    holder: str
    key_id: str
    nonce: str | None
    issued_at: datetime


def did_jwk(jwk: Mapping[str, Any]) -> str:
    """The ``did:jwk`` of a public JWK (its members that define the key, in order)."""
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y") if k in jwk}
    text = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return "did:jwk:" + b64url_encode(text.encode("utf-8"))


def _import_jwk(jwk: Any) -> jose.JwkKey:
    if not isinstance(jwk, Mapping):
        raise KeyProofError("the proof's jwk header must be a JSON object")
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise KeyProofError("the proof's jwk holds a private key: send the public key only")
    try:
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return OKPKey.import_key(dict(jwk))
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            return ECKey.import_key(dict(jwk))
    except (_JoseLibError, ValueError, TypeError) as exc:
        raise KeyProofError(f"the proof's jwk is not a key: {exc}") from None
    raise KeyProofError("the proof's key must be Ed25519 (OKP) or P-256 (EC)")


def _key_of_kid(kid: str) -> tuple[str, str, jose.JwkKey]:
    """(holder DID, method id, public key) of a ``did:key`` or ``did:jwk`` kid."""
    did, _, fragment = kid.partition("#")
    try:
        if did.startswith("did:key:"):
            multibase = did.removeprefix("did:key:")
            if fragment and fragment != multibase:
                raise KeyProofError(f"{kid} names no key of {did}")
            key = jose.jwk_from_method({"publicKeyMultibase": multibase})
            return did, f"{did}#{multibase}", key
        if did.startswith("did:jwk:"):
            if fragment not in ("", "0"):
                raise KeyProofError(f"{kid} names no key of {did} (its key is #0)")
            jwk = json.loads(b64url_decode(did.removeprefix("did:jwk:")))
            return did, f"{did}#0", _import_jwk(jwk)
    except (KeyFormatError, ValueError) as exc:
        raise KeyProofError(f"the proof's kid {kid} is not a key openler can read: {exc}") from None
    raise KeyProofError(
        f"the proof's kid {kid} is neither a did:key nor a did:jwk: "
        "name the key by one of those, or send it as jwk"
    )


def check_key_proof(token: str, *, audience: str, at: datetime) -> KeyProof:
    """Check a ``jwt`` proof of possession made for ``audience`` (the credential issuer's
    identifier) at about ``at``; raises :class:`KeyProofError` saying what is wrong."""
    try:
        jwt = jose.decode(token)
    except JoseError as exc:
        raise KeyProofError(f"the proof is not a JWT openler accepts: {exc.message}") from None
    header, payload = jwt.header, jwt.payload
    if header.get("typ") != PROOF_TYPE:
        raise KeyProofError(f"the proof's typ must be {PROOF_TYPE!r}, not {header.get('typ')!r}")
    named = [name for name in ("kid", "jwk", "x5c", "trust_chain") if name in header]
    if named not in (["kid"], ["jwk"]):
        raise KeyProofError(
            "the proof must name its key by exactly one of kid (a did:key or did:jwk) and jwk"
            + (f"; it has {', '.join(named)}" if named else "")
        )
    if "kid" in header:
        kid = header["kid"]
        if not isinstance(kid, str):
            raise KeyProofError("the proof's kid must be a string")
        holder, key_id, key = _key_of_kid(kid)
    else:
        key = _import_jwk(header["jwk"])
        holder = did_jwk(key.as_dict(private=False))
        key_id = f"{holder}#0"
    if not jose.signature_valid(jwt, key):
        raise KeyProofError("the proof's signature does not verify with the key it names")
    aud = payload.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise KeyProofError(f"the proof is for {aud!r}, not for this issuer ({audience})")
    iat = payload.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise KeyProofError("the proof has no iat (when it was made, in seconds)")
    try:
        issued = datetime.fromtimestamp(iat, tz=at.tzinfo)
    except (OverflowError, OSError, ValueError):  # no calendar date: a hostile wallet's
        raise KeyProofError("the proof's iat is not a time (seconds since 1970)") from None
    if issued > at + LEEWAY:
        raise KeyProofError("the proof was made in the future (iat): check the wallet's clock")
    if issued < at - MAX_AGE:
        raise KeyProofError(f"the proof is older than {int(MAX_AGE.total_seconds())} seconds")
    exp = payload.get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool) and exp <= at.timestamp():
        raise KeyProofError("the proof has expired (exp)")
    nonce = payload.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise KeyProofError("the proof's nonce must be a string")
    return KeyProof(holder=holder, key_id=key_id, nonce=nonce, issued_at=issued)


def _compact(header: Mapping[str, Any], payload: Mapping[str, Any], key: Multikey) -> str:
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url_encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def sign_key_proof(
    key: Multikey, *, audience: str, nonce: str | None, at: datetime, client_id: str | None = None
) -> str:
    """A ``jwt`` proof of possession of ``key`` (named by its did:key method) for the
    credential issuer ``audience``, with the issuer's ``nonce``."""
    payload: dict[str, Any] = {"aud": audience, "iat": int(at.timestamp())}
    if nonce is not None:
        payload["nonce"] = nonce
    if client_id is not None:
        payload["iss"] = client_id
    return _compact({"alg": "EdDSA", "typ": PROOF_TYPE, "kid": key.id}, payload, key)


def _seconds(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return int(parse_datetime(value).timestamp())
    except InputError:
        return None


def encode_jwt_credential(document: Mapping[str, Any], key: Multikey, *, at: datetime) -> str:
    """``document`` (a credential without a Data Integrity proof) as a ``jwt_vc_json``
    credential: a JWS signed with ``key`` whose ``vc`` claim is the credential, with the
    registered claims VC Data Model 1.1 §6.3.1 derives from it (``iss``, ``sub``, ``jti``,
    ``nbf``, ``exp``) — the encoding Open Badges 3.0 §8.2 uses as well."""
    credential = {k: v for k, v in document.items() if k != "proof"}
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    subject = credential.get("credentialSubject")
    payload: dict[str, Any] = {"iss": issuer_id, "iat": int(at.timestamp())}
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        payload["sub"] = subject["id"]
    if isinstance(credential.get("id"), str):
        payload["jti"] = credential["id"]
    nbf = _seconds(credential.get("validFrom", credential.get("issuanceDate")))
    if nbf is not None:
        payload["nbf"] = nbf
    exp = _seconds(credential.get("validUntil", credential.get("expirationDate")))
    if exp is not None:
        payload["exp"] = exp
    payload["vc"] = credential
    return _compact({"alg": "EdDSA", "typ": "JWT", "kid": key.id}, payload, key)
