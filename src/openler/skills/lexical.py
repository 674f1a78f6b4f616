"""Lexical matching: which items' labels a text spells out.

Every label and alternative label of an item is a short document of stemmed words
(:mod:`openler.skills.text`). A label scores by how much of it the text holds, each word
weighted by its rarity across the framework (inverse document frequency), so that "manage"
counts less than "PostgreSQL"; a label found whole and in order in the text (a phrase hit)
scores more than one whose words are scattered. An item takes the score of its best label.
Needs nothing but the standard library.

>>> from openler.skills import Item
>>> items = [Item("a", "skill", "use databases", ("database management",)),
...          Item("b", "skill", "PostgreSQL"), Item("c", "skill", "manage staff")]
>>> index = LexicalIndex(items)
>>> [(items[i].label, round(s, 2)) for i, s in index.search("we manage PostgreSQL databases", 2)]
[('PostgreSQL', 1.0), ('use databases', 0.71)]
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence

from openler.skills.frameworks import Item
from openler.skills.text import terms

#: a preferred label counts fully, an alternative label a little less
ALT_LABEL_WEIGHT = 0.95
#: the share of a label's score that its words' order adds when the text holds it whole
PHRASE_BONUS = 0.25
#: coverage is raised to this power: half a label found counts for much less than half
COVERAGE_POWER = 2.0


class LexicalIndex:
    """An index of the labels of ``items``; :meth:`search` answers item positions."""

    def __init__(self, items: Sequence[Item]) -> None:
        self._owner: list[int] = []
        self._weight: list[float] = []
        self._words: list[tuple[str, ...]] = []
        postings: dict[str, list[int]] = defaultdict(list)
        items_with: dict[str, set[int]] = defaultdict(set)
        for position, item in enumerate(items):
            labels = [(item.label, 1.0)] + [(a, ALT_LABEL_WEIGHT) for a in item.alt_labels]
            seen: set[tuple[str, ...]] = set()
            for label, weight in labels:
                words = tuple(terms(label))
                if not words or words in seen:
                    continue
                seen.add(words)
                doc = len(self._words)
                self._owner.append(position)
                self._weight.append(weight)
                self._words.append(words)
                for word in set(words):
                    postings[word].append(doc)
                    items_with[word].add(position)
        count = max(len(items), 1)
        self._idf = {w: math.log(1 + count / len(owners)) for w, owners in items_with.items()}
        self._postings = dict(postings)
        self._mass = [sum(self._idf[w] for w in set(words)) for words in self._words]

    def __len__(self) -> int:
        return len(self._words)

    def search(self, text: str, top: int) -> list[tuple[int, float]]:
        """The ``top`` items whose labels ``text`` holds best, as (position, score 0–1)."""
        query = terms(text)
        present = set(query)
        matched: dict[int, float] = defaultdict(float)
        for word in present:
            idf = self._idf.get(word)
            if idf is None:
                continue
            for doc in self._postings[word]:
                matched[doc] += idf
        best: dict[int, float] = {}
        joined = " " + " ".join(query) + " "
        for doc, mass in matched.items():
            coverage = mass / self._mass[doc]
            score = coverage**COVERAGE_POWER * (1 - PHRASE_BONUS)
            if coverage >= 1 and " " + " ".join(self._words[doc]) + " " in joined:
                score += PHRASE_BONUS
            score *= self._weight[doc]
            owner = self._owner[doc]
            if score > best.get(owner, 0.0):
                best[owner] = score
        return heapq.nlargest(top, best.items(), key=lambda pair: (pair[1], -pair[0]))
