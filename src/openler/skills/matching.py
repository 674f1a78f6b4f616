"""Candidates ranked for a job posting, with what proves each requirement and what is missing.

Profiles are a sparse matrix, people × skills, stored by skill column (compressed sparse
columns: for each skill, the rows of the people who have it and their strengths 0–1). A
posting is a weight vector over its requirements, a required skill counting
:data:`REQUIRED_FACTOR` times its weight. A person's score is

    sum over requirements of weight × strength  /  sum of weights        (0–1)

so scoring a posting reads only the columns of its few skills: a scatter-add of each
column into one score vector, then the best ``top`` picked without sorting everyone
(``numpy.argpartition``). Ties go to whoever meets more required skills, then to the
earlier row. Verified evidence outweighs the person's own word because a profile's
strengths do (:mod:`openler.skills.profiles`).

SciPy's sparse matrices would do the same product; NumPy alone does it as fast for a
posting's handful of columns, so no second dependency is needed.

>>> from openler.skills.profiles import SkillStrength, Proof, WeightedProfile
>>> def person(pid, **strengths):
...     skills = {k: SkillStrength(k, k, [Proof("credential", v)]) for k, v in strengths.items()}
...     return WeightedProfile(pid, pid, skills)
>>> matrix = ProfileMatrix.from_profiles([person("a", care=1.0), person("b", care=1.0, iv=0.7)])
>>> wanted = [Requirement("care", "care", True, 1.0), Requirement("iv", "IV", False, 1.0)]
>>> [(matrix.people[r.row], round(r.score, 2), r.required_met) for r in rank(matrix, wanted)]
[('b', 0.9, 1), ('a', 0.67, 1)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openler.skills.profiles import MEETS, Credential, Proof, SkillStrength, WeightedProfile

#: how many times a required skill counts over a preferred one of the same weight
REQUIRED_FACTOR = 2.0

FloatArray = npt.NDArray[np.float32]
IndexArray = npt.NDArray[np.int32]
OffsetArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Requirement:
    """A skill a posting asks for: its :func:`openler.skills.profiles.key`, its label,
    required or preferred, and its weight (> 0; the editor offers 1–5)."""

    key: str
    label: str
    required: bool
    weight: float

    @property
    def counts(self) -> float:
        """Its weight in the posting's vector."""
        return self.weight * (REQUIRED_FACTOR if self.required else 1.0)


@dataclass(frozen=True)
class ProfileMatrix:
    """People × skills, by skill column: the rows of column ``j`` are
    ``rows[offsets[j]:offsets[j + 1]]`` (each person at most once), their strengths
    ``values[...]`` of the same slice."""

    people: Sequence[str]
    columns: Mapping[str, int]
    offsets: OffsetArray
    rows: IndexArray
    values: FloatArray

    @classmethod
    def from_entries(
        cls,
        people: Sequence[str],
        keys: Sequence[str],
        rows: npt.ArrayLike,
        cols: npt.ArrayLike,
        values: npt.ArrayLike,
    ) -> ProfileMatrix:
        """From (row, column, strength) entries, one per person and skill; a pair given
        twice keeps its greater strength."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = np.clip(np.asarray(values, dtype=np.float32), 0.0, 1.0)
        if not (len(r) == len(c) == len(v)):
            raise ValueError("rows, columns and values differ in length")
        if len(r) and (
            r.min() < 0 or r.max() >= len(people) or c.min() < 0 or c.max() >= len(keys)
        ):
            raise ValueError("an entry lies outside the matrix")
        # by column, then row, the strongest first, so that the first of a pair is kept
        order = np.lexsort((-v, r, c))
        r, c, v = r[order], c[order], v[order]
        if len(r):
            first = np.ones(len(r), dtype=bool)
            first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
            r, c, v = r[first], c[first], v[first]
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(c, minlength=len(keys)), out=offsets[1:])
        return cls(
            list(people),
            {k: j for j, k in enumerate(keys)},
            offsets,
            r.astype(np.int32),
            v,
        )

    @classmethod
    def from_profiles(cls, profiles: Sequence[WeightedProfile]) -> ProfileMatrix:
        columns: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        for i, profile in enumerate(profiles):
            for skill_key, skill in profile.skills.items():
                rows.append(i)
                cols.append(columns.setdefault(skill_key, len(columns)))
                values.append(skill.strength)
        return cls.from_entries([p.person_id for p in profiles], list(columns), rows, cols, values)

    @property
    def nbytes(self) -> int:
        """The arrays' memory."""
        return self.offsets.nbytes + self.rows.nbytes + self.values.nbytes

    def column(self, skill_key: str) -> tuple[IndexArray, FloatArray]:
        j = self.columns.get(skill_key)
        if j is None:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        start, end = int(self.offsets[j]), int(self.offsets[j + 1])
        return self.rows[start:end], self.values[start:end]


@dataclass(frozen=True)
class Ranked:
    """A row of the matrix as ranked: its score 0–1 and how many required skills it meets."""

    row: int
    score: float
    required_met: int


def scores(
    matrix: ProfileMatrix, requirements: Sequence[Requirement]
) -> tuple[FloatArray, npt.NDArray[np.int16]]:
    """Every person's score for ``requirements``, and how many required skills each meets."""
    if not requirements:
        raise ValueError("a posting with no requirements ranks nobody")
    if any(not (r.weight > 0) for r in requirements):
        raise ValueError("every requirement's weight is above 0")
    total = sum(r.counts for r in requirements)
    score = np.zeros(len(matrix.people), dtype=np.float32)
    met = np.zeros(len(matrix.people), dtype=np.int16)
    for requirement in requirements:
        rows, values = matrix.column(requirement.key)
        # rows of a column are distinct, so a fancy-indexed add does not lose any
        score[rows] += values * np.float32(requirement.counts / total)
        if requirement.required:
            met[rows] += values >= MEETS
    return score, met


def rank(matrix: ProfileMatrix, requirements: Sequence[Requirement], top: int = 20) -> list[Ranked]:
    """The ``top`` best people for ``requirements``, best first (nobody who scores 0)."""
    if top < 1:
        raise ValueError("top is at least 1")
    score, met = scores(matrix, requirements)
    candidates = np.flatnonzero(score > 0)
    if len(candidates) > top:
        kth = np.partition(score[candidates], len(candidates) - top)[len(candidates) - top]
        candidates = candidates[score[candidates] >= kth]
    order = np.lexsort((candidates, -met[candidates], -score[candidates]))[:top]
    return [Ranked(int(i), float(score[i]), int(met[i])) for i in candidates[order]]


@dataclass(frozen=True)
class Explained:
    """One requirement for one person: the skill of their profile behind it, if any."""

    requirement: Requirement
    skill: SkillStrength | None

    @property
    def met(self) -> bool:
        """Shown by verified evidence."""
        return self.skill is not None and self.skill.strength >= MEETS

    @property
    def claimed_only(self) -> bool:
        """Only the person's own word says it."""
        return self.skill is not None and not self.skill.verified

    @property
    def proof(self) -> Proof | None:
        """The strongest verified proof (None: not met)."""
        if self.skill is None:
            return None
        return next((p for p in self.skill.proofs if p.verified), None)


@dataclass(frozen=True)
class Match:
    """A person against a posting: score, each requirement explained, and the gaps."""

    profile: WeightedProfile
    score: float
    explained: tuple[Explained, ...]

    @property
    def required(self) -> tuple[Explained, ...]:
        return tuple(e for e in self.explained if e.requirement.required)

    @property
    def preferred(self) -> tuple[Explained, ...]:
        return tuple(e for e in self.explained if not e.requirement.required)

    @property
    def proofs(self) -> tuple[Explained, ...]:
        return tuple(e for e in self.explained if e.met)

    @property
    def required_met(self) -> int:
        return sum(e.met for e in self.required)

    @property
    def preferred_met(self) -> int:
        return sum(e.met for e in self.preferred)

    def part(self, required: bool) -> float:
        """The share of the score (0–1) the required, or the preferred, skills make."""
        total = sum(e.requirement.counts for e in self.explained)
        return (
            sum(
                e.requirement.counts * min(1.0, self.profile.strength(e.requirement.key))
                for e in self.explained
                if e.requirement.required == required
            )
            / total
        )

    def by_credential(self) -> list[tuple[Credential, list[str]]]:
        """Each credential that proves requirements, with their labels: the credential
        proving the most first (a requirement counted once, for its strongest proof)."""
        proven: dict[Credential, list[str]] = {}
        for explained in self.explained:
            proof = explained.proof
            if proof is not None and proof.credential is not None:
                proven.setdefault(proof.credential, []).append(explained.requirement.label)
        return sorted(proven.items(), key=lambda found: -len(found[1]))

    @property
    def gaps(self) -> tuple[Explained, ...]:
        """Requirements no verified evidence shows (some the person says they have)."""
        return tuple(e for e in self.explained if not e.met)


def explain(profile: WeightedProfile, requirements: Sequence[Requirement]) -> Match:
    """Why ``profile`` scores what it does for ``requirements`` (the same score as
    :func:`scores` gives its row)."""
    total = sum(r.counts for r in requirements)
    explained = tuple(Explained(r, profile.skills.get(r.key)) for r in requirements)
    score = sum(r.counts * min(1.0, profile.strength(r.key)) for r in requirements) / total
    return Match(profile, score, explained)
