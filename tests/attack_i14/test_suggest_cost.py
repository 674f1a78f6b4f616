"""Attack pass (issue 14): what one suggest request may cost (100 texts of 10,000
characters, top 100; the lexical method's tokenizer on adversarial text)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from openler.skills import Item
from openler.skills.lexical import LexicalIndex
from openler.skills.suggest import Suggester, passages
from openler.skills.text import terms
from tests.web.test_members import as_


def test_the_tokenizer_and_sentence_splitter_are_linear() -> None:
    for text in (
        "a." * 50_000,
        "a-" * 50_000 + "!",
        "1.1" * 30_000,
        "+" * 100_000,
        ". " * 50_000,
        "\n" * 100_000,
        "é" * 100_000,
    ):
        started = time.monotonic()
        terms(text)
        passages(text[:10_000])
        assert time.monotonic() - started < 2, text[:10]


def test_lexical_search_of_a_long_text_against_many_labels() -> None:
    items = [
        Item(f"i{n}", "skill", f"word{n % 500} common term{n}", (f"alt {n} common",))
        for n in range(20_000)
    ]
    index = LexicalIndex(items)
    text = " ".join(f"word{n} common" for n in range(2_000))[:10_000]
    started = time.monotonic()
    index.search(text, 100)
    assert time.monotonic() - started < 5
    suggester = Suggester(items)
    started = time.monotonic()
    suggester.suggest_many([text] * 100, 100, "lexical")
    took = time.monotonic() - started
    print(f"lexical, 100 texts x 10,000 chars over 20,000 items: {took:.1f} s")
    assert took < 60


def test_one_text_is_not_embedded_as_hundreds_of_passages_in_one_padded_batch() -> None:
    """A 10,000-character text of short sentences ("Nurse care. " × 833) was split into 834
    passages, all given to the model in ONE batch padded to the longest (the whole text,
    128 tokens). Measured with the real model on this machine: 401 passages took 25 s and
    3.1 GB of RSS; 834 would take about 50 s and 6 GB — for one click of "Suggest skills"
    by an achievement editor, or one text of the JSON API (which takes ~95 such texts)."""
    import numpy as np

    from openler.skills.embedding import VectorIndex

    batches: list[int] = []

    def embed(texts: Any) -> Any:
        batches.append(len(texts))
        return np.tile(np.eye(1, 384, dtype=np.float32), (len(texts), 1))

    items = [Item("a", "skill", "nursing care")]
    suggester = Suggester(
        items, vectors=VectorIndex([0], np.eye(1, 384, dtype=np.float32)), embed=embed
    )
    suggester.suggest_many([("Nurse care. " * 900)[:10_000]], 10, "fused")
    assert max(batches) <= 64, f"one model call embedded {max(batches)} passages at once"
    suggester.suggest_many([("Nurse care. " * 900)[:10_000]] * 20, 10, "fused")
    assert sum(batches[1:]) <= 95 * 64, f"{sum(batches[1:])} passages for one API request"


def test_the_api_with_its_largest_request(client: TestClient, demo_platform: Any) -> None:
    as_(client, "olivia")
    url = "/api/orgs/ohio-nursing/achievements/suggest"
    body = {
        "framework": "demo",
        "texts": [("infection control nursing care provide first aid " * 300)[:10_000]] * 20,
        "top": 100,
        "method": "lexical",
    }
    started = time.monotonic()
    answer = client.post(url, json=body)
    took = time.monotonic() - started
    print(f"API, 20 texts x 10,000 chars, demo framework: {answer.status_code} in {took:.1f} s")
    assert answer.status_code == 200
    assert took < 30
