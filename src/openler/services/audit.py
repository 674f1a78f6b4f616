"""The audit trail: append-only events, chained, keyed and anchored by signed checkpoints.

Three defences, each against a stronger attacker:

* the **chain**: each event carries the SHA-256 of its content (time to the microsecond,
  actor, action, subject, data) and of the event before it, so an edit, a deletion or a move
  in the middle breaks a link;
* the **keyed digest** (``mac``): HMAC-SHA256 of each event's hash under the audit key, which
  lives outside the database (``Settings.audit_key``, or derived from the key-encryption
  key). Whoever can write to the database but does not hold the key cannot make an edited
  event pass, even after recomputing the whole chain;
* **checkpoints**: the number of events and the head's hash, signed by an Ed25519 key derived
  from the audit key, appended to a file outside the database and printed for the operator
  to keep. They catch what the chain cannot: a cut-off tail, or a trail deleted whole.

``record`` adds an event inside the caller's transaction, with the keys the session was
bound to (:func:`bind`; every ``Platform`` binds its database's sessions). ``verify_chain``
walks the trail against given checkpoints and names the first problem; ``verify_trail`` and
``write_checkpoint`` read and append the deployment's checkpoint file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from openler.services.errors import Conflict, UsageError
from openler.settings import Settings
from openler.store import Database
from openler.store.models import AuditEvent
from openler.vc import Multikey

if TYPE_CHECKING:
    from openler.services.context import Platform

GENESIS = "0" * 64
CHECKPOINT_KIND = "openler-audit-checkpoint-1"
_KEYS = "openler_audit_keys"
log = logging.getLogger("openler.audit")


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class AuditKeys:
    """The audit trail's two keys — one for the events' keyed digests, one signing
    checkpoints — derived on first use from one secret that is never stored in the
    database."""

    def __init__(self, secret: Callable[[], bytes]) -> None:
        self._secret = secret
        self._mac_key: bytes | None = None
        self._signer: Multikey | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditKeys:
        """``OPENLER_AUDIT_KEY`` when set, otherwise a key derived from the KEK."""

        def secret() -> bytes:
            own = settings.audit_secret()
            return own if own is not None else _hkdf(settings.kek(), b"openler audit key")

        return cls(secret)

    def mac(self, digest: str) -> str:
        """The keyed digest of an event's hash."""
        if self._mac_key is None:
            self._mac_key = _hkdf(self._secret(), b"openler audit event digest")
        return hmac.new(self._mac_key, digest.encode("ascii"), hashlib.sha256).hexdigest()

    @property
    def signer(self) -> Multikey:
        """The key that signs checkpoints; its did:key names it in every checkpoint."""
        if self._signer is None:
            self._signer = Multikey.from_seed(_hkdf(self._secret(), b"openler audit checkpoint"))
        return self._signer

    def __repr__(self) -> str:
        return "AuditKeys(<hidden>)"


def bind(db: Database, keys: AuditKeys) -> None:
    """Make ``db``'s sessions record events under ``keys`` (the last binding wins)."""
    db.sessions.configure(info={_KEYS: keys})


def keys_of(session: Session) -> AuditKeys:
    keys = session.info.get(_KEYS)
    if not isinstance(keys, AuditKeys):
        raise RuntimeError(
            "this database session has no audit keys: take sessions from a Platform's database"
        )
    return keys


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _exact(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(
    prev: str, seq: int, at: datetime, actor: str, action: str, subject: str, data: Any
) -> str:
    body = ["openler-audit-2", prev, seq, _exact(at), actor, action, subject, data]
    return hashlib.sha256(_canonical(body)).hexdigest()


def _legacy_digest(
    prev: str, seq: int, at: datetime, actor: str, action: str, subject: str, data: Any
) -> str:
    """How events were hashed before keyed digests (migration 0008): times to the second."""
    second = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return hashlib.sha256(_canonical([prev, seq, second, actor, action, subject, data])).hexdigest()


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event. Concurrent writers are serialised by the unique ``seq``/``hash``:
    the loser of a race fails its transaction and can retry. On PostgreSQL writers take a
    transaction-scoped advisory lock first, so they queue instead of failing."""
    keys = keys_of(session)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7465)"))
    last = session.execute(
        select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1).with_for_update()
    ).scalar()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    payload = data or {}
    digest = _digest(prev, seq, at, actor, action, subject, payload)
    event = AuditEvent(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        data=payload,
        prev_hash=prev,
        hash=digest,
        mac=keys.mac(digest),
    )
    session.add(event)
    session.flush()
    return event


class CheckpointError(ValueError):
    """A line of a checkpoint file that is not a checkpoint signed by this deployment."""


@dataclass(frozen=True)
class Checkpoint:
    """The trail's head at one moment: ``events`` events, the last with hash ``head``."""

    events: int
    head: str
    at: datetime
    signer: str
    signature: str

    @staticmethod
    def _payload(events: int, head: str, at: datetime, signer: str) -> bytes:
        fields = {"kind": CHECKPOINT_KIND, "events": events, "head": head, "at": _exact(at)}
        return _canonical({**fields, "signer": signer})

    @classmethod
    def sign(cls, keys: AuditKeys, *, events: int, head: str, at: datetime) -> Checkpoint:
        signer = keys.signer.controller
        raw = keys.signer.sign(cls._payload(events, head, at, signer))
        return cls(events, head, at, signer, base64.urlsafe_b64encode(raw).decode().rstrip("="))

    def to_line(self) -> str:
        return json.dumps(
            {
                "kind": CHECKPOINT_KIND,
                "events": self.events,
                "head": self.head,
                "at": _exact(self.at),
                "signer": self.signer,
                "signature": self.signature,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_line(cls, line: str, keys: AuditKeys) -> Checkpoint:
        """Read and check one line; raises :class:`CheckpointError` saying what is wrong."""
        try:
            data = json.loads(line)
            if not isinstance(data, dict) or data.get("kind") != CHECKPOINT_KIND:
                raise CheckpointError("not an openler audit checkpoint")
            events, head, signer = data["events"], data["head"], data["signer"]
            at = datetime.strptime(data["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            signature = base64.urlsafe_b64decode(data["signature"] + "==")
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, CheckpointError):
                raise
            raise CheckpointError(f"not a readable checkpoint ({exc})") from None
        if not (isinstance(events, int) and events >= 0 and isinstance(head, str)):
            raise CheckpointError("events must be a count and head a hash")
        if events == 0 and head != GENESIS:
            raise CheckpointError("a checkpoint of an empty trail names a head")
        if signer != keys.signer.controller:
            raise CheckpointError(
                f"signed by {signer}, not by this deployment's audit key {keys.signer.controller}"
            )
        if not keys.signer.verify(signature, cls._payload(events, head, at, signer)):
            raise CheckpointError("the signature does not verify: forged or altered")
        return cls(events, head, at, signer, data["signature"])


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    message: str
    #: what the operator should know although nothing is broken
    notes: tuple[str, ...] = ()
    #: the hash of the last event checked (GENESIS for an empty trail)
    head: str = GENESIS


def _when(at: datetime) -> str:
    return _exact(at).replace(".000000Z", "Z")


def _event_problem(
    event: AuditEvent, expected: int, prev: str, keys: AuditKeys, keyed: bool
) -> str | None:
    where = f"event {event.seq} ({event.action} at {_when(event.at)})"
    if event.seq != expected:
        return f"event {expected} is missing (the next is {event.seq}): deleted"
    if event.prev_hash != prev:
        return f"{where} does not follow event {event.seq - 1}: reordered or deleted"
    fields = (prev, event.seq, event.at, event.actor, event.action, event.subject, event.data)
    if event.mac is None:
        if keyed:
            return (
                f"{where} has no keyed digest although earlier events have one: "
                "its keyed digest was removed"
            )
        if _legacy_digest(*fields) != event.hash:
            return f"{where} was edited after it was written"
        return None
    if _digest(*fields) != event.hash:
        return f"{where} was edited after it was written (its content no longer matches its hash)"
    if not hmac.compare_digest(keys.mac(event.hash), event.mac):
        return (
            f"{where} fails its keyed digest: it was edited and the chain recomputed by someone "
            "without the audit key (or the audit key changed since it was written)"
        )
    return None


def verify_chain(
    session: Session, checkpoints: Sequence[Checkpoint] = (), *, since: Checkpoint | None = None
) -> ChainReport:
    """Check every event's link, hash and keyed digest, and the trail against each
    checkpoint; the first problem is named. With ``since`` (a checkpoint already checked)
    only the events after it are walked."""
    keys = keys_of(session)
    marks: dict[int, list[Checkpoint]] = {}
    for mark in checkpoints:
        marks.setdefault(mark.events, []).append(mark)
    prev, count, legacy, keyed = GENESIS, 0, 0, False
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if since is not None and since.events > 0:
        anchor = session.get(AuditEvent, since.events)
        if anchor is None or anchor.hash != since.head:
            return ChainReport(False, 0, _rewritten(since, anchor))
        prev, count, keyed = anchor.hash, since.events, anchor.mac is not None
        query = query.where(AuditEvent.seq > since.events)
    # streamed in batches; closed early on a problem (a server-side cursor on PostgreSQL)
    with closing(session.execute(query.execution_options(yield_per=1000)).scalars()) as events:
        for event in events:
            count += 1
            problem = _event_problem(event, count, prev, keys, keyed)
            if problem is not None:
                return ChainReport(False, count, problem)
            keyed = keyed or event.mac is not None
            legacy += event.mac is None
            for mark in marks.get(event.seq, ()):
                if mark.head != event.hash:
                    return ChainReport(False, count, _rewritten(mark, event))
            prev = event.hash
    latest = max(checkpoints, key=lambda c: (c.events, c.at), default=None)
    if latest is not None and latest.events > count:
        if count == 0:
            message = (
                f"the audit trail is empty, but the checkpoint of {_when(latest.at)} recorded "
                f"{latest.events} events: the trail was deleted"
            )
        else:
            message = (
                f"the trail ends at event {count}, but the checkpoint of {_when(latest.at)} "
                f"recorded {latest.events} events: events {count + 1}–{latest.events} were "
                "deleted (the tail was cut off)"
            )
        return ChainReport(False, count, message)
    return _intact(count, legacy, checkpoints, latest, prev)


def _rewritten(mark: Checkpoint, event: AuditEvent | None) -> str:
    if event is None:
        return (
            f"event {mark.events}, the head recorded by the checkpoint of {_when(mark.at)}, "
            "is missing: deleted"
        )
    return (
        f"event {event.seq} ({event.action} at {_when(event.at)}) is not the event the "
        f"checkpoint of {_when(mark.at)} recorded: the trail up to it was rewritten"
    )


def _intact(
    count: int,
    legacy: int,
    checkpoints: Sequence[Checkpoint],
    latest: Checkpoint | None,
    head: str,
) -> ChainReport:
    notes = []
    message = f"{count} events, chain and keyed digests intact"
    if legacy:
        notes.append(
            f"events 1–{legacy} were written before keyed digests: their chain is checked "
            "and their times to the second"
        )
    if latest is None:
        notes.append(
            "no checkpoint yet: a cut-off tail or a deleted trail shows only against one "
            "(`openler audit checkpoint`)"
        )
    else:
        message += (
            f"; consistent with {len(checkpoints)} checkpoint(s), the latest of "
            f"{_when(latest.at)} at event {latest.events}"
        )
        if count > latest.events:
            notes.append(f"events {latest.events + 1}–{count} came after the latest checkpoint")
    return ChainReport(True, count, message, tuple(notes), head)


def read_checkpoints(path: Path, keys: AuditKeys) -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints in ``path``, and a problem for each line that is not a valid one."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except UnicodeDecodeError:
        return [], [f"{path} is not a text file of checkpoints"]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            found.append(Checkpoint.from_line(line, keys))
        except CheckpointError as exc:
            problems.append(f"line {number} of {path}: {exc}")
    return found, problems


def verify_trail(platform: Platform, extra: Iterable[Path] = ()) -> ChainReport:
    """The whole trail against the deployment's checkpoint file and any ``extra`` files
    (copies the operator kept elsewhere)."""
    keys = AuditKeys.from_settings(platform.settings)
    own = platform.settings.audit_checkpoint_path
    checkpoints: list[Checkpoint] = []
    notes: list[str] = []
    files = [own] if own.exists() else []
    if not files:
        notes.append(f"there is no checkpoint file at {own}")
    for path in extra:
        if not path.is_file():
            raise UsageError(f"{path} is not a file of checkpoints")
        files.append(path)
    for path in files:
        found, problems = read_checkpoints(path, keys)
        if problems:
            return ChainReport(False, 0, problems[0])
        checkpoints += found
    with platform.db.session() as session:
        report = verify_chain(session, checkpoints)
    return ChainReport(report.ok, report.events, report.message, (*notes, *report.notes))


def write_checkpoint(platform: Platform) -> Checkpoint:
    """Sign the trail's head and append it to the checkpoint file. The events since the
    latest checkpoint there are verified first: a trail that does not verify gets none."""
    keys, found = _own_checkpoints(platform)
    return _append_checkpoint(platform, keys, found)


def checkpoint_if_grown(platform: Platform) -> Checkpoint | None:
    """:func:`write_checkpoint`, unless no event was added since the latest checkpoint."""
    keys, found = _own_checkpoints(platform)
    if found:
        with platform.db.session() as session:
            last_seq = session.execute(select(func.max(AuditEvent.seq))).scalar() or 0
        if last_seq <= max(c.events for c in found):
            return None
    return _append_checkpoint(platform, keys, found)


def _own_checkpoints(platform: Platform) -> tuple[AuditKeys, list[Checkpoint]]:
    keys = AuditKeys.from_settings(platform.settings)
    path = platform.settings.audit_checkpoint_path
    return keys, (read_checkpoints(path, keys)[0] if path.exists() else [])


def _append_checkpoint(platform: Platform, keys: AuditKeys, found: list[Checkpoint]) -> Checkpoint:
    latest = max(found, key=lambda c: (c.events, c.at), default=None)
    with platform.db.session() as session:
        report = verify_chain(session, found, since=latest)
    if not report.ok:
        raise Conflict(
            f"the audit trail does not verify, so no checkpoint was written: {report.message}"
        )
    checkpoint = Checkpoint.sign(keys, events=report.events, head=report.head, at=platform.clock())
    path = platform.settings.audit_checkpoint_path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (checkpoint.to_line() + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


class CheckpointTimer:
    """Appends a checkpoint every ``minutes`` while the trail grows (``openler serve``)."""

    def __init__(self, platform: Platform, minutes: float) -> None:
        self.platform = platform
        self.seconds = minutes * 60
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="openler-audit", daemon=True)

    def start(self) -> None:
        if self.seconds > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds):
            try:
                checkpoint_if_grown(self.platform)
            except Exception:  # the timer must outlive a failed round; the error is logged
                log.exception("the audit checkpoint could not be written")
