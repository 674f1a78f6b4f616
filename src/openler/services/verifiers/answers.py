"""A verification answered for the person who asked, before any check list: **who** holds
it and how that is bound, **what** it is (its name, kind, issuer by its trust-registry
name, licence number, the occupations and skills it is aligned to), its **standing** now,
and what the verifier **may rely on**. Share pages, request answers, the public verify
page, verification rosters and incident check-ins all say it this way, from the same
computed state (:mod:`~openler.services.verifiers.credential_state`).

Everything said is a :data:`~openler.services.wording.Wording`, so pages say it in their
language; names and dates are data, shown as written.

>>> place_name("US-NC"), place_name("US"), place_name("XX-ZZ")
('North Carolina', 'the United States', 'XX-ZZ')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.holders.reading import (
    KIND_PHRASES,
    Alignment,
    Said,
    alignments_of,
    kind_words,
    said_of,
    until_day,
    with_article,
)
from openler.services.holders.record import credential_name, presented_state
from openler.services.issuers import issuing
from openler.services.verifiers.credential_state import (
    CredentialState,
    issuer_name,
    issuer_verified,
)
from openler.services.verifiers.verifying import trust_registry
from openler.services.wording import N_, Wording, filled, phrase, worded
from openler.store.models import IssuedCredential, Organization
from openler.vc import (
    TrustEntry,
    TrustRegistry,
    VCError,
    VerificationReport,
    extract_png,
    extract_svg,
    parse_json,
)
from openler.vc import unverified_jwt_document as _unverified_jwt_document

Tone = Literal["good", "bad"]
#: how every PNG image starts (a baked badge is one)
_PNG = b"\x89PNG\r\n\x1a\n"
#: how a credential is tied to the person who showed it
Binding = Literal["presented", "named", "file"]

#: plain words for the first check that failed, when that is all there is to say
_FAILED = {
    "parse": N_("it is not a credential openler can read"),
    "context": N_("it uses vocabulary that is not allowed in a credential"),
    "schema": N_("it is not a well-formed credential"),
    "type": N_("it is not a credential of a kind openler verifies"),
    "proof": N_("its signature does not match: it was altered or not signed by its issuer"),
    "issuer": N_("its issuer's key could not be found or is not the issuer's"),
    "validity": N_("it is not valid today"),
    "status": N_("its status could not be checked"),
    "trust": N_("its issuer is not trusted here for it"),
    "holder": N_("it was not presented by the person it was issued to"),
}
#: the OB 3.0 identity types an answer shows by name (an unhashed IdentityObject)
_IDENTITY_WORDS = {
    "licenseNumber": N_("licence number"),
    "identifier": N_("identifier"),
    "studentId": N_("student id"),
    "sourcedId": N_("identifier"),
    "sisSourcedId": N_("student id"),
    "systemId": N_("identifier"),
    "accountId": N_("account"),
    "userName": N_("user name"),
}


#: the labels of :data:`_IDENTITY_WORDS`: the only ones a page translates
_IDENTITY_LABELS = frozenset(_IDENTITY_WORDS.values())


def identity_label(label: str) -> Wording:
    """An identifier's label (:func:`identifiers_of`) as a page says it: one of openler's
    own translated, any other — an issuer's ``ext:`` type, a saved record's — as data,
    never as a message (a message is trusted markup, and may hold ``%`` placeholders).

    >>> identity_label("licence number"), identity_label("<b>%(x)s</b>")
    (('licence number', ()), ('%(label)s', (('label', '<b>%(x)s</b>'),)))
    """
    return phrase(label) if label in _IDENTITY_LABELS else worded("%(label)s", label=label)


def place_name(code: str) -> str:
    """A jurisdiction (ISO 3166-1 country or 3166-2 subdivision code) as people name it."""
    subdivisions: Any = pycountry.subdivisions  # typed differently across pycountry releases
    subdivision = subdivisions.get(code=code) if "-" in code else None
    if subdivision is not None:
        return str(subdivision.name)
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is None:
        return code
    name = str(getattr(country, "common_name", None) or country.name)
    return f"the {name}" if name.startswith(("United ", "Netherlands")) else name


def place_label(code: str) -> str:
    """A jurisdiction named on its own, in a table's cell or a list: :func:`place_name`
    without the article a sentence gives it.

    >>> place_label("US"), place_label("US-FL")
    ('United States', 'Florida')
    """
    return place_name(code).removeprefix("the ")


@dataclass(frozen=True)
class Answer:
    """One credential answered: :attr:`said` is the sentence that opens the page; the rest
    are its parts, each worded for the page's language."""

    credential_id: str | None
    #: the sentence that answers: "Maria Alvarez holds Registered Nurse, a licence from
    #: Ohio Board of Nursing, active and valid until 2028-11-25"
    said: Wording
    #: the holder as the answer or the credential names them (None when nothing does)
    holder: str | None
    binding: Binding
    #: how the holder is bound to the credential, in words
    bound: Wording
    name: str
    kind: str
    #: the issuer by its trust-registry name when registered, else as the credential names it
    issuer: str
    issuer_registered: bool
    #: ("licence number", "RN.123456"): identifiers the credential states openly
    identifiers: tuple[tuple[str, str], ...]
    aligned: tuple[Alignment, ...]
    state: CredentialState
    #: "Active — valid until 2028-11-25, recognised in North Carolina"
    standing: Wording
    #: what the verifier may rely on
    rely: Wording
    tone: Tone
    report: VerificationReport | None

    @property
    def good(self) -> bool:
        return self.tone == "good"

    def to_json(self) -> dict[str, Any]:
        """The answer as the JSON report gives it (English; ``state`` for machines)."""
        return {
            "credentialId": self.credential_id,
            "answer": filled(self.said),
            "holder": self.holder,
            "binding": self.binding,
            "bound": filled(self.bound),
            "credential": self.name,
            "kind": self.kind,
            "issuer": self.issuer,
            "issuerRegistered": self.issuer_registered,
            "identifiers": [{"label": k, "value": v} for k, v in self.identifiers],
            "alignments": [
                {"name": a.name, "framework": a.framework, "code": a.code, "url": a.url}
                for a in self.aligned
            ],
            "state": self.state.to_json(),
            "standing": filled(self.standing),
            "rely": filled(self.rely),
            "good": self.good,
        }


@dataclass(frozen=True)
class Verdict:
    """Everything a verification answered: one :class:`Answer` per credential, and
    whether the presentation carrying them verified (None for a credential on its own)."""

    answers: tuple[Answer, ...]
    presented: bool | None
    report: VerificationReport
    #: why nothing could be answered (not a credential at all), in words
    problem: Wording | None = None

    @property
    def good(self) -> bool:
        return bool(self.answers) and all(a.good for a in self.answers)


def documents_of(data: bytes | str | Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The document verified (a credential or a presentation) as data, its signature NOT
    checked — for saying what the report verified, never for a verdict — and whether it is
    a presentation. None when it cannot be read at all."""
    document: Any = data
    if isinstance(data, (bytes, str)):
        try:
            text = baked_text(data)
            document = parse_json(text) if text.startswith("{") else _unverified_jwt_document(text)
        except (VCError, ValueError):
            return None, False
    if not isinstance(document, Mapping):
        return None, False
    if document.get("type") in ("EnvelopedVerifiablePresentation", "EnvelopedVerifiableCredential"):
        inner = _enveloped(dict(document))
        return documents_of(inner) if inner is not None else (None, False)
    types = document.get("type")
    kinds = types if isinstance(types, list) else [types]
    return dict(document), "VerifiablePresentation" in kinds


def baked_text(data: bytes | str) -> str:
    """The credential text in ``data``: the credential baked into a PNG or SVG badge, or the
    text itself (JSON or a JWT), stripped. Raises ``VCError`` for an image that carries none.

    >>> baked_text(b' {"a": 1} ')
    '{"a": 1}'
    >>> baked_text(b"<svg/>")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    openler.vc.errors.InputError: the SVG has no baked Open Badges credential ...
    """
    if isinstance(data, bytes) and data.startswith(_PNG):
        return extract_png(data).strip()
    text = data.decode("utf-8-sig", "replace") if isinstance(data, bytes) else data
    text = text.strip()
    if text.startswith("<"):
        return extract_svg(data if isinstance(data, bytes) else text.encode("utf-8")).strip()
    return text


def _read(
    data: bytes | str | Mapping[str, Any], report: VerificationReport
) -> tuple[dict[str, Any] | None, bool]:
    """The document ``report`` verified, and whether it is a presentation: as the verifier
    read it, when it did (a report made of others', such as an OpenID4VP answer's, has
    none: ``data`` is then read as :func:`documents_of` reads it)."""
    if report.document is not None:
        return dict(report.document), report.kind == "presentation"
    return documents_of(data)


def _enveloped(item: dict[str, Any]) -> dict[str, Any] | None:
    value = item.get("id")
    if isinstance(value, str) and "," in value:
        try:
            return _unverified_jwt_document(value.split(",", 1)[1])
        except (VCError, ValueError):
            return None
    return None


def answer(
    session: Session,
    platform: Platform,
    data: bytes | str | Mapping[str, Any],
    report: VerificationReport,
    *,
    holder: str | None = None,
    jurisdiction: str | None = None,
    challenged: bool = False,
) -> Verdict:
    """What ``report`` (the verification of ``data``) answers. ``holder`` is the person's
    name as the answer states it (a share link's or a request's holder); otherwise a
    credential is said to be held by whoever it names. ``jurisdiction`` is where the
    verifier is (for "recognised in North Carolina"). ``challenged`` says that a
    presentation was verified for a challenge this verifier gave for it (a share link's,
    a request's): only then does its holder's signature show who presents it — one brought
    as a file or pasted may be anyone's copy of what its holder signed for someone else."""
    document, is_presentation = _read(data, report)
    if document is not None and report.kind == "unknown":
        # JSON, but neither a credential nor a presentation: nothing to answer about
        problem = phrase(N_("This is not a credential: openler finds no credential in it."))
        return Verdict((), None, report, problem)
    if document is None:
        problem = worded(
            N_("This is not a credential: %(why)s."), why=phrase(_first_failure(report))
        )
        return Verdict((), None, report, problem)
    registry = trust_registry(session, platform)
    at = platform.now()
    holder_id: str | None = None
    if is_presentation:
        presented = replace(report, credentials=[]).verified
        # each credential as the verifier read it (an enveloped one from its envelope):
        # never the presentation's items read again, whose own words an envelope may carry
        pairs = [(checked.document, checked) for checked in report.credentials]
        if presented and report.status_of("proof") == "passed":
            stated = document.get("holder")
            stated = stated.get("id") if isinstance(stated, dict) else stated
            holder_id = stated if isinstance(stated, str) else None
    else:
        presented = None
        pairs = [(document, report)]
    answers = tuple(
        _answer_one(
            session,
            item,
            checked,
            holder=holder,
            presented=presented,
            signed_by=holder_id,
            challenged=challenged,
            registry=registry,
            jurisdiction=jurisdiction,
            at=at,
        )
        for item, checked in pairs
        if isinstance(item, dict)
    )
    if not answers:
        return Verdict(
            (),
            presented,
            report,
            worded(
                N_("Nothing in it could be read as a credential: %(why)s."),
                why=phrase(_first_failure(report)),
            ),
        )
    return Verdict(answers, presented, report)


def failed_words(check_id: str) -> str | None:
    """The plain words (marked ``N_``) for a check of ``check_id`` that failed, when there
    are any: "its issuer is not trusted here for it".

    >>> failed_words("trust"), failed_words("nonsense")
    ('its issuer is not trusted here for it', None)
    """
    return _FAILED.get(check_id)


def _first_failure(report: VerificationReport) -> str:
    for check in report.checks:
        if check.status == "failed" and check.id in _FAILED:
            return _FAILED[check.id]
    for inner in report.credentials:
        for check in inner.checks:
            if check.status == "failed" and check.id in _FAILED:
                return _FAILED[check.id]
    return _FAILED["parse"]


def _subject(document: dict[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject if isinstance(subject, dict) else {}


def _stated_name(subject: dict[str, Any]) -> str | None:
    """The holder's name as the credential states it: ``name``, or an unhashed
    IdentityObject of type ``name``."""
    name = subject.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:200]
    for identity in _identity_objects(subject):
        if identity.get("identityType") == "name" and identity.get("hashed") is False:
            value = identity.get("identityHash")
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
    return None


def _identity_objects(subject: dict[str, Any]) -> list[dict[str, Any]]:
    value = subject.get("identifier")
    items = value if isinstance(value, list) else [value]
    return [i for i in items if isinstance(i, dict)]


def identifiers_of(document: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The identifiers a credential states openly: its ``licenseNumber`` and the unhashed
    IdentityObjects of its subject, labelled.

    >>> identifiers_of({"credentialSubject": {"licenseNumber": "RN.123456", "identifier": [
    ...     {"type": "IdentityObject", "hashed": False, "identityHash": "S-1",
    ...      "identityType": "studentId"},
    ...     {"type": "IdentityObject", "hashed": True, "identityHash": "sha256$00",
    ...      "identityType": "emailAddress"}]}})
    (('licence number', 'RN.123456'), ('student id', 'S-1'))
    """
    subject = _subject(document)
    found: list[tuple[str, str]] = []
    number = subject.get("licenseNumber")
    if isinstance(number, str) and number.strip():
        found.append((_IDENTITY_WORDS["licenseNumber"], number.strip()[:100]))
    for identity in _identity_objects(subject):
        kind = identity.get("identityType")
        value = identity.get("identityHash")
        if identity.get("hashed") is not False or not isinstance(value, str) or kind == "name":
            continue
        label = _IDENTITY_WORDS.get(kind) if isinstance(kind, str) else None
        if label is None and isinstance(kind, str) and kind.startswith("ext:"):
            label = kind.removeprefix("ext:")[:60]
        if label is not None and value.strip():
            found.append((label, value.strip()[:100]))
    return tuple(found)


def _answer_one(
    session: Session,
    document: dict[str, Any],
    checked: VerificationReport,
    *,
    holder: str | None,
    presented: bool | None,
    signed_by: str | None,
    challenged: bool,
    registry: TrustRegistry | None,
    jurisdiction: str | None,
    at: datetime,
) -> Answer:
    credential_id = document.get("id") if isinstance(document.get("id"), str) else None
    state = presented_state(session, document, checked, at=at)
    # renewed or extended since, without being revoked: it still counts to its own end
    # date (a newer one replaces it, which the standing says)
    newer = _superseded(session, credential_id, state, checked, at=at)
    if newer is not None:
        state = CredentialState("active")
    subject = _subject(document)
    issuer_id = document.get("issuer")
    issuer_id = issuer_id.get("id") if isinstance(issuer_id, dict) else issuer_id
    # the registry's name only for an issuer whose signature verified: a forged credential
    # may claim any issuer's identifier
    signed = issuer_verified(checked)
    entry = (
        registry.entries.get(issuer_id)
        if registry and signed and isinstance(issuer_id, str)
        else None
    )
    issuer = entry.name if entry is not None else issuer_name(document)
    # the name its issuer signed comes first; a share's or a request's holder is named as
    # their account names them, which no issuer signed (its owner typed it)
    stated = _stated_name(subject)
    named = stated if signed and stated else holder or stated
    by_account = named is not None and named == holder and named != stated
    # the presentation verified, signed by its holder, who is this credential's subject
    bound_presented = signed_by is not None and signed_by == subject.get("id")
    if presented is None and named and signed:
        binding: Binding = "file"
        bound = phrase(
            N_(
                "A file alone does not show who presents it: anyone with a copy can show it. "
                "Compare the name with an ID, or ask for a share link."
            )
        )
    elif presented is None:
        binding = "file"
        bound = phrase(
            N_(
                "The credential does not name its holder (at most a hashed email address or "
                "identifier), and a file alone does not show who presents it: ask the person "
                "for a share link."
            )
        )
    elif bound_presented and not challenged:
        binding = "named"
        bound = phrase(
            N_(
                "The person it was issued to signed this presentation, but not for this "
                "verification: anyone with a copy of it can show it. Compare the name with an "
                "ID, or ask for a share link."
            )
        )
    elif bound_presented:
        binding = "presented"
        bound = worded(
            N_(
                "%(holder)s signed what they shared with the key the credential was issued "
                "to: it is theirs."
            ),
            holder=named or phrase(_SOMEONE),
        )
        if by_account:
            bound = worded(
                N_(
                    "%(holder)s signed what they shared with the key the credential was "
                    "issued to: it is theirs. The credential does not state a name: "
                    "%(holder)s is the name on their account here, which no issuer "
                    "confirmed. Compare it with an ID."
                ),
                holder=named or phrase(_SOMEONE),
            )
    else:
        binding = "named"
        bound = phrase(
            N_(
                "It is not shown that the person who shared it is the one it was issued to: "
                "check their identity before relying on it."
            )
        )
    shown_as = named or _SOMEONE
    standing = _standing(
        state,
        document,
        entry_place=entry.jurisdiction if entry else None,
        jurisdiction=jurisdiction,
        trust=checked.status_of("trust"),
        # the registry's words for an issuer it does not know name it by its DID
        brief=entry is None,
    )
    if newer is not None:
        standing = worded(
            N_(
                "%(standing)s; a newer one replaces it (%(how)s on %(day)s): ask for the "
                "current one"
            ),
            standing=standing,
            how=newer[0],
            day=newer[1],
        )
    kind = with_article(kind_words(document))
    if presented is None:
        headline = _file_headline(
            credential_name(document),
            kind,
            _headline_issuer(document, entry),
            named if signed else None,
            _standing(
                state,
                document,
                entry_place=entry.jurisdiction if entry else None,
                jurisdiction=jurisdiction,
                trust=checked.status_of("trust"),
                brief=True,
            ),
            claimed=not signed or entry is None,
        )
    else:
        headline = _said_wording(
            said_of(
                state,
                {**document, "issuer": {"id": issuer_id, "name": issuer}},
                holder=shown_as,
                presented=presented,
            ),
            named=_headline_issuer(document, entry),
            registered=entry is not None,
        )
    good = state.code == "active" and presented is not False
    rely = _rely(
        state,
        good=good,
        binding=binding,
        # an issuer the registry does not know is the one it names only by its own word
        # (a platform with no registry checks no issuer: anyone may sign as "a board")
        issuer=_issuer_words(document, entry),
        holder=named or phrase(N_("the person who presented it")),
    )
    return Answer(
        credential_id=credential_id,
        said=headline,
        holder=named,
        binding=binding,
        bound=bound,
        name=credential_name(document),
        kind=kind,
        issuer=issuer,
        issuer_registered=entry is not None,
        # what a forgery states is not shown as fact
        identifiers=identifiers_of(document) if signed else (),
        aligned=tuple(alignments_of(document)) if signed else (),
        state=state,
        standing=standing,
        rely=rely,
        tone="good" if good else "bad",
        report=checked,
    )


#: how a credential was replaced, as its standing says it
_HOW = {
    "renewed": N_("renewed"),
    "extended": N_("extended"),
    "re-issued": N_("re-issued"),
    "claimed": N_("claimed"),
}


def _superseded(
    session: Session,
    credential_id: str | None,
    state: CredentialState,
    checked: VerificationReport,
    *,
    at: datetime,
) -> tuple[str | Wording, str] | None:
    """How and when a credential issued here was superseded — renewed or extended, not
    revoked, not past its own end date, and verifying now — or None."""
    if state.code != "replaced" or credential_id is None or not checked.verified:
        return None
    row = session.get(IssuedCredential, credential_id)
    if row is None or row.state != "active" or not row.replaced_by:
        return None
    until = row.valid_until
    if until is not None and (until if until.tzinfo else until.replace(tzinfo=UTC)) < at:
        return None
    how = issuing.how_replaced(row)
    when = row.state_changed_at
    return (
        phrase(_HOW[how]) if how in _HOW else how,
        when.strftime("%Y-%m-%d") if when else "-",
    )


#: the holder when nothing names them (translated where it is a value of a sentence)
_SOMEONE = N_("The person who presented it")


#: an issuer the trust registry does not know, by the name it gives itself
_CLAIMED_ISSUER = N_("an issuer that calls itself %(issuer)s")
#: an issuer the trust registry does not know, that gives no name (its DID is in the checks)
_NAMELESS_ISSUER = N_("an issuer that gives no name")


def _issuer_words(document: dict[str, Any], entry: TrustEntry | None) -> str | Wording:
    """The issuer as an answer's sentences name it: by its trust-registry name; else only
    as what it calls itself; else as an issuer that gives no name — never by its DID."""
    if entry is not None:
        return entry.name
    named = _headline_issuer(document, None)
    if named is None:
        return phrase(_NAMELESS_ISSUER)
    return worded(_CLAIMED_ISSUER, issuer=named)


def _said_wording(said: Said, *, named: str | Wording | None, registered: bool) -> Wording:
    """A :class:`~openler.services.holders.reading.Said` as a wording: its kind and state
    translated with it when they are phrases openler knows; its issuer (``named`` as
    :func:`_headline_issuer` names it) by the registry's name when ``registered``, else
    never by its DID, and only as what it calls itself unless the sentence says "said to
    be" already."""
    values: dict[str, str | Wording] = dict(said.values)
    if "issuer" in values and not registered:
        if named is None:
            values["issuer"] = phrase(_NAMELESS_ISSUER)
        elif "said to be" in said.message:
            values["issuer"] = named
        else:
            values["issuer"] = worded(_CLAIMED_ISSUER, issuer=named)
    if values.get("holder") == _SOMEONE:
        values["holder"] = phrase(_SOMEONE)
    if said.kind_known:
        values["kind"] = phrase(str(values["kind"]))
    if "state" in values:
        values["state"] = phrase(str(values["state"]))
    return worded(said.message, **values)


def _headline_issuer(document: dict[str, Any], entry: TrustEntry | None) -> str | Wording | None:
    """The issuer as a headline names it: by its registry name; else by the name it gives
    itself (the headline then says "said to be from"); None when it gives none (its DID
    stays in the facts below, not in the headline)."""
    if entry is not None:
        return entry.name
    issuer = document.get("issuer")
    name = issuer.get("name") if isinstance(issuer, dict) else None
    return name.strip()[:200] if isinstance(name, str) and name.strip() else None


def _file_headline(
    name: str,
    kind: str,
    issuer: str | Wording | None,
    holder: str | None,
    standing: Wording,
    *,
    claimed: bool,
) -> Wording:
    """A credential shown on its own (a file, pasted text): what it is and its standing;
    nothing here says who holds it, only whom it names. An issuer the registry does not
    know is only "said to be" the one it names."""
    values: dict[str, str | Wording] = {
        "name": name,
        "kind": phrase(kind) if kind in KIND_PHRASES else kind,
        "standing": standing,
    }
    if issuer is None:
        return worded(
            N_("%(name)s, %(kind)s from an issuer that gives no name: %(standing)s"), **values
        )
    values["issuer"] = issuer
    if claimed and holder:
        return worded(
            N_("%(name)s, %(kind)s said to be from %(issuer)s, issued to %(holder)s: %(standing)s"),
            holder=holder,
            **values,
        )
    if claimed:  # its signature did not verify, or no registry here knows its issuer
        return worded(N_("%(name)s, %(kind)s said to be from %(issuer)s: %(standing)s"), **values)
    if holder:
        return worded(
            N_("%(name)s, %(kind)s from %(issuer)s, issued to %(holder)s: %(standing)s"),
            holder=holder,
            **values,
        )
    return worded(N_("%(name)s, %(kind)s from %(issuer)s: %(standing)s"), **values)


def _standing(
    state: CredentialState,
    document: dict[str, Any],
    *,
    entry_place: str | None,
    jurisdiction: str | None,
    trust: str | None,
    brief: bool = False,
) -> Wording:
    """The credential's standing in one phrase (pages capitalise it): "Active — valid
    until 2028-11-25, recognised in North Carolina", "suspended on 2026-11-26 by …: reason".
    ``brief`` leaves out the trust registry's own words for an issuer it does not trust
    (they name the issuer by its DID): the headline's standing."""
    if state.code == "active":
        until = until_day(document)
        base = (
            worded(N_("Active — valid until %(day)s"), day=until)
            if until
            else phrase(N_("Active — no end date"))
        )
        if trust == "passed" and entry_place and jurisdiction and jurisdiction != entry_place:
            return worded(
                N_("%(standing)s, recognised in %(place)s"),
                standing=base,
                place=place_name(jurisdiction),
            )
        if trust == "passed" and entry_place:
            return worded(
                N_("%(standing)s, authorised in %(place)s"),
                standing=base,
                place=place_name(entry_place),
            )
        return base
    if state.code == "issuer-not-trusted":
        where = jurisdiction or entry_place
        if brief:
            return (
                worded(
                    N_("Issuer not authorised in %(place)s for this credential"),
                    place=place_name(where),
                )
                if where
                else phrase(N_("Issuer not trusted here"))
            )
        if where:
            return worded(
                N_("Issuer not authorised in %(place)s for this credential: %(why)s"),
                place=place_name(where),
                why=state.reason or "",
            )
        return worded(N_("Issuer not trusted here: %(why)s"), why=state.reason or "")
    if state.code == "unverified":
        return worded(N_("Does not verify: %(why)s"), why=phrase(_first_failure_of(state)))
    if state.code == "replaced":
        return phrase(N_("replaced by a newer credential: ask the holder for the current one"))
    if state.wording is not None:  # "suspended on 2026-11-26 by …: reason", "expired on …"
        return state.wording
    return phrase(_CAPITAL[state.code])


#: a state's label opening a sentence
_CAPITAL = {
    "active": N_("Active"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
    "replaced": N_("Replaced"),
    "expired": N_("Expired"),
    "not-yet-valid": N_("Not yet valid"),
    "issuer-not-trusted": N_("Issuer not trusted"),
    "unverified": N_("Does not verify"),
}


def _first_failure_of(state: CredentialState) -> str:
    """The plain words for an unverified state's reason (a report summary names its first
    failed check: "Not verified: proof failed: …")."""
    reason = (state.reason or "").lower()
    for check_id, words in _FAILED.items():
        if f"{check_id} failed" in reason:
            return words
    return N_("it did not pass every check")


def _rely(
    state: CredentialState,
    *,
    good: bool,
    binding: Binding,
    issuer: str | Wording,
    holder: str | Wording,
) -> Wording:
    if not good:
        return phrase(N_("Do not rely on it."))
    if binding == "presented":
        return worded(
            N_(
                "You may rely on it: %(issuer)s issued it, nobody has altered it, it is in "
                "force today, and %(holder)s showed it is theirs."
            ),
            issuer=issuer,
            holder=holder,
        )
    return worded(
        N_(
            "You may rely on what it says: %(issuer)s issued it, nobody has altered it, and "
            "it is in force today. Whether it is the person in front of you is for you to "
            "check."
        ),
        issuer=issuer,
    )


def jurisdiction_for(session: Session, organization_ids: list[str] | None = None) -> str | None:
    """Where a verifier is: the jurisdiction of the first of ``organization_ids`` that has
    one, else the platform's registry authority's (the state running it)."""
    for organization_id in organization_ids or []:
        organization = session.get(Organization, organization_id)
        if organization is not None and organization.jurisdiction:
            return organization.jurisdiction
    authority = (
        session.execute(
            select(Organization.jurisdiction).where(Organization.kind == "registry_authority")
        )
        .scalars()
        .first()
    )
    return authority
