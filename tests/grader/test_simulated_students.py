"""Simulated students over many fair variants of every family: honest work gets full marks,
every catalogued mistake is caught and named."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from grader.assignment import Question
from grader.grading import grade_question
from grader.simulate import simulated_answers, to_decimals, to_sig_figs
from grader.tolerance import Tolerance
from grader.variants import draw_question
from problems import FAMILIES

VARIANTS_PER_FAMILY = 25
HONEST = {"exact": None, "3 decimals": to_decimals(3), "4 decimals": to_decimals(4),
          "3 significant figures": to_sig_figs(3)}


class _Assignment:
    seed = 2026
    path = "simulated.yaml"


def _question(family, settings) -> Question:
    return Question(id="q", family=family, title=family.title, points=10.0, params=None,
                    randomize=dict(settings), tolerance=Tolerance(), part_tolerances={},
                    follow_through_credit=1.0)


def _variants(family, settings, count=VARIANTS_PER_FAMILY):
    question = _question(family, settings)
    return question, [draw_question(_Assignment, question, f"student{i}").params
                      for i in range(count)]


@pytest.mark.parametrize("name", sorted(set(FAMILIES) - {"forecaster"}))
def test_honest_hand_work_gets_full_marks(name):
    """Does a student who rounds every intermediate value get every part right?"""
    family = FAMILIES[name]
    question, variants = _variants(family, {})
    for params in variants:
        for how, rounding in HONEST.items():
            answers = simulated_answers(family, params, rounding=rounding)
            result = grade_question(question, params, answers)
            wrong = {p: r.message for p, r in result.parts.items() if r.status != "correct"}
            assert not wrong, f"{how}: {wrong} for {params}"
            assert result.score == pytest.approx(result.max)


MISTAKE_CASES = [(name, mistake.id, variant.name)
                 for name in sorted(set(FAMILIES) - {"forecaster"})
                 for mistake in FAMILIES[name].mistakes for variant in mistake.variants]


@pytest.mark.parametrize(("name", "mistake_id", "variant"), MISTAKE_CASES)
def test_each_mistake_is_caught_and_named(name, mistake_id, variant):
    """Is a student making a catalogued mistake never given full marks, and the mistake named?"""
    family = FAMILIES[name]
    question, variants = _variants(family, family.mistake(mistake_id).when)
    named = Counter()
    for params in variants:
        for rounding in (None, to_decimals(4)):
            answers = simulated_answers(family, params, f"{mistake_id}:{variant}", rounding)
            result = grade_question(question, params, answers)
            statuses = [r.status for r in result.parts.values()]
            assert "incorrect" in statuses, f"not caught on {params}"
            assert result.score < result.max
            first = next(r for r in result.parts.values() if r.status == "incorrect")
            named[first.mistake == mistake_id] += 1
    assert named[True] / sum(named.values()) >= 0.9, named


@pytest.mark.parametrize(("name", "first"), [
    ("adam_update", "V"), ("backprop", "o1"), ("lstm_forward", "h_1"), ("gru_forward", "h_1")])
def test_follow_through_across_the_chain(name, first):
    """After one wrong part, are later parts right from the student's own numbers credited
    (an LSTM with a wrong h_1 still earns credit for a consistent step 2)?"""
    family = FAMILIES[name]
    question, variants = _variants(family, {})
    for params in variants[:10]:
        graph = family.build(family.parse(params))
        parts = graph.parts()
        wrong_value = np.asarray(graph.evaluate()[first], dtype=float) * 1.5 + 0.25
        env = graph.evaluate({first: wrong_value})
        answers = {part: np.round(np.asarray(env[part], dtype=float), 6).tolist()
                   for part in parts if np.asarray(env[part]).dtype.kind == "f"}
        result = grade_question(question, params, answers)
        assert result.parts[first].status == "incorrect"
        later = parts[parts.index(first) + 1:]
        changed = [p for p in later if p in answers
                   and not np.allclose(env[p], graph.evaluate()[p], rtol=1e-3, atol=1e-3)]
        assert changed, "the wrong first part moved nothing downstream"
        for part in changed:
            assert result.parts[part].status == "follow_through", (part, result.parts[part])
