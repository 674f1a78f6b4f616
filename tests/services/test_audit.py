"""The audit trail against someone who can write to the database but holds no key outside it:
each kind of tampering is reported BROKEN, saying what and where (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import delete, select, update

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import Conflict
from openler.store.models import AuditEvent
from tests.conftest import NOW

EVENTS = 6


def fill(platform: Any, count: int = EVENTS) -> None:
    """``count`` events, the times with microseconds (a sub-second edit must show)."""
    with platform.db.session() as s:
        for n in range(count):
            audit.record(
                s,
                at=NOW + timedelta(seconds=n, microseconds=1000 * n + 7),
                actor=f"person:{n}",
                action="credential.issue",
                subject=f"urn:uuid:{n}",
                data={"n": n},
            )


def verify(platform: Any, extra: tuple[Path, ...] = ()) -> audit.ChainReport:
    return audit.verify_trail(platform, extra)


def recompute_from(s: Any, seq: int, keys: audit.AuditKeys | None = None) -> None:
    """What an attacker without the audit key does after an edit: the chain algorithm is
    public, so they recompute every hash and link from ``seq`` on (and, with ``keys`` of
    their own, the keyed digests too)."""
    events = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
    prev = audit.GENESIS
    for event in events:
        if event.seq >= seq:
            event.prev_hash = prev
            event.hash = audit._digest(
                prev, event.seq, event.at, event.actor, event.action, event.subject, event.data
            )
            if keys is not None:
                event.mac = keys.mac(event.hash)
            s.flush()
        prev = event.hash


def test_an_untouched_trail_verifies_and_says_what_it_checked(platform: Any) -> None:
    fill(platform)
    report = verify(platform)
    assert report.ok and report.events == EVENTS
    assert "chain and keyed digests intact" in report.message
    assert any("no checkpoint yet" in note for note in report.notes)
    audit.write_checkpoint(platform)
    report = verify(platform)
    assert report.ok, report.message
    assert f"1 checkpoint(s), the latest of {NOW:%Y-%m-%dT%H:%M:%S}Z at event {EVENTS}" in (
        report.message
    )
    assert report.notes == ()


def test_events_carry_a_keyed_digest_that_the_database_cannot_make(platform: Any) -> None:
    fill(platform, 1)
    keys = audit.AuditKeys.from_settings(platform.settings)
    with platform.db.session() as s:
        event = s.get(AuditEvent, 1)
        assert event.mac == keys.mac(event.hash)
        other = audit.AuditKeys(lambda: b"\x01" * 32)
        assert event.mac != other.mac(event.hash)


def test_an_edit_is_named(platform: Any) -> None:
    fill(platform)
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="person:x"))
    report = verify(platform)
    assert not report.ok
    assert report.message.startswith("event 3 (credential.issue at 2026-11-24T12:00:02.002007Z)")
    assert "was edited after it was written" in report.message


def test_a_sub_second_edit_of_the_time_is_named(platform: Any) -> None:
    fill(platform)
    with platform.db.session() as s:
        event = s.get(AuditEvent, 4)
        event.at = event.at + timedelta(microseconds=1)
    report = verify(platform)
    assert not report.ok and "event 4" in report.message and "edited" in report.message


def test_an_edit_with_the_chain_recomputed_fails_the_keyed_digest(platform: Any) -> None:
    fill(platform)
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(subject="urn:uuid:other"))
        recompute_from(s, 2)
    report = verify(platform)
    assert not report.ok
    assert report.message.startswith("event 2 (credential.issue")
    assert "fails its keyed digest" in report.message
    assert "without the audit key" in report.message


def test_keyed_digests_made_with_another_key_fail(platform: Any) -> None:
    fill(platform)
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 5).values(data={"n": 50}))
        recompute_from(s, 5, audit.AuditKeys(lambda: b"\x02" * 32))
    report = verify(platform)
    assert not report.ok and "event 5" in report.message and "keyed digest" in report.message


def test_a_removed_keyed_digest_is_named(platform: Any) -> None:
    fill(platform)
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == EVENTS).values(mac=None))
    report = verify(platform)
    assert not report.ok
    assert f"event {EVENTS}" in report.message and "keyed digest was removed" in report.message


def test_a_deletion_in_the_middle_is_named(platform: Any) -> None:
    fill(platform)
    with platform.db.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    report = verify(platform)
    assert not report.ok and report.message == "event 3 is missing (the next is 4): deleted"


def test_a_cut_off_tail_is_caught_by_the_checkpoint(platform: Any) -> None:
    fill(platform)
    audit.write_checkpoint(platform)
    with platform.db.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq > 4))
    report = verify(platform)
    assert not report.ok
    assert report.message == (
        f"the trail ends at event 4, but the checkpoint of {NOW:%Y-%m-%dT%H:%M:%S}Z recorded "
        f"{EVENTS} events: events 5–{EVENTS} were deleted (the tail was cut off)"
    )


def test_a_deleted_trail_is_caught_by_the_checkpoint(platform: Any) -> None:
    fill(platform)
    audit.write_checkpoint(platform)
    with platform.db.session() as s:
        s.execute(delete(AuditEvent))
    report = verify(platform)
    assert not report.ok
    assert report.message.startswith("the audit trail is empty, but the checkpoint of")
    assert f"recorded {EVENTS} events: the trail was deleted" in report.message


def test_a_trail_rebuilt_from_scratch_does_not_match_the_checkpoint(platform: Any) -> None:
    """A new database (or a trail rewritten by someone holding the audit key, e.g. a copy
    of the settings) still disagrees with the head that was signed."""
    fill(platform)
    audit.write_checkpoint(platform)
    with platform.db.session() as s:
        s.execute(delete(AuditEvent))
    fill(platform, EVENTS + 2)
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor="person:x"))
        recompute_from(s, 1, audit.AuditKeys.from_settings(platform.settings))
    report = verify(platform)
    assert not report.ok
    assert f"event {EVENTS} (credential.issue" in report.message
    assert "is not the event the checkpoint of" in report.message
    assert "was rewritten" in report.message


def test_checkpoints_cover_the_truncation_of_a_later_tail(platform: Any) -> None:
    fill(platform, 3)
    audit.write_checkpoint(platform)
    fill(platform, 3)
    audit.write_checkpoint(platform)
    with platform.db.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.seq == 6))
    report = verify(platform)
    assert not report.ok and "events 6–6 were deleted" in report.message


def test_a_trail_that_does_not_verify_gets_no_checkpoint(platform: Any) -> None:
    fill(platform)
    audit.write_checkpoint(platform)
    fill(platform, 2)
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == EVENTS + 1).values(actor="x"))
    before = platform.settings.audit_checkpoint_path.read_text()
    with pytest.raises(Conflict, match=f"no checkpoint was written: event {EVENTS + 1}"):
        audit.write_checkpoint(platform)
    assert platform.settings.audit_checkpoint_path.read_text() == before


def test_checkpoints_are_written_only_when_the_trail_grew(platform: Any) -> None:
    fill(platform, 2)
    first = audit.checkpoint_if_grown(platform)
    assert first is not None and first.events == 2
    assert audit.checkpoint_if_grown(platform) is None
    fill(platform, 1)
    later = audit.checkpoint_if_grown(platform)
    assert later is not None and later.events == 3
    assert len(platform.settings.audit_checkpoint_path.read_text().splitlines()) == 2


def test_the_server_writes_checkpoints_while_the_trail_grows(platform: Any) -> None:
    fill(platform, 2)
    timer = audit.CheckpointTimer(platform, minutes=0.002)
    timer.start()
    try:
        path = platform.settings.audit_checkpoint_path
        deadline = time.monotonic() + 10
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        fill(platform, 1)
        while len(path.read_text().splitlines()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        timer.stop()
    events = [json.loads(line)["events"] for line in path.read_text().splitlines()]
    assert events == [2, 3]  # one per growth, none while the trail stood still
    assert verify(platform).ok


def _alter_line(path: Path, **changes: Any) -> None:
    line = json.loads(path.read_text())
    path.write_text(json.dumps({**line, **changes}) + "\n")


def test_an_altered_checkpoint_is_named(platform: Any) -> None:
    fill(platform)
    audit.write_checkpoint(platform)
    path = platform.settings.audit_checkpoint_path
    _alter_line(path, events=2)  # to hide a cut-off tail
    report = verify(platform)
    assert not report.ok
    assert report.message == f"line 1 of {path}: the signature does not verify: forged or altered"


def test_a_checkpoint_signed_by_another_key_is_named(platform: Any) -> None:
    fill(platform)
    path = platform.settings.audit_checkpoint_path
    other = audit.AuditKeys(lambda: b"\x03" * 32)
    forged = audit.Checkpoint.sign(other, events=2, head="a" * 64, at=NOW)
    path.write_text(forged.to_line() + "\n")
    report = verify(platform)
    assert not report.ok
    assert f"signed by {other.signer.controller}, not by this deployment's" in report.message


def test_an_unreadable_checkpoint_line_is_named(platform: Any) -> None:
    fill(platform)
    path = platform.settings.audit_checkpoint_path
    path.write_text("{not json\n")
    report = verify(platform)
    assert not report.ok and report.message.startswith(f"line 1 of {path}: not a readable")


def test_a_copy_kept_elsewhere_catches_a_deleted_checkpoint_file(
    platform: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The operator keeps the printed line; whoever deletes the database and the file
    still meets the copy."""
    fill(platform)
    kept = tmp_path_factory.mktemp("operator") / "kept.jsonl"
    kept.write_text(audit.write_checkpoint(platform).to_line() + "\n")
    platform.settings.audit_checkpoint_path.unlink()
    with platform.db.session() as s:
        s.execute(delete(AuditEvent))
    assert verify(platform).ok  # nothing left to compare with on this machine…
    report = verify(platform, (kept,))
    assert not report.ok and "the trail was deleted" in report.message  # …but the copy


def test_a_changed_audit_key_shows_on_every_keyed_event(platform: Any) -> None:
    fill(platform, 2)
    changed = platform.settings.model_copy(
        update={"audit_key": SecretStr(base64.b64encode(b"\x04" * 32).decode())}
    )
    report = audit.verify_trail(Platform(changed, platform.db, clock=platform.clock))
    assert not report.ok and report.message.startswith("event 1 (") and "keyed" in report.message


def test_events_from_before_keyed_digests_are_checked_by_their_chain(platform: Any) -> None:
    """Migration 0008 leaves the events written before it without a keyed digest."""
    fill(platform, 3)
    with platform.db.session() as s:
        prev = audit.GENESIS
        for event in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
            event.prev_hash = prev
            event.hash = audit._legacy_digest(
                prev, event.seq, event.at, event.actor, event.action, event.subject, event.data
            )
            event.mac = None
            prev = event.hash
    fill(platform, 2)
    report = verify(platform)
    assert report.ok, report.message
    assert any("events 1–3 were written before keyed digests" in n for n in report.notes)
    with platform.db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(action="x"))
    report = verify(platform)
    assert not report.ok and "event 2 (x" in report.message and "edited" in report.message


FIELDS: dict[str, Callable[[AuditEvent], dict[str, Any]]] = {
    "actor": lambda e: {"actor": e.actor + "!"},
    "action": lambda e: {"action": e.action + ".x"},
    "subject": lambda e: {"subject": e.subject + "#"},
    "data": lambda e: {"data": {**e.data, "extra": True}},
    "at": lambda e: {"at": e.at + timedelta(microseconds=1)},
}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seq=st.integers(1, 4),
    field=st.sampled_from(sorted(FIELDS)),
    recompute=st.booleans(),
)
def test_any_single_field_edit_is_named_at_its_event(
    platform: Any, seq: int, field: str, recompute: bool
) -> None:
    with platform.db.session() as s:
        s.execute(delete(AuditEvent))
    fill(platform, 4)
    with platform.db.session() as s:
        event = s.get(AuditEvent, seq)
        for name, value in FIELDS[field](event).items():
            setattr(event, name, value)
        s.flush()
        if recompute:
            recompute_from(s, seq)
    report = verify(platform)
    assert not report.ok
    assert report.message.startswith(f"event {seq} ("), report.message
