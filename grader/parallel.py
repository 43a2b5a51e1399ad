"""Running one task over many items on every core, results in input order.

Workers are forked, so the task (a closure over an assignment, whose families hold plain
functions) is inherited rather than pickled; only the items and the results cross processes.
Where fork is unavailable, or for a handful of items, the task runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from grader.errors import GraderError

PARALLEL_MIN_ITEMS = 24
"""Below this many items the fork and transfer cost more than a second core saves."""

_TASK: Callable[[Any], Any] | None = None


def _run(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)


def ordered_map(task: Callable[[Any], Any], items: Sequence[Any],
                workers: int | None = None) -> Iterator[Any]:
    """task(item) for every item, in order, forked over `workers` processes (default: cores).

    A worker that dies (killed, out of memory, a crash in a C library) raises GraderError
    rather than leaving the run waiting for results that never come.
    """
    global _TASK
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(items) < PARALLEL_MIN_ITEMS or \
            "fork" not in multiprocessing.get_all_start_methods():
        yield from map(task, items)
        return
    _TASK = task
    try:
        context = multiprocessing.get_context("fork")
        chunk = max(1, min(16, len(items) // (4 * workers)))
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            yield from pool.map(_run, items, chunksize=chunk)
    except BrokenProcessPool:
        raise GraderError("a worker process died before finishing its share (killed or out "
                          "of memory?); rerun, or set GRADER_DEBUG=1 to see more") from None
    finally:
        _TASK = None
