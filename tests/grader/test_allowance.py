"""The propagated allowance: hand rounding carried through the step graph, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.allowance import allowances, propagated_errors, rounding_error, rounding_errors
from grader.graph import Graph, Step
from grader.tolerance import Tolerance

TOLERANCE = Tolerance()  # round to 3 decimals or 3 significant figures, safety 2


def _graph(*steps: Step, **constants) -> Graph:
    return Graph(constants, steps)


def test_a_chain_of_numbers_adds_each_steps_rounding_to_what_its_input_passes_on():
    """a = 2x is about 4.41, rounded to 3 significant figures (coarser than 3 decimals
    there: half unit 0.005); b = a^2 inherits |(a+e)^2 - a^2| and adds its own rounding
    (b is about 19.5: half unit 0.05)."""
    graph = _graph(Step("a", ("x",), lambda x: 2 * x, "a"),
                   Step("b", ("a",), lambda a: a * a, "b"), x=2.2071)
    errors = propagated_errors(graph, TOLERANCE)
    a = 4.4142
    assert errors["a"] == pytest.approx(0.005)
    assert errors["b"] == pytest.approx(((a + 0.005) ** 2 - a ** 2) + 0.05)
    assert allowances(graph, lambda part: TOLERANCE)["b"] == pytest.approx(2 * errors["b"])


def test_a_vector_input_passes_on_the_sum_of_its_entries_moves():
    """s = v0 - 3 v1: each entry's rounding moves s by |coefficient| times it."""
    graph = _graph(Step("v", ("x",), lambda x: x * np.array([1.0, 2.0]), "v"),
                   Step("s", ("v",), lambda v: v[0] - 3 * v[1], "s"), x=0.12345)
    errors = propagated_errors(graph, TOLERANCE)
    assert np.allclose(errors["v"], [5e-4, 5e-4])
    # s = -0.617...: its own half unit is 5e-4 at 3 decimals (coarser than 3 sig figs).
    assert errors["s"] == pytest.approx(5e-4 + 3 * 5e-4 + 5e-4)


@pytest.mark.parametrize("as_array", [False, True])
def test_one_number_gives_the_same_allowance_as_a_float_or_a_0d_array(as_array):
    """Steps that return numpy 0-d arrays or floats (both occur) propagate alike."""
    wrap = np.asarray if as_array else float
    graph = _graph(Step("a", ("x",), lambda x: wrap(math.exp(x)), "a"),
                   Step("b", ("a",), lambda a: wrap(1 / (1 + a)), "b"), x=0.3)
    errors = propagated_errors(graph, TOLERANCE)
    a = math.exp(0.3)
    e_a = 0.005  # a = 1.35 to 3 significant figures; b = 0.426 to 3 decimals
    assert float(errors["b"]) == pytest.approx(abs(1 / (1 + a + e_a) - 1 / (1 + a)) + 5e-4)


def test_a_step_that_fails_when_nudged_inherits_nothing_from_that_input():
    """A nudge that leaves the step's domain adds nothing, not an error or a NaN."""
    def fussy(a):
        if a != 0.5:
            raise ValueError("only at 0.5")
        return 0.25

    graph = _graph(Step("a", ("x",), lambda x: x, "a"), Step("b", ("a",), fussy, "b"), x=0.5)
    assert propagated_errors(graph, TOLERANCE)["b"] == pytest.approx(5e-4)


@settings(max_examples=3000, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1,
                       max_size=40),
       decimals=st.integers(0, 9), sig_figs=st.integers(1, 8))
def test_single_numbers_round_bit_for_bit_as_in_an_array(values, decimals, sig_figs):
    """Single numbers take a path without numpy; their allowance must be the very same
    float the array path gives (results.json and reruns are compared byte for byte)."""
    tolerance = Tolerance(rounding_decimals=decimals, rounding_sig_figs=sig_figs)
    named = {f"v{index}": np.float64(value) for index, value in enumerate(values)}
    named["array"] = np.array(values)
    errors = rounding_errors(named, tolerance)
    assert list(errors) == list(named)
    expected = rounding_error(np.array(values), tolerance)
    assert np.array_equal(errors["array"], expected, equal_nan=True)
    singles = np.array([errors[f"v{index}"] for index in range(len(values))])
    assert singles.tobytes() == expected.tobytes()


def test_powers_of_ten_and_their_neighbours_round_alike():
    """Where log10 lands on an integer the floor is most fragile, over the whole float range
    (hypothesis once found 9.999999999999673e+235 rounded differently)."""
    tolerance = Tolerance(rounding_decimals=8, rounding_sig_figs=3)
    powers = 10.0 ** np.array([*range(-320, -300), *range(-40, 41), *range(200, 309)],
                              dtype=float)
    below = powers[:, None] * (1 - np.arange(1, 80) * 1e-15)  # a few bits under each power
    with np.errstate(over="ignore"):
        values = np.concatenate([powers, np.nextafter(powers, 0), np.nextafter(powers, np.inf),
                                 5 * powers, below.ravel(), [9.999999999999673e+235]])
    values = values[np.isfinite(values)]
    named = {str(index): np.float64(value) for index, value in enumerate(values)}
    errors = rounding_errors(named, tolerance)
    singles = np.array([errors[str(index)] for index in range(len(values))])
    assert singles.tobytes() == rounding_error(values, tolerance).tobytes()
