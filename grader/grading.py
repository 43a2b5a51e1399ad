"""Grading one student's answers to one question: key, follow-through, named mistakes.

For each part, in the order a student computes them:
1. within the allowance of the key, entry by entry -> `correct` (entries partly right earn
   their share);
2. otherwise re-run the part's step from the student's own values of its inputs (earlier parts
   they gave; the ones they left out are recomputed from what they gave): a match is
   `follow_through` and earns the question's follow-through credit;
3. a wrong part is checked against every catalogued mistake, both from the exact inputs and
   from the student's own; the first match names the mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.allowance import allowances
from grader.assignment import Question
from grader.compare import Reading, matches, read_given, share
from grader.graph import Graph
from grader.results import PartResult, QuestionResult
from grader.values import to_jsonable


def grade_question(question: Question, params_raw: Mapping[str, Any],
                   given: Mapping[str, Any] | None, problem: str | None = None
                   ) -> QuestionResult:
    """Grade one question; `given` is the student's {part: value}, `problem` why it is absent."""
    family = question.family
    graph = family.build(family.parse(params_raw))
    env = graph.evaluate()
    parts = graph.parts()
    points = question.part_points(parts)
    if not isinstance(given, Mapping):
        status = "invalid" if given is not None or problem else "missing"
        message = problem or ("expected a mapping of part names to values" if given is not None
                              else "question not answered")
        results = {part: PartResult(status, 0.0, to_jsonable(env[part]), None, message)
                   for part in parts}
        return QuestionResult(results, points)
    readings = {part: read_given(given[part], env[part], family.words)
                for part in parts if given.get(part) is not None}
    usable = {part: reading.value for part, reading in readings.items() if not reading.problem}
    allowed = allowances(graph, question.tolerance_for, env)
    results = {}
    for part in parts:
        results[part] = _grade_part(question, graph, env, allowed, part, given, readings, usable)
    unknown = sorted(set(map(str, given)) - set(parts))
    notes = (f"ignored unknown part(s): {', '.join(unknown)}",) if unknown else ()
    return QuestionResult(results, points, notes)


def _grade_part(question: Question, graph: Graph, env: Mapping[str, Any],
                allowed: Mapping[str, np.ndarray], part: str, given: Mapping[str, Any],
                readings: Mapping[str, Reading], usable: Mapping[str, Any]) -> PartResult:
    expected = env[part]
    shown_expected = to_jsonable(expected)
    if part not in readings:
        return PartResult("missing", 0.0, shown_expected, None, "no answer given")
    reading = readings[part]
    shown_given = to_jsonable(given[part]) if reading.problem else to_jsonable(reading.value)
    if reading.problem:
        return PartResult("invalid", 0.0, shown_expected, shown_given, reading.problem)
    against_key = matches(reading.value, expected, allowed.get(part))
    if against_key.all():
        return PartResult("correct", 1.0, shown_expected, shown_given, "correct")
    own = _from_own_inputs(question, graph, part, usable)
    if own is not None:
        own_value, own_allowance = own
        if matches(reading.value, own_value, own_allowance).all():
            return PartResult(
                "follow_through", question.follow_through_credit, shown_expected, shown_given,
                "right from your own earlier answers "
                f"(expected {_short(own_value)} from them; the key is {_short(expected)})")
    mistake = diagnose(question, graph, part, reading.value, usable, allowed.get(part))
    fraction = share(against_key)
    message = (f"{share_text(against_key)} of the entries are right" if 0 < fraction < 1
               else "incorrect")
    if mistake is not None:
        message = f"{message}; {question.family.mistake(mistake).description}"
    return PartResult("incorrect", fraction, shown_expected, shown_given, message, mistake)


def _from_own_inputs(question: Question, graph: Graph, part: str,
                     usable: Mapping[str, Any]) -> tuple[Any, np.ndarray | None] | None:
    """The part recomputed from the student's earlier values, with its allowance there."""
    earlier = {name: value for name, value in usable.items() if name != part}
    if not earlier:
        return None
    try:
        own_env = graph.evaluate(earlier)
    except (ValueError, TypeError, ArithmeticError):
        return None
    own_allowed = allowances(graph, question.tolerance_for, own_env)
    return own_env[part], own_allowed.get(part)


def diagnose(question: Question, graph: Graph, part: str, value: Any,
             usable: Mapping[str, Any], allowance: np.ndarray | None) -> str | None:
    """The catalogued mistake that best explains the given value, if any explains it.

    Each mistake is re-run from the exact inputs and from the student's own; of those that
    match within the allowance, the closest wins (catalogue order breaks ties).
    """
    earlier = {name: given for name, given in usable.items() if name != part}
    correct = graph.evaluate()[part]
    best: tuple[float, str] | None = None
    for mistake in question.family.mistakes:
        for variant in mistake.variants:
            mistaken = graph.rewritten(variant.rewrite)
            for inputs in ({}, earlier):
                try:
                    candidate = mistaken.evaluate(inputs)[part]
                except (ValueError, TypeError, ArithmeticError):
                    continue
                if (matches(candidate, correct, allowance).all()
                        or not matches(value, candidate, allowance).all()):
                    continue
                distance = _distance(value, candidate, allowance)
                if best is None or distance < best[0]:
                    best = (distance, mistake.id)
    return best[1] if best else None


def _distance(value: Any, candidate: Any, allowance: np.ndarray | None) -> float:
    """How far a value is from a candidate, in allowances (0 for equal words)."""
    if isinstance(value, str) or allowance is None:
        return 0.0
    gap = np.abs(np.asarray(value, dtype=float) - np.asarray(candidate, dtype=float))
    return float(np.max(gap / np.maximum(allowance, 1e-15)))


def share_text(mask: np.ndarray) -> str:
    mask = np.asarray(mask)
    return f"{int(mask.sum())} of {mask.size}"


def _short(value: Any) -> str:
    from grader.values import format_number

    if isinstance(value, str):
        return value
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return format_number(array.item(), 4)
    return "[" + ", ".join(_short(row) for row in array) + "]"
