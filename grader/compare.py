"""Comparing one given answer with one expected answer, entry by entry."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.allowance import is_numeric
from grader.answers import AnswerError, to_array, to_word
from grader.params import LARGEST_WHOLE

FLOAT_SLACK = 1e-9
"""Relative slack so that a value exactly at the allowance's edge is not lost to float noise."""


@dataclass(frozen=True)
class Reading:
    """A given value made comparable, or why it could not be."""

    value: Any
    problem: str | None = None
    usable: bool = True
    """Whether the value may stand in for the key in the steps after it (follow-through).

    An answer to a whole-number part (a count) that is not a whole number within +-2^53 is no
    count: 40.5 or 5e-324 parameters, or 1e17, where 1e17 + 103 is 1e17 again in floats. The
    steps after it are not re-run from it, so a total that adds it up earns no follow-through.
    """


def read_given(given: Any, expected: Any, words) -> Reading:
    """Coerce a student's raw value to the kind and shape of the expected answer."""
    try:
        if isinstance(expected, str):
            if words:
                return Reading(to_word(given, words))
            text = " ".join(str(given).split())
            return Reading(expected if text.lower() == expected.lower() else text)
        array = np.asarray(expected)
        integer = array.dtype.kind in "iu"
        value = to_array(given, array.shape, integer=integer)
        if array.ndim:
            if not integer:
                return Reading(value)
            whole = _whole_numbers(value)  # shown as written: [1, 0, 0, 1], not [1.0, ...]
            return Reading(value.astype(np.int64) if whole else value, usable=whole)
        number = float(value)  # a count given as 143.5 stays 143.5: wrong, not 143
        whole = integer and number.is_integer() and abs(number) <= LARGEST_WHOLE
        return Reading(int(number) if whole else number, usable=whole or not integer)
    except AnswerError as error:
        return Reading(None, str(error))


def _whole_numbers(array: np.ndarray) -> bool:
    return bool(np.all((array == np.round(array)) & (np.abs(array) <= LARGEST_WHOLE)))


def matches(given: Any, expected: Any, allowance: np.ndarray | None) -> np.ndarray:
    """Per entry: is the given value within the allowance of the expected one?"""
    if isinstance(expected, str) or isinstance(given, str):
        return np.asarray(given == expected)
    if isinstance(given, float) and (allowance is None or isinstance(allowance, float)):
        if isinstance(expected, float):
            return np.bool_(_number_matches(given, expected, allowance))
        if isinstance(expected, np.ndarray) and not expected.ndim and expected.dtype.kind == "f":
            return np.bool_(_number_matches(given, float(expected), allowance))
    given = np.asarray(given, dtype=float)
    expected_array = np.asarray(expected, dtype=float)
    if not np.isfinite(expected_array).all():
        return np.zeros(expected_array.shape, dtype=bool)
    with np.errstate(over="ignore"):  # 1e308 - (-1e308) is inf: far outside, as it should be
        gap = np.abs(given - expected_array)
    if allowance is None or not is_numeric(expected):
        return gap <= FLOAT_SLACK * np.maximum(1.0, np.abs(expected_array))
    return gap <= allowance * (1 + FLOAT_SLACK) + 1e-12


def every(mask: np.ndarray) -> bool:
    """Does every entry match? `mask.all()` as a plain bool, without numpy's call for one
    entry (most parts are one number)."""
    return bool(mask) if not mask.ndim else bool(mask.all())


def _number_matches(given: float, expected: float, allowance: float | None) -> bool:
    """`matches` for one number, without numpy's per-call cost (most parts are one number)."""
    if not math.isfinite(expected):
        return False
    gap = abs(given - expected)
    if allowance is None:
        return gap <= FLOAT_SLACK * max(1.0, abs(expected))
    return gap <= allowance * (1 + FLOAT_SLACK) + 1e-12


def share(mask: np.ndarray) -> float:
    """The fraction of entries that match."""
    mask = np.asarray(mask)
    return float(mask.mean()) if mask.size else 0.0
