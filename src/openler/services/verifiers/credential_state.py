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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.issuers import issuing
from openler.services.verifiers.verifying import verify_document
from openler.store.models import IssuedCredential
from openler.vc import VCError, VerificationReport, parse_datetime, parse_json

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
#: the kind (``IssuedCredential.kind``) of an endorsement an organization issued
ENDORSEMENT_KIND = "EndorsementCredential"
_LABELS = {"not-yet-valid": "not yet valid", "issuer-not-trusted": "issuer not trusted"}
#: the reasons a credential's dates give (worded: pages translate them)
EXPIRED_ON = "expired on %(day)s"
VALID_FROM = "valid from %(day)s"


@dataclass(frozen=True)
class CredentialState:
    """``code`` for machines and CSS, ``label`` for people, ``reason`` saying why."""

    code: StateCode
    reason: str | None = None
    #: the reason as a message and its values, for pages in other languages (``i18n``):
    #: ``("expired on %(day)s", (("day", "2026-01-01"),))``; None when it has no wording
    wording: tuple[str, tuple[tuple[str, str], ...]] | None = field(default=None, compare=False)

    @classmethod
    def worded(cls, code: StateCode, message: str, **values: str) -> CredentialState:
        """A state whose reason is ``message`` filled with ``values``.

        >>> CredentialState.worded("expired", "expired on %(day)s", day="2026-01-01").reason
        'expired on 2026-01-01'
        """
        return cls(code, message % values, (message, tuple(sorted(values.items()))))

    @property
    def label(self) -> str:
        if self.code == "unverified":
            return "does not verify"
        return _LABELS.get(self.code, self.code)

    @property
    def usable(self) -> bool:
        """Whether a verifier would accept it now."""
        return self.code == "active"

    @property
    def said(self) -> str:
        """The label and the reason in one phrase, the label said once: "suspended:
        under review", but "Suspended on 2026-11-26 by …" where the reason opens with it.

        >>> CredentialState.worded("expired", EXPIRED_ON, day="2026-01-01").said
        'Expired on 2026-01-01'
        >>> CredentialState("unverified", "proof failed").said
        'does not verify: proof failed'
        """
        if not self.reason:
            return self.label
        if repeats_label(self.label, self.reason):
            return self.reason[:1].upper() + self.reason[1:]
        return f"{self.label}: {self.reason}"

    def __str__(self) -> str:
        return f"{self.label} ({self.reason})" if self.reason else self.label

    def to_json(self) -> dict[str, Any]:
        return {"state": self.code, "label": self.label, "reason": self.reason}


def repeats_label(label: str, reason: str) -> bool:
    """Whether ``reason`` opens with a state's ``label`` (whole words, any case), so that
    saying the label, then the reason, says it twice: "suspended: suspended on …".

    >>> repeats_label("suspended", "suspended on 2026-11-26 by Ohio Board of Nursing")
    True
    >>> repeats_label("expired", "expiry pending"), repeats_label("revoked", "Revoked.")
    (False, True)
    """
    head, after = reason[: len(label)], reason[len(label) : len(label) + 1]
    return bool(label) and head.casefold() == label.casefold() and not after.isalnum()


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


def issuer_name(document: dict[str, Any]) -> str:
    """The issuer as the credential names it (its ``name``, else its id)."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        name = issuer.get("name")
        return str(name if isinstance(name, str) and name else issuer.get("id", "the issuer"))
    return str(issuer) if isinstance(issuer, str) else "the issuer"


def _act(row: IssuedCredential, code: StateCode) -> CredentialState:
    """What the issuer did to ``row``, when, and why, in the issuer's words:
    ``revoked on 2026-05-31 by Ohio Board of Nursing: licence surrendered``, or for a
    replaced credential ``renewed on 2026-05-31 as urn:uuid:…``."""
    when = f" on {_day(row.state_changed_at)}" if row.state_changed_at else ""
    if issuing.shows_replacement(row):
        how = issuing.how_replaced(row)
        return CredentialState(code, f"{how}{when} as {row.replaced_by}")
    verb = "revoked" if row.state == "revoked" else "suspended"
    message = verb + (" on %(day)s" if when else "") + " by %(issuer)s"
    values = {"issuer": issuer_name(row.document)}
    if row.state_changed_at:
        values["day"] = _day(row.state_changed_at)
    if row.state_reason:
        message, values["said"] = message + ": %(said)s", row.state_reason
    return CredentialState.worded(code, message, **values)


def credential_state(
    row: IssuedCredential, report: VerificationReport | None, *, at: datetime
) -> CredentialState:
    """The state of ``row`` at ``at``. The issuer's own acts come first (replaced, revoked,
    suspended), then the clock, then the verification ``report`` of the stored document
    (a document that is not what was signed, then the registry's verdict on the issuer,
    then anything else that fails)."""
    if issuing.shows_replacement(row):
        return _act(row, "replaced")
    if row.state == "revoked":
        return _act(row, "revoked")
    if row.state == "suspended":
        return _act(row, "suspended")
    if row.valid_until is not None and _utc(row.valid_until) < at:
        return CredentialState.worded("expired", EXPIRED_ON, day=_day(row.valid_until))
    starts = _valid_from(row.document)
    if starts is not None and starts > at:
        return CredentialState.worded("not-yet-valid", VALID_FROM, day=_day(starts))
    if report is not None:
        if not intact(report):
            return CredentialState("unverified", report.summary)
        trust = report.check("trust")
        if trust is not None and trust.status == "failed":
            return CredentialState("issuer-not-trusted", trust.message)
        if not report.verified:
            return CredentialState("unverified", report.summary)
    return CredentialState("active")


#: the checks that say whether a document is what its issuer signed: when one fails,
#: nothing it says (its dates, its issuer) is a fact, and it "does not verify" before
#: anything else is said of it
INTEGRITY_CHECKS = ("parse", "context", "schema", "type", "proof", "issuer")


def intact(report: VerificationReport) -> bool:
    """Whether none of :data:`INTEGRITY_CHECKS` failed in ``report``."""
    return not any(c.status == "failed" and c.id in INTEGRITY_CHECKS for c in report.checks)


def issuer_verified(report: VerificationReport) -> bool:
    """Whether ``report`` shows the document signed by the issuer it names: its proof
    verified, by a key of that issuer. Only then is what a registry says of the issuer's
    identifier (its name, where it is authorised) said of the document: a forgery may name
    any issuer's identifier."""
    return report.status_of("proof") == "passed" and report.status_of("issuer") == "passed"


def check_state(
    session: Session, platform: Platform, row: IssuedCredential, *, at: datetime | None = None
) -> tuple[CredentialState, VerificationReport]:
    """Verify the stored credential now and say its state; the report for the page. An
    endorsement is checked without the trust registry, which says who may issue
    credentials, not who may vouch for them (as ``endorsements`` shows them)."""
    when = at or platform.now()
    report = verify_document(
        session,
        platform,
        row.document,
        at=when,
        name=row.id,
        use_registry=row.kind != ENDORSEMENT_KIND,
    )
    return credential_state(row, report, at=when), report


def states_of(
    session: Session, platform: Platform, rows: Iterable[IssuedCredential]
) -> dict[str, CredentialState]:
    """Each row's state as of now, by credential id (for lists and pickers)."""
    now = platform.now()
    return {row.id: check_state(session, platform, row, at=now)[0] for row in rows}


def sentence_end(text: str) -> str:
    """``text`` closed by a full stop, unless it already ends with punctuation.

    >>> sentence_end("Licence surrendered"), sentence_end("Pending review (audit).")
    ('Licence surrendered.', 'Pending review (audit).')
    """
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


@dataclass(frozen=True)
class IssuerNote:
    """What the issuer here says about a credential a verifier is looking at: why it was
    revoked or suspended, or that a newer one replaces it. Status lists carry only a bit; a
    verifier at openler also reads the issuer's own words (``sentence``), in plain words
    before the technical checks.

    >>> note = IssuerNote("urn:a", "Registered Nurse", CredentialState(
    ...     "revoked", "revoked on 2026-11-24 by Ohio Board of Nursing: Surrendered."), None)
    >>> note.sentence, note.tone
    ('Registered Nurse: Revoked on 2026-11-24 by Ohio Board of Nursing: Surrendered.', 'bad')
    >>> newer = IssuerNote("urn:a", "Registered Nurse", CredentialState("replaced"), "urn:b",
    ...                    replaced_how="extended", replaced_on="2026-11-26",
    ...                    valid_until="2027-05-01")
    >>> for part in newer.sentence.split("; "): print(part)
    A newer Registered Nurse replaces this one (extended on 2026-11-26)
    this one is still valid until 2027-05-01.
    """

    credential_id: str
    name: str
    state: CredentialState
    current_id: str | None  # the credential that replaced it, at the end of the chain
    #: for a superseded credential: how and when it was replaced, and whether it still counts
    replaced_how: str | None = None
    replaced_on: str | None = None
    valid_until: str | None = None
    still_valid: bool = True

    @property
    def tone(self) -> Literal["bad", "info"]:
        """``bad`` when the credential no longer counts (revoked, suspended, replaced and
        withdrawn), ``info`` when a newer one replaces it but it still does."""
        replaced = self.state.code == "replaced" and self.replaced_how is not None
        return "info" if replaced and self.still_valid else "bad"

    @property
    def sentence(self) -> str:
        if self.state.code == "replaced" and self.replaced_how is not None:
            when = f" on {self.replaced_on}" if self.replaced_on else ""
            newer = f"A newer {self.name} replaces this one ({self.replaced_how}{when})"
            if not self.still_valid:
                return f"{newer}; this one no longer counts: ask the holder for the new one."
            until = f" until {self.valid_until}" if self.valid_until else ""
            return f"{newer}; this one is still valid{until}."
        reason = self.state.reason or self.state.label
        return sentence_end(f"{self.name}: {reason[:1].upper()}{reason[1:]}")


def _credentials_in(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, (bytes, str)):
        try:
            data = parse_json(data.decode("utf-8") if isinstance(data, bytes) else data)
        except (VCError, UnicodeDecodeError):
            return []  # a JWT or something unreadable: the report says what it is
    if not isinstance(data, dict):
        return []
    types = data.get("type")
    if "VerifiablePresentation" in (types if isinstance(types, list) else [types]):
        inner = data.get("verifiableCredential", [])
        return [c for c in (inner if isinstance(inner, list) else [inner]) if isinstance(c, dict)]
    return [data]


def current_of(session: Session, row: IssuedCredential, *, limit: int = 50) -> IssuedCredential:
    """The end of ``row``'s chain of replacements (``row`` itself when never replaced)."""
    seen = 0
    while row.replaced_by and seen < limit:
        following = session.get(IssuedCredential, row.replaced_by)
        if following is None:
            break
        row, seen = following, seen + 1
    return row


def issuer_notes(session: Session, platform: Platform, data: Any) -> list[IssuerNote]:
    """The issuer's notes on each credential in ``data`` (a credential or a presentation)
    that this platform issued — the very document issued, by its id and proof — and that
    its issuer revoked, suspended or replaced. Nothing for a credential issued elsewhere,
    or for a copy whose proof is not the one issued."""
    notes = []
    now = platform.now()
    for document in _credentials_in(data):
        credential_id = document.get("id")
        if not isinstance(credential_id, str):
            continue
        row = session.get(IssuedCredential, credential_id)
        if row is None or row.document.get("proof") != document.get("proof"):
            continue
        if not (row.replaced_by or row.state in ("revoked", "suspended")):
            continue
        current = current_of(session, row) if row.replaced_by else None
        name = str(document.get("name") or "The credential")
        state = credential_state(row, None, at=now)
        replaced = state.code == "replaced"
        expired = row.valid_until is not None and _utc(row.valid_until) < now
        notes.append(
            IssuerNote(
                row.id,
                name,
                state,
                current.id if current is not None else None,
                replaced_how=issuing.how_replaced(row) if replaced else None,
                replaced_on=_day(row.state_changed_at) if row.state_changed_at else None,
                valid_until=_day(row.valid_until) if row.valid_until else None,
                still_valid=row.state == "active" and not expired,
            )
        )
    return notes
