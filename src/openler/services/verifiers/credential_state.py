"""A credential's state as people see it: one fact, computed as of now from the stored row
and the verification result, shown the same on every page, picker and API view.

The stored ``state`` says only what the issuer did (active, suspended, revoked); whether the
credential is usable now also depends on the clock (expired, not yet valid), on the trust
registry (an issuer suspended or withdrawn there) and on re-issue (replaced). Pages that
showed the stored state called an expired credential "active"; they use this instead.

>>> from datetime import UTC, datetime
>>> from openler.store.models import IssuedCredential
>>> row = IssuedCredential(id="urn:x", state="active", document={},
...                        valid_until=datetime(2020, 1, 1, tzinfo=UTC))
>>> credential_state(row, None, at=datetime(2026, 1, 1, tzinfo=UTC)).label
'expired'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.verifiers.verifying import verify_document
from openler.store.models import IssuedCredential
from openler.vc import VCError, VerificationReport, parse_datetime

StateCode = Literal[
    "active",
    "suspended",
    "revoked",
    "replaced",
    "expired",
    "not-yet-valid",
    "issuer-not-trusted",
    "unverified",
]
_LABELS = {"not-yet-valid": "not yet valid", "issuer-not-trusted": "issuer not trusted"}


@dataclass(frozen=True)
class CredentialState:
    """``code`` for machines and CSS, ``label`` for people, ``reason`` saying why."""

    code: StateCode
    reason: str | None = None

    @property
    def label(self) -> str:
        if self.code == "unverified":
            return "does not verify"
        return _LABELS.get(self.code, self.code)

    @property
    def usable(self) -> bool:
        """Whether a verifier would accept it now."""
        return self.code == "active"

    def __str__(self) -> str:
        return f"{self.label} ({self.reason})" if self.reason else self.label

    def to_json(self) -> dict[str, Any]:
        return {"state": self.code, "label": self.label, "reason": self.reason}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _day(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%d")


def _valid_from(document: dict[str, Any]) -> datetime | None:
    value = document.get("validFrom")
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except VCError:
        return None


def credential_state(
    row: IssuedCredential, report: VerificationReport | None, *, at: datetime
) -> CredentialState:
    """The state of ``row`` at ``at``. The issuer's own acts come first (replaced, revoked,
    suspended), then the clock, then the verification ``report`` of the stored document
    (the registry's verdict on the issuer, then anything else that fails)."""
    if row.replaced_by:
        return CredentialState("replaced", f"re-issued as {row.replaced_by}")
    since = f" since {_day(row.state_changed_at)}" if row.state_changed_at else ""
    if row.state == "revoked":
        return CredentialState("revoked", f"revoked by the issuer{since}")
    if row.state == "suspended":
        return CredentialState("suspended", f"suspended by the issuer{since}")
    if row.valid_until is not None and _utc(row.valid_until) < at:
        return CredentialState("expired", f"expired on {_day(row.valid_until)}")
    starts = _valid_from(row.document)
    if starts is not None and starts > at:
        return CredentialState("not-yet-valid", f"valid from {_day(starts)}")
    if report is not None:
        trust = report.check("trust")
        if trust is not None and trust.status == "failed":
            return CredentialState("issuer-not-trusted", trust.message)
        if not report.verified:
            return CredentialState("unverified", report.summary)
    return CredentialState("active")


def check_state(
    session: Session, platform: Platform, row: IssuedCredential, *, at: datetime | None = None
) -> tuple[CredentialState, VerificationReport]:
    """Verify the stored credential now and say its state; the report for the page."""
    when = at or platform.now()
    report = verify_document(session, platform, row.document, at=when, name=row.id)
    return credential_state(row, report, at=when), report


def states_of(
    session: Session, platform: Platform, rows: Iterable[IssuedCredential]
) -> dict[str, CredentialState]:
    """Each row's state as of now, by credential id (for lists and pickers)."""
    now = platform.now()
    return {row.id: check_state(session, platform, row, at=now)[0] for row in rows}
