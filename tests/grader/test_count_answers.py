"""Whole-number parts (parameter counts): a given fraction is a wrong count, kept as written."""

from __future__ import annotations

import numpy as np
import pytest

from grader.compare import every, matches, read_given


@pytest.mark.parametrize(("value", "shown", "correct"), [
    (143, 143, True), ("143", 143, True), (143.0, 143, True), ("1,143", 1143, False),
    (143.4, 143.4, False), (143.5, 143.5, False), ("143.5", 143.5, False),
    (1e300, 1e300, False), (2**60, float(2**60), False),
])
def test_a_count_given_with_a_fraction_is_wrong_and_kept_as_written(value, shown, correct):
    """A parameter count of 143.5 against 143: is it wrong, and shown as 143.5 (not truncated
    to 143 and scored right)? A whole number is shown as a whole number, up to 2^53."""
    reading = read_given(value, np.asarray(143), {})
    assert reading.problem is None
    assert reading.value == shown and type(reading.value) is type(shown)
    assert every(matches(reading.value, np.asarray(143), None)) is correct


def test_a_count_vector_keeps_its_fractions():
    """Per-layer counts [143.5, 40] against [143, 40]: the first entry is wrong."""
    reading = read_given([143.5, 40], np.asarray([143, 40]), {})
    assert reading.value.tolist() == [143.5, 40.0]
    assert matches(reading.value, np.asarray([143, 40]), None).tolist() == [False, True]
