"""A person's skills profile: the skills and occupations their credentials show.

Evidence is what an issuer signed: the OB 3.0 ``alignment`` of each credential's achievement
(and, for a CLR 2.0 record, of the achievements and credentials inside it). Only entries of
the record whose state is **active** count — a credential that has expired, been suspended
or revoked, does not verify, or comes from an issuer this site does not trust no longer
vouches for anything today, so what only such credentials show is listed apart as "no longer
evidenced" (with the state of each credential behind it), never counted.

Each alignment is either an **occupation** — an O*NET-SOC code (``29-1141.00``), a framework
named O*NET-SOC, SOC or ISCO, a ``targetType`` that says occupation (``ceterms:Occupation``,
``ext:Occupation``), or an O*NET or ESCO occupation address — or a **skill** (ESCO skills and
knowledge, CASE items, ``ceasn:Competency``, ``ceterms:Skill``, anything else). Alignments
to another credential (``ceterms:Credential``) or to an assessment rubric (``CFRubric…``)
say how an achievement was judged or what it corresponds to, not what the person can do,
and are left out.

The same skill from several credentials is one line: alignments are the same when their
``targetUrl`` is (an occupation: when its O*NET-SOC code is), else their framework and code,
else their name written the same way. Each line names the credentials behind it, and its
``count`` — how many credentials show it — is its strength.

What the person wrote themselves (self-reported skills) is kept apart and never merged into
what credentials show.

>>> profile = profile_from([], [])
>>> profile.summary
'None of your current credentials names a skill or an occupation yet.'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.holders import record
from openler.services.holders.record import Entry
from openler.services.people.accounts import Principal, require_self
from openler.services.verifiers.credential_state import CredentialState
from openler.store.models import SelfReported

Kind = Literal["skill", "occupation"]

#: how much of an achievement's ``alignment`` is read, and of each of its texts: a
#: credential from elsewhere may carry anything
MAX_ALIGNMENTS = 200
MAX_TEXT = 300

_SOC_CODE = re.compile(r"\d{2}-\d{4}(?:\.\d{2})?")
_ONET_CODE = re.compile(r"\d{2}-\d{4}\.\d{2}")
_OCCUPATION_FRAMEWORK = re.compile(r"o\*?net[- ]?soc|\bsoc\b|\bisco\b|occupation", re.IGNORECASE)
_OCCUPATION_URL = (
    "onetonline.org/link/summary/",
    "onetonline.org/link/details/",
    "/esco/occupation/",
    "/esco/isco/",
)
_SKILL_TYPES = ("competenc", "skill", "knowledge", "ability", "cfitem")
_NOT_A_SKILL = ("ceterms:credential", "cfrubric")


@dataclass(frozen=True)
class Alignment:
    """One alignment of a credential's achievement, as read (texts trimmed, never trusted
    as markup)."""

    kind: Kind
    name: str
    url: str | None = None
    code: str | None = None
    framework: str | None = None
    target_type: str | None = None

    @property
    def key(self) -> str:
        """What makes two alignments the same skill or occupation."""
        if self.kind == "occupation" and self.code and _SOC_CODE.fullmatch(self.code):
            return f"soc:{self.code}"
        if self.url:
            parts = urlsplit(self.url)
            path = parts.path.rstrip("/")
            return f"url:{parts.netloc.lower()}{path}?{parts.query}"
        if self.code:
            return f"code:{_words(self.framework or '')}:{_words(self.code)}"
        return f"name:{_words(self.name)}"

    @property
    def link(self) -> str | None:
        """Where a person reads what it is: an O*NET occupation's summary page, else the
        ``targetUrl`` when it is a web address."""
        if self.kind == "occupation" and self.code and _ONET_CODE.fullmatch(self.code):
            return f"https://www.onetonline.org/link/summary/{self.code}"
        return self.url


def _words(text: str) -> str:
    """``text`` as it is compared: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())[:MAX_TEXT]
    return cleaned or None


def _web_address(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 2000 or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def kind_of(
    *,
    code: str | None = None,
    framework: str | None = None,
    target_type: str | None = None,
    url: str | None = None,
) -> Kind | None:
    """Whether an alignment names an occupation or a skill (``None``: neither — another
    credential, or an assessment rubric).

    >>> kind_of(code="29-1141.00", framework="O*NET-SOC 2019")
    'occupation'
    >>> kind_of(target_type="ceasn:Competency", framework="ESCO")
    'skill'
    >>> kind_of(target_type="ext:Occupation")
    'occupation'
    >>> kind_of(target_type="ceterms:Credential") is None
    True
    """
    declared = (target_type or "").casefold()
    if declared.startswith(_NOT_A_SKILL):
        return None
    if "occupation" in declared:
        return "occupation"
    if any(word in declared for word in _SKILL_TYPES):
        return "skill"
    if code and _SOC_CODE.fullmatch(code.strip()):
        return "occupation"
    if framework and _OCCUPATION_FRAMEWORK.search(framework):
        return "occupation"
    if url and any(part in url.casefold() for part in _OCCUPATION_URL):
        return "occupation"
    return "skill"


def read_alignments(achievement: Any) -> list[Alignment]:
    """The skills and occupations an achievement (a JSON object as it came) is aligned to.

    Anything malformed is passed over rather than failing: an alignment that is not an
    object, or has neither a name, a code nor a web address, is not read; texts that are
    not strings are ignored; at most :data:`MAX_ALIGNMENTS` are read.

    >>> [a.name for a in read_alignments({"alignment": [
    ...     {"targetName": "Registered Nurses", "targetCode": "29-1141.00"},
    ...     {"targetName": "infection control", "targetType": "ceasn:Competency"},
    ...     "not an alignment", {"targetName": 7}]})]
    ['Registered Nurses', 'infection control']
    """
    if not isinstance(achievement, dict):
        return []
    found = achievement.get("alignment")
    if isinstance(found, dict):
        found = [found]
    if not isinstance(found, list):
        return []
    alignments = []
    for item in found[:MAX_ALIGNMENTS]:
        if not isinstance(item, dict):
            continue
        name = _text(item.get("targetName"))
        code = _text(item.get("targetCode"))
        url = _web_address(item.get("targetUrl"))
        framework = _text(item.get("targetFramework"))
        target_type = _text(item.get("targetType"))
        kind = kind_of(code=code, framework=framework, target_type=target_type, url=url)
        if kind is None or not (name or code or url):
            continue
        alignments.append(
            Alignment(kind, name or code or str(url), url, code, framework, target_type)
        )
    return alignments


def _achievements_of(document: dict[str, Any]) -> Iterator[Any]:
    """The achievements a credential speaks for: its own, or a CLR's — those it lists and
    those of the credentials inside it."""
    yield record.achievement_of(document)
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return
    listed = subject.get("achievement")
    if isinstance(listed, list):
        yield from listed[:MAX_ALIGNMENTS]
    inside = subject.get("verifiableCredential")
    if isinstance(inside, list):
        for credential in inside[:MAX_ALIGNMENTS]:
            if isinstance(credential, dict):
                yield record.achievement_of(credential)


def alignments_of(document: dict[str, Any]) -> list[Alignment]:
    """Every skill and occupation a credential shows, each once."""
    seen: dict[str, Alignment] = {}
    for achievement in _achievements_of(document):
        for alignment in read_alignments(achievement):
            seen.setdefault(alignment.key, alignment)
    return list(seen.values())


@dataclass(frozen=True)
class Evidence:
    """A credential behind a skill: the entry of the record, as its holder names it."""

    ref: str
    name: str
    issuer: str
    #: the entry's state as of now (only ``active`` counts)
    state: CredentialState

    @property
    def page(self) -> str:
        """The entry's page in the record."""
        return "/record/" + quote(self.ref, safe="")


@dataclass
class Evidenced:
    """A skill or an occupation, with the credentials that show it."""

    alignment: Alignment
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.alignment.name

    @property
    def count(self) -> int:
        """How many credentials show it: its strength."""
        return len(self.evidence)

    def to_json(self) -> dict[str, Any]:
        a = self.alignment
        return {
            "name": a.name,
            "kind": a.kind,
            "url": a.link,
            "code": a.code,
            "framework": a.framework,
            "targetType": a.target_type,
            "count": self.count,
            "credentials": [
                {
                    "ref": e.ref,
                    "name": e.name,
                    "issuer": e.issuer,
                    "state": e.state.code,
                    "stateReason": e.state.reason,
                    "page": e.page,
                }
                for e in self.evidence
            ],
        }


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class SkillsProfile:
    """What a person's credentials show, and what they wrote of themselves."""

    skills: list[Evidenced]
    occupations: list[Evidenced]
    #: skills and occupations only credentials that no longer count show
    no_longer_evidenced: list[Evidenced]
    #: self-reported skills (never verified, never merged with the above)
    self_reported: list[SelfReported]

    @property
    def summary(self) -> str:
        """The profile in one plain sentence."""
        if not self.skills and not self.occupations:
            return "None of your current credentials names a skill or an occupation yet."
        parts = [_plural(len(self.skills), "skill")]
        if self.occupations:
            parts.append(_plural(len(self.occupations), "occupation"))
        return f"Your credentials show {' and '.join(parts)}."

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "skills": [s.to_json() for s in self.skills],
            "occupations": [o.to_json() for o in self.occupations],
            "noLongerEvidenced": [n.to_json() for n in self.no_longer_evidenced],
            "selfReported": [
                {
                    "id": s.id,
                    "title": s.title,
                    "description": s.description,
                    "verified": False,
                }
                for s in self.self_reported
            ],
        }


def _speaking_entries(entries: list[Entry]) -> list[Entry]:
    """The entries whose alignments are read: a CLR whose parts were unpacked into entries
    of their own is left to its parts (each judged by its own state), so nothing counts
    twice."""
    parents = {getattr(e.row, "parent_id", None) for e in entries} - {None}
    return [e for e in entries if not (e.ref.startswith("held:") and e.ref[5:] in parents)]


def _strongest_first(found: Iterable[Evidenced]) -> list[Evidenced]:
    return sorted(found, key=lambda s: (-s.count, _words(s.name)))


def profile_from(entries: Iterable[Entry], self_reported: Iterable[SelfReported]) -> SkillsProfile:
    """The profile the record's ``entries`` make (see the module's docstring for what
    counts); ``self_reported`` entries of kind ``skill`` are listed apart."""
    counting: dict[str, Evidenced] = {}
    lapsed: dict[str, Evidenced] = {}
    for entry in _speaking_entries(list(entries)):
        evidence = Evidence(entry.ref, entry.name, entry.issuer, entry.state)
        into = counting if entry.state.code == "active" else lapsed
        for alignment in alignments_of(entry.document):
            into.setdefault(alignment.key, Evidenced(alignment)).evidence.append(evidence)
    no_longer = [e for key, e in lapsed.items() if key not in counting]
    return SkillsProfile(
        skills=_strongest_first(e for e in counting.values() if e.alignment.kind == "skill"),
        occupations=_strongest_first(
            e for e in counting.values() if e.alignment.kind == "occupation"
        ),
        no_longer_evidenced=_strongest_first(no_longer),
        self_reported=[s for s in self_reported if s.kind == "skill"],
    )


def skills_profile(session: Session, platform: Platform, principal: Principal) -> SkillsProfile:
    """``principal``'s own skills profile (theirs only: anyone else is refused), every
    credential's state as of now."""
    require_self(principal, principal.person_id)
    whole = record.record_of(session, platform, principal)
    return profile_from(whole.entries, whole.self_reported)
