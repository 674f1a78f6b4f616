"""The record as a person reads it: an entry's facts in plain words before any check, and
the short summary the home page shows.

Everything here is read from the record (:mod:`openler.services.holders.record`), so the
same access rule holds: a person reads their own entries, and anyone else's do not exist
for them.

>>> kind_words({"credentialSubject": {"achievement": {"achievementType": "License"}}})
'licence'
>>> kind_words({"credentialSubject": {"achievement": {"achievementType": "ext:SafetyCard"}}})
'safety card'
>>> with_article("International Baccalaureate"), with_article("licence")
('an International Baccalaureate', 'a licence')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.errors import NotFound
from openler.services.holders.record import (
    CATEGORIES,
    Entry,
    achievement_of,
    credential_name,
    record_of,
)
from openler.services.issuers import achievements, endorsements
from openler.services.issuers.endorsements import Shown
from openler.services.people.accounts import Principal
from openler.services.verifiers.credential_state import (
    CredentialState,
    check_state,
    issuer_name,
    repeats_label,
)
from openler.services.verifiers.verifying import verify_document
from openler.services.wording import N_
from openler.store.models import IssuedCredential
from openler.vc import VCError, VerificationReport, parse_datetime

#: how an ``achievementType`` reads in a sentence, where splitting its words is not enough
_KIND_WORDS = {
    "License": "licence",
    "GeneralEducationDevelopment": "GED",
    "ApprenticeshipCertificate": "apprenticeship certificate",
    "CoCurricular": "co-curricular activity",
    "MicroCredential": "micro-credential",
}
#: how soon an expiry needs the person's attention
EXPIRING_DAYS = 60


def kind_words(document: dict[str, Any]) -> str:
    """What kind of credential ``document`` is, as a sentence reads it."""
    types = document.get("type")
    if isinstance(types, list) and "ClrCredential" in types:
        return "transcript"
    kind = achievement_of(document).get("achievementType")
    if not isinstance(kind, str) or not kind.strip():
        return "credential"
    return term_words(kind)


def term_words(kind: str) -> str:
    """An ``achievementType`` term as a sentence reads it: ``License`` is a "licence",
    ``ext:SafetyCard`` a "safety card"."""
    if kind in _KIND_WORDS:
        return _KIND_WORDS[kind]
    bare = kind.removeprefix("ext:")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", bare).lower().strip() or "credential"


def kind_name(kind: str) -> str:
    """An ``achievementType`` term as a name on its own (a list's choice, a role's kind):
    one of :data:`KIND_NAMES` for the terms of Open Badges 3.0, which pages translate.

    >>> kind_name("GeneralEducationDevelopment"), kind_name("License"), kind_name("ext:X")
    ('GED', 'Licence', 'X')
    """
    words = term_words(kind)
    return words[:1].upper() + words[1:]


def with_article(words: str) -> str:
    """``words`` after "a" or "an"."""
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


#: what an entry's sentence calls a kind of credential, marked so pages translate it (a kind
#: an issuer made up is shown in the words of its ``achievementType``)
KIND_PHRASES = (
    N_("a credential"),
    N_("a transcript"),
    N_("an achievement"),
    N_("an apprenticeship certificate"),
    N_("an assessment"),
    N_("an assignment"),
    N_("an associate degree"),
    N_("an award"),
    N_("a badge"),
    N_("a bachelor degree"),
    N_("a certificate"),
    N_("a certificate of completion"),
    N_("a certification"),
    N_("a community service"),
    N_("a competency"),
    N_("a course"),
    N_("a co-curricular activity"),
    N_("a degree"),
    N_("a diploma"),
    N_("a doctoral degree"),
    N_("a fieldwork"),
    N_("a GED"),
    N_("a journeyman certificate"),
    N_("a learning program"),
    N_("a licence"),
    N_("a membership"),
    N_("a professional doctorate"),
    N_("a quality assurance credential"),
    N_("a master certificate"),
    N_("a master degree"),
    N_("a micro-credential"),
    N_("a research doctorate"),
    N_("a secondary school diploma"),
)


#: each kind of credential of Open Badges 3.0 (``ACHIEVEMENT_TYPES``) as :func:`kind_name`
#: names it, marked so pages translate it
KIND_NAMES = (
    N_("Achievement"),
    N_("Apprenticeship certificate"),
    N_("Assessment"),
    N_("Assignment"),
    N_("Associate degree"),
    N_("Award"),
    N_("Badge"),
    N_("Bachelor degree"),
    N_("Certificate"),
    N_("Certificate of completion"),
    N_("Certification"),
    N_("Community service"),
    N_("Competency"),
    N_("Course"),
    N_("Co-curricular activity"),
    N_("Degree"),
    N_("Diploma"),
    N_("Doctoral degree"),
    N_("Fieldwork"),
    N_("GED"),
    N_("Journeyman certificate"),
    N_("Learning program"),
    N_("Licence"),
    N_("Membership"),
    N_("Professional doctorate"),
    N_("Quality assurance credential"),
    N_("Master certificate"),
    N_("Master degree"),
    N_("Micro-credential"),
    N_("Research doctorate"),
    N_("Secondary school diploma"),
)


def sentence_wording(entry: Entry) -> tuple[str, tuple[tuple[str, str], ...]]:
    """An entry's one-line facts as a message and its values, for pages in any language:
    ``kind`` is one of :data:`KIND_PHRASES` (or the issuer's own kind) and ``state`` a
    state's label, both translated by the page before they fill the message."""
    values = {
        "name": entry.name,
        "kind": with_article(kind_words(entry.document)),
        "issuer": entry.issuer,
    }
    code = entry.state.code
    if code == "active" and entry.valid_until:
        message = N_("%(name)s, %(kind)s from %(issuer)s, active, valid until %(day)s")
        values["day"] = entry.valid_until
    elif code == "expired" and entry.valid_until:
        message = N_("%(name)s, %(kind)s from %(issuer)s, expired on %(day)s")
        values["day"] = entry.valid_until
    elif code == "unverified" or not entry.verified_when_added:
        message = N_("%(name)s, %(kind)s from %(issuer)s, not verified")
    else:
        message = N_("%(name)s, %(kind)s from %(issuer)s, %(state)s")
        values["state"] = entry.state.label
    return message, tuple(sorted(values.items()))


def sentence(entry: Entry) -> str:
    """An entry's facts in one line: what it is, from whom, and its state now.

    "Registered Nurse, a licence from Ohio Board of Nursing, active, valid until 2028-11-25"
    """
    message, values = sentence_wording(entry)
    return message % dict(values)


@dataclass(frozen=True)
class Said:
    """One credential of a presentation in one sentence, for whoever opened it: who holds
    what, from whom, and whether it counts now. ``message`` and ``values`` are for pages in
    any language (``kind`` translated when :attr:`kind_known`, ``state`` a state's label)."""

    message: str
    values: tuple[tuple[str, str], ...]
    #: ``good`` when the credential counts now, ``bad`` when it does not
    tone: Literal["good", "bad"]

    @property
    def kind_known(self) -> bool:
        return dict(self.values).get("kind") in KIND_PHRASES

    @property
    def text(self) -> str:
        return self.message % dict(self.values)


def until_day(document: dict[str, Any]) -> str | None:
    """The day a credential stops being valid, as it says (None when it does not)."""
    value = document.get("validUntil") or document.get("expirationDate")
    try:
        return parse_datetime(value).strftime("%Y-%m-%d") if isinstance(value, str) else None
    except VCError:
        return None


def said_of(
    state: CredentialState, document: dict[str, Any], *, holder: str, presented: bool
) -> Said:
    """``document`` in one sentence for a verifier, in ``state``, shared by ``holder``;
    ``presented`` says whether the presentation carrying it verified (its signature, its
    holder and audience) — without it nothing says that ``holder`` holds it.

    >>> said = said_of(CredentialState("active"), {"validUntil": "2028-11-25T00:00:00Z",
    ...     "issuer": {"id": "did:web:ohio", "name": "Ohio Board of Nursing"},
    ...     "credentialSubject": {"achievement": {"name": "Registered Nurse",
    ...                                           "achievementType": "License"}}},
    ...     holder="Maria Alvarez", presented=True)
    >>> print(said.text.replace(", ", ",\\n"))
    Maria Alvarez holds Registered Nurse,
    a licence from Ohio Board of Nursing,
    active and valid until 2028-11-25
    """
    values = {
        "holder": holder,
        "name": credential_name(document),
        "kind": with_article(kind_words(document)),
        "issuer": issuer_name(document),
    }
    code, until = state.code, until_day(document)
    if not presented:
        message = N_(
            "%(name)s, %(kind)s from %(issuer)s: the link did not verify, so it does not "
            "show that %(holder)s holds it"
        )
    elif code == "active" and until:
        message, values["day"] = (
            N_(
                "%(holder)s holds %(name)s, %(kind)s from %(issuer)s, active and valid until "
                "%(day)s"
            ),
            until,
        )
    elif code == "active":
        message = N_("%(holder)s holds %(name)s, %(kind)s from %(issuer)s, active")
    elif code == "expired" and until:
        message, values["day"] = (
            N_("%(holder)s held %(name)s, %(kind)s from %(issuer)s, which expired on %(day)s"),
            until,
        )
    elif code == "unverified":
        message = N_(
            "%(name)s, %(kind)s said to be from %(issuer)s, did not verify: do not rely on it"
        )
    elif code == "issuer-not-trusted":
        message = N_(
            "%(holder)s holds %(name)s, %(kind)s said to be from %(issuer)s, an issuer not "
            "trusted here"
        )
    else:
        message, values["state"] = (
            N_("%(holder)s holds %(name)s, %(kind)s from %(issuer)s, but it is %(state)s"),
            state.label,
        )
    tone: Literal["good", "bad"] = "good" if presented and code == "active" else "bad"
    return Said(message, tuple(sorted(values.items())), tone)


def _web_address(value: Any) -> str | None:
    """``value`` when it is a web address a page may link to (never ``javascript:``)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    return None


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class Alignment:
    """A skill or occupation the achievement is aligned to."""

    name: str
    url: str | None
    framework: str | None
    code: str | None


@dataclass(frozen=True)
class Result:
    """A result the credential records (a grade, a score, a status)."""

    name: str
    value: str


@dataclass(frozen=True)
class Evidence:
    """Evidence the credential carries."""

    name: str
    description: str | None
    url: str | None


def alignments_of(document: dict[str, Any]) -> list[Alignment]:
    """The achievement's ``alignment`` list: what skills and occupations it evidences."""
    found = []
    for item in _objects(achievement_of(document).get("alignment")):
        name = _text(item.get("targetName"))
        if name is None:
            continue
        found.append(
            Alignment(
                name,
                _web_address(item.get("targetUrl")),
                _text(item.get("targetFramework")),
                _text(item.get("targetCode")),
            )
        )
    return found


def _subject(document: dict[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    return subject if isinstance(subject, dict) else {}


def results_of(document: dict[str, Any]) -> list[Result]:
    """The results and credits the credential records, named as its achievement names
    them."""
    achievement = achievement_of(document)
    subject = _subject(document)
    names = {
        d.get("id"): _text(d.get("name"))
        for d in _objects(achievement.get("resultDescription"))
        if d.get("id")
    }
    found = []
    for item in _objects(subject.get("result")):
        value = _text(item.get("value")) or _text(item.get("status"))
        level = _text(item.get("achievedLevel"))
        shown = value or level
        if shown is None:
            continue
        name = names.get(item.get("resultDescription")) or N_("Result")
        found.append(Result(name, shown))
    earned = subject.get("creditsEarned")
    available = achievement.get("creditsAvailable")
    if isinstance(earned, int | float) and not isinstance(earned, bool):
        found.append(Result(N_("Credits earned"), f"{earned:g}"))
    elif isinstance(available, int | float) and not isinstance(available, bool):
        found.append(Result(N_("Credits"), f"{available:g}"))
    return found


def evidence_of(document: dict[str, Any]) -> list[Evidence]:
    """The evidence the credential carries."""
    found = []
    for item in _objects(document.get("evidence")):
        name = _text(item.get("name")) or _text(item.get("genre")) or N_("Evidence")
        about = _text(item.get("description")) or _text(item.get("narrative"))
        found.append(Evidence(name, about, _web_address(item.get("id"))))
    return found


@dataclass(frozen=True)
class EntryPage:
    """What an entry's page shows: the facts, then what it certifies, then its history,
    then how it was checked."""

    entry: Entry
    #: for an earlier credential, the entry it belongs to now
    current: Entry | None
    sentence: str
    #: the sentence as a message and its values (:func:`sentence_wording`)
    wording: tuple[str, tuple[tuple[str, str], ...]]
    alignments: list[Alignment]
    results: list[Result]
    evidence: list[Evidence]
    endorsements: list[Shown]
    report: VerificationReport
    #: ``PNG`` or ``SVG`` when the credential can be downloaded baked into its badge
    badge: str | None

    @property
    def kind_known(self) -> bool:
        """Whether the sentence's kind is one of :data:`KIND_PHRASES` (a page translates
        only those: any other is the issuer's own word, shown as it is)."""
        return dict(self.wording[1]).get("kind") in KIND_PHRASES

    @property
    def criteria(self) -> str | None:
        criteria = self.entry.achievement.get("criteria")
        return _text(criteria.get("narrative")) if isinstance(criteria, dict) else None

    @property
    def description(self) -> str | None:
        return _text(self.entry.achievement.get("description"))


def entry_page(session: Session, platform: Platform, principal: Principal, ref: str) -> EntryPage:
    """The entry ``ref`` of ``principal``'s own record, read for its page, verified now;
    :class:`NotFound` for a ref that is not theirs."""
    found: Entry | None = None
    current: Entry | None = None
    for entry in record_of(session, platform, principal).entries:
        if entry.ref == ref:
            found = entry
            break
        older = next((old for old in entry.history if old.ref == ref), None)
        if older is not None:
            found, current = older, entry
            break
    if found is None:
        raise NotFound.worded(N_("you hold no such credential"))
    at = platform.now()
    badge = None
    if isinstance(found.row, IssuedCredential):
        _, report = check_state(session, platform, found.row, at=at)
        badge = achievements.badge_format(session, found.row)
    else:
        report = verify_document(
            session, platform, found.row.jwt or found.document, at=at, name=found.name
        )
    return EntryPage(
        entry=found,
        current=current,
        sentence=sentence(found),
        wording=sentence_wording(found),
        alignments=alignments_of(found.document),
        results=results_of(found.document),
        evidence=evidence_of(found.document),
        endorsements=endorsements.for_document(session, platform, found.document),
        report=report,
        badge=badge,
    )


@dataclass(frozen=True)
class Attention:
    """Something in the record the person should know about now."""

    ref: str
    name: str
    what: str
    #: ``what`` as a message and its values, for pages in any language; ``%(reason)s`` is
    #: the reason of ``state`` (translated by the page as its state's reason is). Empty
    #: when the reason opens with what the message would say: ``state`` then says it
    #: alone, or without one ``what`` is the reason as written
    message: str = ""
    values: tuple[tuple[str, str], ...] = ()
    state: CredentialState | None = None


@dataclass(frozen=True)
class Overview:
    """The record in a few lines, for the home page."""

    #: (heading, entries in the group, their names)
    groups: list[tuple[str, int, list[str]]]
    self_reported: int
    attention: list[Attention] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.self_reported


def _attention(
    entry: Entry, today: date
) -> tuple[str, dict[str, str], CredentialState | None] | None:
    """What needs attention in ``entry``: a message, its values, and the state whose reason
    fills ``%(reason)s``; None when nothing does."""
    code = entry.state.code
    reason = entry.state if entry.state.reason else None
    if code == "unverified" or not entry.verified_when_added:
        if reason and repeats_label(N_("not verified"), entry.state.reason or ""):
            return "", {}, None  # "Not verified: proof failed …" says it once
        return (N_("not verified: %(reason)s") if reason else N_("not verified")), {}, reason
    if code == "suspended":
        if reason and repeats_label(entry.state.label, entry.state.reason or ""):
            return "", {}, reason  # "Suspended on … by …": the state says it once
        return (N_("suspended: %(reason)s") if reason else N_("suspended")), {}, reason
    if code == "issuer-not-trusted":
        return N_("its issuer is not trusted here"), {}, None
    if code == "active" and entry.valid_until:
        until = date.fromisoformat(entry.valid_until)
        if until <= today + timedelta(days=EXPIRING_DAYS):
            days = (until - today).days
            if days == 0:
                message = N_("expires on %(day)s (today)")
            elif days == 1:
                message = N_("expires on %(day)s (in 1 day)")
            else:
                message = N_("expires on %(day)s (in %(days)s days)")
            return message, {"day": entry.valid_until, "days": str(days)}, None
    return None


def overview_of(session: Session, platform: Platform, principal: Principal) -> Overview:
    """``principal``'s own record summed up: how many entries in each group, and what needs
    attention (suspended, not verified, expiring within :data:`EXPIRING_DAYS` days)."""
    record = record_of(session, platform, principal)
    today = platform.now().date()
    attention = []
    for entry in record.entries:
        found = _attention(entry, today)
        if found is not None:
            message, values, state = found
            if message:
                what = message % (values | {"reason": state.reason if state else ""})
            else:  # the reason alone, as a sentence (the page says a state's in its words)
                said = state.said if state else entry.state.reason or ""
                what = said[:1].upper() + said[1:]
            attention.append(
                Attention(
                    entry.ref, entry.name, what, message, tuple(sorted(values.items())), state
                )
            )
    return Overview(
        groups=[
            (CATEGORIES[category], len(entries), [e.name for e in entries])
            for category, _, entries in record.groups
        ],
        self_reported=len(record.self_reported),
        attention=attention,
    )
