"""Roster files uploaded through the web pages, kept on the server between the steps of
the roster pages (map the columns, preview, dry run, issue).

An upload is a file under ``<data_dir>/rosters/<organization id>/`` named by a random id,
with a small JSON record beside it (who uploaded it, when, the file's name, the
achievement and the column map chosen so far). Only the person who uploaded it can use
it, and only while they are issuer staff of its organization; the rows a roster issues
are always read again from this file, never taken from the browser. An upload is deleted
when its roster is issued, and any left over is deleted :data:`KEEP` after it was made.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound, UsageError
from openler.services.issuers import achievements, issuing, orgs
from openler.services.issuers.rosters import headers_of
from openler.services.people.accounts import Principal, require_role

#: the largest roster file the pages accept (the request limit may be lower)
MAX_UPLOAD = 10_000_000
#: how long an upload is kept
KEEP = timedelta(hours=24)
_ID = re.compile(r"[A-Za-z0-9_-]{24}")


@dataclass
class Upload:
    """A roster file waiting on the server; ``path`` is the file itself."""

    id: str
    organization_id: str
    created_by: str
    created_at: str
    filename: str
    achievement: str
    headers: list[str]
    mapping: dict[str, str] | None = None
    path: Path = field(default=Path(), compare=False)


def _folder(platform: Platform, organization_id: str) -> Path:
    return platform.settings.data_dir / "rosters" / organization_id


def store(
    platform: Platform,
    principal: Principal,
    organization_slug: str,
    *,
    filename: str,
    content: bytes,
    achievement_slug: str,
) -> Upload:
    """Keep an uploaded roster file for its uploader; refused when it is empty, too large
    or not a readable table (:class:`~openler.services.issuers.tables.TableError`)."""
    if not content:
        raise UsageError("choose a CSV or Excel (.xlsx) file to upload")
    if len(content) > MAX_UPLOAD:
        raise UsageError(f"the file is larger than {MAX_UPLOAD // 1_000_000} MB; split it up")
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        require_role(principal, organization.id, *issuing.ISSUERS)
        achievements.achievement_by_slug(session, organization, achievement_slug)
        organization_id = organization.id
    sweep(platform)
    folder = _folder(platform, organization_id)
    folder.mkdir(parents=True, exist_ok=True)
    upload_id = secrets.token_urlsafe(18)
    path = folder / f"{upload_id}.data"
    path.write_bytes(content)
    try:
        headers = headers_of(path)
    except UsageError:
        path.unlink(missing_ok=True)
        raise
    upload = Upload(
        id=upload_id,
        organization_id=organization_id,
        created_by=principal.label,
        created_at=platform.now().isoformat(),
        filename=Path(filename).name[:200] or "roster",
        achievement=achievement_slug,
        headers=headers,
        path=path,
    )
    _write(upload)
    with platform.db.session() as session:
        audit.record(
            session,
            at=platform.now(),
            actor=principal.label,
            action="roster.upload",
            subject=f"organization:{organization_id}",
            data={"file": upload.filename, "bytes": len(content), "achievement": achievement_slug},
        )
    return upload


def _write(upload: Upload) -> None:
    record = {k: v for k, v in asdict(upload).items() if k != "path"}
    upload.path.with_suffix(".json").write_text(json.dumps(record), "utf-8")


def load(
    platform: Platform, principal: Principal, organization_slug: str, upload_id: str
) -> Upload:
    """The upload ``upload_id`` of this organization, to the person who made it while they
    are its issuer staff; anyone else is told it does not exist."""
    with platform.db.session() as session:
        organization = orgs.organization_by_slug(session, organization_slug)
        require_role(principal, organization.id, *issuing.ISSUERS)
        organization_id = organization.id
    missing = NotFound("that roster file is no longer here; upload it again")
    if not _ID.fullmatch(upload_id):
        raise missing
    path = _folder(platform, organization_id) / f"{upload_id}.data"
    try:
        record: dict[str, Any] = json.loads(path.with_suffix(".json").read_text("utf-8"))
    except (OSError, ValueError):
        raise missing from None
    upload = Upload(**record, path=path)
    expired = datetime.fromisoformat(upload.created_at) + KEEP < platform.now()
    if upload.created_by != principal.label or expired or not path.exists():
        raise missing
    return upload


def choose(upload: Upload, *, mapping: dict[str, str], achievement: str | None = None) -> None:
    """Record the column map (and achievement) chosen for an upload."""
    upload.mapping = mapping
    if achievement:
        upload.achievement = achievement
    _write(upload)


def discard(upload: Upload) -> None:
    """Delete an upload (its roster was issued)."""
    upload.path.unlink(missing_ok=True)
    upload.path.with_suffix(".json").unlink(missing_ok=True)


def sweep(platform: Platform) -> int:
    """Delete every upload made more than :data:`KEEP` ago (by the platform's clock, as
    its record says); returns how many went."""
    root = platform.settings.data_dir / "rosters"
    if not root.is_dir():
        return 0
    cutoff = platform.now() - KEEP
    removed = 0
    for record in root.glob("*/*.json"):
        try:
            made = datetime.fromisoformat(json.loads(record.read_text("utf-8"))["created_at"])
        except (OSError, ValueError, KeyError, TypeError):
            made = None  # unreadable: as good as expired
        if made is None or made < cutoff:
            record.with_suffix(".data").unlink(missing_ok=True)
            record.unlink(missing_ok=True)
            removed += 1
    return removed
