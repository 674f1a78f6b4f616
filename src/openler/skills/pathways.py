"""Career pathways: what an occupation needs against what a person's credentials show, the
gap, the credentials that would close it, and the related occupations within reach.

Skills are compared by key, as the caller gives it: the navigator gives
:func:`openler.skills.profiles.key` (an address with its scheme, the letter case of its host
and a closing ``/`` set aside), so that the ESCO concept URI a framework holds and the
``targetUrl`` an issuer signed meet.

Every requirement has a weight (0–1, O*NET importance or ESCO essential/optional; a
requirement the framework gives no weight counts
:data:`~openler.skills.frameworks.UNRATED_WEIGHT`, 0.5). The gap is what the person does not
hold, weighed; what is held and the gap together are the requirement, always.

Credentials that close the gap are ordered by greedy weighted set cover: first the one that
closes the most of the gap's weight; then, each time, the one that closes the most of what is
*still* missing after those above it. Ties go to the credential that covers more of the gap
in all (weight, then number of skills), then to one aligned to the occupation itself, then
by name. A credential that covers everything another covers, and more, never comes after it.

>>> need = [Requirement("esco/skill/a", "first aid", 1.0),
...         Requirement("esco/skill/b", "triage", 0.5)]
>>> found = gap_of(need, {"esco/skill/a"})
>>> ([r.label for r in found.held], [r.label for r in found.missing], found.missing_weight)
(['first aid'], ['triage'], 0.5)
>>> [s.offer.name for s in ranked(found, [Offer("emt", "EMT", frozenset({"esco/skill/b"}))])]
['EMT']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from openler.skills.frameworks import UNRATED_WEIGHT

#: the weight of a requirement whose framework gives none (or gives one that is no number)
DEFAULT_WEIGHT = UNRATED_WEIGHT


@dataclass(frozen=True)
class Requirement:
    """A skill an occupation needs: its key, its name, its weight (0–1)."""

    key: str
    label: str
    weight: float = DEFAULT_WEIGHT


@dataclass(frozen=True)
class Gap:
    """An occupation's requirements split into what the person holds and what is missing,
    both heaviest first."""

    held: tuple[Requirement, ...]
    missing: tuple[Requirement, ...]

    @property
    def required(self) -> int:
        return len(self.held) + len(self.missing)

    @property
    def held_weight(self) -> float:
        return math.fsum(r.weight for r in self.held)

    @property
    def missing_weight(self) -> float:
        return math.fsum(r.weight for r in self.missing)

    @property
    def total_weight(self) -> float:
        return math.fsum(r.weight for r in (*self.held, *self.missing))

    @property
    def readiness(self) -> float:
        """The share of the requirement's weight held, 0–1 (1 when nothing is required)."""
        total = self.total_weight
        return 1.0 if total <= 0 else self.held_weight / total


def requirements(found: Iterable[Requirement]) -> list[Requirement]:
    """``found`` with each key once (at its highest weight; weights clamped to 0–1)."""
    merged: dict[str, Requirement] = {}
    for r in found:
        weight = min(max(r.weight, 0.0), 1.0) if math.isfinite(r.weight) else DEFAULT_WEIGHT
        kept = merged.get(r.key)
        if kept is None or weight > kept.weight:
            merged[r.key] = Requirement(r.key, r.label, weight)
    return list(merged.values())


def _heaviest_first(found: Iterable[Requirement]) -> tuple[Requirement, ...]:
    return tuple(sorted(found, key=lambda r: (-r.weight, r.label.casefold(), r.key)))


def gap_of(required: Iterable[Requirement], evidenced: Iterable[str]) -> Gap:
    """What of ``required`` the keys ``evidenced`` hold, and what is missing."""
    have = set(evidenced)
    needed = requirements(required)
    return Gap(
        held=_heaviest_first(r for r in needed if r.key in have),
        missing=_heaviest_first(r for r in needed if r.key not in have),
    )


@dataclass(frozen=True)
class Offer:
    """A credential someone offers: a key, a name, the skills its alignments name, and
    whether it is aligned to the target occupation itself."""

    key: str
    name: str
    skills: frozenset[str]
    for_occupation: bool = False


@dataclass(frozen=True)
class Step:
    """One credential in the order: the missing skills it closes that no credential above it
    closes (``closes``), all the missing skills it covers (``covers``), and where it stands.
    ``position`` counts from 1; ``remaining_after`` is the gap's weight still missing once it
    and those above it are earned."""

    offer: Offer
    position: int
    closes: tuple[Requirement, ...]
    covers: tuple[Requirement, ...]
    closed_weight: float
    share_of_gap: float
    remaining_after: float

    @property
    def reason(self) -> str:
        """Why it stands here: ``most`` (the first: it closes the most of the gap), ``next``
        (the most of what is still missing after those above), ``occupation`` (nothing new,
        but aligned to the occupation), or ``overlap`` (nothing new: what it covers is
        covered above)."""
        if self.closes:
            return "most" if self.position == 1 else "next"
        return "occupation" if self.offer.for_occupation else "overlap"


def ranked(gap: Gap, offers: Iterable[Offer]) -> list[Step]:
    """The offers that cover a missing skill or are aligned to the occupation, in the order
    of the module's docstring (greedy weighted set cover)."""
    missing = {r.key: r for r in gap.missing}
    total = gap.missing_weight
    pool: dict[str, tuple[Offer, tuple[Requirement, ...]]] = {}
    for offer in offers:
        covers = _heaviest_first(missing[k] for k in offer.skills if k in missing)
        if (covers or offer.for_occupation) and offer.key not in pool:
            pool[offer.key] = (offer, covers)
    still = dict(missing)
    steps: list[Step] = []
    while pool:

        def order(key: str) -> tuple[float, float, int, bool, str, str]:
            offer, covers = pool[key]
            new = math.fsum(r.weight for r in covers if r.key in still)
            whole = math.fsum(r.weight for r in covers)
            return (-new, -whole, -len(covers), not offer.for_occupation, offer.name, key)

        best = min(pool, key=order)
        offer, covers = pool.pop(best)
        closes = tuple(r for r in covers if r.key in still)
        for r in closes:
            del still[r.key]
        closed = math.fsum(r.weight for r in closes)
        steps.append(
            Step(
                offer=offer,
                position=len(steps) + 1,
                closes=closes,
                covers=covers,
                closed_weight=closed,
                share_of_gap=closed / total if total > 0 else 0.0,
                remaining_after=math.fsum(r.weight for r in still.values()),
            )
        )
    return steps


@dataclass(frozen=True)
class Pathway:
    """A related occupation as a way on: its gap against what the person holds, and what
    it shares with the target."""

    key: str
    name: str
    gap: Gap
    #: requirements it shares with the target occupation
    shared: int


def pathways(
    target: Sequence[Requirement],
    related: Mapping[tuple[str, str], Sequence[Requirement]],
    evidenced: Iterable[str],
) -> list[Pathway]:
    """Each related occupation (``(key, name)`` → its requirements) as a pathway, closest
    first: the most of its weight held, then the most shared with the target, then by name.

    >>> a = Requirement("a", "first aid")
    >>> ways = pathways([a], {("emt", "EMT"): [a], ("cook", "Cook"): [Requirement("c", "c")]},
    ...                 {"a"})
    >>> [(w.name, w.gap.readiness, w.shared) for w in ways]
    [('EMT', 1.0, 1), ('Cook', 0.0, 0)]
    """
    have = set(evidenced)
    wanted = {r.key for r in target}
    found = []
    for (key, name), needs in related.items():
        gap = gap_of(needs, have)
        shared = len({r.key for r in requirements(needs)} & wanted)
        found.append(Pathway(key, name, gap, shared))
    return sorted(found, key=lambda p: (-p.gap.readiness, -p.shared, p.name.casefold(), p.key))
