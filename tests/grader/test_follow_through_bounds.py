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


RIGHT_COUNTS = {"embedding": 48, "input": 30, "recurrent": 25}
"""Three of the four counts of param_count's canonical instance (output is 40, total 143)."""


@pytest.mark.parametrize(("output", "total"), [
    (40.5, 143.5),            # half a parameter
    (5e-324, 103),            # 103 + 5e-324 is 103 in floats
    (1e17, 1e17),             # 1e17 + 103 is 1e17 again: beyond 2^53 floats skip whole numbers
    ("100000000000000003", "100000000000000106"),
])
def test_a_total_of_counts_that_are_no_counts_earns_no_follow_through(tmp_path, output, total):
    """Counts are whole numbers: a total adding up a non-whole or inexact own count is
    incorrect, though its arithmetic checks out in floats."""
    question, params = _question(tmp_path, "param_count")
    parts = grade_question(question, params,
                           {**RIGHT_COUNTS, "output": output, "total": total}).parts
    assert (parts["output"].status, parts["total"].status) == ("incorrect", "incorrect")


def test_a_total_of_whole_wrong_counts_still_follows_through(tmp_path):
    """An own output count of 41 (whole, wrong) still carries its total 144."""
    question, params = _question(tmp_path, "param_count")
    parts = grade_question(question, params, {**RIGHT_COUNTS, "output": 41, "total": 144}).parts
    assert parts["total"].status == "follow_through"


def test_only_counts_that_are_whole_numbers_are_usable():
    """Measurements are usable whatever they are; counts only as whole numbers up to 2^53."""
    import numpy as np

    from grader.compare import read_given

    def usable(given, expected) -> bool:
        return read_given(given, np.asarray(expected), {}).usable

    assert usable(0.5, 0.7) and usable([0.5, 1e300], [0.7, 0.1])
    assert usable([2, 3], [1, 1]) and not usable([2, 3.5], [1, 1])
    assert usable(2 ** 53, 1) and not usable(2.0 ** 54, 1) and not usable("40.5", 1)


def test_follow_through_at_no_credit_says_so(tmp_path):
    """With follow_through_credit 0 the message says the consistent work earns nothing."""
    from dataclasses import replace

    question, params = _question(tmp_path, "param_count")
    question = replace(question, follow_through_credit=0.0)
    part = grade_question(question, params, {**RIGHT_COUNTS, "output": 41, "total": 144}
                          ).parts["total"]
    assert part.status == "follow_through" and part.fraction == 0
    assert part.message.endswith("; this assignment gives follow-through no points")


def test_whole_number_lists_are_shown_as_written(tmp_path):
    question, params = _question(tmp_path, "logic_net")
    part = grade_question(question, params, {"truth_table": [0, 1, 1, 0]}).parts["truth_table"]
    assert all(type(v) is int for v in part.given)
