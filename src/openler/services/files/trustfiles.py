"""A trust registry kept in a JSON file, for use without a server, and signed snapshots.

The same rules as the platform's registry (``services.office.registry_input``): entries and
rules are checked; an issuer already in the file is never replaced by ``add`` (an edit
shows the old and the new); entries and rules can be removed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openler.services.errors import UsageError
from openler.services.files.atomic import write_json_atomic
from openler.services.files.documents import load_key, read_json_file
from openler.services.office.registry_input import (
    Edit,
    check_entry,
    check_name,
    checked_entry,
    checked_recognition,
)
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
    """Add a new issuer; one already in the file is refused (use :func:`plan_edit`)."""
    entry = checked_entry(entry)
    registry = load_registry(path, create=True)
    old = registry.entries.get(entry.issuer)
    if old is not None:
        raise UsageError(
            f"{entry.issuer} is already in {path} as {old.name} ({old.jurisdiction}); nothing "
            f"was changed. Change it with `openler trust edit`, which shows the old and the new"
        )
    registry.add(entry)
    save_registry(registry, path)
    return registry


def plan_edit(path: str | Path, issuer: str, changes: Mapping[str, Any]) -> Edit:
    """The entry as it is and as ``changes`` (fields of the entry's JSON) would make it; the
    DID and the state stay. Nothing is written."""
    registry = load_registry(path)
    old = registry.entries.get(issuer)
    if old is None:
        raise UsageError(f"{issuer} is not in {path}")
    new = check_entry({**old.to_json(), **changes, "issuer": issuer, "state": old.state})
    edit = Edit(old, new)
    if not edit.changes:
        raise UsageError("the edit changes nothing")
    return edit


def apply_edit(path: str | Path, edit: Edit) -> None:
    registry = load_registry(path)
    if registry.entries.get(edit.old.issuer) != edit.old:
        raise UsageError(f"{path} changed while the edit was being confirmed; run it again")
    registry.add(edit.new)
    save_registry(registry, path)


def entry_of(path: str | Path, issuer: str) -> TrustEntry:
    entry = load_registry(path).entries.get(issuer)
    if entry is None:
        raise UsageError(f"{issuer} is not in {path}")
    return entry


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
    if reason is not None:
        reason = check_name(reason, "the reason")
    try:
        entry = registry.set_state(issuer, state, at=at, reason=reason)
    except VCError as exc:
        raise UsageError(exc.message) from None
    save_registry(registry, path)
    return entry


def add_recognition(path: str | Path, rule: Recognition) -> None:
    rule = checked_recognition(rule)
    registry = load_registry(path, create=True)
    if rule in registry.recognitions:
        raise UsageError(f"the rule {rule.name!r} is already in {path}; nothing was added")
    registry.recognise(rule)
    save_registry(registry, path)


def rules_named(path: str | Path, name: str, jurisdiction: str | None) -> list[Recognition]:
    """The rules called ``name`` (in ``jurisdiction`` when given)."""
    return [
        rule
        for rule in load_registry(path).recognitions
        if rule.name == name and (jurisdiction is None or rule.jurisdiction == jurisdiction)
    ]


def remove_recognition(path: str | Path, rule: Recognition) -> None:
    registry = load_registry(path)
    if rule not in registry.recognitions:
        raise UsageError(f"the rule {rule.name!r} is not in {path}")
    registry.recognitions.remove(rule)
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
