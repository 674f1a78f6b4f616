"""Ed25519 keys in Multikey form.

A :class:`Multikey` holds a public key and, optionally, its secret. It reads and writes the
Multikey JSON of the W3C Controlled Identifiers specification::

    {"type": "Multikey", "id": "did:key:z6Mk…#z6Mk…", "controller": "did:key:z6Mk…",
     "publicKeyMultibase": "z6Mk…", "secretKeyMultibase": "z3u2…"}

A document holding only ``publicKeyMultibase`` and ``secretKeyMultibase`` (or the
``privateKeyMultibase`` spelling of the W3C test vectors) is read as a did:key key.

>>> key = Multikey.from_seed(bytes(32))
>>> key.controller.startswith("did:key:z6Mk")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from nacl.bindings import crypto_sign, crypto_sign_open, crypto_sign_seed_keypair
from nacl.exceptions import BadSignatureError

from openler.vc.errors import KeyFormatError
from openler.vc.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    decode_multibase,
    encode_base58btc,
)

MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"


def public_key_multibase(public: bytes) -> str:
    """``z6Mk…`` form of a raw 32-byte Ed25519 public key."""
    return encode_base58btc(ED25519_PUB + public)


def decode_public_key_multibase(value: str) -> bytes:
    """Raw Ed25519 public key from its ``publicKeyMultibase`` value."""
    raw = decode_multibase(value)
    if raw[:2] != ED25519_PUB or len(raw) != 34:
        raise KeyFormatError(
            "publicKeyMultibase is not an Ed25519 Multikey (expected multicodec 0xed01 and "
            "32 key bytes)"
        )
    return raw[2:]


def verify_ed25519(public: bytes, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``data`` by the 32-byte
    public key ``public``. Uses libsodium (PyNaCl), about twice as fast as OpenSSL here,
    and strict: non-canonical signatures and small-order keys are refused."""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        crypto_sign_open(signature + data, public)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Multikey:
    """An Ed25519 key pair (or public key) with its controller and verification method id."""

    public: bytes
    controller: str
    id: str
    _secret: Ed25519PrivateKey | None = field(default=None, repr=False, compare=False)

    @classmethod
    def generate(cls) -> Multikey:
        """A new key from the operating system's randomness, controlled by its did:key."""
        return cls._from_private(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Multikey:
        """The key whose 32-byte Ed25519 seed is ``seed`` (deterministic; for tests)."""
        if len(seed) != 32:
            raise KeyFormatError("an Ed25519 seed is 32 bytes")
        return cls._from_private(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def _from_private(
        cls, secret: Ed25519PrivateKey, controller: str | None = None, id: str | None = None
    ) -> Multikey:
        public = secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        multibase = public_key_multibase(public)
        controller = controller or f"did:key:{multibase}"
        return cls(public, controller, id or _default_id(controller, multibase), secret)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Multikey:
        """Read a Multikey document; raises :class:`KeyFormatError` with the reason."""
        if not isinstance(doc, Mapping):
            raise KeyFormatError("a key file must hold a JSON object")
        pub_mb = doc.get("publicKeyMultibase")
        if not isinstance(pub_mb, str):
            raise KeyFormatError("key file has no publicKeyMultibase")
        public = decode_public_key_multibase(pub_mb)
        controller = doc.get("controller") or f"did:key:{pub_mb}"
        if not isinstance(controller, str):
            raise KeyFormatError("controller must be a string")
        key_id = doc.get("id") or _default_id(controller, pub_mb)
        if not isinstance(key_id, str):
            raise KeyFormatError("id must be a string")
        if key_id.startswith("#"):
            key_id = controller + key_id
        secret_mb = doc.get("secretKeyMultibase", doc.get("privateKeyMultibase"))
        if secret_mb is None:
            return cls(public, controller, key_id)
        if not isinstance(secret_mb, str):
            raise KeyFormatError("secretKeyMultibase must be a string")
        raw = decode_multibase(secret_mb)
        if raw[:2] != ED25519_PRIV or len(raw) != 34:
            raise KeyFormatError(
                "secretKeyMultibase is not an Ed25519 secret key (expected multicodec 0x1300 "
                "and a 32-byte seed)"
            )
        secret = Ed25519PrivateKey.from_private_bytes(raw[2:])
        derived = secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        if derived != public:
            raise KeyFormatError("secretKeyMultibase does not belong to publicKeyMultibase")
        return cls(public, controller, key_id, secret)

    @property
    def public_key_multibase(self) -> str:
        return public_key_multibase(self.public)

    @property
    def has_secret(self) -> bool:
        return self._secret is not None

    def with_controller(self, controller: str, key_id: str) -> Multikey:
        """The same key published under another controller (did:web, an HTTPS profile)."""
        return Multikey(self.public, controller, key_id, self._secret)

    def sign(self, data: bytes) -> bytes:
        if self._secret is None:
            raise KeyFormatError(f"key {self.id} has no secret key; it can only verify")
        signed: bytes = crypto_sign(data, self._libsodium_secret())
        return signed[:64]

    def _libsodium_secret(self) -> bytes:
        """libsodium's 64-byte form of the secret, derived on first use and kept."""
        sk: bytes | None = self.__dict__.get("_sodium_secret")
        if sk is None:
            if self._secret is None:
                raise KeyFormatError(f"key {self.id} has no secret key")
            _pk, sk = crypto_sign_seed_keypair(self._secret.private_bytes_raw())
            object.__setattr__(self, "_sodium_secret", sk)
        return sk

    def verify(self, signature: bytes, data: bytes) -> bool:
        return verify_ed25519(self.public, signature, data)

    def public_json(self) -> dict[str, str]:
        """The verification method as published in a DID or controller document."""
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
        }

    def secret_seed(self) -> bytes:
        """The 32-byte Ed25519 seed, for sealing at rest. Never log or return it."""
        if self._secret is None:
            raise KeyFormatError(f"key {self.id} has no secret key")
        return self._secret.private_bytes_raw()

    def secret_json(self) -> dict[str, str]:
        """The key file: public form plus ``secretKeyMultibase``. Handle with care."""
        if self._secret is None:
            raise KeyFormatError(f"key {self.id} has no secret key")
        seed = self._secret.private_bytes_raw()
        return {
            "@context": MULTIKEY_CONTEXT,
            **self.public_json(),
            "secretKeyMultibase": encode_base58btc(ED25519_PRIV + seed),
        }


def _default_id(controller: str, multibase: str) -> str:
    if controller.startswith("did:key:"):
        return f"{controller}#{controller.removeprefix('did:key:')}"
    return f"{controller}#{multibase}"
