"""Forked workers: results in input order, task errors passed on, a dead worker reported,
and the garbage collector's settings put back as they were."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time

import pytest

from grader.errors import GraderError, InputFileError, LatexBuildError, ParamError
from grader.parallel import GC_FIRST_GENERATION, PARALLEL_MIN_ITEMS, in_background, ordered_map

ITEMS = list(range(PARALLEL_MIN_ITEMS * 3))


def test_results_come_back_in_order_from_other_processes():
    parent = os.getpid()
    results = list(ordered_map(lambda item: (item * item, os.getpid()), ITEMS, workers=2))
    assert [square for square, _ in results] == [item * item for item in ITEMS]
    assert {pid for _, pid in results} - {parent}


def test_a_task_error_reaches_the_caller():
    def task(item):
        if item == 30:
            raise ValueError("bad item 30")
        return item

    with pytest.raises(ValueError, match="bad item 30"):
        list(ordered_map(task, ITEMS, workers=2))


@pytest.mark.parametrize("error", [
    InputFileError("subs/variants/w010.json", "unreadable variants manifest"),
    ParamError("W", "expected a matrix"),
    LatexBuildError("s01", "did not compile", ("! Undefined control sequence.",)),
    GraderError("plain"),
], ids=lambda error: type(error).__name__)
def test_a_file_error_in_a_worker_reaches_the_caller_as_itself(error):
    """Not as "a worker process died": the parent must rebuild the worker's error."""
    def task(item):
        if item == 30:
            raise error
        return item

    with pytest.raises(type(error)) as raised:
        list(ordered_map(task, ITEMS, workers=2))
    assert str(raised.value) == str(error)


def test_a_dead_worker_is_reported_not_waited_for():
    def task(item):
        if item == 30:
            os._exit(3)  # what a segfault or the OOM killer looks like to the parent
        return item

    with pytest.raises(GraderError, match="worker process died"):
        list(ordered_map(task, ITEMS, workers=2))
def test_ctrl_c_in_a_worker_is_left_to_the_parent():
    """Ctrl-C signals every process of the terminal's group: a worker must not stop its task
    (the parent decides), or the map ends in the worker's KeyboardInterrupt."""
    def task(item):
        if item == 30:
            os.kill(os.getpid(), signal.SIGINT)
        return item

    try:
        results = list(ordered_map(task, ITEMS, workers=2))
    except KeyboardInterrupt:
        pytest.fail("a worker's Ctrl-C stopped the map")
    assert results == ITEMS


def test_a_terminated_worker_ends_at_once():
    """The CLI makes SIGTERM unwind (raise SystemExit) in its own process; a worker forked
    from it must die at once instead, not hand the SystemExit back as its task's result."""
    def unwind(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, unwind)
    try:
        def task(item):
            if item == 30:
                os.kill(os.getpid(), signal.SIGTERM)
            return item

        with pytest.raises(GraderError, match="worker process died"):
            list(ordered_map(task, ITEMS, workers=2))
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_an_abandoned_map_stops_its_workers_at_once(tmp_path, monkeypatch):
    """Ctrl-C in the parent (or a caller leaving the loop): the running tasks must not go on
    (they would write into a folder being removed), and the executor's own thread must not
    fail with a traceback on the tasks left."""
    thread_errors = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)

    def task(item):
        if item >= 3:  # the first share (items 0-2) comes back at once, the rest take long
            time.sleep(2)
        (tmp_path / str(item)).touch()
        return item

    results = ordered_map(task, list(range(PARALLEL_MIN_ITEMS)), workers=2)
    assert next(results) == 0
    results.close()
    assert sorted(int(path.name) for path in tmp_path.iterdir()) == [0, 1, 2]
    time.sleep(0.2)
    assert not thread_errors
    assert not multiprocessing.active_children()




@pytest.mark.parametrize("items", [ITEMS, ITEMS[:3]], ids=["forked", "in-process"])
def test_collections_are_rarer_during_a_map_and_as_before_after(items):
    before = gc.get_threshold()
    seen = list(ordered_map(lambda item: (gc.get_threshold()[0], gc.get_freeze_count()),
                            items, workers=2))
    assert all(threshold >= GC_FIRST_GENERATION for threshold, _ in seen)
    if len(items) >= PARALLEL_MIN_ITEMS:  # workers keep what they inherit out of their passes
        assert all(frozen > 0 for _, frozen in seen)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # the parent's objects are collectable again


def test_settings_are_put_back_when_a_task_fails():
    before = gc.get_threshold()

    def task(item):
        if item == 30:
            raise ValueError("bad item 30")
        return item

    with pytest.raises(ValueError):
        list(ordered_map(task, ITEMS, workers=2))
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_background_task_runs_in_another_process_beside_the_block(tmp_path):
    """Does in_background start the task elsewhere before the block asks for it, and hand
    back its result when asked?"""
    mark = tmp_path / "started"

    def task():
        mark.write_text("running")
        return os.getpid()

    with in_background(task) as result:
        deadline = time.monotonic() + 30
        while not mark.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert mark.exists()  # running while the block runs, not only when asked
        pid = result()
    assert pid != os.getpid()


def test_ctrl_c_in_a_background_process_is_left_to_the_parent():
    """The summary's figures are drawn in a forked process, which Ctrl-C reaches too: it
    must not die of it with a traceback (the parent stops it if the run stops)."""
    def task():
        os.kill(os.getpid(), signal.SIGINT)
        return "drawn"

    with in_background(task) as result:
        assert result() == "drawn"


def test_a_background_error_or_death_reaches_the_caller():
    def fails():
        raise InputFileError("data.npz", "no X array")

    with pytest.raises(InputFileError, match="no X array"), in_background(fails) as result:
        result()
    with pytest.raises(GraderError, match="worker process died"), \
            in_background(lambda: os._exit(3)) as result:
        result()


def test_a_failed_block_leaves_no_background_process_behind():
    """A block that fails before asking for the result ends the task's process too, so a
    failed run does not leave one waiting."""
    import multiprocessing
    import time

    with pytest.raises(RuntimeError, match="the block failed"), \
            in_background(lambda: time.sleep(30)):
        raise RuntimeError("the block failed")
    assert multiprocessing.active_children() == []
