"""Private keys at rest: AES-256-GCM under the key-encryption key from settings.

The ``KeyVault`` interface is what an external KMS would implement later.
"""

from __future__ import annotations

import os
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openler.services.context import Platform
from openler.services.errors import ServiceError


class KeyVault(Protocol):
    def seal(self, secret: bytes, *, label: str) -> bytes: ...

    def open(self, sealed: bytes, *, label: str) -> bytes: ...


class LocalKeyVault:
    """Seals secrets with AES-256-GCM; ``label`` (the key's id) is authenticated too, so a
    sealed secret copied onto another key's row does not open."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != 32:
            raise ServiceError("the key-encryption key must be 32 bytes")
        self._aead = AESGCM(kek)

    def seal(self, secret: bytes, *, label: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, secret, label.encode("utf-8"))

    def open(self, sealed: bytes, *, label: str) -> bytes:
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], label.encode("utf-8"))
        except InvalidTag:
            raise ServiceError(
                "an issuer key could not be decrypted: wrong key-encryption key, or the "
                "stored key was altered"
            ) from None

    def __repr__(self) -> str:
        return "LocalKeyVault(<key-encryption key hidden>)"


def vault(platform: Platform) -> LocalKeyVault:
    """The key vault of this deployment (the settings' key-encryption key)."""
    return LocalKeyVault(platform.settings.kek())
