"""A variant is fair when grading can tell every catalogued mistake from the right answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.allowance import allowances
from grader.errors import NoFiniteKeyError
from grader.family import Family
from grader.graph import Mistake
from grader.params import Params


def applies(mistake: Mistake, settings: Mapping[str, Any]) -> bool:
    """Whether the exercise as set up can expose the mistake at all (see Mistake.when)."""
    return all(settings.get(key) == value for key, value in mistake.when.items())


def is_fair(family: Family, params: Params, question) -> bool:
    """Every mistake variant the instance can show moves some part beyond its allowance."""
    return not hidden_mistakes(family, params, question)


NO_FINITE_KEY = "no finite key"


def hidden_mistakes(family: Family, params: Params, question) -> list[str]:
    """The mistake variants (id:variant) that move no part beyond its allowance, so grading
    could not tell them from the right answer; [NO_FINITE_KEY] when the instance has no
    finite key.

    A variant is left out when the question's settings cannot expose it (Mistake.when) or
    when it rewrites nothing a posed part depends on (Family.possible_mistakes).
    """
    graph = family.build(params)
    try:
        env = graph.key()
    except NoFiniteKeyError:
        return [NO_FINITE_KEY]
    allowed = allowances(graph, question.tolerance_for, env)
    hidden = []
    for mistake, variant in family.possible_mistakes(graph):
        if not applies(mistake, question.randomize):
            continue
        wrong = graph.rewritten(variant.rewrite).answers()
        if not any(_distinguishable(env[part], wrong[part], allowed.get(part))
                   for part in graph.parts()):
            hidden.append(f"{mistake.id}:{variant.name}")
    return hidden


def _distinguishable(correct: Any, wrong: Any, allowance: np.ndarray | None) -> bool:
    if allowance is None:
        return not np.array_equal(np.asarray(correct), np.asarray(wrong))
    wrong = np.asarray(wrong, dtype=float)
    if wrong.shape != np.shape(correct):
        return True
    gap = np.abs(wrong - np.asarray(correct, dtype=float))
    return bool(np.any(~np.isfinite(wrong) | (gap > 2 * allowance)))
