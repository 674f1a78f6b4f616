"""One item of a verification roster judged: verified or not, whose and what it is, its
state now, and why, in plain words.

The verdict is the platform's one computed state (``credential_state`` for a credential
issued here — the issuer's acts with their dates and reasons, then the clock, then its
verification — and ``record.held_state`` for one from elsewhere), with two verdicts of
its own before it: **forged** (the signature does not match the document, or the key that
signed it is not its issuer's: whatever the issuer's records say, this document is not what
was issued) and **not a credential** (unreadable, or no credential at all).

What a credential says is a fact only when its signature verified, by its issuer's key
(``credential_state.issuer_verified``, the rule every answer follows): then its holder,
licence number and dates are shown, and its issuer by the trust registry's name (or this
platform's, for one of its organizations). Otherwise the issuer is only the one it is "said
to be from" (the name it gives itself), and what it claims is kept in the technical detail.
A reason is said in words, naming no DID or URN; the checks' own messages, identifiers
included, are the verdict's ``detail`` (a column of the CSV file, not of the page).

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

import re
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
from openler.services.issuers import issuing
from openler.services.people.accounts import Principal
from openler.services.verifiers.answers import failed_words
from openler.services.verifiers.credential_state import (
    CredentialState,
    credential_state,
    issuer_verified,
)
from openler.services.verifiers.verifying import registry, verify_document
from openler.services.wording import N_, Wording, phrase, worded
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
#: an identifier (a DID, a URN): left out of the reasons a page shows, kept in the detail
_IDENTIFIER = re.compile(r"\b(?:did|urn):\S", re.IGNORECASE)
#: a state's reason when its own names an identifier (a status list's "Revoked by did:…")
_PLAIN = {
    "revoked": "revoked by its issuer",
    "suspended": "suspended by its issuer",
    "issuer-not-trusted": "its issuer is not trusted here for it",
}


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
    #: whether ``issuer`` is only the name the credential gives itself (None: it gives
    #: none), not a registry's: pages say it is "said to be from" it (:func:`issuer_said`)
    issuer_claimed: bool = False
    state: str | None = None
    valid_until: str | None = None
    credential_id: str | None = None
    #: the technical detail behind ``reason``: the checks' messages, with the identifiers
    #: they name, and what a credential that did not verify claims
    detail: str | None = None

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
            "issuer_claimed": self.issuer_claimed,
            "state": self.state,
            "valid_until": self.valid_until,
            "credential_id": clean(self.credential_id, 400),
            "detail": clean(self.detail, 4000),
        }


def issuer_said(issuer: str | None, claimed: bool) -> Wording | str | None:
    """The issuer as a verdict says it: a registry's name as it is; a name the credential
    only gives itself, "said to be from" it; None when there is no credential to have one.

    >>> from openler.services.wording import filled
    >>> issuer_said("Ohio Board of Nursing", False)
    'Ohio Board of Nursing'
    >>> filled(issuer_said("Ohio Board of Nursing", True)), filled(issuer_said(None, True))
    ('said to be from Ohio Board of Nursing', 'from an issuer that gives no name')
    """
    if not claimed:
        return issuer
    if issuer is None:
        return phrase(N_("from an issuer that gives no name"))
    return worded(N_("said to be from %(issuer)s"), issuer=issuer)


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


def refused(outcome: str, reason: str, detail: str | None = None) -> Verdict:
    """The verdict of an item that is not verified at all (why: ``reason``)."""
    return Verdict(outcome, False, reason, detail=detail)


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
                return refused("forged", f"the presentation is {forged}", _errors(own))
            return refused(
                "unverified", f"the presentation does not verify: {_why(own)}", _errors(own)
            )
        # each credential as the verifier read it (an enveloped one from its envelope),
        # never the presentation's items read again: an envelope may carry words of its own
        verdicts = [
            self.credential(checked.document, checked, holder=holder)
            if checked.document is not None
            else refused(
                "unverified",
                f"a credential in it is not in JSON: {_why(checked)}",
                _errors(checked),
            )
            for checked in report.credentials
        ]
        if not verdicts:
            return refused("not-credential", "the presentation carries no credentials")
        return worst(verdicts)

    def credential(
        self, document: dict[str, Any], report: VerificationReport, *, holder: str | None
    ) -> Verdict:
        """One credential's verdict: forged, or its state now as every page shows it. What
        it says of its holder, licence number, dates and id is a fact only when its
        signature verified (``holder``, a share's account, always is); otherwise what it
        claims is in the detail."""
        signed = issuer_verified(report)
        issuer, claimed = self._issuer(document, signed=signed)
        said = {
            "holder": _subject_text(document, "name"),
            "licence number": _subject_text(document, "licenseNumber"),
            "valid until": _day(document.get("validUntil") or document.get("expirationDate")),
            "credential id": document.get("id") if isinstance(document.get("id"), str) else None,
        }
        facts = Verdict(
            "",
            report.verified,
            "",
            holder=holder or (said["holder"] if signed else None),
            credential=credential_name(document),
            issuer=issuer,
            issuer_claimed=claimed,
        )
        if signed:
            facts = replace(
                facts,
                licence_number=said["licence number"],
                valid_until=said["valid until"],
                credential_id=said["credential id"],
            )
        claims = [] if signed else [f"it says {k}: {v}" for k, v in said.items() if v]
        if claimed:
            claims.append(f"issuer id: {_issuer_id(document) or 'none'}")
        forged = _forged(report)
        if forged is not None:
            detail = _joined([_errors(report), *claims])
            return replace(facts, outcome="forged", reason=forged, detail=detail)
        row = self._issued_here(document)
        if row is not None:
            state = credential_state(row, report, at=self.at)
        else:
            state = held_state(report, document, at=self.at)
        reason, detail = _reason(state, facts, report, row)
        return replace(
            facts,
            outcome=state.code,
            state=state.code,
            reason=reason,
            detail=_joined([detail, *claims]),
        )

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

    def _issuer(self, document: dict[str, Any], *, signed: bool) -> tuple[str | None, bool]:
        """The issuer's name and whether it is only claimed. For a credential its issuer
        ``signed``: the trust registry's name, else this platform's for an organization
        of its own. Otherwise (or when neither knows it) the name the credential gives
        itself, claimed (None when it gives none: its identifier is for the detail)."""
        issuer_id = _issuer_id(document)
        if signed and issuer_id is not None:
            if issuer_id in self.names:
                return self.names[issuer_id], False
            if issuer_id not in self._own:
                self._own[issuer_id] = self._organization_named(issuer_id)
            own = self._own[issuer_id]
            if own is not None:
                return own, False
        issuer = document.get("issuer")
        name = issuer.get("name") if isinstance(issuer, dict) else None
        return (name.strip() if isinstance(name, str) and name.strip() else None), True

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
    :data:`_WORST_FIRST`), its reason saying each credential's verdict, worst first, and
    how many are verified and active."""
    if len(verdicts) == 1:
        return verdicts[0]
    rank = {outcome: i for i, outcome in enumerate(_WORST_FIRST)}
    ordered = sorted(verdicts, key=lambda v: rank.get(v.outcome, -1))  # stable: as presented
    chosen = ordered[0]
    active = sum(1 for v in verdicts if v.outcome == "active")
    each = "; ".join(f"{v.credential or 'a credential'}: {v.reason}" for v in ordered)
    reason = f"{active} of {len(verdicts)} credentials verified and active — {each}"

    def joined(values: list[str | None]) -> str | None:
        kept = list(dict.fromkeys(v for v in values if v))
        return ", ".join(kept) or None

    return replace(
        chosen,
        verified=all(v.verified for v in verdicts),
        reason=reason,
        holder=joined([v.holder for v in ordered]),
        credential=joined([v.credential for v in ordered]),
        licence_number=joined([v.licence_number for v in ordered]),
        issuer=joined([v.issuer for v in ordered]),
        # one issuer only claimed makes them all said so: never more than is known
        issuer_claimed=any(v.issuer_claimed for v in verdicts),
        credential_id=joined([v.credential_id for v in ordered]),
        detail=_joined(
            [f"{v.credential or 'a credential'}: {v.detail}" for v in ordered if v.detail]
        ),
    )


def _forged(report: VerificationReport) -> str | None:
    """Why the document is forged or altered, in words, when it is: its signature does
    not match what it says, or it is signed — validly — by a key that is not its issuer's.
    (A signature that could not be checked at all, its key not found, is not a forgery.)"""
    proof = report.check("proof")
    if proof is not None and proof.status == "failed" and "does not match" in proof.message:
        return (
            "forged or altered: its signature does not match what it says (it was changed "
            "after signing, or not signed by the key it names)"
        )
    issuer = report.check("issuer")
    if (
        issuer is not None
        and issuer.status == "failed"
        and report.status_of("proof") == "passed"
        and "names no issuer" not in issuer.message
    ):
        return "forged: it is signed by a key that is not its issuer's"
    return None


def _reason(
    state: CredentialState, facts: Verdict, report: VerificationReport, row: IssuedCredential | None
) -> tuple[str, str | None]:
    """A state's reason in words, and its technical detail (None when the words say it
    all): no identifier in the words."""
    if state.code == "active":
        until = f", valid until {facts.valid_until}" if facts.valid_until else ""
        return f"active{until}", None
    if state.code == "replaced" and row is not None:
        when = f" on {row.state_changed_at:%Y-%m-%d}" if row.state_changed_at else ""
        how = issuing.how_replaced(row)
        return f"replaced: {how}{when}; ask the holder for the newer one", state.reason
    if state.code == "unverified":
        return f"does not verify: {_why(report)}", _errors(report)
    said = state.reason or state.label
    if _IDENTIFIER.search(said):
        return _PLAIN.get(state.code, state.label), said
    return said, None


def _why(report: VerificationReport) -> str:
    """Why ``report`` did not verify, in words naming no identifier: its first failed
    check's (or, for a presentation, its first credential's)."""
    checks = [*report.checks, *(c for inner in report.credentials for c in inner.checks)]
    failed = next((c for c in checks if c.status == "failed"), None)
    if failed is None:
        return "it did not pass every check"
    if failed.id == "proof":
        return _proof_words(failed.message)
    return failed_words(failed.id) or "it did not pass every check"


#: what a failed proof check's message says, in words (the first that matches)
_PROOF_WORDS = (
    ("could not be resolved", "the key that signed it could not be found"),
    ("not authorised", "the key that signed it is not one its signer may sign with"),
    ("mismatch", "it was not made for this verifier's request"),
    ("no proof", "it is not signed"),
    ("expired", "its signature has expired"),
    ("future", "its signature is dated in the future"),
    ("does not match", "its signature does not match what it says"),
)


def _proof_words(message: str) -> str:
    for found, words in _PROOF_WORDS:
        if found in message:
            return words
    return "its signature could not be checked"


def _errors(report: VerificationReport) -> str:
    return "; ".join(report.errors()) or report.summary


def _joined(parts: list[str | None]) -> str | None:
    return "; ".join(p for p in parts if p) or None


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer_id if isinstance(issuer_id, str) else None


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
