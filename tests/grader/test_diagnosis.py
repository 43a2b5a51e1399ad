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
