"""Shared fixtures: the world a test runs in is built here, never patched."""

from __future__ import annotations

import copy
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from openler.vc import DocumentLoader, Multikey

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLES_CONTEXT_URL = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES_CONTEXT = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}
NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


def shared_path(*parts: str) -> Path:
    """A path in ../shared; skips the test with the reason when ../shared is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: this test compares with the reference copies in ../shared")
    return path


def load_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


@pytest.fixture
def loader() -> DocumentLoader:
    """Bundled contexts plus the W3C examples context the test vectors use."""
    return DocumentLoader({EXAMPLES_CONTEXT_URL: EXAMPLES_CONTEXT})


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def license_template() -> dict[str, Any]:
    text = resources.files("openler.demo").joinpath("rn-license.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.fixture
def key_factory() -> Callable[[int], Multikey]:
    """Deterministic keys: key_factory(1), key_factory(2) …"""
    return lambda n: Multikey.from_seed(bytes([n]) * 32)


@pytest.fixture
def issuer_key(key_factory: Callable[[int], Multikey]) -> Multikey:
    return key_factory(1)


@pytest.fixture
def holder_key(key_factory: Callable[[int], Multikey]) -> Multikey:
    return key_factory(2)


@pytest.fixture
def signed_license(
    license_template: dict[str, Any], issuer_key: Multikey, holder_key: Multikey
) -> dict[str, Any]:
    from openler.vc import sign_credential

    doc = copy.deepcopy(license_template)
    doc["credentialSubject"]["id"] = holder_key.controller
    return sign_credential(doc, issuer_key, created=NOW)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Any attempt to open a network connection is recorded and refused."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network access attempted in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts
