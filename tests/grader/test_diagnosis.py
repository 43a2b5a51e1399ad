"""Diagnosis names a mistake only where the mistake, not the right rule, explains the answer."""

from __future__ import annotations

from grader.allowance import allowances
from grader.assignment import Question
from grader.grading import grade_question
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
    keras = grade(stacked, {"layers": [75264, 395264, 1576960, 8721], "total": 2052625})
    assert keras["total"].status == "incorrect" and keras["total"].mistake is not None
