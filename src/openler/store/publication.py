"""The publication token: changed in the same transaction as anything verification reads.

Verification inside the platform reads issuer keys (DID documents), organizations, status
lists and the trust registry. Caching those per process is safe only if a process can tell,
cheaply, that none of them changed: every flush that touches one of them sets a new random
token in the one-row ``publication`` table, and a cache is kept for as long as the token it
was built under is the current one (one indexed read per verification).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, insert, inspect, select, update
from sqlalchemy.orm import Session

from openler.store.models import (
    IssuerKey,
    Organization,
    Publication,
    RecognitionRow,
    StatusList,
    TrustEntryRow,
)

_WATCHED = (IssuerKey, Organization, RecognitionRow, TrustEntryRow)
#: a status list's allocation counter changes with every issuance; only these are published
_PUBLISHED_LIST_FIELDS = ("bits", "credential", "purpose", "entries")


def _touches_published(session: Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, (*_WATCHED, StatusList)):
            return True
    for obj in session.dirty:
        if isinstance(obj, _WATCHED) and session.is_modified(obj):
            return True
        if isinstance(obj, StatusList):
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _PUBLISHED_LIST_FIELDS):
                return True
    return False


def bump(connection: Connection) -> str:
    """Set a new token (creating the row if it is missing); returns it."""
    token = str(uuid.uuid4())
    changed = connection.execute(update(Publication).where(Publication.id == 1).values(token=token))
    if changed.rowcount == 0:
        connection.execute(insert(Publication).values(id=1, token=token))
    return token


def current(session: Session) -> str:
    """The current token ("none" before anything was published)."""
    token = session.execute(select(Publication.token).where(Publication.id == 1)).scalar()
    return token or "none"


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _touches_published(session):
        bump(session.connection())


def watch(sessions: Any) -> None:
    """Install the listener on a ``sessionmaker``."""
    from sqlalchemy import event

    event.listen(sessions, "before_flush", _before_flush)
