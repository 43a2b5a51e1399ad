"""Forked workers: results in input order, task errors passed on, a dead worker reported."""

from __future__ import annotations

import os

import pytest

from grader.errors import GraderError
from grader.parallel import PARALLEL_MIN_ITEMS, ordered_map

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


def test_a_dead_worker_is_reported_not_waited_for():
    def task(item):
        if item == 30:
            os._exit(3)  # what a segfault or the OOM killer looks like to the parent
        return item

    with pytest.raises(GraderError, match="worker process died"):
        list(ordered_map(task, ITEMS, workers=2))
