"""The outcome of grading: per part, per question, per student (the shape of results.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
class QuestionResult:
    """A question's parts with the points each was worth."""

    parts: dict[str, PartResult]
    points: dict[str, float]
    notes: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        return sum(self.points[name] * part.fraction for name, part in self.parts.items())

    @property
    def max(self) -> float:
        return sum(self.points.values())
