"""Follow-through from absurd own values: first-order propagation through 1/x, 1/sqrt(x) or
o(1 - o) once gave allowances far beyond the value re-run from them, and any answer earned
full follow-through credit. The allowance is now capped (grading.believable)."""

from __future__ import annotations

import pytest
import yaml

from grader.assignment import load_assignment
from grader.grading import FOLLOW_THROUGH_MAX_RELATIVE, believable, grade_question
from problems import get_family


def _question(tmp_path, family: str):
    params = dict(get_family(family).canonical)
    path = tmp_path / "hw.yaml"
    path.write_text(yaml.safe_dump({
        "title": "HW", "course": "DL", "due": "2026-12-01", "seed": 1,
        "questions": [{"id": "q", "family": family, "points": 5, "params": params}]}))
    return load_assignment(path).questions[0], params


@pytest.mark.parametrize(("family", "given", "part"), [
    ("backprop", {"o2": 1000, "dE_do2": 0.5, "dE_dw1": -99999}, "dE_dw1"),
    ("adam_update", {"S_hat": [[0, 0, 0], [0, 0, 0]], "W": [[5, 5, 5], [5, 5, 5]]}, "W"),
    ("rnn_gradient", {"dphi0": 1e-9, "w_threshold": 123, "w_for_ratio": 77}, "w_threshold"),
])
def test_an_absurd_own_value_does_not_pass_any_answer(tmp_path, family, given, part):
    question, params = _question(tmp_path, family)
    result = grade_question(question, params, given).parts[part]
    assert result.status == "incorrect", result.message


def test_a_consistent_answer_from_an_absurd_own_value_still_follows_through(tmp_path):
    """o2 = 1000 is wrong, but dE_dw1 worked out from it (to 4 significant figures) is still
    follow-through: the cap removes only what propagation cannot vouch for."""
    from grader.grading import Instance, _QuestionGrading

    question, params = _question(tmp_path, "backprop")
    own = {"o2": 1000, "dE_do2": 0.5}
    grading = _QuestionGrading(Instance.solve(question, params), own)
    rerun, _ = grading.from_own_inputs("dE_dw1")
    consistent = grade_question(question, params, own | {"dE_dw1": float(f"{rerun:.4g}")})
    assert consistent.parts["dE_dw1"].status == "follow_through"


def test_believable_caps_at_a_share_of_the_value_and_never_below_the_keys():
    assert believable(100.0, 1e6, 0.5) == FOLLOW_THROUGH_MAX_RELATIVE * 100.0 == 25.0
    assert believable(0.0, 1e6, 0.002) == 0.002            # the key's own allowance stays
    assert believable(100.0, 0.3, 0.5) == 0.3              # small allowances unchanged
    assert believable([100.0, 1.0], [1e6, 0.01], [0.5, 0.5]).tolist() == [25.0, 0.01]
