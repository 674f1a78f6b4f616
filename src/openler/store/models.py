"""Tables. Names follow the glossary in ARCHITECTURE.md."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    #: issuer, employer, agency, registry_authority
    kind: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str | None] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(String(500))
    #: "web" (did:web served by the platform, the default) or "key" (did:key of the current
    #: signing key; for interoperability test suites — rotation changes the identifier)
    did_method: Mapped[str] = mapped_column(String(10), default="web", server_default="web")
    #: the did:key in use when did_method is "key"
    did: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    members: Mapped[list[Member]] = relationship(back_populates="organization")


class Person(Base):
    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the holder's DID (did:key) used to bind credentials and sign presentations
    did: Mapped[str | None] = mapped_column(String(200))
    #: the holder key of a custodial wallet, sealed like issuer keys (None: self-custody)
    encrypted_holder_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the language of their pages (``en``, ``es``); None: as the browser asks
    locale: Mapped[str | None] = mapped_column(String(10))
    memberships: Mapped[list[Member]] = relationship(back_populates="person")


class Member(Base):
    """A person's role in an organization: issuer_admin, issuer_staff, verifier,
    registry_admin, career_navigator."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("person_id", "organization_id", "role"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    person: Mapped[Person] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="members")


class IssuerKey(Base):
    __tablename__ = "issuer_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    #: the verification method id, e.g. did:web:host:orgs:slug#key-1
    method_id: Mapped[str] = mapped_column(String(400), unique=True)
    controller: Mapped[str] = mapped_column(String(300))
    public_key_multibase: Mapped[str] = mapped_column(String(100))
    #: AES-256-GCM nonce + ciphertext of the 32-byte seed; never leaves the service layer
    encrypted_secret: Mapped[bytes] = mapped_column(LargeBinary)
    #: active (signs), retired (verifies only), revoked (compromised: nothing verifies)
    state: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Achievement(Base):
    __tablename__ = "achievements"
    __table_args__ = (UniqueConstraint("organization_id", "slug"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(120))
    #: the OB 3.0 Achievement object
    data: Mapped[dict[str, Any]]
    valid_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the current version (``achievement_versions`` keeps every one issued with)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime | None]
    #: retired: kept for what was issued with it, offered for no new issuance
    retired_at: Mapped[datetime | None]
    #: the badge image (PNG or SVG) served at the achievement's image URL
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(40))
    #: the roster column mapping last used for it: {field: header}
    column_map: Mapped[dict[str, Any] | None]
    #: stacking: {"all": [slug, …]} or {"count": n, "of": [slug, …]}, and "approval": bool
    requires: Mapped[dict[str, Any] | None]


class AchievementVersion(Base):
    """Each version of an achievement as it was defined; a credential names the one it
    was issued with."""

    __tablename__ = "achievement_versions"
    achievement_id: Mapped[str] = mapped_column(
        ForeignKey("achievements.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[dict[str, Any]]
    valid_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(400))


class StatusList(Base):
    __tablename__ = "status_lists"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    entries: Mapped[int] = mapped_column(Integer)
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    #: allocations made so far (the list is full at 90 %)
    used: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    #: the signed BitstringStatusListCredential for the current version
    credential: Mapped[dict[str, Any] | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusAllocation(Base):
    """One index handed out in a list; the primary key makes a second hand-out impossible,
    whatever number of processes allocate at once."""

    __tablename__ = "status_allocations"
    status_list_id: Mapped[str] = mapped_column(
        ForeignKey("status_lists.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str | None] = mapped_column(String(100))


class IssuedCredential(Base):
    __tablename__ = "credentials"
    __table_args__ = (
        Index("ix_credentials_holding", "organization_id", "achievement_id", "recipient_key"),
        UniqueConstraint("job_id", "job_row", name="uq_credentials_job_row"),
    )
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    achievement_id: Mapped[str | None] = mapped_column(ForeignKey("achievements.id"))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    document: Mapped[dict[str, Any]]
    #: active, revoked, suspended
    state: Mapped[str] = mapped_column(String(20), default="active")
    revocation_list_id: Mapped[str | None] = mapped_column(ForeignKey("status_lists.id"))
    revocation_index: Mapped[int | None]
    suspension_list_id: Mapped[str | None] = mapped_column(ForeignKey("status_lists.id"))
    suspension_index: Mapped[int | None]
    key_id: Mapped[str | None] = mapped_column(ForeignKey("issuer_keys.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime | None]
    state_changed_at: Mapped[datetime | None]
    #: set when the credential was re-issued: the id of the credential that replaced it
    replaced_by: Mapped[str | None] = mapped_column(String(100))
    #: the credential this one renews, re-issues or extends (the reverse of replaced_by)
    previous_id: Mapped[str | None] = mapped_column(String(100))
    #: OpenBadgeCredential, ClrCredential, EndorsementCredential, or another document type
    kind: Mapped[str] = mapped_column(
        String(40), default="OpenBadgeCredential", server_default="OpenBadgeCredential"
    )
    #: the achievement version it was issued with
    achievement_version: Mapped[int | None]
    #: who it was issued to, for the issuer's own use (never shown to verifiers):
    #: ``email:<address>`` when an email is known, else ``identifier:<value>``
    recipient_key: Mapped[str | None] = mapped_column(String(400))
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(300))
    #: why it was last revoked, suspended or reinstated (verifiers here see it)
    state_reason: Mapped[str | None] = mapped_column(Text)
    #: the roster job and row that issued it: a resumed job never issues a row twice
    job_id: Mapped[str | None] = mapped_column(String(36))
    job_row: Mapped[int | None]


class PendingStack(Base):
    """A stacked achievement whose rule a holder's record satisfies, waiting for an issuer
    admin to approve it (rules with ``approval``), and what became of it."""

    __tablename__ = "stacking_queue"
    __table_args__ = (
        Index("ix_stacking_queue_waiting", "organization_id", "state"),
        Index("ix_stacking_queue_holder", "achievement_id", "recipient_key"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    #: the holder as ``IssuedCredential.recipient_key`` names them
    recipient_key: Mapped[str] = mapped_column(String(400))
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    recipient_name: Mapped[str | None] = mapped_column(String(300))
    #: the ids of the credentials that satisfied the rule
    components: Mapped[list[Any]]
    #: pending, approved, declined
    state: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(400))
    reason: Mapped[str | None] = mapped_column(Text)
    #: the stacked credential issued on approval
    credential_id: Mapped[str | None] = mapped_column(String(100))


class TrustEntryRow(Base):
    __tablename__ = "trust_entries"
    issuer: Mapped[str] = mapped_column(String(400), primary_key=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecognitionRow(Base):
    __tablename__ = "recognitions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    data: Mapped[dict[str, Any]]


class Share(Base):
    __tablename__ = "shares"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: sha256 of the share link's secret token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    audience: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(300))
    presentation: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    #: the link stops opening after this many views (None: no limit)
    max_views: Mapped[int | None]
    #: the whole record was shared (every credential held when it was made)
    whole_record: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


class Consent(Base):
    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    share_id: Mapped[str | None] = mapped_column(ForeignKey("shares.id", ondelete="SET NULL"))
    scope: Mapped[str] = mapped_column(String(300))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class PresentationRequest(Base):
    __tablename__ = "presentation_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    challenge: Mapped[str] = mapped_column(String(100), unique=True)
    domain: Mapped[str] = mapped_column(String(300))
    query: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    fulfilled_at: Mapped[datetime | None]
    #: the presentation that answered the request (verified then; shown to the verifier,
    #: checked again whenever it is looked at)
    presentation: Mapped[dict[str, Any] | None]
    #: the person who answered from their wallet here, when they did
    answered_by: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    #: who answered, as they were when they consented (kept if the account changes or goes)
    answered_name: Mapped[str | None] = mapped_column(String(300))
    answered_email: Mapped[str | None] = mapped_column(String(320))


class AuditEvent(Base):
    """Append-only; each event carries the hash of the one before it and a keyed digest
    (HMAC) of its own hash under a key kept outside the database (``services.audit``)."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(400))
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: HMAC-SHA256 of ``hash`` under the audit key; None only for events written before
    #: keyed digests existed (migration 0008)
    mac: Mapped[str | None] = mapped_column(String(64))


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_created", "state", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]]
    #: queued, running, done, failed
    state: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: the organization it works for (the past-jobs list), and its progress
    organization_id: Mapped[str | None] = mapped_column(String(36), index=True)
    total: Mapped[int | None]
    done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class JobRow(Base):
    """One row of a job's work and its outcome (issued, already_holds, failed, would_issue,
    extended, …): the per-row result a person downloads, and what a resumed run skips."""

    __tablename__ = "job_rows"
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str | None] = mapped_column(String(400))
    credential_id: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(Text)


class JobInput(Base):
    """One row of a job's input (a roster's award), stored when the job is submitted so
    that a roster of any length streams through the database instead of sitting in the
    job's payload; ``recipient_key`` finds earlier rows for the same recipient."""

    __tablename__ = "job_inputs"
    __table_args__ = (Index("ix_job_inputs_recipient", "job_id", "recipient_key"),)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_key: Mapped[str | None] = mapped_column(String(400))
    data: Mapped[dict[str, Any]]


class Claim(Base):
    """A claim link sent to a recipient without (or before) an account: opening it proves
    the address; claiming binds the credential to the claimant's wallet."""

    __tablename__ = "claims"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: sha256 of the link's secret token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    #: the holder-bound credential issued when it was claimed
    replacement_id: Mapped[str | None] = mapped_column(String(100))


class OutboxMessage(Base):
    """Mail to send: SMTP delivers it when configured; the demo's mailbox page shows it."""

    __tablename__ = "outbox"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(String(36), index=True)
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: claim, expiry_reminder, …
    kind: Mapped[str] = mapped_column(String(40))
    #: what it is about (a credential id, …)
    ref: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """A machine client's bearer token, stored as its SHA-256 digest. It acts for
    ``person_id`` in one organization and role, and only while the person holds that role."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    #: the actor who created it (``person:<id>`` or ``operator``)
    created_by: Mapped[str | None] = mapped_column(String(400))


class Publication(Base):
    """One row: a token that changes (in the same transaction) whenever anything a
    verification reads from the database changes — status lists, issuer keys and DID
    documents, organizations, the trust registry — so that per-process caches of those can
    be kept for as long as the token stays the same. A random token, not a counter: a
    rolled-back change never reappears as a later one."""

    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(36))


class Identity(Base):
    """A person's account at an OpenID Connect provider: (issuer, subject) is theirs alone."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed sign-ins counted per email (whether or not an account has it) and per client
    address; a key whose count reaches its limit within the window is locked for a while."""

    __tablename__ = "login_throttles"
    #: ``email:<sha256 of the address>`` or ``client:<address or IPv6 /64>``
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]


class SessionRow(Base):
    __tablename__ = "sessions"
    #: sha256 of the session cookie's value
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


# --- VC API exchanges (issue 11: the interaction-URL form the Learner Credential Wallet uses)


class Exchange(Base):
    """A VC API exchange behind an interaction URL: an issuance (the wallet authenticates
    with its DID and receives a credential) or a presentation (the wallet answers the
    presentation request ``request_id``). One-time: ``completed_at`` ends it."""

    __tablename__ = "exchanges"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: sha256 of the exchange URL's secret (the URL is the capability)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``issuance`` or ``presentation``
    kind: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: who made it (an audit label)
    created_by: Mapped[str] = mapped_column(String(300))
    #: the DIDAuthentication challenge and domain the wallet's presentation must carry
    challenge: Mapped[str] = mapped_column(String(100))
    domain: Mapped[str] = mapped_column(String(300))
    #: issuance: the achievement and the recipient's email address and name
    achievement_id: Mapped[str | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="CASCADE")
    )
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(300))
    #: presentation: the request it answers, and whether the holder must sign
    request_id: Mapped[str | None] = mapped_column(
        ForeignKey("presentation_requests.id", ondelete="CASCADE"), index=True
    )
    holder_signs: Mapped[bool] = mapped_column(Boolean, default=True)
    #: further entries of the interaction URL's ``protocols`` (``OID4VCI``: an offer URI)
    other_protocols: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: when the wallet first asked what the exchange wants (POST {})
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    #: the DID that authenticated, and the credential issued to it
    holder: Mapped[str | None] = mapped_column(String(500))
    #: an issuance's claim (issue 10's claim flow): the email-only credential it offers,
    #: bound to the DID that authenticates — or claimed another way first
    claim_id: Mapped[str | None] = mapped_column(String(36))
    #: the URL's secret sealed by the key vault, for its maker's page to show it again
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    credential_id: Mapped[str | None] = mapped_column(String(100))


# --- OpenID4VCI (issue 11): offers, nonces, and credentials received from elsewhere ---


class CredentialOffer(Base):
    """An OpenID4VCI offer of a credential waiting to be claimed (the claim flow's
    email-only credential), redeemed by a wallet with the pre-authorized code it carries;
    what the wallet then gets is a copy bound to its key. Secrets are stored as digests."""

    __tablename__ = "oid4vci_offers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: the credential offered (the one its claim link offers)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    claim_id: Mapped[str | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    #: the credential configuration offered (``<achievement>.<format>``)
    configuration_id: Mapped[str] = mapped_column(String(200))
    #: sha256 of the secret in the offer's URI; the pre-authorized code derives from it
    uri_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: sha256 of the transaction code the wallet must send with the code (None: none)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_length: Mapped[int | None]
    tx_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: when the code was exchanged for an access token (it works once)
    redeemed_at: Mapped[datetime | None]
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    #: the credential issued to the wallet, its DID, and when
    issued_id: Mapped[str | None] = mapped_column(String(100))
    holder: Mapped[str | None] = mapped_column(String(1000))
    issued_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(400))
    #: ``pre-authorized_code``, or ``authorization_code``: a signed-in resident's own
    #: credential copied to a wallet app they authorize (PKCE)
    grant: Mapped[str] = mapped_column(
        String(40), default="pre-authorized_code", server_default="pre-authorized_code"
    )
    #: the resident, the wallet's client id and redirect URI, the PKCE challenge and the
    #: authorization code's digest (authorization code flow)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    client_id: Mapped[str | None] = mapped_column(String(500))
    redirect_uri: Mapped[str | None] = mapped_column(String(2000))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    auth_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class IssuerNonce(Base):
    """A ``c_nonce`` the nonce endpoint gave out (its digest): a proof must carry one that
    is fresh and unused."""

    __tablename__ = "oid4vci_nonces"
    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class ReceivedCredential(Base):
    """A credential openler's wallet received from an issuer elsewhere (OpenID4VCI), bound
    to the person's wallet key, verified when it arrived."""

    __tablename__ = "received_credentials"
    __table_args__ = (Index("ix_received_credentials_digest", "person_id", "digest"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: the credential's issuer (a DID or URL) and the name it goes by
    issuer: Mapped[str] = mapped_column(String(1000))
    issuer_name: Mapped[str] = mapped_column(String(300))
    #: the OpenID4VCI credential issuer it came from
    credential_issuer: Mapped[str] = mapped_column(String(1000))
    #: ldp_vc or jwt_vc_json
    format: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    #: the credential as JSON (a JWT's ``vc`` claim) and, for a JWT, the JWT as received
    document: Mapped[dict[str, Any]]
    jwt: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: how it came: ``oid4vci`` (from an issuer's offer) or ``import`` (a file the person
    #: brought: JSON, a JWT, a baked badge, a CLR's part, an LER-RS verification)
    source: Mapped[str] = mapped_column(String(20), default="oid4vci", server_default="oid4vci")
    #: whether it verified when it came; one that did not is kept, marked, never shown as
    #: verified
    verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    #: what verification said when it came, in plain words
    verification_note: Mapped[str | None] = mapped_column(Text)
    #: what recognises the same credential brought twice (``holders.record.digest_of``)
    digest: Mapped[str | None] = mapped_column(String(64))
    #: the CLR this credential was unpacked from (the record itself is kept too)
    parent_id: Mapped[str | None] = mapped_column(String(36))
    #: the file as the person brought it (a baked badge image, an LER-RS document)
    original: Mapped[bytes | None] = mapped_column(LargeBinary)
    original_type: Mapped[str | None] = mapped_column(String(100))


class ImportRun(Base):
    """One import a person made (one or several files at once) and its report, row by row
    (``holders.imports.ImportReport.to_json``), so that the page after the upload can show
    it again without importing twice. Its owner's alone."""

    __tablename__ = "import_runs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    report: Mapped[dict[str, Any]]


class SelfReported(Base):
    """An entry of the learner's record they wrote themselves: a job, volunteering, a skill,
    informal learning. Always shown as self-reported, never as verified."""

    __tablename__ = "self_reported"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: job, volunteering, skill, learning
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    organization: Mapped[str | None] = mapped_column(String(300))
    #: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``
    started: Mapped[str | None] = mapped_column(String(10))
    ended: Mapped[str | None] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]


class ShareView(Base):
    """One opening of a share link: when, and who when the viewer was signed in (their
    organization's name as they act for it). The learner's access log."""

    __tablename__ = "share_views"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    share_id: Mapped[str] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    viewer_person_id: Mapped[str | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL")
    )
    viewer_organization: Mapped[str | None] = mapped_column(String(300))
    verified: Mapped[bool] = mapped_column(Boolean)


# --- issue 11, OpenID4VP (verifier side) -------------------------------------------------


class Oid4vpRequest(Base):
    """What an OpenID4VP 1.0 request adds to its :class:`PresentationRequest` (whose
    ``challenge`` is the request's ``nonce`` and ``domain`` its ``client_id``): the
    ``request_uri`` capability and the ``state``, stored as SHA-256 digests (the link's
    token also sealed, so the verifier's page can show the link again), and the answer."""

    __tablename__ = "oid4vp_requests"
    request_id: Mapped[str] = mapped_column(
        ForeignKey("presentation_requests.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(String(400))
    #: sha256 of the token in the request_uri
    request_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the same token sealed under the key-encryption key
    request_token_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: sha256 of the request's ``state``
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the ``vp_token`` that answered (verified then; verified again whenever looked at)
    vp_token: Mapped[dict[str, Any] | None]
    #: the wallet's error response (``error``, ``error_description``), when it declined
    wallet_error: Mapped[dict[str, Any] | None]
    #: the last response refused (``at``, ``error``, ``error_description``)
    refused: Mapped[dict[str, Any] | None]


# --- issue 13, incident check-in --------------------------------------------------------


class Incident(Base):
    """An emergency an organization's verifiers run check-in for: the roles it needs, each
    with what qualifies for it (``verifiers.incidents.Role``), and the check-in link — its
    token stored as a SHA-256 digest, and sealed so the commander's page can show it again."""

    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    #: the roles, in the order the commander gave them (``Role.to_json`` each)
    roles: Mapped[list[Any]]
    checkin_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    checkin_token_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(300))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(300))
    #: when the last re-check of every responder started, and when one last ran to its end
    recheck_started_at: Mapped[datetime | None]
    rechecked_at: Mapped[datetime | None]
    #: that re-check: its pass, who asked, its job, how far it got and what it found
    #: (``verifiers.incident_rechecks.Pass.to_json``)
    last_recheck: Mapped[dict[str, Any] | None]


class IncidentCheckin(Base):
    """One responder at an incident: the last time they checked in, and what it showed. A
    responder is their holder DID, proven by the presentation's signature; checking in
    again updates this row."""

    __tablename__ = "incident_checkins"
    __table_args__ = (UniqueConstraint("incident_id", "responder"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    #: the holder DID that signed, or ``unproven:<request id>`` for an answer whose
    #: signature did not show who sent it
    responder: Mapped[str] = mapped_column(String(500))
    #: the person, when they checked in from their wallet here (their name, with consent)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(300))
    #: ``openler`` (the wallet here) or ``oid4vp`` (any OpenID4VP wallet)
    via: Mapped[str] = mapped_column(String(20))
    #: verified for at least one role
    verified: Mapped[bool] = mapped_column(Boolean)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    times: Mapped[int] = mapped_column(Integer, default=1)
    #: copies of issuers' documents the verification relied on because the issuer could not
    #: be reached (``verifiers.fetched_copies.Stale.to_json`` each); empty when none
    stale: Mapped[list[Any]]
    #: the presentations of the last check-in, as received (a JSON object or a compact JWT
    #: each), kept so that its credentials can be verified again; None for rows checked in
    #: before they were kept (SQL NULL, never JSON ``null``)
    presentations: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    #: when its verdicts were last made: at check-in, or when everyone was checked again
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: the re-check that last verified it again (``Incident.last_recheck``'s pass)
    recheck_pass: Mapped[str | None] = mapped_column(String(32))


class IncidentVerdict(Base):
    """What a check-in showed for one role (``role`` None: for no role): verified, or
    refused and why. A responder has, for each role, verified verdicts or refused ones,
    never both."""

    __tablename__ = "incident_verdicts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    checkin_id: Mapped[str] = mapped_column(
        ForeignKey("incident_checkins.id", ondelete="CASCADE"), index=True
    )
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(40))
    verified: Mapped[bool] = mapped_column(Boolean)
    #: the credential as it names itself, its issuer by the registry's name, its end
    credential: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(300))
    valid_until: Mapped[str | None] = mapped_column(String(10))
    #: why it was refused (``wording_to_json``), None when verified
    reason: Mapped[list[Any] | None]


class IncidentRequest(Base):
    """An OpenID4VP request made for a check-in (one per scan of the check-in link)."""

    __tablename__ = "incident_requests"
    request_id: Mapped[str] = mapped_column(
        ForeignKey("presentation_requests.id", ondelete="CASCADE"), primary_key=True
    )
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )


class FetchedCopy(Base):
    """The last copy of a document of an issuer elsewhere (a DID document, a status list
    credential) that verification fetched and relied on, kept for when the issuer cannot
    be reached. Bounded (``verifiers.fetched_copies.MAX_COPIES``), oldest dropped first."""

    __tablename__ = "fetched_copies"
    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    #: ``did`` (a DID or controller document) or ``status-list``
    kind: Mapped[str] = mapped_column(String(20))
    #: whose document it is (the DID it describes, the list's verified issuer)
    issuer: Mapped[str] = mapped_column(String(500))
    document: Mapped[dict[str, Any]]
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    #: until when it may be used without asking the issuer again (its HTTP lifetime)
    fresh_until: Mapped[datetime]


# --- issue 13, verification rosters ------------------------------------------------------


class RosterVerdict(Base):
    """One item of a verification roster (a credential file of a ZIP, a link of a list)
    and its verdict: written with the chunk that verified it, in the transaction that
    deletes its ``JobInput``, so a resumed job verifies nothing twice. ``outcome`` is the
    verdict (``services.verifiers.verdicts.OUTCOMES``), ``state`` the credential's state
    code now (None when there is no credential), ``reason`` the plain words saying why."""

    __tablename__ = "roster_verdicts"
    __table_args__ = (Index("ix_roster_verdicts_outcome", "job_id", "outcome", "row"),)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: where the item is in the upload ("licences/rn-1.json", "line 7")
    source: Mapped[str] = mapped_column(String(400))
    #: what the verifier's list says beside the link (a name, a licence number)
    reference: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(30))
    verified: Mapped[bool] = mapped_column(Boolean)
    holder: Mapped[str | None] = mapped_column(String(300))
    credential: Mapped[str | None] = mapped_column(String(300))
    #: the licence number the credential states (OB 3.0 ``licenseNumber``)
    licence_number: Mapped[str | None] = mapped_column(String(300))
    issuer: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str | None] = mapped_column(String(30))
    #: the day it is valid until (``2028-11-25``), as the credential says
    valid_until: Mapped[str | None] = mapped_column(String(10))
    credential_id: Mapped[str | None] = mapped_column(String(400))
    reason: Mapped[str] = mapped_column(Text)
    #: whether ``issuer`` is only the name the credential gives itself ("said to be from")
    issuer_claimed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    #: the technical detail of the reason (the checks' messages, identifiers included)
    detail: Mapped[str | None] = mapped_column(Text)
    #: a list's line as uploaded, under the job's ``columns`` (its payload)
    cells: Mapped[list[Any] | None]


# --- issue 13, the public verify page --------------------------------------------------------


class SavedVerification(Base):
    """A verify page's result that a verifier kept for their organization: the result as it
    was checked (``verifiers.sealed_results.record_of``: the answers, the technical report,
    what was verified and when — never the input itself), who kept it and when."""

    __tablename__ = "saved_verifications"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    saved_by: Mapped[str | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    #: who kept it, as they were named then (kept if the account changes or goes)
    saved_by_name: Mapped[str] = mapped_column(String(300))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime]
    verified: Mapped[bool] = mapped_column(Boolean)
    #: the first answer's sentence (or why nothing could be answered), in English
    title: Mapped[str] = mapped_column(String(600))
    record: Mapped[dict[str, Any]]


# --- skills (issue 14) ------------------------------------------------------------------


class SkillFramework(Base):
    """A skills or occupations framework as imported: ESCO, O*NET, a CASE package, a CTDL
    competency framework, a military crosswalk, or the demo's built-in one. Re-importing
    the same framework updates it in place."""

    __tablename__ = "skill_frameworks"
    #: a short stable name: ``esco``, ``onet``, ``military``, ``demo``, ``case-…``
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: case, ctdl, esco, onet, military, builtin
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    #: the framework's own URI (a CFDocument's, a ceasn:CompetencyFramework's), if it has one
    source: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[str | None] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    #: what the last import held and did: {"items": n, "relations": n, "added": n, …}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Competency(Base):
    """One item of a framework: a skill, a knowledge item, a competency, an occupation or a
    military occupation. ``identifier`` is kept exactly as the framework gives it (an ESCO
    concept URI, a CASE item's identifier, an O*NET-SOC code for an O*NET occupation)."""

    __tablename__ = "competencies"
    __table_args__ = (UniqueConstraint("framework_id", "identifier"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    framework_id: Mapped[str] = mapped_column(
        ForeignKey("skill_frameworks.id", ondelete="CASCADE"), index=True
    )
    identifier: Mapped[str] = mapped_column(String(2000))
    #: skill, knowledge, competency, occupation, military
    kind: Mapped[str] = mapped_column(String(20))
    #: a code people use: an O*NET-SOC code, a military occupation code, a CASE
    #: humanCodingScheme; occupations of different frameworks meet on their O*NET-SOC code
    code: Mapped[str | None] = mapped_column(String(100), index=True)
    label: Mapped[str] = mapped_column(String(1000))
    alt_labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    #: the address an OB 3.0 alignment's ``targetUrl`` takes
    url: Mapped[str | None] = mapped_column(String(2000))
    #: what else the framework says (a job zone, a military service and status …)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CompetencyRelation(Base):
    """A relation a framework states between two of its items, or a crosswalk to another
    framework's: an occupation ``requires`` a skill (``weight`` 0–1: O*NET importance,
    ESCO essential 1 / optional 0.5), occupations are ``related``, a military occupation
    ``translates`` to a civilian one, an item is ``broader`` than another."""

    __tablename__ = "competency_relations"
    __table_args__ = (UniqueConstraint("source_id", "target_id", "kind"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: the framework whose import stated it (re-importing it replaces its relations)
    framework_id: Mapped[str] = mapped_column(
        ForeignKey("skill_frameworks.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[str] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    target_id: Mapped[str] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    #: requires, related, translates, broader
    kind: Mapped[str] = mapped_column(String(20))
    weight: Mapped[float | None] = mapped_column(Float)
    #: the source's own figures (O*NET importance and level, ESCO relation type …)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- career navigation -------------------------------------------------------------------


class CoachGrant(Base):
    """A person's consent that a career navigator (a coach of an organization) may read
    their skills profile and career navigator, until they withdraw it. Withdrawn grants
    are kept (``withdrawn_at``) so the person sees who had access and when."""

    __tablename__ = "coach_grants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    #: the organization the coach works for (where they hold ``career_navigator``)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


# --- job postings (issue 14: profiles, postings and skills-based matching) ------------------


class JobPosting(Base):
    """A job an employer organization posts: made on its pages, imported from a JEDx job
    record, or pasted as text; its requirements are skills of a framework."""

    __tablename__ = "job_postings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    #: the O*NET-SOC code of the occupation (``29-1141.00``), and its title as shown
    occupation_code: Mapped[str | None] = mapped_column(String(20))
    occupation_label: Mapped[str | None] = mapped_column(String(300))
    #: open, closed
    status: Mapped[str] = mapped_column(String(10), default="open")
    #: page, jedx, text
    source: Mapped[str] = mapped_column(String(10), default="page")
    #: the source's own identifier (a JEDx jobId)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    requirements: Mapped[list[PostingRequirement]] = relationship(
        back_populates="posting",
        cascade="all, delete-orphan",
        order_by="PostingRequirement.position",
    )


class PostingRequirement(Base):
    """A skill a posting asks for, copied from a framework's item (its identifier, label
    and framework kept, so the posting still reads when the framework changes)."""

    __tablename__ = "posting_requirements"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    posting_id: Mapped[str] = mapped_column(
        ForeignKey("job_postings.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[str | None] = mapped_column(
        ForeignKey("competencies.id", ondelete="SET NULL")
    )
    framework_id: Mapped[str] = mapped_column(String(64))
    identifier: Mapped[str] = mapped_column(String(2000))
    #: skill, knowledge, competency, occupation
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(1000))
    code: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(2000))
    #: required, else preferred
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    #: 1–5: how much it matters
    weight: Mapped[float] = mapped_column(Float, default=3.0)
    position: Mapped[int] = mapped_column(Integer, default=0)
    posting: Mapped[JobPosting] = relationship(back_populates="requirements")


class DiscoverablePerson(Base):
    """A person who chose to be found by employers' candidate searches (no row: never
    ranked, never listed)."""

    __tablename__ = "discoverable_people"
    person_id: Mapped[str] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    since: Mapped[datetime] = mapped_column(default=utcnow)


class CompetencyEmbedding(Base):
    """The sentence-embedding vectors of one item for one model, computed once and kept for
    alignment suggestions: its label and alternative labels, one vector each, float16, row
    after row. ``digest`` is the SHA-256 of the texts embedded: an item whose
    texts changed on re-import is embedded again."""

    __tablename__ = "competency_embeddings"
    competency_id: Mapped[str] = mapped_column(
        ForeignKey("competencies.id", ondelete="CASCADE"), primary_key=True
    )
    #: the model's name (``all-MiniLM-L6-v2-onnx-int8``): another model is another space
    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    framework_id: Mapped[str] = mapped_column(
        ForeignKey("skill_frameworks.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    vectors: Mapped[bytes] = mapped_column(LargeBinary)
