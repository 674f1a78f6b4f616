"""Verify-page results a verifier keeps for their organization.

The verify page keeps nothing by itself. Someone with the verifier role in an organization
may save a result to it: the result as it was checked
(:func:`~openler.services.verifiers.sealed_results.record_of`, from the page's sealed copy,
so only what this platform verified can be saved, as it was shown) — never the file or text
that was verified, and never a share link's token. Each save is audited
(``verification.save``); the organization's verifiers see the saved results on their home
page, newest first, and open or download them again (they are not checked again: verify
the credential anew for its standing today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound
from openler.services.holders.reading import Alignment
from openler.services.issuers import orgs
from openler.services.people.accounts import Principal, require_role
from openler.services.verifiers import sealed_results
from openler.services.verifiers.credential_state import CredentialState, StateCode
from openler.services.wording import Wording, wording_from_json
from openler.store.models import Organization, SavedVerification

#: the role that may save and read saved results
VERIFIER = "verifier"
#: how many saved results the home page lists
RECENT = 10


def save(
    session: Session, platform: Platform, principal: Principal, slug: str, sealed: str
) -> SavedVerification:
    """Keep the result ``sealed`` (a verify page's hidden copy) for the organization
    ``slug``. Raises ``NotFound`` for no such organization, ``Forbidden`` without the
    verifier role there, and ``UsageError`` for a broken or expired seal."""
    organization = orgs.organization_by_slug(session, slug)
    require_role(principal, organization.id, VERIFIER)
    record = sealed_results.opened(platform, sealed)
    answers = record.get("answers") or []
    title = answers[0].get("answer") if answers else record.get("problem")
    now = platform.now()
    row = SavedVerification(
        organization_id=organization.id,
        saved_by=principal.person_id,
        saved_by_name=principal.name[:300],
        saved_at=now,
        checked_at=datetime.fromisoformat(str(record["checkedAt"]).replace("Z", "+00:00")),
        verified=bool(record.get("verified")),
        title=str(title or "")[:600],
        record=record,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        at=now,
        actor=principal.label,
        action="verification.save",
        subject=f"organization:{organization.slug}",
        data={
            "saved": row.id,
            "verified": row.verified,
            "checkedAt": record["checkedAt"],
            "input": record.get("input", {}).get("sha256"),
        },
    )
    return row


def saved_of(
    session: Session, principal: Principal, organization: Organization, saved_id: str
) -> SavedVerification:
    """One saved result of ``organization``, for its verifiers."""
    require_role(principal, organization.id, VERIFIER)
    row = session.get(SavedVerification, saved_id)
    if row is None or row.organization_id != organization.id:
        raise NotFound("no such saved verification in this organization")
    return row


@dataclass(frozen=True)
class Listed:
    """A saved result as the home page lists it: ``title`` is its first answer (or why
    nothing could be answered), in words the page translates."""

    row: SavedVerification
    organization: Organization
    title: Wording


def recent(
    session: Session, principal: Principal, organization: Organization | None = None
) -> list[Listed]:
    """The newest saved results of ``organization``, or of every organization
    ``principal`` verifies for (only those)."""
    ids = principal.organizations_with(VERIFIER)
    if organization is not None:
        ids = [i for i in ids if i == organization.id]
    if not ids:
        return []
    rows = session.execute(
        select(SavedVerification, Organization)
        .join(Organization, Organization.id == SavedVerification.organization_id)
        .where(SavedVerification.organization_id.in_(ids))
        .order_by(SavedVerification.saved_at.desc(), SavedVerification.id)
        .limit(RECENT)
    ).all()
    return [Listed(row, organization, _title(row)) for row, organization in rows]


def _title(row: SavedVerification) -> Wording:
    verdict = verdict_of(row.record)
    if verdict.answers:
        return verdict.answers[0].said
    return verdict.problem or _wording(None, row.title)


# --- a saved result read back as the page's answer macro reads a Verdict -----------------


@dataclass(frozen=True)
class SavedAnswer:
    """An answer of a saved record, with the attributes ``verdict_block`` reads."""

    said: Wording
    standing: Wording
    holder: str | None
    binding: str
    bound: Wording
    issuer: str
    issuer_registered: bool
    identifiers: tuple[tuple[str, str], ...]
    aligned: tuple[Alignment, ...]
    rely: Wording
    tone: Literal["good", "bad"]
    state: CredentialState


@dataclass(frozen=True)
class SavedVerdict:
    answers: tuple[SavedAnswer, ...]
    problem: Wording | None
    #: what was verified: "the file badge.png, a badge image (PNG) with …"
    described: Wording


def _wording(data: Any, english: Any) -> Wording:
    """The wording kept in a record, else its English as data (escaped where shown)."""
    return wording_from_json(data) or ("%(text)s", (("text", str(english or "")),))


def _state(data: Any) -> CredentialState:
    """A state as ``CredentialState.to_json`` wrote it (its code and reason)."""
    data = data if isinstance(data, dict) else {}
    code = data.get("state")
    reason = data.get("reason")
    known: tuple[StateCode, ...] = get_args(StateCode)
    return CredentialState(
        next((c for c in known if c == code), "unverified"),
        reason if isinstance(reason, str) else None,
    )


def verdict_of(record: dict[str, Any]) -> SavedVerdict:
    """The answers a saved ``record`` holds, to show as a verification's answers are shown
    (in the page's language: the record keeps each sentence as a wording)."""
    answers = []
    for item in record.get("answers") or []:
        said = item.get("said") or {}
        answers.append(
            SavedAnswer(
                said=_wording(said.get("answer"), item.get("answer")),
                standing=_wording(said.get("standing"), item.get("standing")),
                holder=item.get("holder"),
                binding=str(item.get("binding") or "file"),
                bound=_wording(said.get("bound"), item.get("bound")),
                issuer=str(item.get("issuer") or ""),
                issuer_registered=bool(item.get("issuerRegistered")),
                identifiers=tuple(
                    (str(i.get("label", "")), str(i.get("value", "")))
                    for i in item.get("identifiers") or []
                ),
                aligned=tuple(
                    Alignment(a.get("name", ""), a.get("url"), a.get("framework"), a.get("code"))
                    for a in item.get("alignments") or []
                ),
                rely=_wording(said.get("rely"), item.get("rely")),
                tone="good" if item.get("good") else "bad",
                state=_state(item.get("state")),
            )
        )
    problem = record.get("problem")
    given = record.get("input") or {}
    return SavedVerdict(
        tuple(answers),
        _wording(record.get("problemSaid"), problem) if problem else None,
        _wording(given.get("said"), given.get("described")),
    )
