"""A trust registry kept in a JSON file, for use without a server, and signed snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from openler.services.errors import UsageError
from openler.services.files.atomic import write_json_atomic
from openler.services.files.documents import load_key, read_json_file
from openler.vc import (
    CredentialFacts,
    EntryState,
    Recognition,
    Scope,
    TrustDecision,
    TrustEntry,
    TrustRegistry,
    VCError,
    add_proof,
    load_trust_snapshot,
    verify,
)


def load_registry(
    path: str | Path, *, create: bool = False, at: datetime | None = None
) -> TrustRegistry:
    """A registry from a working file, or from a signed snapshot (verified first)."""
    if create and not Path(path).exists():
        return TrustRegistry()
    data = read_json_file(path, "trust registry")
    try:
        if isinstance(data, dict) and "TrustRegistryCredential" in (data.get("type") or []):
            if at is None:
                raise UsageError("a time is needed to verify a snapshot")
            return load_trust_snapshot(data, at=at)
        return TrustRegistry.from_json(data)
    except VCError as exc:
        raise UsageError(f"{path}: {exc.message}") from None


def save_registry(registry: TrustRegistry, path: str | Path) -> None:
    write_json_atomic(path, registry.to_json())


def scope(types: Sequence[str], occupations: Sequence[str], credentials: Sequence[str]) -> Scope:
    return Scope(tuple(types), tuple(occupations), tuple(credentials))


def add_entry(path: str | Path, entry: TrustEntry) -> TrustRegistry:
    registry = load_registry(path, create=True)
    registry.add(entry)
    save_registry(registry, path)
    return registry


def remove_entry(path: str | Path, issuer: str) -> TrustEntry:
    registry = load_registry(path)
    try:
        removed = registry.remove(issuer)
    except VCError as exc:
        raise UsageError(exc.message) from None
    save_registry(registry, path)
    return removed


def change_state(
    path: str | Path, issuer: str, state: EntryState, *, at: datetime, reason: str | None
) -> TrustEntry:
    registry = load_registry(path)
    try:
        entry = registry.set_state(issuer, state, at=at, reason=reason)
    except VCError as exc:
        raise UsageError(exc.message) from None
    save_registry(registry, path)
    return entry


def add_recognition(path: str | Path, rule: Recognition) -> None:
    registry = load_registry(path, create=True)
    registry.recognise(rule)
    save_registry(registry, path)


def export_snapshot(
    path: str | Path, *, key_file: str | Path, registry_id: str, out: str | Path, at: datetime
) -> dict[str, object]:
    """Sign the registry as a ``TrustRegistryCredential`` with the authority's key."""
    registry = load_registry(path)
    key = load_key(key_file)
    signed = add_proof(
        registry.snapshot(registry_id=registry_id, authority=key.controller, at=at), key, created=at
    )
    report = verify(signed, at=at)
    if not report.verified:  # never hand out a snapshot that would not verify
        raise UsageError(f"the snapshot did not verify after signing: {report.summary}")
    write_json_atomic(out, signed)
    return signed


def check_issuer(
    path: str | Path,
    issuer: str,
    *,
    at: datetime,
    facts: CredentialFacts,
    jurisdiction: str | None,
) -> TrustDecision:
    return load_registry(path, at=at).decide(issuer, facts, at=at, jurisdiction=jurisdiction)
