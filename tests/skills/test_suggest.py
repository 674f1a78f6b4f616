"""The suggestion engine: words as compared, lexical matching, vectors, their fusion and the
alignment entries confirmed suggestions become — known answers, wrong inputs, properties."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openler.skills import Item
from openler.skills.embedding import VectorIndex, item_texts, texts_of
from openler.skills.lexical import LexicalIndex
from openler.skills.suggest import (
    Suggester,
    UnavailableMethodError,
    alignment_of,
    passages,
)
from openler.skills.text import stem, terms

ESCO = "http://data.europa.eu/esco/skill/"
ITEMS = (
    Item(ESCO + "1", "skill", "PostgreSQL", ("Postgres",), "an open-source relational database"),
    Item(ESCO + "2", "skill", "use databases", ("work with databases",), "store and query data"),
    Item(ESCO + "3", "skill", "manage staff", ("supervise employees",), "lead a team of people"),
    Item(
        ESCO + "4", "skill", "administer medication", ("give medicines",), "dose and record drugs"
    ),
    Item(ESCO + "5", "skill", "C#", (), "a programming language"),
    Item("29-2042.00", "occupation", "Emergency Medical Technicians", code="29-2042.00"),
)


#: what the stand-in model "understands": these words mean those
SYNONYMS = {"lead": "manag", "team": "staff", "medicin": "medic"}


def bag_of_words(texts: Sequence[str]) -> np.ndarray:
    """A stand-in sentence embedder: each stemmed word (or its synonym) a hashed direction,
    so that texts sharing words or synonyms are near — deterministic, and no model needed."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in [SYNONYMS.get(w, w) for w in terms(text)] or ["<empty>"]:
            out[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % 64] += 1.0
    unit: np.ndarray = out / np.linalg.norm(out, axis=1, keepdims=True)
    return unit


def semantic_suggester(items: Sequence[Item] = ITEMS) -> Suggester:
    texts = item_texts(items)
    index = VectorIndex([t.position for t in texts], bag_of_words([t.text for t in texts]))
    return Suggester(items, vectors=index, embed=bag_of_words)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("managing managers management manage", ["manag"] * 4),
        ("Nursing nurses", ["nurs", "nurs"]),
        ("C++ and C# with node.js", ["c++", "c#", "node.js"]),
        ("Résumé writing", ["resum", "writ"]),
        ("the of and", []),
    ],
)
def test_words_are_compared_folded_and_stemmed(words: str, expected: list[str]) -> None:
    assert terms(words) == expected


@given(st.text(max_size=40))
def test_a_stem_is_a_prefix_of_at_least_four_letters(word: str) -> None:
    found = stem(word)
    assert word.startswith(found) and len(found) >= min(len(word), 4)


def test_a_label_spelled_out_ranks_first_and_whole_phrases_beat_scattered_words() -> None:
    index = LexicalIndex(ITEMS)
    found = index.search("Experience with Postgres and other databases", 3)
    assert [ITEMS[p].label for p, _ in found][:2] == ["PostgreSQL", "use databases"]
    assert found[0][1] == pytest.approx(0.95)  # an alternative label, whole
    scattered = dict(index.search("staff who manage", 5))
    ordered = dict(index.search("manage staff", 5))
    assert ordered[2] > scattered[2] > 0  # the phrase in order scores more
    assert index.search("nothing relevant here", 5) == []


def test_an_item_is_embedded_as_its_label_and_alternative_labels_each_once() -> None:
    item = Item("x", "skill", "Welding", ("welding", " joining  metal "), "fuse metal")
    assert texts_of(item) == [("label", "Welding"), ("alt", "joining metal")]
    assert [t.position for t in item_texts([item, ITEMS[4]])] == [0, 0, 1]


def test_an_item_scores_by_its_nearest_vector_an_alternative_label_discounted() -> None:
    vectors = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    index = VectorIndex([1, 0, 1], vectors)
    assert index.scores(np.array([1, 0], dtype=np.float32)).tolist() == pytest.approx([0, 1])
    assert index.search(np.array([0, 1], dtype=np.float32), 5) == [(0, 1.0), (1, 0.8)]
    discounted = VectorIndex([1, 0, 1], vectors, ["label", "label", "alt"])
    assert discounted.search(np.array([0, 1], dtype=np.float32), 5) == [(0, 1.0), (1, 0.7)]
    with pytest.raises(ValueError, match="2 owners for 3 vectors"):
        VectorIndex([0, 1], vectors)


def test_near_duplicate_vectors_of_an_item_are_dropped() -> None:
    label, reworded, other = [1.0, 0.0], [0.995, 0.0998], [0.0, 1.0]
    index = VectorIndex([0, 0, 0, 1], np.array([label, reworded, other, reworded]))
    pruned = index.pruned()
    assert pruned.owners.tolist() == [0, 0, 1]  # item 1's only vector stays
    query = np.array([0.0, 1.0], dtype=np.float32)
    assert pruned.search(query, 2) == index.search(query, 2)


def test_without_vectors_only_the_lexical_method_runs() -> None:
    suggester = Suggester(ITEMS)
    assert suggester.best_method == "lexical"
    with pytest.raises(UnavailableMethodError, match="install openler\\[ml\\]"):
        suggester.suggest("databases", method="semantic")
    with pytest.raises(UnavailableMethodError, match="no method 'magic'"):
        suggester.suggest("databases", method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        suggester.suggest("databases", top=0)


def test_fusion_finds_what_either_method_finds() -> None:
    suggester = semantic_suggester()
    assert suggester.best_method == "fused"
    # "lead a team" shares no word with "manage staff": the semantic side finds it
    by_meaning = suggester.suggest("lead a team of nurses", 3, "semantic").suggestions
    assert by_meaning[0].item.label == "manage staff" and by_meaning[0].lexical == 0
    fused = suggester.suggest("lead a team and use databases", 3)
    assert fused.method == "fused"
    labels = [s.item.label for s in fused.suggestions]
    assert {"manage staff", "use databases"} <= set(labels)
    first = fused.suggestions[0]
    assert first.item.label == "use databases" and first.lexical > 0 and first.semantic > 0


def test_a_long_text_is_also_embedded_sentence_by_sentence() -> None:
    suggester = semantic_suggester()
    long = "Students practise many things over a whole term of study. " * 6
    text = long + "They dispense medicines safely."
    found = suggester.suggest(text, 1, "semantic").suggestions
    assert found[0].item.label == "administer medication"
    assert len(passages(text)) > 2


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120), st.integers(1, 8), st.sampled_from(["lexical", "semantic", "fused"]))
def test_suggestions_are_ranked_bounded_and_unique(text: str, top: int, method: str) -> None:
    found = semantic_suggester().suggest(text, top, method)  # type: ignore[arg-type]
    scores = [s.score for s in found.suggestions]
    assert len(scores) <= top and scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1.25 for s in scores)
    ids = [s.item.identifier for s in found.suggestions]
    assert len(ids) == len(set(ids))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(ITEMS))
def test_an_items_own_label_finds_it_first(item: Item) -> None:
    for method in ("lexical", "fused"):
        found = semantic_suggester().suggest(item.label, 3, method)
        assert found.suggestions[0].item == item


def test_confirmed_suggestions_become_alignment_entries() -> None:
    assert alignment_of(ITEMS[0], "ESCO", "esco") == {
        "targetName": "PostgreSQL",
        "targetUrl": ESCO + "1",
        "targetFramework": "ESCO",
        "targetType": "ceasn:Competency",
    }
    assert alignment_of(ITEMS[5], "Demo", "builtin") == {
        "targetName": "Emergency Medical Technicians",
        "targetCode": "29-2042.00",
        "targetFramework": "Demo",
        "targetType": "ext:Occupation",
    }
    case = Item("c-1", "competency", "Fractions", url="https://case.example/c-1", code="3.NF.1")
    entry = alignment_of(case, "State standards", "case")
    assert entry["targetUrl"] == "https://case.example/c-1" and entry["targetType"] == "CFItem"
    assert entry["targetCode"] == "3.NF.1"


@pytest.mark.parametrize("method", ["lexical", "semantic", "fused"])
def test_a_blank_text_is_about_nothing(method: str) -> None:
    suggester = semantic_suggester()
    found = suggester.suggest_many(["", "  \n ", "manage staff"], 3, method)  # type: ignore[arg-type]
    assert [len(f.suggestions) for f in found][:2] == [0, 0] and found[2].suggestions
