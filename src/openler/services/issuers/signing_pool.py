"""Checking and signing a chunk of credentials on every core (roster issuance).

The parent process does the database work; the documents of a chunk, already holding
their status entries, go to worker processes in a few slices with what signing needs of
the organization's key. The key's seed travels to the workers in a :class:`SigningKey`,
whose representation never shows it, so that no log line, traceback or job error can
carry it; it lives in a worker only while a slice is signed.

Workers never come from forking the calling process: ``openler serve`` runs jobs on a
thread, and forking a process that has threads (and open database connections, and the
key-encryption key in memory) is not safe. They are forked by a clean ``forkserver``
process that imported this module once (``spawn`` where there is no forkserver, at about
a second per worker and job). Below :data:`MIN_PARALLEL` documents, or with one worker,
everything runs in the calling process.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from openler.services.issuers.issuing import invalid_reason
from openler.vc import CanonicalForms, Multikey, ShapeChecks, VCError, new_proof


@dataclass(frozen=True)
class Signed:
    """A document signed in a worker: its proof (the signed credential is the document
    sent plus this proof) and the signed credential's JSON text, which is what the
    database stores — made here, on the worker's core, and sent back as one string
    rather than as a structure to rebuild."""

    proof: dict[str, Any]
    text: str

    def credential(self, document: dict[str, Any]) -> dict[str, Any]:
        """The signed credential, from the document that was sent for signing."""
        return {**document, "proof": self.proof}


#: a signed credential, or why the document was not signed
Outcome = Signed | str
#: below this many documents a chunk is signed in the calling process
MIN_PARALLEL = 64
#: documents per slice handed to a worker (and written by the caller in one statement)
SLICE = 200
#: this process's checks by document shape: a roster's documents share one or a few
_SHAPES = ShapeChecks()


@dataclass(frozen=True)
class SigningKey:
    """What a worker needs to sign as the organization. The seed is not in the repr."""

    seed: bytes = field(repr=False)
    controller: str
    method_id: str

    @classmethod
    def of(cls, key: Multikey) -> SigningKey:
        return cls(key.secret_seed(), key.controller, key.id)

    def multikey(self) -> Multikey:
        return Multikey.from_seed(self.seed).with_controller(self.controller, self.method_id)


def finish(
    key: SigningKey, created: datetime, documents: Sequence[dict[str, Any]]
) -> list[Outcome]:
    """Check each completed document against the data model and sign the good ones
    (``eddsa-rdfc-2022``), in order; a bad document gets the reason instead. The check is
    made in full once per document shape in this process (:data:`_SHAPES`) and, for the
    other documents of the shape, where they differ — the full check's answer either way."""
    signer = key.multikey()
    outcomes: list[Outcome] = []
    for document in documents:
        forms = CanonicalForms()  # the check's canonical form of the document is signed
        reason = invalid_reason(document, forms, _SHAPES)
        if reason is not None:
            outcomes.append(reason)
            continue
        try:
            proof = new_proof(document, signer, created=created, forms=forms)
        except VCError as exc:
            outcomes.append(f"the credential could not be signed: {exc}")
            continue
        if proof is None:  # never: a document with a proof, or needing another context
            outcomes.append("the credential could not be signed as it was built")
            continue
        # the signed credential add_proof would return — the document, then its proof —
        # written as text without first copying the document
        signed = {**document, "proof": proof}
        text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
        outcomes.append(Signed(proof, text))
    return outcomes


class Pending:
    """A slice being signed: its outcomes, in order, when asked for."""

    def __init__(
        self,
        run: Callable[[], list[Outcome]] | None = None,
        *,
        future: Future[list[Outcome]] | None = None,
    ) -> None:
        self._run, self._future = run, future

    def result(self) -> list[Outcome]:
        if self._future is not None:
            return self._future.result()
        assert self._run is not None
        return self._run()

    def cancel(self) -> None:
        if self._future is not None:
            self._future.cancel()


def _context() -> multiprocessing.context.BaseContext:
    """``forkserver`` where there is one: a clean process, started once and holding this
    module already imported, forks the workers, which then start at once; else
    ``spawn``."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class SigningPool:
    """Worker processes kept for the length of a job (``with SigningPool(n) as pool``)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def parallel(self, documents: int) -> bool:
        """Whether this many documents are worth the workers (else: this process)."""
        return self.workers > 1 and documents >= MIN_PARALLEL

    def slice_size(self, documents: int) -> int:
        """Documents per slice for this many: at most :data:`SLICE`, and at least two
        slices per worker, so that none waits while another finishes a long one."""
        if not self.parallel(documents):
            return SLICE
        return max(1, min(SLICE, -(-documents // (self.workers * 2))))

    def submit(
        self,
        key: SigningKey,
        created: datetime,
        documents: Sequence[dict[str, Any]],
        *,
        parallel: bool = True,
    ) -> Pending:
        """Start checking and signing one slice: on a worker at once when ``parallel``
        (the caller goes on building the next slice meanwhile), else in this process when
        its outcomes are asked for."""
        if not parallel or self.workers <= 1:
            return Pending(lambda: finish(key, created, documents))
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context())
        return Pending(future=self._executor.submit(finish, key, created, documents))

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
