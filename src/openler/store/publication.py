"""The publication token: changed when a transaction that touched anything verification
reads commits.

Verification inside the platform reads issuer keys (DID documents), organizations, status
lists and the trust registry. Caching those per process is safe only if a process can tell,
cheaply, that none of them changed: a transaction whose flushes touched one of them sets a
new random token in the one-row ``publication`` table as it commits, and a cache is kept
for as long as the token it was built under is the current one (one indexed read per
verification). Until it commits, the transaction itself bypasses such caches
(:func:`pending`).
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


_TABLE = Publication.__table__
#: built once: building a statement costs more than running this one (a primary-key read)
_CURRENT = select(_TABLE.c.token).where(_TABLE.c.id == 1)


def current(session: Session) -> str:
    """The current token ("none" before anything was published), read on the session's
    connection in its transaction. No flush: a caller that may hold unflushed changes
    flushes first, so that :func:`pending` knows of them."""
    token = session.connection().execute(_CURRENT).scalar()
    return token or "none"


#: set in ``Session.info`` while a transaction has changed something published
PENDING = "openler_publication_pending"


def pending(session: Session) -> bool:
    """Whether this session's transaction changed something published (not yet committed):
    what it verifies must not come from a cache built under the committed token."""
    return bool(session.info.get(PENDING))


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _touches_published(session):
        session.info[PENDING] = True


def _before_commit(session: Session) -> None:
    # The token's row is locked last, just before the commit: a transaction holding it
    # waits for nothing else, so it can take part in no deadlock.
    session.flush()
    if session.info.pop(PENDING, False):
        bump(session.connection())


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def watch(sessions: Any) -> None:
    """Install the listeners on a ``sessionmaker``."""
    from sqlalchemy import event

    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "before_commit", _before_commit)
    event.listen(sessions, "after_transaction_end", _after_transaction_end)
