"""Status list files for issuers without a server: create, flip an entry, read an entry."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openler.services.errors import UsageError
from openler.services.files.atomic import write_json_atomic
from openler.services.files.documents import load_key, read_json_file
from openler.vc import MIN_STATUS_ENTRIES as MIN_ENTRIES
from openler.vc import STATUS_PURPOSES as PURPOSES
from openler.vc import (
    Bitstring,
    StatusListError,
    add_proof,
    format_datetime,
    status_list_credential,
)
from openler.vc import read_status_list as read_list
from openler.vc import status_list_with_bits as with_bits


def create_list(
    *,
    list_url: str,
    purpose: str,
    key_file: str | Path,
    out: str | Path,
    at: datetime,
    size: int = 1,
    entries: int = MIN_ENTRIES,
    ttl_ms: int | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """Write a signed, empty ``BitstringStatusListCredential`` to ``out``."""
    if purpose not in PURPOSES:
        raise UsageError(f"--purpose must be one of {', '.join(PURPOSES)}")
    if Path(out).exists():
        raise UsageError(f"{out} already exists; refusing to replace a status list")
    key = load_key(key_file)
    try:
        bits = Bitstring.empty(entries, size)
        unsigned = status_list_credential(
            list_url=list_url,
            issuer=key.controller,
            purpose=purpose,  # type: ignore[arg-type]
            bits=bits,
            valid_from=format_datetime(at),
            valid_until=format_datetime(valid_until) if valid_until else None,
            ttl_ms=ttl_ms,
        )
    except StatusListError as exc:
        raise UsageError(exc.message) from None
    signed = add_proof(unsigned, key, created=at)
    write_json_atomic(out, signed)
    return signed


def _load(path: str | Path, size: int) -> tuple[dict[str, Any], Bitstring]:
    credential = read_json_file(path, "status list")
    if not isinstance(credential, dict):
        raise UsageError(f"{path} is not a status list credential")
    try:
        _purposes, bits = read_list(credential, size)
    except StatusListError as exc:
        raise UsageError(f"{path}: {exc.message}") from None
    return credential, bits


def set_entry(
    path: str | Path, *, index: int, value: int, key_file: str | Path, at: datetime, size: int = 1
) -> int:
    """Set entry ``index`` to ``value``, re-sign the list in place; returns the old value."""
    credential, bits = _load(path, size)
    key = load_key(key_file)
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != key.controller:
        raise UsageError(f"{path} is issued by {issuer_id}; the key belongs to {key.controller}")
    try:
        old = bits.get(index)
        bits.set(index, value)
    except StatusListError as exc:
        raise UsageError(exc.message) from None
    updated = with_bits(credential, bits, valid_from=format_datetime(at))
    write_json_atomic(path, add_proof(updated, key, created=at))
    return old


def get_entry(path: str | Path, *, index: int, size: int = 1) -> int:
    _credential, bits = _load(path, size)
    try:
        return bits.get(index)
    except StatusListError as exc:
        raise UsageError(exc.message) from None
