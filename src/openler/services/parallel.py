"""Spreading a batch over processes (both cores of a small machine), keeping input order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Below this many items a pool costs more than it saves.
MIN_PARALLEL = 64


def default_jobs() -> int:
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def parallel_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """``map(fn, items)`` across ``jobs`` worker processes, results in input order.

    Each worker runs ``initializer(*initargs)`` once (to build its resolvers or load a key);
    ``fn`` and the items must be picklable. With one job, or a short batch, it runs here.
    """
    if jobs <= 1 or len(items) < MIN_PARALLEL:
        if initializer is not None:
            initializer(*initargs)
        yield from map(fn, items)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    chunksize = max(1, min(256, len(items) // (jobs * 8)))
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=initializer, initargs=initargs
    ) as pool:
        results: Iterable[R] = pool.map(fn, items, chunksize=chunksize)
        yield from results
