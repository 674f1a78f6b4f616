"""The one typed settings object (prefix ``OPENLER_``), validated at start-up and passed down.

>>> Settings(database_url="sqlite:///./x.db").database_url
'sqlite:///./x.db'
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: what one online verification may fetch by default (the platform's settings, and the
#: CLI's ``--max-fetches`` / ``--fetch-seconds``)
DEFAULT_MAX_FETCHES = 20
DEFAULT_FETCH_SECONDS = 20.0


class Settings(BaseSettings):
    """Deployment settings. In ``production`` a key-encryption key must be given and the
    public URL must be HTTPS; in ``development`` a KEK is generated into ``data_dir``."""

    model_config = SettingsConfigDict(env_prefix="OPENLER_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./openler.db"
    #: base64 of 32 random bytes; encrypts issuer private keys at rest (AES-256-GCM).
    key_encryption_key: SecretStr | None = None
    data_dir: Path = Path("./var")
    #: base64 of 32 random bytes; keys the audit trail's digests and signs its checkpoints.
    #: When unset it is derived from the key-encryption key; set it to keep the audit trail
    #: verifiable across a change of the key-encryption key.
    audit_key: SecretStr | None = None
    #: where signed checkpoints of the audit trail are appended (default
    #: ``<data_dir>/audit-checkpoints.jsonl``); keep it off the database's machine
    audit_checkpoint_file: Path | None = None
    #: ``openler serve`` appends a checkpoint this often when the trail has grown (0: never)
    audit_checkpoint_minutes: int = Field(default=10, ge=0)
    public_url: str = "http://127.0.0.1:8000"
    #: request bodies larger than this are refused (413), counted as they arrive
    max_request_bytes: int = Field(default=1_000_000, ge=1024)
    #: the larger limit of the roster uploads (an issuer's roster, a verification roster:
    #: tens of thousands of rows or credential files), for people signed in with a role there
    max_upload_bytes: int = Field(default=50_000_000, ge=1024)
    #: ``Strict-Transport-Security`` max-age, sent when ``public_url`` is https:// (0: never)
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    #: reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (comma-
    #: separated addresses or networks, "*" for any): the client address they name is what
    #: sign-in throttling counts, so list only proxies you run
    trusted_proxies: str = "127.0.0.1,::1"
    #: how long ``openler serve`` keeps an idle connection open: longer than any proxy in
    #: front of it keeps its own, or the proxy may send on a connection the server is
    #: closing and answer 502 (nginx and Node's keep-alive agents reuse them)
    keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    #: what one verification may fetch from other sites (DID documents, status lists) when
    #: it goes online: fetches, and seconds in all; past either, the check fails
    verify_max_fetches: int = Field(default=DEFAULT_MAX_FETCHES, ge=0)
    verify_fetch_seconds: float = Field(default=DEFAULT_FETCH_SECONDS, gt=0)
    session_hours: int = Field(default=12, ge=1)
    #: failed sign-ins per email address, then per client address, within the lockout
    #: window before further attempts are refused for that window
    login_attempts: int = Field(default=5, ge=1)
    login_client_attempts: int = Field(default=20, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    #: argon2id cost; the defaults follow RFC 9106's second recommended option
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65536, ge=1024)
    #: OpenID Connect sign-in (optional): the provider's issuer URL, as in its discovery
    #: document; sign-in with a password stays available beside it
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    #: omitted for a public client (PKCE only)
    oidc_client_secret: SecretStr | None = None
    #: the button says "Sign in with <oidc_name>"
    oidc_name: str = "your organization's account"
    oidc_scopes: str = "openid email profile"
    #: create a learner account for a verified email that has none; otherwise only people
    #: who already have an account may sign in through the provider
    oidc_create_learners: bool = False
    #: the wallet's exchanges with other issuers and verifiers (OpenID4VCI offers,
    #: OpenID4VP requests, VC API exchanges) reach https:// URLs on public addresses only;
    #: this also lets them reach http://127.0.0.1 and http://localhost — for tests and a
    #: developer's own machine, never in production
    protocol_allow_loopback: bool = False
    #: expiry reminders: holders are mailed once as a credential comes within each of
    #: these many days of its end (comma-separated, such as "60,14")
    reminder_days: str = "60,14"
    #: how long a claim link (sent to a recipient without an account) stays usable
    claim_days: int = Field(default=60, ge=1, le=3650)
    #: how long an OpenID4VCI offer (its pre-authorized code) stays usable, at most (never
    #: longer than the claim link it comes from)
    oid4vci_offer_hours: int = Field(default=72, ge=1, le=8760)
    #: how long a "create an account" link stays usable
    signup_link_hours: int = Field(default=24, ge=1, le=720)
    #: account-creation requests per client address within the lockout window, and
    #: confirmation links per email address (so that nobody floods an inbox)
    signup_client_attempts: int = Field(default=10, ge=1)
    signup_email_attempts: int = Field(default=3, ge=1)
    #: where the outbox delivers mail: ``smtp://host:port`` (STARTTLS when the server
    #: offers it), ``smtps://host:port`` (TLS from the start); ``user:password@`` for
    #: servers that ask. Unset: nothing is sent, the in-app mailbox shows what would be
    smtp_url: SecretStr | None = None
    #: the From address of mail openler sends
    mail_from: str = "openler <no-reply@localhost>"
    #: delivery attempts per message before the outbox stops retrying it (it stays listed)
    smtp_max_attempts: int = Field(default=8, ge=1)
    #: the public verify page (``/verify``): verifications and PDF reports a minute, per
    #: client address for everyone, per person for those with the verifier role; counted
    #: by each server process apart (docs/security.md)
    verify_page_per_minute: int = Field(default=10, ge=1)
    verify_page_verifier_per_minute: int = Field(default=120, ge=1)
    #: incident check-in: fetches of a check-in link's ``request_uri`` (each makes a signed
    #: OpenID4VP request) a minute per client address — generous, as a crowd of responders
    #: may share one address behind a NAT; counted by each server process apart
    checkin_requests_per_minute: int = Field(default=60, ge=1)
    #: incident check-in: while an incident is open and its roster page is open, every
    #: responder is checked again once the oldest verdict is this many minutes old (0: only
    #: when someone presses "Check everyone again")
    incident_recheck_minutes: int = Field(default=10, ge=0, le=1440)

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            if self.key_encryption_key is None:
                raise ValueError("OPENLER_KEY_ENCRYPTION_KEY is required in production")
            if not self.public_url.startswith("https://"):
                raise ValueError("OPENLER_PUBLIC_URL must be https:// in production")
            if self.protocol_allow_loopback:
                raise ValueError("OPENLER_PROTOCOL_ALLOW_LOOPBACK is for development only")
        if self.oidc_issuer is not None:
            if not self.oidc_client_id:
                raise ValueError("OPENLER_OIDC_CLIENT_ID is required with OPENLER_OIDC_ISSUER")
            if "openid" not in self.oidc_scopes.split():
                raise ValueError("OPENLER_OIDC_SCOPES must include openid")
            if self.environment == "production" and not self.oidc_issuer.startswith("https://"):
                raise ValueError("OPENLER_OIDC_ISSUER must be https:// in production")
        if self.smtp_url is not None:
            scheme = self.smtp_url.get_secret_value().partition("://")[0]
            if scheme not in ("smtp", "smtps"):
                raise ValueError("OPENLER_SMTP_URL must start with smtp:// or smtps://")
        if self.key_encryption_key is not None:
            _decode_key(self.key_encryption_key.get_secret_value(), "the key-encryption key")
        if self.audit_key is not None:
            _decode_key(self.audit_key.get_secret_value(), "the audit key")
        _ = self.reminder_thresholds
        return self

    @property
    def upload_limit_bytes(self) -> int:
        """What a roster upload may send: ``max_upload_bytes``, never less than the limit of
        any other request."""
        return max(self.max_request_bytes, self.max_upload_bytes)

    @property
    def reminder_thresholds(self) -> tuple[int, ...]:
        """``reminder_days`` as numbers, largest first."""
        try:
            days = {int(part) for part in self.reminder_days.split(",") if part.strip()}
        except ValueError:
            raise ValueError(
                "OPENLER_REMINDER_DAYS must be numbers of days, such as 60,14"
            ) from None
        if any(not 1 <= d <= 3650 for d in days):
            raise ValueError("OPENLER_REMINDER_DAYS must be from 1 to 3650 days each")
        return tuple(sorted(days, reverse=True))

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def kek(self) -> bytes:
        """The key-encryption key; in development one is created in ``data_dir`` once."""
        if self.key_encryption_key is not None:
            return _decode_key(self.key_encryption_key.get_secret_value(), "the key-encryption key")
        path = self.data_dir / "kek"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(secrets.token_bytes(32)).decode())
        return _decode_key(path.read_text().strip(), "the key-encryption key")

    def audit_secret(self) -> bytes | None:
        """The audit key when one is set; None means "derive it from the KEK"."""
        if self.audit_key is None:
            return None
        return _decode_key(self.audit_key.get_secret_value(), "the audit key")

    @property
    def audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_file or self.data_dir / "audit-checkpoints.jsonl"


def _decode_key(value: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raise ValueError(f"{what} must be base64") from None
    if len(raw) != 32:
        raise ValueError(f"{what} must be 32 bytes (base64 of 32 random bytes)")
    return raw
