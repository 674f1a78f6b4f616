"""Skill profiles: what a credential's alignments say, and a person's skills weighted by the
strength of what shows them.

Reading. An OB 3.0 ``alignment`` names either an **occupation** — an O*NET-SOC code
(``29-1141.00``), a framework named O*NET-SOC, SOC or ISCO, a ``targetType`` that says
occupation, an O*NET or ESCO occupation address — or a **skill** (ESCO skills and knowledge,
CASE items, ``ceasn:Competency``, anything else). Alignments to another credential or to a
rubric say how an achievement was judged, not what a person can do, and are left out
(:func:`kind_of`, :func:`read_alignments`).

Matching across frameworks. Two things are the same skill when their :func:`key` is: an
occupation by its O*NET-SOC code, anything else by its web address (an ESCO concept URI
whether it came as an alignment's ``targetUrl`` or as a framework item's identifier, the
scheme aside), else by framework and code, else by its name written the same way.

Weighting. A person's :class:`WeightedProfile` gives each skill a strength 0–1:

* :data:`VERIFIED` — a credential that counts now is aligned to the skill itself;
* an occupation a credential is aligned to implies the skills the framework says it
  ``requires``, at their O*NET importance (0–1) times :data:`OCCUPATION_DISCOUNT`, never
  below :data:`VERIFIED_FLOOR` (an issuer still vouched for the occupation);
* :data:`SELF_REPORTED` — only the person's own word: always below any verified evidence,
  so a requirement counts as met (:data:`MEETS`) only with verified evidence.

>>> nurse = Alignment("occupation", "Registered Nurses", code="29-1141.00")
>>> shown = Shown(nurse, (Credential("issued:1", "Registered Nurse", "Ohio Board of Nursing"),))
>>> care = OccupationSkill("url:data.europa.eu/esco/skill/care?", "plan nursing care", 0.9)
>>> p = weighted_profile("p1", "Maria", [shown], {"29-1141.00": [care]}, [])
>>> round(p.strength(care.key), 2), p.meets(care.key)
(0.63, True)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from openler.skills.frameworks import UNRATED_WEIGHT

Kind = Literal["skill", "occupation"]
Source = Literal["credential", "occupation", "self"]

#: how much of an achievement's ``alignment`` is read, and of each of its texts: a
#: credential from elsewhere may carry anything
MAX_ALIGNMENTS = 200
MAX_TEXT = 300

#: a credential aligned to the skill itself
VERIFIED = 1.0
#: what an occupation's required skill counts for, times its importance
OCCUPATION_DISCOUNT = 0.7
#: the least a skill implied by a verified occupation counts for
VERIFIED_FLOOR = 0.35
#: the person's own word (kept below every verified strength)
SELF_REPORTED = 0.25
#: the strength at which a requirement is met: verified evidence only
MEETS = 0.3

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


def words(text: str) -> str:
    """``text`` as it is compared: Unicode-normalised, case-folded, spaces collapsed.

    >>> words("  Infection\\tCONTROL ")
    'infection control'
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def web_address(value: Any) -> str | None:
    """``value`` when it is an http(s) address (no spaces, at most 2,000 characters)."""
    if not isinstance(value, str) or len(value) > 2000 or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def key(
    kind: str,
    name: str = "",
    *,
    url: str | None = None,
    code: str | None = None,
    framework: str | None = None,
) -> str:
    """What makes two skills or occupations the same, whichever framework names them.

    >>> key("occupation", "RN", code="29-1141.00", url="https://example.org/rn")
    'soc:29-1141.00'
    >>> key("skill", url="http://data.europa.eu/esco/skill/abc") == key(
    ...     "skill", url="https://data.europa.eu/esco/skill/abc/")
    True
    >>> key("skill", "Infection  Control")
    'name:infection control'
    """
    if kind == "occupation" and code and _SOC_CODE.fullmatch(code):
        return f"soc:{code}"
    if url:
        parts = urlsplit(url)
        return f"url:{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"
    if code:
        return f"code:{words(framework or '')}:{words(code)}"
    return f"name:{words(name)}"


def item_key(kind: str, identifier: str, label: str, *, code: str | None, url: str | None) -> str:
    """The :func:`key` of a framework item: occupations by O*NET-SOC code, else its address
    (``url``, or an identifier that is one: ESCO's concept URIs), else its identifier.

    >>> item_key("skill", "http://data.europa.eu/esco/skill/abc", "x", code=None, url=None)
    'url:data.europa.eu/esco/skill/abc?'
    """
    address = web_address(url) or web_address(identifier)
    if kind == "occupation":
        return key("occupation", label, url=address, code=code or identifier)
    return key(kind, label, url=address, code=None if address else identifier)


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
        """What makes two alignments the same skill or occupation (:func:`key`)."""
        return key(self.kind, self.name, url=self.url, code=self.code, framework=self.framework)

    @property
    def link(self) -> str | None:
        """Where a person reads what it is: an O*NET occupation's summary page, else the
        ``targetUrl`` when it is a web address."""
        if self.kind == "occupation" and self.code and _ONET_CODE.fullmatch(self.code):
            return f"https://www.onetonline.org/link/summary/{self.code}"
        return self.url


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())[:MAX_TEXT]
    return cleaned or None


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
        url = web_address(item.get("targetUrl"))
        framework = _text(item.get("targetFramework"))
        target_type = _text(item.get("targetType"))
        kind = kind_of(code=code, framework=framework, target_type=target_type, url=url)
        if kind is None or not (name or code or url):
            continue
        alignments.append(
            Alignment(kind, name or code or str(url), url, code, framework, target_type)
        )
    return alignments


# --- weighted profiles ------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """A credential behind a skill, as its holder's record names it."""

    ref: str
    name: str
    issuer: str


@dataclass(frozen=True)
class Shown:
    """A skill or an occupation, and the credentials (that count now) showing it."""

    alignment: Alignment
    credentials: tuple[Credential, ...]


@dataclass(frozen=True)
class OccupationSkill:
    """A skill an occupation requires (a framework's ``requires`` relation), by its
    :func:`key`, with its importance 0–1 (``None``: unrated, taken as
    :data:`~openler.skills.frameworks.UNRATED_WEIGHT`)."""

    key: str
    label: str
    weight: float | None


@dataclass(frozen=True)
class SelfClaim:
    """A skill the person wrote themselves (a self-reported entry of kind skill), keyed to
    a framework's item of the same name when the caller found one."""

    title: str
    key: str | None = None

    @property
    def skill_key(self) -> str:
        return self.key or key("skill", self.title)


@dataclass(frozen=True)
class Proof:
    """Why a skill is in a profile: a credential aligned to it, a credential aligned to an
    occupation that requires it (``occupation`` names it), or the person's own word."""

    source: Source
    strength: float
    credential: Credential | None = None
    occupation: str | None = None
    claim: str | None = None

    @property
    def verified(self) -> bool:
        return self.source != "self"


@dataclass
class SkillStrength:
    """A skill of a profile: how strong, and every proof of it, strongest first."""

    key: str
    label: str
    proofs: list[Proof] = field(default_factory=list)

    @property
    def strength(self) -> float:
        """The strongest proof's (verified evidence outweighs the person's own word)."""
        return max((p.strength for p in self.proofs), default=0.0)

    @property
    def verified(self) -> bool:
        return any(p.verified for p in self.proofs)


@dataclass(frozen=True)
class WeightedProfile:
    """A person's skills, each with a strength 0–1 and its proofs."""

    person_id: str
    name: str
    skills: Mapping[str, SkillStrength]

    def strength(self, skill_key: str) -> float:
        found = self.skills.get(skill_key)
        return found.strength if found is not None else 0.0

    def meets(self, skill_key: str) -> bool:
        """Verified evidence shows it (self-reported alone never meets a requirement)."""
        return self.strength(skill_key) >= MEETS


def implied_strength(weight: float | None) -> float:
    """What an occupation's required skill of importance ``weight`` counts for.

    >>> implied_strength(1.0), implied_strength(0.1), implied_strength(None)
    (0.7, 0.35, 0.35)
    """
    rated = UNRATED_WEIGHT if weight is None else min(max(weight, 0.0), 1.0)
    return max(VERIFIED_FLOOR, round(rated * OCCUPATION_DISCOUNT, 6))


def weighted_profile(
    person_id: str,
    name: str,
    shown: Iterable[Shown],
    occupation_skills: Mapping[str, Sequence[OccupationSkill]],
    claims: Iterable[SelfClaim],
) -> WeightedProfile:
    """``name``'s profile from what their credentials show (skills and occupations, each
    once with its credentials: the holder's skills profile), the skills each occupation
    requires (by O*NET-SOC code), and what they wrote themselves."""
    skills: dict[str, SkillStrength] = {}

    def add(skill_key: str, label: str, proof: Proof) -> None:
        skills.setdefault(skill_key, SkillStrength(skill_key, label)).proofs.append(proof)

    for item in shown:
        a = item.alignment
        for credential in item.credentials:
            add(a.key, a.name, Proof("credential", VERIFIED, credential))
        if a.kind != "occupation" or not a.code:
            continue
        for required in occupation_skills.get(a.code, ()):
            for credential in item.credentials:
                strength = implied_strength(required.weight)
                add(required.key, required.label, Proof("occupation", strength, credential, a.name))
    for claim in claims:
        add(claim.skill_key, claim.title, Proof("self", SELF_REPORTED, claim=claim.title))
    for skill in skills.values():
        skill.proofs.sort(key=lambda p: (-p.strength, p.source))
    return WeightedProfile(person_id, name, skills)
