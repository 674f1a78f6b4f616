"""VC-JOSE import: compact JWS credentials (``vc+jwt``, OB 3.0 / VC 1.1 JWTs).

Two payload shapes are understood: the VC 2.0 / VC-JOSE-COSE form, where the JWT payload
*is* the credential or presentation, and the VC 1.1 / OB 3.0 form, where it sits in the
``vc`` (or ``vp``) claim next to ``iss``, ``nbf``, ``exp`` and ``jti``. Signatures are
checked with joserfc for EdDSA (``EdDSA`` / ``Ed25519``) and ES256 only.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jws
from joserfc.errors import JoseError as _JoseLibError
from joserfc.jwk import ECKey, OKPKey

from openler.vc import jsontext
from openler.vc.dates import format_datetime
from openler.vc.errors import InputError, JoseError, KeyFormatError
from openler.vc.keys import Multikey
from openler.vc.multibase import (
    ED25519_PUB,
    P256_PUB,
    b64url_decode,
    b64url_encode,
    decode_multibase,
    encode_base58btc,
)

ALGORITHMS = ("EdDSA", "Ed25519", "ES256")
COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
JwkKey = OKPKey | ECKey


def looks_like_jwt(text: str) -> bool:
    return bool(COMPACT.match(text.strip()))


@dataclass(frozen=True)
class UnverifiedJwt:
    """A compact JWS split and decoded, its signature not yet checked."""

    token: str
    header: Mapping[str, Any]
    payload: Mapping[str, Any]

    @property
    def unverified_document(self) -> Mapping[str, Any]:
        """The credential or presentation the JWT carries (``vc``/``vp`` claim or payload)."""
        for claim in ("vc", "vp"):
            inner = self.payload.get(claim)
            if isinstance(inner, Mapping):
                return inner
        return self.payload

    @property
    def issuer(self) -> str | None:
        iss = self.payload.get("iss")
        if isinstance(iss, str):
            return iss
        doc = self.unverified_document
        issuer = doc.get("issuer", doc.get("holder"))
        if isinstance(issuer, Mapping):
            issuer = issuer.get("id")
        return issuer if isinstance(issuer, str) else None

    @property
    def key_id(self) -> str | None:
        """The absolute id of the signing key named by ``kid`` (relative ``#…`` made absolute)."""
        kid = self.header.get("kid")
        if not isinstance(kid, str):
            return None
        if kid.startswith("#") and self.issuer:
            return self.issuer + kid
        if "#" not in kid and kid.startswith("did:key:"):
            return f"{kid}#{kid.removeprefix('did:key:')}"
        return kid


def decode(token: str) -> UnverifiedJwt:
    """Split and decode a compact JWS; raises :class:`JoseError` when it is malformed."""
    token = token.strip()
    if not looks_like_jwt(token):
        raise JoseError("not a compact JWS (three base64url parts separated by dots)")
    head_b64, payload_b64, _sig = token.split(".")
    header = _part(head_b64, "header")
    payload = _part(payload_b64, "payload")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JoseError("JWT header and payload must be JSON objects")
    if header.get("alg") not in ALGORITHMS:
        raise JoseError(f"JWT algorithm {header.get('alg')!r} is not accepted ({ALGORITHMS})")
    if "crit" in header:
        raise JoseError("JWT has critical header parameters that openler does not understand")
    return UnverifiedJwt(token, header, payload)


def _part(encoded: str, name: str) -> Any:
    """One JWT part: base64url of I-JSON text. RFC 7515 §4 and RFC 7519 §4 let a parser
    "either reject JWTs with duplicate Claim Names or ... return only the lexically last":
    openler rejects, in the header and the payload alike."""
    try:
        return jsontext.parse(b64url_decode(encoded))
    except KeyFormatError as exc:
        raise JoseError(f"JWT {name} is not base64url: {exc.message}") from None
    except InputError as exc:
        raise JoseError(f"JWT {name} is not acceptable JSON: {exc.message}") from None


def jwk_from_method(method: Mapping[str, Any]) -> JwkKey:
    """A joserfc public key from a verification method (Multikey or JsonWebKey)."""
    jwk = method.get("publicKeyJwk")
    try:
        if isinstance(jwk, Mapping):
            public = {k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
            if public.get("kty") == "OKP":
                return OKPKey.import_key(public)
            if public.get("kty") == "EC":
                return ECKey.import_key(public)
            raise KeyFormatError(f"unsupported JWK key type {public.get('kty')!r}")
        raw = decode_multibase(str(method.get("publicKeyMultibase", "")))
    except _JoseLibError as exc:
        raise KeyFormatError(f"invalid JWK: {exc}") from None
    if raw[:2] == ED25519_PUB and len(raw) == 34:
        return OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw[2:])})
    if raw[:2] == P256_PUB and len(raw) == 35:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        numbers = point.public_numbers()
        return ECKey.import_key(
            {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(numbers.x.to_bytes(32, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            }
        )
    raise KeyFormatError("verification method holds neither an Ed25519 nor a P-256 key")


def p256_multikey(public: ec.EllipticCurvePublicKey) -> str:
    """``zDn…`` publicKeyMultibase of a P-256 public key (compressed point)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return encode_base58btc(
        P256_PUB + public.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    )


def signature_valid(jwt: UnverifiedJwt, key: JwkKey) -> bool:
    """True when the JWS signature verifies with ``key`` under the header's algorithm."""
    alg = str(jwt.header["alg"])
    if alg == "ES256" and not isinstance(key, ECKey):
        return False
    if alg in ("EdDSA", "Ed25519") and not isinstance(key, OKPKey):
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jws.deserialize_compact(jwt.token, key, algorithms=[alg])
    except _JoseLibError:
        return False
    return True


def encode(
    document: Mapping[str, Any],
    key: Multikey,
    *,
    typ: str = "vc+jwt",
    issued_at: datetime | None = None,
) -> str:
    """Sign ``document`` as a VC-JOSE compact JWS (payload = the credential) with EdDSA.
    Raises :class:`InputError` for a document that is not JSON as ``jsontext`` reads it."""
    jsontext.check(document)
    header = {"alg": "EdDSA", "typ": typ, "kid": key.id}
    payload = dict(document)
    if issued_at is not None:
        payload.setdefault("iat", int(issued_at.timestamp()))
        payload.setdefault("validFrom", format_datetime(issued_at))
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url_encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    )
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"
