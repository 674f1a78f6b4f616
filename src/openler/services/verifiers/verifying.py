"""Verification inside the platform: ``vc.verify`` wired to the platform's own documents.

DID documents of the platform's organizations and its status lists are answered from the
database (no HTTP round trip to itself); the trust registry comes from the database too.
Anything else is fetched only when ``online`` is set, from public addresses only and within
the fetch budget (``OPENLER_VERIFY_MAX_FETCHES``, ``OPENLER_VERIFY_FETCH_SECONDS``) of each
verification.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.files.documents import online_fetcher
from openler.services.files.outbound import FetchLimits, fetch_budget
from openler.services.issuers.orgs import did_document
from openler.services.wording import N_
from openler.store import publication
from openler.store.models import Organization, RecognitionRow, StatusList, TrustEntryRow
from openler.vc import (
    Fetched,
    Policy,
    Recognition,
    ResolutionError,
    Resolvers,
    TrustEntry,
    TrustRegistry,
    VerificationReport,
    verify,
)

#: the names of the checks (``vc.CHECK_IDS``) and of their results, as a resident's record
#: shows them in the page's language; each check's detail quotes what was read, as written
CHECK_WORDS = (
    N_("parse"),
    N_("context"),
    N_("schema"),
    N_("type"),
    N_("proof"),
    N_("issuer"),
    N_("validity"),
    N_("status"),
    N_("trust"),
    N_("holder"),
    N_("passed"),
    N_("failed"),
    N_("warning"),
    N_("skipped"),
)


def local_fetcher(
    session: Session, platform: Platform, *, online: bool = False
) -> Callable[[str], Mapping[str, Any] | Fetched]:
    base = platform.settings.public_url.rstrip("/")
    host = urlsplit(base).netloc
    remote = online_fetcher() if online else None

    def fetch(url: str) -> Mapping[str, Any] | Fetched:
        parts = urlsplit(url)
        path = parts.path
        if parts.netloc == host:
            if path.startswith("/orgs/") and path.endswith("/did.json"):
                slug = path.split("/")[2]
                organization = session.execute(
                    select(Organization).where(Organization.slug == slug)
                ).scalar()
                if organization is not None:
                    return did_document(session, platform, organization)
            if path.startswith("/status/"):
                status_list = session.get(StatusList, path.removeprefix("/status/"))
                if status_list is not None and status_list.credential is not None:
                    return status_list.credential
            raise ResolutionError(f"{url} is not a document this platform publishes")
        if remote is not None:
            return remote(url)
        raise ResolutionError(f"{url} is outside this platform and online fetching is off")

    return fetch


def registry(session: Session) -> TrustRegistry:
    result = TrustRegistry(name="Trust registry")
    for row in session.execute(select(TrustEntryRow)).scalars():
        result.add(TrustEntry.from_json(row.data))
    result.recognitions = [
        Recognition.from_json(r.data) for r in session.execute(select(RecognitionRow)).scalars()
    ]
    return result


def trust_registry(session: Session, platform: Platform) -> TrustRegistry | None:
    """The trust registry as verifications here use it (the process's cached copy while
    the publication token is unchanged); None when it has no entries."""
    return _resolvers(session, platform, use_registry=True).trust


class Documents(Protocol):
    """Where one verification gets the documents it looks up, instead of the process's
    cached resolvers (which know only this platform's own): for example issuers' documents
    fetched from elsewhere, with copies kept (``verifiers.fetched_copies``)."""

    def fetch(self, url: str) -> Mapping[str, Any] | Fetched: ...

    def keep_status_list(self, url: str, fetched: Fetched) -> None:
        """Told of each status list credential once it verified."""


def verify_document(
    session: Session,
    platform: Platform,
    data: bytes | str | Mapping[str, Any],
    *,
    at: datetime | None = None,
    jurisdiction: str | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    proof_purpose: str | None = None,
    use_registry: bool = True,
    require_trust: bool | None = None,
    name: str = "-",
    json_value: bool = False,
    require_holder_binding: bool = False,
    holder_signs: bool = True,
    documents: Documents | None = None,
) -> VerificationReport:
    """``vc.verify`` in the platform's world; ``json_value`` as there (the VC API sends a
    JSON value, so a string must be a compact JWT). ``require_holder_binding`` is the
    policy of openler's own share links and presentation requests: the presentation must
    be signed by its holder, the subject of every credential in it (``vc.Policy``).
    ``holder_signs=False`` accepts a presentation without a proof of its own (a VC API
    exchange that asked only ``QueryByExample``): its credentials are verified each.
    ``documents`` supplies what this verification looks up, with the same trust registry
    (resolvers of its own, for this verification alone)."""
    resolvers = _resolvers(session, platform, use_registry=use_registry)
    if documents is not None:
        resolvers = Resolvers(
            documents.fetch, trust=resolvers.trust, keep_status_list=documents.keep_status_list
        )
    settings = platform.settings
    limits = FetchLimits(
        settings.verify_max_fetches,
        settings.verify_fetch_seconds,
        hint="OPENLER_VERIFY_MAX_FETCHES, OPENLER_VERIFY_FETCH_SECONDS",
    )
    reset = _SESSION.set(session)
    try:
        with fetch_budget(limits):
            return verify(
                data,
                at=at or platform.now(),
                resolvers=resolvers,
                policy=Policy(
                    presentation=Policy.presentation if holder_signs else _UNSIGNED,
                    jurisdiction=jurisdiction,
                    require_trust=require_trust,
                    require_holder_binding=require_holder_binding,
                ),
                challenge=challenge,
                domain=domain,
                proof_purpose=proof_purpose,
                name=name,
                json_value=json_value,
            )
    finally:
        _SESSION.reset(reset)


#: what an unsigned presentation must pass (its credentials are verified each)
_UNSIGNED = frozenset({"parse", "context", "schema", "type"})


#: the session of the verification running in this thread or task, for the cached fetcher
_SESSION: ContextVar[Session | None] = ContextVar("openler_verifying_session", default=None)


@dataclass(frozen=True)
class _Cached:
    """Resolvers (DID documents, verified status lists, the trust registry) built under one
    publication token; kept by the process until the token changes."""

    token: str
    with_registry: Resolvers
    without_registry: Resolvers


def _resolvers(session: Session, platform: Platform, *, use_registry: bool) -> Resolvers:
    session.flush()  # a change not yet flushed marks the transaction as pending too
    if publication.pending(session):  # this transaction changed what the cache holds
        trust = registry(session) if use_registry else None
        fetch = _session_fetcher(platform)
        return Resolvers(fetch, trust=trust if trust is not None and trust.entries else None)
    token = publication.current(session)
    cached = platform.memo.get("verifying")
    if not isinstance(cached, _Cached) or cached.token != token:
        fetch = _session_fetcher(platform)
        trust = registry(session)
        cached = _Cached(
            token,
            Resolvers(fetch, trust=trust if trust.entries else None),
            Resolvers(fetch),
        )
        platform.memo["verifying"] = cached
    return cached.with_registry if use_registry else cached.without_registry


def _session_fetcher(platform: Platform) -> Callable[[str], Mapping[str, Any] | Fetched]:
    """Fetches through the session of the verification in progress (each request has its
    own), so that cache misses see what that transaction sees."""

    def fetch(url: str) -> Mapping[str, Any] | Fetched:
        session = _SESSION.get()
        if session is None:
            raise ResolutionError(f"{url}: no verification is in progress in this context")
        return local_fetcher(session, platform)(url)

    return fetch
