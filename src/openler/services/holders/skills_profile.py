"""A person's skills profile: the skills and occupations their credentials show.

Evidence is what an issuer signed: the OB 3.0 ``alignment`` of each credential's achievement
(and, for a CLR 2.0 record, of the achievements and credentials inside it). Only entries of
the record whose state is **active** count — a credential that has expired, been suspended
or revoked, does not verify, or comes from an issuer this site does not trust no longer
vouches for anything today, so what only such credentials show is listed apart as "no longer
evidenced" (with the state of each credential behind it), never counted.

How an alignment is read (an occupation or a skill, or neither) is
``openler.skills.profiles``'; this module reads the record.

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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from openler.services.context import Platform
from openler.services.holders import record
from openler.services.holders.record import Entry
from openler.services.people.accounts import Principal, require_self
from openler.services.verifiers.credential_state import CredentialState
from openler.skills.profiles import (
    MAX_ALIGNMENTS,
    MAX_TEXT,
    Alignment,
    Kind,
    kind_of,
    read_alignments,
    words,
)
from openler.store.models import SelfReported

__all__ = [
    "MAX_ALIGNMENTS",
    "MAX_TEXT",
    "Alignment",
    "Evidence",
    "Evidenced",
    "Kind",
    "SkillsProfile",
    "alignments_of",
    "kind_of",
    "profile_from",
    "read_alignments",
    "skills_profile",
]


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
    return sorted(found, key=lambda s: (-s.count, words(s.name)))


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
