"""Diagnosis names a mistake only where the mistake, not the right rule, explains the answer."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.allowance import allowances
from grader.assignment import Question
from grader.grading import _closest_numeric, grade_question
from grader.tolerance import Tolerance
from problems.lstm_forward import CANONICAL, FAMILY


def _question(params: dict) -> Question:
    return Question(id="q", family=FAMILY, title="LSTM", points=10.0, params=params,
                    randomize={}, tolerance=Tolerance(), part_tolerances={},
                    follow_through_credit=1.0)


def test_no_mistake_named_where_the_right_rule_gives_the_same():
    """With the student's c_2 = o_2 = 0 every rule for h_2 gives 0 (tanh(0) = 0): an h_2 near
    0 but outside its follow-through allowance is wrong, and no catalogued mistake explains
    it better than the right rule does."""
    params = {k: v for k, v in CANONICAL.items() if k not in ("y", "loss")}
    graph = FAMILY.build(FAMILY.parse(params))
    answers = {name: float(value) for name, value in graph.answers().items()}
    answers.update(c_2=0.0, o_2=0.0)
    answers["h_2"] = float(allowances(graph, _question(params).tolerance_for)["h_2"]) / 2
    part = grade_question(_question(params), params, answers).parts["h_2"]
    assert (part.status, part.mistake) == ("incorrect", None)


def test_mistake_still_named_when_it_moves_the_part():
    """The same setting, with h_2 computed as o_2 * c_2 from honest earlier values."""
    params = {k: v for k, v in CANONICAL.items() if k not in ("y", "loss")}
    graph = FAMILY.build(FAMILY.parse(params))
    env = graph.evaluate()
    answers = {name: float(value) for name, value in graph.answers().items()}
    answers["h_2"] = float(env["o_2"] * env["c_2"])
    part = grade_question(_question(params), params, answers).parts["h_2"]
    assert (part.status, part.mistake) == ("incorrect", "h_without_tanh")


def test_a_wrong_count_is_wrong_even_after_right_earlier_counts():
    """Parameter counts are compared exactly, from the key and from the student's own counts:
    a total one off (144 for 143) after four right counts is incorrect, not follow-through;
    a total that adds up the student's own wrong count is follow-through; and the keras bias
    convention on a stacked LSTM is named, not credited."""
    from problems.param_count import FAMILY as COUNTS

    def grade(params: dict, given: dict) -> dict:
        question = Question(id="q", family=COUNTS, title="count", points=5.0, params=params,
                            randomize={}, tolerance=Tolerance(), part_tolerances={},
                            follow_through_credit=1.0)
        return grade_question(question, params, given).parts

    rnn_lm = {"kind": "rnn_lm", "vocab": 8, "embedding": 6, "hidden": 5}
    right = {"embedding": 48, "input": 30, "recurrent": 25, "output": 40}
    assert grade(rnn_lm, {**right, "total": 144})["total"].status == "incorrect"
    assert grade(rnn_lm, {**right, "total": "144"})["total"].status == "incorrect"
    own = grade(rnn_lm, {**right, "input": 31, "total": 144})["total"]
    assert own.status == "follow_through"
    stacked = {"kind": "stacked_rnn", "cell": "lstm", "input_size": 17,
               "hidden_sizes": [128, 256, 512], "output_size": 17, "bias_convention": "pytorch"}
    keras = grade(stacked, {"layers": [74752, 394240, 1574912, 8721], "total": 2052625})
    assert (keras["layers"].status, keras["layers"].mistake) == ("incorrect", "bias_convention")
    assert keras["total"].status == "follow_through"
    # Right layers rule the keras convention out: a keras total beside them names nothing.
    right_layers = grade(stacked, {"layers": [75264, 395264, 1576960, 8721], "total": 2052625})
    assert (right_layers["total"].status, right_layers["total"].mistake) == ("incorrect", None)


numbers = st.floats(-10, 10, allow_nan=False) | st.sampled_from([0.0, np.inf, -np.inf, np.nan])


@settings(max_examples=2000, deadline=None)
@given(value=st.floats(-10, 10), correct=st.floats(-10, 10),
       allowance=st.floats(0, 2) | st.just(0.0),
       candidates=st.lists(numbers | st.just(None) | st.just("word"), max_size=8),
       near=st.booleans())
def test_the_closest_mistake_to_one_number_is_chosen_as_for_a_vector(value, correct, allowance,
                                                                     candidates, near):
    """A part that is one number is diagnosed without numpy: it must name the same mistake
    as the array path does for the same number in a vector of one."""
    if near:  # candidates that fit the value, so that ties and choices happen
        candidates = [value + allowance * offset for offset in (0.5, -0.25, 0.5)] + candidates
    named = [(f"m{index}", candidate) for index, candidate in enumerate(candidates)]
    one = _closest_numeric(named, value, correct, np.float64(allowance))
    as_vector = [(mistake, np.array([candidate]) if isinstance(candidate, float) else candidate)
                 for mistake, candidate in named]
    vector = _closest_numeric(as_vector, np.array([value]), np.array([correct]),
                              np.array([allowance]))
    assert one == vector


def test_a_tie_on_paper_goes_to_catalogue_order_not_to_float_noise():
    """Candidates a hair apart (float noise, which differs between CPUs) are a tie, and the
    first in catalogue order is named; a real difference still picks the nearer."""
    from grader.grading import _first_nearest

    assert _first_nearest([(0.5 + 1e-13, "first"), (0.5, "second")]) == "first"
    assert _first_nearest([(0.5, "first"), (0.5 + 1e-13, "second")]) == "first"
    assert _first_nearest([(0.5, "first"), (0.4, "second")]) == "second"
    assert _first_nearest([]) is None


def test_gru_mistakes_that_agree_on_paper_name_the_first_catalogued():
    """With h_0 = 0, a GRU's swapped update convention and its flipped sigmoid both give
    h_1 = z_1 h_tilde_1: whichever float noise puts nearer, the name is the catalogue's
    first of the two, on every CPU."""
    from problems.gru_forward import CANONICAL as GRU
    from problems.gru_forward import FAMILY as GRU_FAMILY

    params = dict(GRU)
    question = Question(id="q", family=GRU_FAMILY, title="gru", points=5.0, params=params,
                        randomize={}, tolerance=Tolerance(), part_tolerances={},
                        follow_through_credit=1.0)
    env = GRU_FAMILY.build(GRU_FAMILY.parse(params)).evaluate()
    answers = {"z_1": float(env["z_1"]), "r_1": float(env["r_1"]),
               "h_tilde_1": float(env["h_tilde_1"]),
               "h_1": float(env["z_1"] * env["h_tilde_1"])}
    order = [mistake.id for mistake in GRU_FAMILY.mistakes]
    tied = ("update_convention_swapped", "sigmoid_sign_flipped")
    first = min(tied, key=order.index)
    assert grade_question(question, params, answers).parts["h_1"].mistake == first


RULED_OUT = {
    "W_f": [[0.5, -0.4]], "U_f": [[-0.6]], "b_f": [0.5], "W_i": [[-0.7, -0.4]], "U_i": [[0.3]],
    "b_i": [0.3], "W_c": [[0.3, 0.8]], "U_c": [[-0.9]], "b_c": [-0.1], "W_o": [[0.2, -0.1]],
    "U_o": [[-0.2]], "b_o": [-0.1], "x": [[-1.0, -0.8], [0.1, 0.0]],
}
"""A sampled one-unit LSTM where h_without_tanh moves c_tilde_2 by 0.026 (through h_1)."""


def test_a_mistake_the_students_right_earlier_answers_rule_out_is_not_named():
    """c_tilde_2 given as h_without_tanh throughout would make it, beside a right h_1: that
    mistake would have made h_1 wrong too, so it is not named for c_tilde_2; a student who
    made it throughout (h_1 wrong as well) still has it named."""
    honest = {name: float(value) for name, value in FAMILY.solve(RULED_OUT).items()}
    mistaken = {name: float(value)
                for name, value in FAMILY.solve(RULED_OUT, "h_without_tanh").items()}
    assert abs(mistaken["c_tilde_2"] - honest["c_tilde_2"]) > 0.02
    question = _question(RULED_OUT)
    only = grade_question(question, RULED_OUT, {**honest, "c_tilde_2": mistaken["c_tilde_2"]})
    assert (only.parts["c_tilde_2"].status, only.parts["c_tilde_2"].mistake) == (
        "incorrect", None)
    throughout = grade_question(question, RULED_OUT, mistaken)
    assert throughout.parts["h_1"].mistake == "h_without_tanh"
    assert throughout.parts["c_tilde_2"].status == "follow_through"
