"""Spreading a batch over processes (both cores of a small machine), keeping input order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Below this many items a pool costs more than it saves.
MIN_PARALLEL = 64


def default_jobs() -> int:
    """The CPUs this process may run on (its affinity mask, which ``taskset``, cgroups'
    cpusets and container limits narrow), not the machine's count; ``os.cpu_count()``
    where the platform has no affinity call."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


W = TypeVar("W")

# The per-process worker object built by the pool's initializer (one per worker process).
_worker_state: Any = None


def _start(setup: Callable[..., Any], args: tuple[Any, ...]) -> None:
    global _worker_state
    _worker_state = setup(*args)


def _call(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_worker_state, item)


def parallel_map(
    fn: Callable[[W, T], R],
    items: Sequence[T],
    *,
    jobs: int,
    setup: Callable[..., W],
    setup_args: tuple[Any, ...] = (),
) -> Iterator[R]:
    """``fn(worker, item)`` for every item across ``jobs`` processes, results in input order.

    Each process builds its ``worker = setup(*setup_args)`` once (resolvers, a key loaded
    from its file …); ``fn``, ``setup`` and the items must be picklable. With one job, or a
    batch shorter than :data:`MIN_PARALLEL`, everything runs in this process.
    """
    if jobs <= 1 or len(items) < MIN_PARALLEL:
        worker = setup(*setup_args)
        yield from (fn(worker, item) for item in items)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    chunksize = max(1, min(256, len(items) // (jobs * 8)))
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start, initargs=(setup, setup_args)
    ) as pool:
        results: Iterable[R] = pool.map(partial(_call, fn), items, chunksize=chunksize)
        yield from results
