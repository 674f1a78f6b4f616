"""One item of a verification roster judged: verified or not, whose and what it is, its
state now, and why, in plain words.

The verdict is the platform's one computed state (``credential_state`` for a credential
issued here — the issuer's acts with their dates and reasons, then the clock, then its
verification — and ``record.held_state`` for one from elsewhere), with two verdicts of
its own before it: **forged** (the signature does not match the document, or the key that
signed it is not its issuer's: whatever the issuer's records say, this document is not what
was issued) and **not a credential** (unreadable, or no credential at all).

A link is opened only when it is a share link of this platform (``/s/{token}``): the share
is opened as its page opens it (``sharing.view_share``: verified now, with its challenge and
holder binding, the opening kept in the learner's access log under the verifier's
organization, a view limit counting it). A link to another site is not fetched: the
platform verifies without going to other sites (``verifying.local_fetcher``), so a
credential fetched from there could not be checked anyway, and a roster of links would
turn it into a crawler of the addresses a stranger's file names.

>>> _day("2028-11-25T23:59:59Z"), _day("soon")
('2028-11-25', None)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import Conflict, NotFound
from openler.services.holders import sharing
from openler.services.holders.record import credential_name, held_state
from openler.services.people.accounts import Principal
from openler.services.verifiers.credential_state import CredentialState, credential_state
from openler.services.verifiers.verifying import registry, verify_document
from openler.services.wording import N_
from openler.store.models import IssuedCredential, Organization
from openler.vc import (
    VCError,
    VerificationReport,
    extract_png,
    extract_svg,
    parse_datetime,
    parse_json,
    unverified_jwt_document,
)

#: what each verdict is called, one and many (in the order a roster's counts say them)
OUTCOMES: dict[str, tuple[str, str]] = {
    "active": (N_("verified and active"), N_("verified and active")),
    "revoked": (N_("revoked"), N_("revoked")),
    "suspended": (N_("suspended"), N_("suspended")),
    "expired": (N_("expired"), N_("expired")),
    "replaced": (N_("replaced by a newer credential"), N_("replaced by newer credentials")),
    "not-yet-valid": (N_("not yet valid"), N_("not yet valid")),
    "issuer-not-trusted": (
        N_("from an issuer not trusted here"),
        N_("from issuers not trusted here"),
    ),
    "forged": (N_("forged or altered"), N_("forged or altered")),
    "unverified": (N_("could not be verified"), N_("could not be verified")),
    "not-credential": (N_("not a credential"), N_("not credentials")),
    "link-refused": (N_("link could not be opened"), N_("links could not be opened")),
    "duplicate": (N_("repeats an earlier item"), N_("repeat an earlier item")),
    "error": (N_("could not be checked (an error in openler)"), N_("could not be checked")),
}
#: which verdict a presentation of several credentials takes: the first of these found
_WORST_FIRST = (
    "forged",
    "not-credential",
    "revoked",
    "suspended",
    "issuer-not-trusted",
    "unverified",
    "expired",
    "replaced",
    "not-yet-valid",
    "active",
)
MAX_TEXT = 300


@dataclass(frozen=True)
class Verdict:
    """What a roster says of one item. ``state`` is the credential's state code now
    (:class:`CredentialState`; None when there is no credential to have one)."""

    outcome: str
    verified: bool
    reason: str
    holder: str | None = None
    credential: str | None = None
    licence_number: str | None = None
    issuer: str | None = None
    state: str | None = None
    valid_until: str | None = None
    credential_id: str | None = None

    def columns(self) -> dict[str, Any]:
        """The verdict as the columns of ``RosterVerdict``, each cut to what it holds and
        without the control characters a database may refuse."""
        return {
            "outcome": self.outcome,
            "verified": self.verified,
            "reason": clean(self.reason, 4000),
            "holder": clean(self.holder),
            "credential": clean(self.credential),
            "licence_number": clean(self.licence_number),
            "issuer": clean(self.issuer),
            "state": self.state,
            "valid_until": self.valid_until,
            "credential_id": clean(self.credential_id, 400),
        }


def clean(text: str | None, most: int = MAX_TEXT) -> str | None:
    """``text`` without control characters (a tab or a line end becomes a space), cut to
    ``most`` characters; None stays None.

    >>> clean("Maria\\x00 Alvarez\\n"), clean("x" * 5, 3)
    ('Maria Alvarez', 'xx…')
    """
    if text is None:
        return None
    kept = "".join(" " if c in "\t\r\n" else c for c in text if c >= " " or c in "\t\r\n")
    kept = kept.strip()
    return kept if len(kept) <= most else kept[: most - 1] + "…"


def refused(outcome: str, reason: str) -> Verdict:
    """The verdict of an item that is not verified at all (why: ``reason``)."""
    return Verdict(outcome, False, reason)


class Judge:
    """Judges the items of one chunk of a roster, for the verifier ``principal`` (a share
    link is opened as theirs), in ``session``, at one moment."""

    def __init__(self, session: Session, platform: Platform, principal: Principal) -> None:
        self.session = session
        self.platform = platform
        self.principal = principal
        self.at = platform.now()
        self.names = {did: entry.name for did, entry in registry(session).entries.items()}
        self._own: dict[str, str | None] = {}  # issuer id → this platform's organization
        self._issued: dict[str, IssuedCredential | None] = {}

    def prefetch(self, documents: Iterable[dict[str, Any] | None]) -> None:
        """Read the rows of the credentials issued here among ``documents`` in one query
        (a chunk's files), rather than one each as they are judged."""
        ids = {
            d["id"]
            for d in documents
            if d is not None and isinstance(d.get("id"), str) and len(d["id"]) <= 100
        } - set(self._issued)
        if not ids:
            return
        found = self.session.execute(
            select(IssuedCredential).where(IssuedCredential.id.in_(ids))
        ).scalars()
        self._issued.update({row.id: row for row in found})
        self._issued.update({i: None for i in ids if i not in self._issued})

    # -- a credential file -------------------------------------------------------------

    def file(self, data: bytes, source: str) -> Verdict:
        """A credential file's verdict: verified as the verify page verifies it."""
        report = verify_document(self.session, self.platform, data, at=self.at, name=source)
        parse = report.check("parse")
        if parse is not None and parse.status == "failed":
            return refused("not-credential", f"not a credential: {parse.message}")
        # what the verifier read, not a second reading of the file (which could differ)
        document = report.document
        if document is None or report.kind == "unknown":
            return refused(
                "not-credential",
                "not a credential: its type does not say VerifiableCredential or "
                "VerifiablePresentation",
            )
        if report.kind == "presentation":
            return self.presentation(document, report, holder=None)
        return self.credential(document, report, holder=None)

    def presentation(
        self, document: dict[str, Any], report: VerificationReport, *, holder: str | None
    ) -> Verdict:
        """A presentation's verdict: its own checks (signature, holder, challenge), then
        the worst of its credentials'."""
        own = replace(report, credentials=[])
        if not own.verified:
            forged = _forged(own)
            if forged is not None:
                return refused("forged", f"the presentation is {forged}")
            return refused("unverified", "the presentation did not verify: " + _errors(own))
        # each credential as the verifier read it (an enveloped one from its envelope),
        # never the presentation's items read again: an envelope may carry words of its own
        verdicts = [
            self.credential(checked.document, checked, holder=holder)
            if checked.document is not None
            else refused("unverified", "a credential in it is not in JSON: " + _errors(checked))
            for checked in report.credentials
        ]
        if not verdicts:
            return refused("not-credential", "the presentation carries no credentials")
        return worst(verdicts)

    def credential(
        self, document: dict[str, Any], report: VerificationReport, *, holder: str | None
    ) -> Verdict:
        """One credential's verdict: forged, or its state now as every page shows it."""
        facts = Verdict(
            "",
            report.verified,
            "",
            holder=holder or _subject_text(document, "name"),
            credential=credential_name(document),
            licence_number=_subject_text(document, "licenseNumber"),
            issuer=self._issuer(document, signed=_signed(report)),
            valid_until=_day(document.get("validUntil") or document.get("expirationDate")),
            credential_id=document.get("id") if isinstance(document.get("id"), str) else None,
        )
        forged = _forged(report)
        if forged is not None:
            return replace(facts, outcome="forged", reason=forged)
        row = self._issued_here(document)
        if row is not None:
            state = credential_state(row, report, at=self.at)
        else:
            state = held_state(report, document, at=self.at)
        return replace(facts, outcome=state.code, state=state.code, reason=_reason(state, facts))

    def _issued_here(self, document: dict[str, Any]) -> IssuedCredential | None:
        """The row of a credential this platform issued — the very document, by its id and
        proof — or None."""
        credential_id = document.get("id")
        if not isinstance(credential_id, str) or len(credential_id) > 100:
            return None
        if credential_id not in self._issued:
            self._issued[credential_id] = self.session.get(IssuedCredential, credential_id)
        row = self._issued[credential_id]
        if row is None or row.document.get("proof") != document.get("proof"):
            return None
        return row

    def _issuer(self, document: dict[str, Any], *, signed: bool) -> str | None:
        """The issuer by the trust registry's name, else by this platform's name for an
        organization of its own — both only when it ``signed`` the document: a forgery
        may name any issuer — else as the credential names itself (said so)."""
        issuer = document.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if not isinstance(issuer_id, str):
            return None
        if signed and issuer_id in self.names:
            return self.names[issuer_id]
        if signed and issuer_id not in self._own:
            self._own[issuer_id] = self._organization_named(issuer_id)
        own = self._own.get(issuer_id) if signed else None
        if own is not None:
            return own
        claimed = issuer.get("name") if isinstance(issuer, dict) else None
        if isinstance(claimed, str) and claimed.strip():
            return f"{claimed.strip()} (as it names itself; {issuer_id})"
        return issuer_id

    def _organization_named(self, issuer_id: str) -> str | None:
        base = urlsplit(self.platform.settings.public_url).netloc.replace(":", "%3A")
        prefix = f"did:web:{base}:orgs:"
        if not issuer_id.startswith(prefix):
            return None
        slug = issuer_id[len(prefix) :]
        found = self.session.execute(
            select(Organization.name).where(Organization.slug == slug)
        ).scalar()
        return str(found) if found is not None else None

    # -- a link ---------------------------------------------------------------------------

    def link(self, link: str) -> Verdict:
        """A link's verdict: a share link of this platform opened and judged; anything
        else is not opened (see the module's description)."""
        token = share_token(self.platform.settings.public_url, link)
        if token is None:
            here = urlsplit(self.platform.settings.public_url).netloc
            if urlsplit(link).netloc.lower() == here.lower():
                return refused(
                    "not-credential", "a link to this platform that is not a share link (/s/…)"
                )
            return refused(
                "link-refused",
                "a link to another site is not opened: openler verifies without fetching "
                "from other sites; download the credential there and add the file to a ZIP",
            )
        try:
            view = sharing.view_share(
                self.session,
                self.platform,
                token,
                viewer=self.principal.label,
                principal=self.principal,
            )
        except NotFound:
            return refused(
                "link-refused", "the share link does not exist (mistyped, or never made)"
            )
        except Conflict as exc:
            return refused("link-refused", exc.message)
        return self.presentation(view.presentation, view.report, holder=view.holder)


def share_token(public_url: str, link: str) -> str | None:
    """The token of ``link`` when it is a share link of the platform at ``public_url``.

    >>> share_token("https://ler.example", "https://LER.example/s/AbC-1_x?utm=mail")
    'AbC-1_x'
    >>> share_token("https://ler.example", "https://elsewhere.example/s/AbC") is None
    True
    """
    base, parts = urlsplit(public_url), urlsplit(link)
    if parts.netloc.lower() != base.netloc.lower():
        return None
    prefix = base.path.rstrip("/") + "/s/"
    if not parts.path.startswith(prefix):
        return None
    token = parts.path[len(prefix) :].rstrip("/")
    return token if token and "/" not in token and len(token) <= 200 else None


def worst(verdicts: list[Verdict]) -> Verdict:
    """The verdict of several credentials presented together: the worst of theirs (see
    :data:`_WORST_FIRST`), naming them all."""
    if len(verdicts) == 1:
        return verdicts[0]
    rank = {outcome: i for i, outcome in enumerate(_WORST_FIRST)}
    chosen = min(verdicts, key=lambda v: rank.get(v.outcome, -1))
    active = sum(1 for v in verdicts if v.outcome == "active")
    reason = f"{chosen.credential or 'a credential'}: {chosen.reason}"
    if chosen.outcome != "active":
        reason += f" ({active} of {len(verdicts)} credentials verified and active)"

    def joined(values: list[str | None]) -> str | None:
        kept = list(dict.fromkeys(v for v in values if v))
        return ", ".join(kept) or None

    return replace(
        chosen,
        verified=all(v.verified for v in verdicts),
        reason=reason,
        credential=joined([v.credential for v in verdicts]),
        licence_number=joined([v.licence_number for v in verdicts]),
        issuer=joined([v.issuer for v in verdicts]),
        credential_id=joined([v.credential_id for v in verdicts]),
    )


def _forged(report: VerificationReport) -> str | None:
    """Why the document is forged or altered, when it is: its signature does not match
    what it says, or it is signed by a key that is not its issuer's."""
    proof = report.check("proof")
    if proof is not None and proof.status == "failed" and "does not match" in proof.message:
        return f"forged or altered: {proof.message}"
    issuer = report.check("issuer")
    if issuer is not None and issuer.status == "failed":
        return f"not signed by its issuer: {issuer.message}"
    return None


def _signed(report: VerificationReport) -> bool:
    """Whether the document's signature verified and is its issuer's."""
    return report.status_of("proof") == "passed" and report.status_of("issuer") == "passed"


def _reason(state: CredentialState, facts: Verdict) -> str:
    if state.code == "active":
        until = f", valid until {facts.valid_until}" if facts.valid_until else ""
        return f"active{until}"
    if state.code == "replaced":
        return f"replaced: {state.reason}; ask the holder for the newer one"
    if state.code == "unverified":
        return f"not verified: {state.reason}" if state.reason else "not verified"
    return state.reason or state.label


def _errors(report: VerificationReport) -> str:
    return "; ".join(report.errors()) or report.summary


def _subject_text(document: dict[str, Any], key: str) -> str | None:
    """What the credential's (first) subject states under ``key``, when it is text."""
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    value = subject.get(key) if isinstance(subject, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _day(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value).strftime("%Y-%m-%d")
    except VCError:
        return None


def document_of(data: bytes) -> dict[str, Any] | None:
    """The JSON document in a file that verification could parse: JSON, a compact JWT's
    payload, or what a PNG or SVG badge has baked in (None when there is none)."""
    try:
        if data.startswith(b"\x89PNG"):
            text = extract_png(data)
        elif data.lstrip().startswith(b"<"):
            text = extract_svg(data)
        else:
            text = data.decode("utf-8-sig")
        text = text.strip()
        document = parse_json(text) if text.startswith("{") else unverified_jwt_document(text)
    except (VCError, UnicodeDecodeError):
        return None
    return dict(document) if isinstance(document, dict) else None
