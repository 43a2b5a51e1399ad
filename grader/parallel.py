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

Ctrl-C reaches every process of the terminal's group, workers included. Only this process
acts on it: forked processes ignore SIGINT and die at once on SIGTERM (not unwinding as the
CLI's handler makes this process do), and an interrupted or abandoned map stops its workers
before the interruption goes on. So a stopped run prints no worker tracebacks, leaves no
worker waiting for work, and no worker writes into a staging folder after it is removed.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
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


def _leave_signals_to_the_parent() -> None:
    """In a forked process: Ctrl-C is the parent's to handle, and SIGTERM (the parent
    stopping it) ends it at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now, mid-task, rather than letting them finish the map.

    The executor has no public call for this (shutdown waits for the running tasks, or
    cancels only those not yet started), so its own table of processes is used."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False)  # forgets the processes: they were listed first
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join()


def _run_share(items: Sequence[Any]) -> list[Any]:
    assert _TASK is not None
    return [_TASK(item) for item in items]


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
        with few_collections(), ProcessPoolExecutor(
                workers, mp_context=context, initializer=_leave_signals_to_the_parent) as pool:
            # Chunks submitted one by one, not by pool.map: its iterator cancels the pending
            # chunks as an interruption leaves it, and stopping the workers then makes the
            # executor's own thread fail on them with a traceback (CPython gh-107219).
            shares = [pool.submit(_run_share, items[start:start + chunk])
                      for start in range(0, len(items), chunk)]
            try:
                for share in shares:
                    yield from share.result()
            except BrokenProcessPool:
                raise
            except BaseException:  # Ctrl-C, a kill, or the caller leaving the loop early
                _stop_workers(pool)
                raise
    except BrokenProcessPool:
        raise GraderError(WORKER_DIED) from None
    finally:
        gc.unfreeze()
        _TASK = None


def _send_result(task: Callable[[], Any], reader, writer) -> None:
    """In the forked process: run the task and send (True, result) or (False, error)."""
    _leave_signals_to_the_parent()
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
