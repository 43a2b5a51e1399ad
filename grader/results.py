"""The outcome of grading: per part, per question, per student (the shape of results.json)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.graph import Graph


def round_points(value: float) -> float | int:
    """Points as printed in outputs: 4 decimals, whole numbers without a fraction."""
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) else rounded


STATUSES = ("correct", "follow_through", "incorrect", "missing", "invalid")


@dataclass(frozen=True)
class PartResult:
    """How one part of one question was graded; `fraction` of its points was earned."""

    status: str
    fraction: float
    expected: Any
    given: Any
    message: str
    mistake: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction {self.fraction} outside [0, 1]")


@dataclass(frozen=True)
class Solution:
    """A solved instance: its step graph and every node's exact value."""

    graph: Graph
    env: Mapping[str, Any]


@dataclass(frozen=True)
class QuestionResult:
    """A question's parts with the points each was worth."""

    parts: dict[str, PartResult]
    points: dict[str, float]
    notes: tuple[str, ...] = field(default=())
    solution: Solution | None = field(default=None, compare=False, repr=False)
    """The instance's graph and exact values, for the feedback written in the same process;
    dropped when the result is pickled (to the parent process), as graphs hold functions."""
    failure: str | None = None
    """A grader bug met while grading this question (its parts are then invalid), for the
    instructor's attention; the student's feedback says it is not their mistake."""

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "solution": None}

    @property
    def score(self) -> float:
        return sum(self.points[name] * part.fraction for name, part in self.parts.items())

    @property
    def max(self) -> float:
        return sum(self.points.values())
