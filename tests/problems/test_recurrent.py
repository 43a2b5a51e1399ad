"""What lstm_forward and gru_forward share: gate sums that are 0 on paper are exactly 0."""

from __future__ import annotations

import numpy as np
import pytest

from problems import _recurrent as rnn
from problems import gru_forward, lstm_forward

W_ROW, X_1 = [0.6, 0.4], [-0.6, 0.9]
"""0.6 * -0.6 + 0.4 * 0.9 = 0 on paper, about 5e-17 in floating point (which 5e-17 depends on
the CPU: BLAS with fused multiply-add leaves another)."""

LSTM_PARAMS = {
    "W_f": [[0.6, 0.9], [1.0, -0.4]], "U_f": [[0.0, 0.6], [-0.8, -0.4]], "b_f": [0.5, -0.1],
    "W_i": [[1.0, 0.3], [-0.8, 0.8]], "U_i": [[-0.9, 0.4], [-0.1, -0.6]], "b_i": [0.1, -0.3],
    "W_c": [W_ROW, [-0.3, 0.6]], "U_c": [[0.9, -0.3], [0.3, 0.3]], "b_c": [0.0, 0.0],
    "W_o": [[0.7, -1.0], [-1.0, 0.0]], "U_o": [[-1.0, -0.7], [-0.6, -1.0]], "b_o": [-0.2, -0.4],
    "x": [X_1, [0.1, -0.3]],
}
GRU_PARAMS = {
    "W_z": [[0.5, -0.4]], "U_z": [[0.3]], "b_z": [0.1],
    "W_r": [[0.2, 0.6]], "U_r": [[-0.5]], "b_r": [0.0],
    "W_h": [W_ROW], "U_h": [[0.8]], "b_h": [0.0],
    "x": [X_1, [0.5, -1.0]],
}


def test_the_float_sum_alone_is_not_zero():
    """The case the engine must mend: NumPy's own W x here is rounding noise, not 0."""
    assert (np.array([W_ROW]) @ np.array(X_1))[0] != 0


def test_a_gate_sum_that_is_zero_on_paper_is_exactly_zero():
    """Is W x + U h + b written as 0 when it is 0 on paper, and only then?"""
    weights = np.array([W_ROW, [0.3, 0.1], [1e-5, 0.0]])
    z = rnn.pre_activation(weights, np.array(X_1), np.zeros((3, 3)), np.zeros(3),
                           np.array([0.0, -0.09, 0.0]))
    assert z[0] == 0.0
    assert z[1] == pytest.approx(-0.18)
    assert z[2] == pytest.approx(-6e-06)  # small, but far above the noise of its terms


def test_a_tiny_sum_of_tiny_terms_is_kept():
    """The rule is relative: a small value made of small terms has its digits and stays."""
    z = rnn.pre_activation(np.array([[1e-12, 0.0]]), np.array([0.3, 0.0]), np.zeros((1, 1)),
                           np.zeros(1), np.array([0.0]))
    assert z[0] == 1e-12 * 0.3


def test_lstm_key_is_zero_where_the_paper_is():
    """c_tilde_1, c_1 and h_1 of the unit whose candidate sum is 0 on paper are exactly 0."""
    answers = lstm_forward.FAMILY.solve(LSTM_PARAMS)
    for part in ("c_tilde_1", "c_1", "h_1"):
        assert answers[part][0] == 0.0, part
    assert answers["c_tilde_1"][1] != 0


def test_gru_key_is_zero_where_the_paper_is():
    """h_tilde_1 and h_1 of a GRU whose candidate sum is 0 on paper are exactly 0, both ways
    of applying the reset gate."""
    for reset in ("before", "after"):
        answers = gru_forward.FAMILY.solve({**GRU_PARAMS, "reset": reset})
        assert answers["h_tilde_1"] == 0.0 and answers["h_1"] == 0.0, reset
