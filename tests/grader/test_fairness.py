"""The generic fairness check: every mistake an instance can show must be visible; a mistake
that reaches no posed part (a loss convention with no loss asked) cannot be asked for."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from grader.assignment import Question
from grader.fairness import is_fair
from grader.generate import generate
from grader.tolerance import Tolerance
from grader.variants import draw_question
from problems import lstm_forward
from problems.lstm_forward import CANONICAL, FAMILY


class _Assignment:
    seed = 7
    path = "fairness.yaml"


def _question(settings) -> Question:
    return Question(id="q", family=FAMILY, title=FAMILY.title, points=10.0, params=None,
                    randomize=dict(settings), tolerance=Tolerance(), part_tolerances={},
                    follow_through_credit=1.0)


def _no_loss(**changes) -> dict:
    raw = {key: value for key, value in CANONICAL.items() if key not in ("y", "loss")}
    return {**raw, **changes}


def test_lstm_without_a_loss_part_draws_fair_variants():
    """Does lstm_forward with `loss: none` draw variants (it failed with 'no fair variant')?"""
    question = _question({"loss": "none"})
    for student in range(10):
        variant = draw_question(_Assignment, question, f"s{student}")
        assert "y" not in variant.params
        assert not any(part.startswith(("err", "sq_err", "loss")) for part in variant.answers)


def test_generate_poses_lstm_without_a_loss(tmp_path):
    """Does `generate` write the assignment of an lstm_forward question with no loss part?"""
    assignment = tmp_path / "hw.yaml"
    assignment.write_text(yaml.safe_dump({
        "title": "HW", "course": "DL", "due": "2026-12-01", "seed": 3,
        "questions": [{"id": "lstm", "family": "lstm_forward", "points": 10,
                       "randomize": {"loss": "none", "hidden": 2}}]}))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\na1,Ada\na2,Bo\n")
    generate(assignment, roster, tmp_path / "out", pdf=False)
    assert (tmp_path / "out" / "tex" / "a2.tex").exists()


@pytest.mark.parametrize(("loss", "reached"), [
    (None, ()), ("abs", ("err_1", "err_2")), ("mse", ("loss",))])
def test_a_loss_convention_reaches_only_the_loss_parts(loss, reached):
    """Does a rewrite reach exactly the parts computed from the steps it changes?"""
    raw = _no_loss() if loss is None else {**CANONICAL, "loss": loss,
                                           "y": [[0.2], [0.4]]}
    graph = FAMILY.build(FAMILY.parse(raw))
    convention = FAMILY.mistake("loss_convention")
    for variant in convention.variants:
        assert graph.reached_parts(variant.rewrite) == reached
    stale = FAMILY.mistake("stale_hidden_state").variants[0]
    assert graph.reached_parts(stale.rewrite)[0] == "f_2"


def test_mistakes_that_cannot_show_are_not_possible():
    """Does the family leave out of its possible mistakes those that reach no posed part?"""
    without = FAMILY.build(FAMILY.parse(_no_loss()))
    with_loss = FAMILY.build(FAMILY.parse(CANONICAL))
    assert "loss_convention" not in {m.id for m, _ in FAMILY.possible_mistakes(without)}
    assert len(FAMILY.possible_mistakes(with_loss)) == sum(
        len(m.variants) for m in FAMILY.mistakes)
    assert "loss_convention" not in {
        mistake for mistake, _, _ in FAMILY.mistaken_graphs(FAMILY.parse(_no_loss()))}


def test_fairness_still_rejects_an_unfair_variant():
    """With no candidate (W_c, U_c, b_c all 0) c_t stays 0: carrying it, or its tanh, cannot
    show, so the variant is unfair with or without a loss part, in both checks."""
    zero = {"W_c": [[0.0, 0.0]], "U_c": [[0.0]], "b_c": [0.0]}
    for raw, settings in ((_no_loss(**zero), {"loss": "none"}),
                          ({**CANONICAL, **zero}, {})):
        assert not is_fair(FAMILY, FAMILY.parse(raw), _question(settings))
        assert not lstm_forward._is_fair(raw)
    assert is_fair(FAMILY, FAMILY.parse(_no_loss()), _question({"loss": "none"}))


def test_fairness_still_asks_for_a_loss_convention_that_can_show():
    """With a loss asked, is a variant whose loss conventions coincide still rejected?
    With |h_t - y_t| = 1 for every t, |e| and e^2 agree, so abs_vs_squared cannot show."""
    raw = dict(CANONICAL)
    h = FAMILY.solve({**CANONICAL, "loss": None, "y": None})
    raw["y"] = [[float(np.asarray(h["h_1"])) + 1.0], [float(np.asarray(h["h_2"])) - 1.0]]
    assert not is_fair(FAMILY, FAMILY.parse(raw), _question({}))


def test_a_step_too_small_to_grade_names_the_hidden_mistakes_and_the_way_out():
    """Adam at alpha 0.001 moves W by 0.001, below 3-decimal rounding: generation stops
    naming the mistakes it could not tell apart, and with rounding_decimals 5 it draws."""
    from grader.errors import GraderError
    from problems.adam_update import FAMILY as ADAM

    def question(tolerance: Tolerance) -> Question:
        return Question(id="q", family=ADAM, title=ADAM.title, points=5.0, params=None,
                        randomize={"rows": 2, "cols": 3, "alpha": 0.001},
                        tolerance=tolerance, part_tolerances={}, follow_through_credit=1.0)

    with pytest.raises(GraderError) as caught:
        draw_question(_Assignment(), question(Tolerance()), "s1")
    assert "update_sign:plus" in str(caught.value)
    assert "rounding_decimals: 5 asks students for 6 decimal places" in str(caught.value)
    fine = Tolerance(rounding_decimals=5)
    variant = draw_question(_Assignment(), question(fine), "s1")
    assert is_fair(ADAM, ADAM.parse(variant.params), question(fine))
