"""Semantic retrieval: items whose meaning is near a text's, by sentence embeddings.

An item is embedded as several vectors — its preferred label and each alternative label
(:func:`item_texts`) — and scores by the best of them against the text's vector (cosine
similarity; the vectors are unit length), an alternative label's less ``ALT_LABEL_PENALTY``.
Descriptions are not embedded: on the validation sets of ``make bench-skills`` they changed
RP@5 by less than 0.005 and cost more than a third of the time to embed ESCO; alternative
labels helped only so discounted (ESCO's are many and loose). An item's near-duplicate
vectors are dropped (:func:`distinct`). The vectors are computed by the caller
(``openler.services.skills.embedder`` runs the model) and handed in; this module only
compares them, with NumPy, which the ``openler[ml]`` extra brings.

>>> import numpy as np
>>> from openler.skills import Item
>>> items = [Item("a", "skill", "nursing"), Item("b", "skill", "welding")]
>>> def embed(texts):  # a stand-in model: "nurs…" one way, anything else the other
...     return np.array([[1.0, 0.0] if t.startswith("nurs") else [0.0, 1.0] for t in texts])
>>> texts = item_texts(items)
>>> index = VectorIndex.of(texts, embed([t.text for t in texts]))
>>> index.search(embed(["nurse"])[0], 1)
[(0, 1.0)]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from openler.skills.frameworks import Item

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Vectors = NDArray[np.float32]

#: texts → unit vectors, one row a text (what a sentence-embedding model does)
Embed = Callable[[Sequence[str]], "Vectors"]

TextKind = Literal["label", "alt"]

#: an alternative label's similarity counts this much less than the preferred label's
ALT_LABEL_PENALTY = 0.1
#: an item's vector this near (cosine) to one of its vectors kept before is dropped: ESCO's
#: alternative labels are often the label reworded ("manage staff", "managing staff"); at
#: 0.9 half of ESCO's vectors go, and RP@5 on the benchmark's sets does not move
NEAR_DUPLICATE = 0.9


@dataclass(frozen=True)
class ItemText:
    """One text of an item to embed: which item (its position), which part, the text."""

    position: int
    kind: TextKind
    text: str


def texts_of(item: Item) -> list[tuple[TextKind, str]]:
    """The texts an item is embedded as: its preferred label, then its alternative labels
    (each once, blank ones left out)."""
    seen: set[str] = set()
    found: list[tuple[TextKind, str]] = []
    parts: list[tuple[TextKind, str]] = [("label", item.label)]
    parts += [("alt", a) for a in item.alt_labels]
    for kind, text in parts:
        text = " ".join(text.split())
        if text and text.lower() not in seen:
            seen.add(text.lower())
            found.append((kind, text))
    return found


def item_texts(items: Sequence[Item]) -> list[ItemText]:
    """Every text of ``items`` to embed, item by item."""
    return [
        ItemText(p, kind, text) for p, item in enumerate(items) for kind, text in texts_of(item)
    ]


def distinct(vectors: Vectors, similarity: float = NEAR_DUPLICATE) -> list[int]:
    """The rows of one item's ``vectors`` to keep: the first (its label), then each that is
    not ``similarity`` near a row kept before it.

    >>> import numpy as np
    >>> distinct(np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]]))
    [0, 2]
    """
    import numpy as np

    gram = np.asarray(vectors, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32).T
    kept: list[int] = []
    for row in range(len(gram)):
        if not kept or float(gram[row, kept].max()) < similarity:
            kept.append(row)
    return kept


class VectorIndex:
    """Unit vectors, each belonging to an item (by position); :meth:`search` answers the
    items nearest a query vector, each by its nearest vector."""

    def __init__(
        self, owners: Sequence[int], vectors: Vectors, kinds: Sequence[TextKind] | None = None
    ) -> None:
        import numpy as np

        if len(owners) != len(vectors) or (kinds is not None and len(kinds) != len(owners)):
            raise ValueError(f"{len(owners)} owners for {len(vectors)} vectors")
        owned = np.asarray(owners, dtype=np.int64)
        order = np.argsort(owned, kind="stable")  # an item's vectors side by side
        self.vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32)[order])
        offsets = [-ALT_LABEL_PENALTY if k == "alt" else 0.0 for k in kinds or ()]
        self.offsets = np.asarray(offsets or np.zeros(len(owned)), dtype=np.float32)[order]
        self.owners = owned[order]
        self.size = int(self.owners.max()) + 1 if len(owned) else 0
        changes = np.flatnonzero(self.owners[1:] != self.owners[:-1]) + 1
        self._starts = np.concatenate(([0], changes)) if len(owned) else changes
        self._present = self.owners[self._starts]

    @classmethod
    def of(cls, texts: Sequence[ItemText], vectors: Vectors) -> VectorIndex:
        """The index of ``texts`` (:func:`item_texts`) and their vectors, row by row."""
        return cls([t.position for t in texts], vectors, [t.kind for t in texts])

    def pruned(self, similarity: float = NEAR_DUPLICATE) -> VectorIndex:
        """The same index without each item's near-duplicate vectors (:func:`distinct`)."""
        import numpy as np

        ends = [*self._starts[1:].tolist(), len(self.owners)]
        keep = [
            start + row
            for start, end in zip(self._starts.tolist(), ends, strict=True)
            for row in distinct(self.vectors[start:end], similarity)
        ]
        index = VectorIndex(self.owners[keep].tolist(), self.vectors[keep])
        index.offsets = np.ascontiguousarray(self.offsets[keep])
        return index

    def scores(self, query: Vectors) -> Vectors:
        """Every item's best cosine similarity to ``query``, an alternative label's less
        ``ALT_LABEL_PENALTY`` (−1 for an item with no vector)."""
        import numpy as np

        best = np.full(self.size, -1.0, dtype=np.float32)
        if self.size:
            similarity = self.vectors @ np.asarray(query, dtype=np.float32) + self.offsets
            best[self._present] = np.maximum.reduceat(similarity, self._starts)
        return best

    def search(self, query: Vectors, top: int) -> list[tuple[int, float]]:
        """The ``top`` items nearest ``query``, as (position, cosine similarity)."""
        import numpy as np

        best = self.scores(query)
        top = min(top, len(best))
        if top <= 0:
            return []
        chosen = np.argpartition(-best, top - 1)[:top]
        ranked = sorted(chosen.tolist(), key=lambda p: (-float(best[p]), p))
        return [(p, round(float(best[p]), 6)) for p in ranked]
