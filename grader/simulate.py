"""Simulated students: answers worked by hand with rounding, or with a catalogued mistake.

Used by the tests, the grading benchmark and the script that writes the demo submissions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.allowance import is_numeric
from grader.graph import Graph
from grader.values import to_jsonable

Rounding = Callable[[np.ndarray], np.ndarray]


def to_decimals(decimals: int) -> Rounding:
    """Round every entry to a number of decimals, as a pocket-calculator student does."""
    return lambda value: np.round(np.asarray(value, dtype=float), decimals)


def to_sig_figs(sig_figs: int) -> Rounding:
    """Round every entry to a number of significant figures."""

    def rounding(value: np.ndarray) -> np.ndarray:
        value = np.asarray(value, dtype=float)
        magnitude = np.where(value == 0, 1.0, np.abs(value))
        digits = sig_figs - 1 - np.floor(np.log10(magnitude))
        scale = 10.0 ** digits
        return np.round(value * scale) / scale

    return rounding


def hand_worked(graph: Graph, rounding: Rounding | None = None) -> dict[str, Any]:
    """Every part as a student computes it: each step's result rounded before it is reused."""
    env = dict(graph.constants)
    with np.errstate(all="ignore"):
        for step in graph.steps:
            value = step.run(env)
            if rounding is not None and is_numeric(value):
                value = rounding(value) if np.ndim(value) else float(rounding(value))
            env[step.name] = value
    return {part: to_jsonable(env[part]) for part in graph.parts()}


def simulated_answers(family, raw_params, mistake: str | None = None,
                      rounding: Rounding | None = None) -> dict[str, Any]:
    """The answers a student gives: right or with a mistake (``id:variant``), hand-rounded."""
    graph = family.graph(family.parse(raw_params), mistake)
    return hand_worked(graph, rounding)
