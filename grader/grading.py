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

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from grader.allowance import allowances, least_allowances
from grader.assignment import Question
from grader.compare import FLOAT_SLACK, every, matches, read_given, share
from grader.graph import Graph
from grader.results import PartResult, QuestionResult, Solution
from grader.values import to_jsonable


def grade_question(question: Question, params_raw: Mapping[str, Any],
                   given: Mapping[str, Any] | None, problem: str | None = None,
                   instances: InstanceCache | None = None) -> QuestionResult:
    """Grade one question; `given` is the student's {part: value}, `problem` why it is absent.

    ``instances`` keeps solved instances for the whole run: students who share numbers (fixed
    params, or a draw from a small pool) share one solution, its allowances and its mistakes.
    """
    instance = (instances.get(question, params_raw) if instances is not None
                else Instance.solve(question, params_raw))
    env, parts, points = instance.env, instance.parts, instance.points
    solution = Solution(instance.graph, env)
    if not isinstance(given, Mapping):
        status = "invalid" if given is not None or problem else "missing"
        message = problem or ("expected a mapping of part names to values" if given is not None
                              else "question not answered")
        results = {part: PartResult(status, 0.0, instance.shown[part], None, message)
                   for part in parts}
        return QuestionResult(results, points, solution=solution)
    given, unknown = by_part_name(given, parts)
    grading = _QuestionGrading(instance, given)
    results = {part: grading.part(part) for part in parts}
    if not unknown:
        return QuestionResult(results, points, (), solution)
    written = ", ".join(repr(key[:40]) for key in unknown[:5])
    which = "which is no part" if len(unknown) == 1 else "which are no parts"
    unmatched = (f"no answer given; the answers hold {written}, {which} of this "
                 f"question (its parts: {', '.join(parts)})")
    results = {part: replace(result, message=unmatched) if result.status == "missing"
               else result for part, result in results.items()}
    return QuestionResult(results, points, (f"ignored unknown part(s): {', '.join(unknown)}",),
                          solution)


def by_part_name(given: Mapping[str, Any], parts: tuple[str, ...]
                 ) -> tuple[dict[str, Any], list[str]]:
    """The given values of the parts, by part name, and the keys that name no part, sorted.

    A key in another case (`w` for `W`, `V_Hat` for `V_hat`) names a part when it is the only
    key that fits it and the part is not also given under its own name, as question ids do.
    """
    named = {str(key): value for key, value in given.items()}
    if all(key in parts for key in named):
        return named, []
    others = [key for key in named if key not in parts]
    for part in parts:
        alike = [key for key in others if key.lower() == part.lower()]
        if part not in named and len(alike) == 1:
            named[part] = named.pop(alike[0])
            others.remove(alike[0])
    return {part: named[part] for part in parts if part in named}, sorted(others)


class Instance:
    """One question's instance solved once: what grading any student against it needs.

    Everything here depends on the numbers alone, never on a student's answers: the graph and
    its values, the parts' points and allowances, and each catalogued mistake's graph
    evaluated from the exact inputs.
    """

    def __init__(self, question: Question, graph: Graph):
        self.question, self.graph = question, graph
        self.env = graph.key()
        self.parts = graph.parts()
        self.points = question.part_points(self.parts)
        self.shown = {part: to_jsonable(self.env[part]) for part in self.parts}
        self.least = least_allowances(self.env, self.parts, question.tolerance_for)
        self._allowed: dict[str, np.ndarray] | None = None
        self._mistaken: list[tuple[str, Graph, _Rerun]] | None = None

    @classmethod
    def solve(cls, question: Question, params_raw: Mapping[str, Any]) -> Instance:
        family = question.family
        return cls(question, family.build(family.parse(params_raw)))

    @property
    def allowed(self) -> dict[str, np.ndarray]:
        """Each part's allowance around the key (propagated through the graph once)."""
        if self._allowed is None:
            self._allowed = allowances(self.graph, self.question.tolerance_for, self.env)
        return self._allowed

    def mistaken(self) -> list[tuple[str, Graph, _Rerun]]:
        """Each mistake variant that can show here: its graph, evaluated from exact inputs.

        Only the steps a mistake rewrites, and those downstream of them, are run again; the
        rest keep their values from the correct graph's evaluation. A variant that reaches
        nothing posed here (a loss convention when no loss is asked) is left out.
        """
        if self._mistaken is None:
            self._mistaken = []
            for mistake in self.question.family.mistakes:
                for variant in mistake.variants:
                    graph = self.graph.rewritten(variant.rewrite)
                    try:
                        with np.errstate(all="ignore"):
                            exact = _rerun_changed(self.graph, graph, self.env, {})
                    except (ValueError, TypeError, ArithmeticError):
                        continue
                    if exact.moved:
                        self._mistaken.append((mistake.id, graph, exact))
        return self._mistaken


class InstanceCache:
    """Solved instances by (question id, params), kept for one grading run (one assignment).

    Bounded: a class whose every student has their own numbers gains nothing from it, so the
    least recently used instance goes once `MAX_INSTANCES` are kept; an instance every student
    shares (fixed params) stays however many one-off draws pass through.
    """

    MAX_INSTANCES = 64

    def __init__(self) -> None:
        self._instances: dict[tuple[str, str], Instance] = {}

    def __len__(self) -> int:
        return len(self._instances)

    def get(self, question: Question, params_raw: Mapping[str, Any]) -> Instance:
        key = (question.id, json.dumps(params_raw, sort_keys=True, default=repr))
        instance = self._instances.pop(key, None)  # re-inserted last: the most recent
        if instance is None:
            instance = Instance.solve(question, params_raw)
            if len(self._instances) >= self.MAX_INSTANCES:
                del self._instances[next(iter(self._instances))]
        self._instances[key] = instance
        return instance


class _QuestionGrading:
    """One student's answers to one instance, with what grading them needs, computed once.

    The student's own environment (every node evaluated with their usable answers in place)
    gives follow-through: a part's step re-run on it uses the student's own values of its
    inputs. Each mistaken graph is evaluated the same way, only when some part is wrong.
    """

    def __init__(self, instance: Instance, given: Mapping[str, Any]):
        self.instance, self.given = instance, given
        self.question, self.graph, self.env = instance.question, instance.graph, instance.env
        words = self.question.family.words
        env = self.env
        self.readings = {part: read_given(given[part], env[part], words)
                         for part in instance.parts if given.get(part) is not None}
        self.usable = {part: reading.value for part, reading in self.readings.items()
                       if not reading.problem and reading.usable}
        self._from_own: dict[str, tuple[Any, np.ndarray | None] | None] = {}
        self._own: tuple[dict, dict] | None = None
        self._mistaken: list[tuple[str, Graph, _Rerun, _Rerun]] | None = None
        self._right: set[str] | None = None

    def part(self, part: str) -> PartResult:
        expected = self.env[part]
        shown_expected = self.instance.shown[part]
        if part not in self.readings:
            return PartResult("missing", 0.0, shown_expected, None, "no answer given")
        reading = self.readings[part]
        if reading.problem:
            return PartResult("invalid", 0.0, shown_expected, as_shown(self.given[part]),
                              reading.problem)
        shown_given = to_jsonable(reading.value)
        if self.surely_right(part, reading.value):
            return PartResult("correct", 1.0, shown_expected, shown_given, "correct")
        against_key = matches(reading.value, expected, self.allowed.get(part))
        if every(against_key):
            return PartResult("correct", 1.0, shown_expected, shown_given, "correct")
        own = self.from_own_inputs(part)
        if own is not None and every(matches(reading.value, own[0], own[1])):
            return PartResult(
                "follow_through", self.question.follow_through_credit, shown_expected,
                shown_given, "right from your own earlier answers "
                f"(expected {_short(own[0])} from them; the key is {_short(expected)})"
                + ("; this assignment gives follow-through no points"
                   if self.question.follow_through_credit == 0 else ""))
        mistake = self.diagnose(part, reading.value)
        fraction = share(against_key)
        message = (f"{share_text(against_key)} of the entries are right" if 0 < fraction < 1
                   else "incorrect")
        if mistake is not None:
            message = f"{message}; {self.question.family.mistake(mistake).description}"
        return PartResult("incorrect", fraction, shown_expected, shown_given, message, mistake)

    @property
    def allowed(self) -> dict[str, np.ndarray]:
        return self.instance.allowed

    def surely_right(self, part: str, value: Any) -> bool:
        """Within the least allowance the part can have: right without propagating."""
        least = self.instance.least.get(part)
        return least is not None and every(matches(value, self.env[part], least))

    def own_environment(self) -> tuple[dict, dict]:
        """The graph evaluated with the student's usable answers in place, and its allowances."""
        if self._own is None:
            with np.errstate(all="ignore"):
                own_env = self.graph.evaluate(self.usable)
                own_allowed = allowances(self.graph, self.question.tolerance_for, own_env,
                                         supplied=self.usable)
            self._own = own_env, own_allowed
        return self._own

    def from_own_inputs(self, part: str) -> tuple[Any, np.ndarray | None] | None:
        """The part's step re-run on the student's own values, with its allowance there."""
        if part not in self._from_own:
            self._from_own[part] = self._rerun_on_own(part)
        return self._from_own[part]

    def _rerun_on_own(self, part: str) -> tuple[Any, np.ndarray | None] | None:
        if not any(name != part for name in self.usable):
            return None
        own_env, own_allowed = self.own_environment()
        try:
            with np.errstate(all="ignore"):
                value = self.graph.step(part).run(own_env)
        except (ValueError, TypeError, ArithmeticError):
            return None
        allowed = own_allowed.get(part)
        if allowed is not None:
            allowed = believable(value, allowed, self.allowed.get(part))
        return value, allowed

    def mistaken(self) -> list[tuple[str, Graph, _Rerun, _Rerun]]:
        """Each mistake variant that can show here: its graph, evaluated from exact inputs
        (the instance's) and from the student's own."""
        if self._mistaken is None:
            self._mistaken = []
            own_env = self.own_environment()[0]
            for mistake_id, graph, exact in self.instance.mistaken():
                try:
                    with np.errstate(all="ignore"):
                        own = _rerun_changed(self.graph, graph, own_env, self.usable)
                except (ValueError, TypeError, ArithmeticError):
                    continue
                self._mistaken.append((mistake_id, graph, exact, own))
        return self._mistaken

    def contradicted(self, throughout: _Rerun, part: str) -> bool:
        """Whether the student's own earlier answers show they did not make this mistake
        throughout: a part before this one that the mistake moves beyond its allowance,
        answered right against the key (a right h_1 rules out h_without_tanh for f_2)."""
        if self._right is None:  # the student's usable answers that are right, once
            self._right = {name for name, value in self.usable.items()
                           if _same(value, self.env[name], self.allowed.get(name))}
        parts = self.instance.parts
        before = parts[:parts.index(part)]
        return any(name in before and not _same(throughout.env[name], self.env[name],
                                                 self.allowed.get(name))
                   for name in throughout.moved & self._right)

    def diagnose(self, part: str, value: Any) -> str | None:
        """The catalogued mistake that best explains the given value, if any explains it.

        Each mistake is re-run from the exact inputs (made throughout, unless the student's
        own earlier answers rule that out) and from the student's own; of those that match
        within the allowance, the closest wins (catalogue order breaks ties).
        """
        allowance = self.allowed.get(part)
        # What the right rule gives from the student's own values: a mistake that gives the
        # same there does not explain the answer.
        own_inputs = self.from_own_inputs(part)
        follow = own_inputs[0] if own_inputs is not None else None
        candidates: list[tuple[str, Any]] = []
        with np.errstate(all="ignore"):
            for mistake_id, graph, exact, own in self.mistaken():
                # Only where the mistake changes the rule or its inputs: elsewhere the
                # "mistaken" value is the key, or the follow-through from the student's own.
                if part in exact.moved and not self.contradicted(exact, part):
                    candidates.append((mistake_id, exact.env[part]))
                if part in own.moved:
                    try:
                        candidate = graph.step(part).run(own.env)
                    except (ValueError, TypeError, ArithmeticError):
                        continue
                    if not _same(candidate, follow, allowance):
                        candidates.append((mistake_id, candidate))
        if allowance is not None and not isinstance(value, str):
            return _closest_numeric(candidates, value, self.env[part], allowance)
        return _closest(candidates, value, self.env[part], allowance)


@dataclass(frozen=True)
class _Rerun:
    """A mistaken graph's values, and the steps whose rule or inputs the mistake changed
    (a step the student gave keeps their value but is listed: the mistake would move it)."""

    env: dict[str, Any]
    moved: frozenset[str]


def _rerun_changed(correct: Graph, mistaken: Graph, env: Mapping[str, Any],
                   given: Mapping[str, Any]) -> _Rerun:
    """The mistaken graph evaluated with `given` in place, from the correct graph's `env`
    evaluated the same way: a step is run only if it was rewritten or an input changed."""
    env = dict(env)
    changed: set[str] = set()
    moved: set[str] = set()
    for before, after in zip(correct.steps, mistaken.steps, strict=True):
        if after is before and changed.isdisjoint(after.inputs):
            continue
        moved.add(after.name)
        if after.name not in given:
            env[after.name] = after.run(env)
            changed.add(after.name)
    return _Rerun(env, frozenset(moved))


def _same(candidate: Any, reference: Any, allowance: np.ndarray | None) -> bool:
    """Is the candidate within the allowance of the reference (None: nothing to compare)?"""
    if reference is None:
        return False
    try:
        return every(matches(candidate, reference, allowance))
    except (ValueError, TypeError):
        return False


def _closest(candidates: list[tuple[str, Any]], value: Any, correct: Any,
             allowance: np.ndarray | None) -> str | None:
    """Of the candidates that differ from the key and match the value, the closest one's id."""
    fitting: list[tuple[float, str]] = []
    for mistake_id, candidate in candidates:
        if (every(matches(candidate, correct, allowance))
                or not every(matches(value, candidate, allowance))):
            continue
        fitting.append((_distance(value, candidate, allowance), mistake_id))
    return _first_nearest(fitting)


TIED_WITHIN = 1e-6
"""Distances (in allowances) this close are a tie, which catalogue order breaks."""


def _first_nearest(fitting: list[tuple[float, str]]) -> str | None:
    """The id of the nearest candidate, the first in catalogue order among those tied with it.

    Two mistakes can give the same value on paper (with h_0 = 0, a GRU's swapped update
    convention and its flipped sigmoid both give z_1 h_tilde_1). Their values then differ by
    float noise, which differs between CPUs (exp and tanh take other vector paths), and the
    noise must not pick the name.
    """
    if not fitting:
        return None
    nearest = min(distance for distance, _ in fitting)
    return next(mistake_id for distance, mistake_id in fitting
                if distance <= nearest + TIED_WITHIN)


def _closest_numeric(candidates: list[tuple[str, Any]], value: Any, correct: Any,
                     allowance: np.ndarray) -> str | None:
    """`_closest` for numbers, every candidate at once (the same verdicts, one numpy pass)."""
    if not np.ndim(correct) and not np.ndim(allowance) and isinstance(value, float):
        return _closest_number(candidates, value, float(correct), float(allowance))
    correct = np.asarray(correct, dtype=float)
    usable = []
    for mistake_id, candidate in candidates:
        try:
            array = np.asarray(candidate, dtype=float)
        except (TypeError, ValueError):
            continue
        if array.shape == correct.shape:
            usable.append((mistake_id, array))
    if not usable:
        return None
    stacked = np.stack([array for _, array in usable]).reshape(len(usable), -1)
    allowed = np.broadcast_to(np.asarray(allowance, dtype=float), correct.shape).ravel()
    bound = allowed * (1 + FLOAT_SLACK) + 1e-12
    given = np.asarray(value, dtype=float).ravel()
    with np.errstate(all="ignore"):
        gap = np.abs(given - stacked)
        is_key = np.all(np.abs(stacked - correct.ravel()) <= bound, axis=1)
        fits = np.all(np.isfinite(stacked), axis=1) & np.all(gap <= bound, axis=1)
        distance = np.max(gap / np.maximum(allowed, 1e-15), axis=1)
    return _first_nearest([(float(distance[index]), usable[index][0])
                           for index in np.flatnonzero(fits & ~is_key)])


def _closest_number(candidates: list[tuple[str, Any]], value: float, correct: float,
                    allowance: float) -> str | None:
    """`_closest_numeric` for a part that is one number, in plain floats (most parts)."""
    bound = allowance * (1 + FLOAT_SLACK) + 1e-12
    scale = max(allowance, 1e-15)
    fitting: list[tuple[float, str]] = []
    for mistake_id, candidate in candidates:
        if np.ndim(candidate):
            continue
        try:
            number = float(candidate)
        except (TypeError, ValueError):
            continue
        gap = abs(value - number)
        if (not math.isfinite(number) or not gap <= bound
                or abs(number - correct) <= bound):  # far from the answer, or the key
            continue
        fitting.append((gap / scale, mistake_id))
    return _first_nearest(fitting)


def _distance(value: Any, candidate: Any, allowance: np.ndarray | None) -> float:
    """How far a value is from a candidate, in allowances (0 for equal words)."""
    if isinstance(value, str) or allowance is None:
        return 0.0
    gap = np.abs(np.asarray(value, dtype=float) - np.asarray(candidate, dtype=float))
    return float(np.max(gap / np.maximum(allowance, 1e-15)))


MAX_SHOWN_TEXT = 120


def as_shown(value: Any, depth: int = 0) -> Any:
    """A raw given value as results.json can hold it: JSON types, finite numbers, short text."""
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    if isinstance(value, list | tuple) and depth < 4:
        return [as_shown(entry, depth + 1) for entry in value[:50]]
    if isinstance(value, dict) and depth < 4:
        return {str(key)[:40]: as_shown(entry, depth + 1)
                for key, entry in list(value.items())[:20]}
    text = str(value)
    return text if len(text) <= MAX_SHOWN_TEXT else text[:MAX_SHOWN_TEXT] + "..."


FOLLOW_THROUGH_MAX_RELATIVE = 0.25
"""A follow-through allowance is at most this share of the value re-run from the student's
own inputs, or the key's allowance when that is larger (so honest work, whose own values are
near the key's, keeps what it gets against the key). An answer a quarter off the value its own
inputs give is no consistent working, and first-order propagation means nothing there."""


def believable(value: Any, allowed: Any, key_allowed: Any) -> Any:
    """The follow-through allowance, capped where first-order propagation stops holding.

    Rounding propagates to first order, which holds while the errors are small against the
    values. A student's own S_hat of 0 under a square root, an own o2 of 1000 in o(1 - o), or
    an own phi'(0) of 1e-9 under 1/x make the propagated allowance far larger than the value
    re-run from them, and any answer would then earn follow-through.
    """
    with np.errstate(invalid="ignore"):
        cap = FOLLOW_THROUGH_MAX_RELATIVE * np.abs(np.asarray(value, dtype=float))
        if key_allowed is not None:
            cap = np.maximum(cap, key_allowed)
        capped = np.minimum(allowed, cap)
    return capped if np.ndim(capped) else float(capped)


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
