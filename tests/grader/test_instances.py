"""Students who share numbers share one solved instance, and are graded as if they had not."""

from __future__ import annotations

from grader.assignment import Question
from grader.grading import InstanceCache, grade_question
from grader.simulate import simulated_answers, to_decimals
from grader.tolerance import Tolerance
from problems.adam_update import CANONICAL, FAMILY


def _question(params: dict, qid: str = "adam") -> Question:
    return Question(id=qid, family=FAMILY, title="Adam", points=10.0, params=params,
                    randomize={}, tolerance=Tolerance(), part_tolerances={},
                    follow_through_credit=1.0)


def _class_answers() -> list[dict | None]:
    """An honest, a rounded, a mistaken and an absent student on the same numbers."""
    mistakes = [f"{m.id}:{v.name}" for m in FAMILY.mistakes for v in m.variants]
    return ([simulated_answers(FAMILY, CANONICAL, None, to_decimals(4)),
             simulated_answers(FAMILY, CANONICAL, None, to_decimals(3))]
            + [simulated_answers(FAMILY, CANONICAL, mistake, to_decimals(4))
               for mistake in mistakes] + [None])


def test_shared_instance_grades_like_a_fresh_one():
    """Does grading through the run's instance cache give every student the same results as
    solving their instance afresh (statuses, scores, named mistakes, messages)?"""
    question, cache = _question(CANONICAL), InstanceCache()
    for answers in _class_answers() * 2:
        fresh = grade_question(question, CANONICAL, answers)
        shared = grade_question(question, CANONICAL, answers, instances=cache)
        assert shared.parts == fresh.parts
        assert shared.points == fresh.points and shared.notes == fresh.notes
    assert any(part.mistake for answers in _class_answers()[2:-1]
               for part in grade_question(question, CANONICAL, answers, instances=cache)
               .parts.values())


def test_one_instance_per_question_and_numbers():
    """Is an instance reused for the same question and numbers, and kept apart for another
    question id or other numbers?"""
    cache = InstanceCache()
    other = {**CANONICAL, "t": 3}
    first = cache.get(_question(CANONICAL), CANONICAL)
    assert cache.get(_question(CANONICAL), dict(reversed(list(CANONICAL.items())))) is first
    assert cache.get(_question(CANONICAL, "adam2"), CANONICAL) is not first
    assert cache.get(_question(other), other) is not first
    assert cache.get(_question(other), other).env["V_hat"].tolist() != first.env["V_hat"].tolist()


def test_cache_is_bounded():
    """Does a class where everyone has their own numbers keep at most MAX_INSTANCES?"""
    cache = InstanceCache()
    for t in range(1, InstanceCache.MAX_INSTANCES + 10):
        params = {**CANONICAL, "t": t}
        cache.get(_question(params), params)
    assert len(cache) == InstanceCache.MAX_INSTANCES


def test_shared_instance_outlives_one_off_draws():
    """Is the instance every student uses kept while many one-off instances pass through?"""
    cache, fixed = InstanceCache(), _question(CANONICAL, "fixed")
    shared = cache.get(fixed, CANONICAL)
    for t in range(2, 4 * InstanceCache.MAX_INSTANCES):
        params = {**CANONICAL, "t": t}
        cache.get(_question(params), params)
        assert cache.get(fixed, CANONICAL) is shared
    assert len(cache) == InstanceCache.MAX_INSTANCES
