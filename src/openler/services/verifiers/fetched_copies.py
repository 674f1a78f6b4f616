"""Issuers' documents fetched from elsewhere for a verification, and the last copy of each
kept for when the issuer cannot be reached.

A credential from an issuer on another server names documents that verification must look
up: the issuer's DID document (its keys) and its status list credentials. They are fetched
with :func:`~openler.services.files.documents.online_fetcher` (public HTTPS addresses only,
no redirects, size, time and count limits). At an incident the network may fail, or an
issuer's server may be down, so the last copy of each document that verification relied on
is kept in the database (:class:`~openler.store.models.FetchedCopy`) and used when a fetch
fails; the verification then says how old the copy was (:attr:`FetchedCopies.stale`, and the
status check's own message: "fetched 2 h ago"). The platform's own documents are always
read from the database, current.

Keeping copies does not weaken verification:

- a status list credential is kept only once it has verified (``vc.verify``: its proof by
  the credential's issuer, its dates; the ``keep_status_list`` hook of the resolvers), and a
  copy is verified again every time it is used, so an altered copy, or a list past its
  ``validUntil``, fails as it would when fetched;
- a DID or controller document is kept only when its ``id`` is the identifier the URL it
  came from belongs to (what resolving it relies on: HTTPS from that host);
- only documents of issuers in the trust registry are kept (no role can accept anyone
  else), at most :data:`MAX_COPIES`, the oldest dropped first — a stranger cannot fill the
  table or push an issuer's copy out;
- a copy is used without asking the issuer again only within its HTTP lifetime (at most
  :data:`FRESH_FOR`); after that the issuer is asked, and the copy serves only if that
  fails — then it is reported as stale, with its age and the error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.files.documents import online_fetcher
from openler.services.verifiers.verifying import local_fetcher
from openler.store.models import FetchedCopy, TrustEntryRow
from openler.vc import (
    Fetched,
    Fetcher,
    ResolutionError,
    did_web_url,
    format_datetime,
    freshness,
    parse_datetime,
)

#: the most copies kept; past it, the oldest are dropped
MAX_COPIES = 5000
#: the longest a copy is used without asking its issuer again
FRESH_FOR = timedelta(minutes=5)


@dataclass(frozen=True)
class Stale:
    """A copy used because its issuer could not be reached: which document, whose, when it
    was fetched, and what went wrong asking for it again."""

    url: str
    kind: str
    issuer: str
    fetched_at: datetime
    error: str

    def to_json(self) -> dict[str, str]:
        return {
            "url": self.url,
            "kind": self.kind,
            "issuer": self.issuer,
            "fetchedAt": format_datetime(self.fetched_at),
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Stale:
        return cls(
            str(data["url"]),
            str(data["kind"]),
            str(data["issuer"]),
            parse_datetime(str(data["fetchedAt"])),
            str(data["error"]),
        )


def _did_document_of(url: str, document: Mapping[str, Any]) -> str | None:
    """The identifier a DID or controller document fetched from ``url`` describes, when it
    is the one that URL belongs to (None otherwise: it is not kept).

    >>> _did_document_of("https://board.example/.well-known/did.json",
    ...                  {"id": "did:web:board.example"})
    'did:web:board.example'
    >>> _did_document_of("https://board.example/.well-known/did.json",
    ...                  {"id": "did:web:elsewhere.example"}) is None
    True
    """
    identifier = document.get("id")
    if not isinstance(identifier, str):
        return None
    if identifier.startswith("did:web:"):
        try:
            return identifier if did_web_url(identifier) == url else None
        except ResolutionError:
            return None
    return identifier if identifier == url else None


@dataclass
class FetchedCopies:
    """The documents of one verification (a :class:`~openler.services.verifiers.verifying.
    Documents`): the platform's own from the database, others' fetched with ``remote`` (the
    online fetcher when not given) and kept, or their copy when the fetch fails."""

    session: Session
    platform: Platform
    remote: Fetcher | None = None
    #: copies used because their issuer could not be reached, in the order used
    stale: list[Stale] = field(default_factory=list)
    #: documents that could not be fetched (URL: why), for verifications that share it
    #: (one re-check of everyone): an issuer that is down is asked once, not once each
    unreachable: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._local: Callable[[str], Mapping[str, Any] | Fetched] = local_fetcher(
            self.session, self.platform
        )
        self._host = urlsplit(self.platform.settings.public_url).netloc
        self._remote: Fetcher = self.remote or online_fetcher()

    def fetch(self, url: str) -> Mapping[str, Any] | Fetched:
        if urlsplit(url).netloc == self._host:
            return self._local(url)
        now = self.platform.now()
        copy = self.session.get(FetchedCopy, url)
        if copy is not None and copy.fetched_at <= now < copy.fresh_until:
            left = (copy.fresh_until - now).total_seconds()
            return Fetched(copy.document, left, fetched_at=copy.fetched_at)
        error = self.unreachable.get(url)
        if error is None:
            try:
                answer = self._remote(url)
            except (ResolutionError, OSError) as exc:
                error = exc.message if isinstance(exc, ResolutionError) else str(exc)
                self.unreachable[url] = error
                if copy is None:
                    raise
            else:
                return self._received(url, answer)
        if copy is None:
            raise ResolutionError(error)
        self.stale.append(Stale(url, copy.kind, copy.issuer, copy.fetched_at, error))
        return Fetched(copy.document, 0, fetched_at=copy.fetched_at)

    def _received(self, url: str, answer: Mapping[str, Any] | Fetched) -> Fetched:
        """A document the issuer answered with, kept when it is a DID document (a status
        list is kept once it verified: :meth:`keep_status_list`)."""
        fetched = answer if isinstance(answer, Fetched) else Fetched(answer)
        identifier = _did_document_of(url, fetched.document)
        if identifier is not None:
            self._keep(url, "did", identifier, fetched)
        return fetched

    def keep_status_list(self, url: str, fetched: Fetched) -> None:
        """A status list credential that verified (the resolvers' hook); one served from a
        copy is kept as it was."""
        if fetched.fetched_at is not None or urlsplit(url).netloc == self._host:
            return
        issuer = fetched.document.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        if isinstance(issuer_id, str):
            self._keep(url, "status-list", issuer_id, fetched)

    def _keep(self, url: str, kind: str, issuer: str, fetched: Fetched) -> None:
        if self.session.get(TrustEntryRow, issuer) is None:
            return  # no role accepts an issuer outside the registry: nothing to keep for
        now = self.platform.now()
        lifetime = FRESH_FOR
        if fetched.max_age is not None:
            lifetime = min(lifetime, timedelta(seconds=max(0.0, fetched.max_age)))
        values = {
            "kind": kind,
            "issuer": issuer,
            "document": dict(fetched.document),
            "fetched_at": now,
            "fresh_until": now + lifetime,
        }
        copy = self.session.get(FetchedCopy, url)
        if copy is not None:
            for name, value in values.items():
                setattr(copy, name, value)
            return
        try:
            with self.session.begin_nested():
                self.session.add(FetchedCopy(url=url, **values))
        except IntegrityError:  # another verification kept it meanwhile: theirs is as new
            return
        _bound(self.session, url)


def _bound(session: Session, kept: str) -> None:
    """Drop the oldest copies beyond :data:`MAX_COPIES` (never the one just ``kept``)."""
    count = session.execute(select(func.count()).select_from(FetchedCopy)).scalar_one()
    if count <= MAX_COPIES:
        return
    oldest = (
        select(FetchedCopy.url)
        .where(FetchedCopy.url != kept)
        .order_by(FetchedCopy.fetched_at, FetchedCopy.url)
        .limit(count - MAX_COPIES)
    ).scalar_subquery()
    session.execute(delete(FetchedCopy).where(FetchedCopy.url.in_(oldest)))


def age_words(earlier: datetime, later: datetime) -> str:
    """How long before ``later`` ``earlier`` was, in words: ``2 h`` (as status messages
    say a list's age).

    >>> from datetime import UTC
    >>> age_words(datetime(2026, 1, 1, 10, tzinfo=UTC), datetime(2026, 1, 1, 12, 5, tzinfo=UTC))
    '2 h'
    """
    return freshness(earlier, later).removesuffix(" old")
