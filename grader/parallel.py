"""Running one task over many items on every core, results in input order.

Workers are forked, so the task (a closure over an assignment, whose families hold plain
functions) is inherited rather than pickled; only the items and the results cross processes.
Where fork is unavailable, or for a handful of items, the task runs in this process.
`in_background` runs one task in a forked process beside what this one does next (the
summary's figures while the integrity check runs).

Grading a class allocates millions of small objects that live until the run ends, so
Python's cyclic garbage collector, left at its defaults, keeps re-scanning them; and after a
fork a scan also writes to every inherited page, which each worker must then copy.
`few_collections` makes full passes rarer (cycles are still collected), and the pool freezes
the objects the workers inherit out of their collections.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from grader.errors import GraderError

PARALLEL_MIN_ITEMS = 24
"""Below this many items the fork and transfer cost more than a second core saves."""

GC_FIRST_GENERATION = 50_000
"""Allocations between collections of the youngest generation (Python's default is 700).
On 1,000 simulated students (benchmarks/bench_grading.py, 2 cores) grading took 2.9 s instead
of 3.2 s, and the whole run with every output 5.8 s instead of 6.6 s."""

_TASK: Callable[[Any], Any] | None = None
Result = TypeVar("Result")
WORKER_DIED = ("a worker process died before finishing its share (killed or out of memory?); "
               "rerun, or set GRADER_DEBUG=1 to see more")


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Run the block with the garbage collector passing less often, then as it was."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_FIRST_GENERATION), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _can_fork(workers: int) -> bool:
    """Is forking worth it here: more than one worker (core), and fork available?"""
    return workers > 1 and "fork" in multiprocessing.get_all_start_methods()


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
    if not _can_fork(workers) or len(items) < PARALLEL_MIN_ITEMS:
        with few_collections():
            yield from map(task, items)
        return
    _TASK = task
    gc.freeze()  # what the workers inherit stays out of their collections
    try:
        context = multiprocessing.get_context("fork")
        chunk = max(1, min(16, len(items) // (4 * workers)))
        with few_collections(), ProcessPoolExecutor(workers, mp_context=context) as pool:
            yield from pool.map(_run, items, chunksize=chunk)
    except BrokenProcessPool:
        raise GraderError(WORKER_DIED) from None
    finally:
        gc.unfreeze()
        _TASK = None


def _send_result(task: Callable[[], Any], reader, writer) -> None:
    """In the forked process: run the task and send (True, result) or (False, error)."""
    reader.close()  # with no reader left, a send after the parent has gone fails at once
    try:
        outcome = (True, task())
    except Exception as error:  # raised in the parent when it asks for the result
        outcome = (False, error)
    try:
        writer.send(outcome)
    except (OSError, ValueError):  # the parent has gone
        pass
    except Exception as error:  # a result or an error that cannot be pickled
        writer.send((False, RuntimeError(f"background task: {outcome[1]!r}: {error}")))


@contextlib.contextmanager
def in_background(task: Callable[[], Result]) -> Iterator[Callable[[], Result]]:
    """task() started now in a forked process, beside what the block does; the block gets a
    call that waits for its result (an exception in the task is raised there).

    The task is inherited by the fork, not pickled; only its result crosses back. The process
    ends with its task: it is not a pool worker that would wait on after a killed parent.
    Without fork, or on one core, the call runs the task in this process when asked.
    """
    if not _can_fork(os.cpu_count() or 1):
        yield task
        return
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(task, reader, writer), daemon=True)
    process.start()
    writer.close()
    received: list[tuple[bool, Any]] = []

    def result() -> Result:
        if not received:
            try:
                received.append(reader.recv())
            except EOFError:
                raise GraderError(WORKER_DIED) from None
        ok, value = received[0]
        if not ok:
            raise value
        return value

    try:
        yield result
    finally:
        reader.close()
        if not received:
            process.terminate()  # the block failed before it needed the result
        process.join()
