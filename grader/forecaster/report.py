"""The forecaster check as a readable report or as JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from grader.forecaster.data import TestData
from grader.results import PartResult
from grader.values import to_jsonable

STATUS_MARKS = {"correct": "ok", "follow_through": "ok", "incorrect": "WRONG",
                "missing": "missing", "invalid": "invalid"}


def format_report(results: dict[str, PartResult], weights: str, data: TestData) -> str:
    """One line per check: part, verdict, what was found."""
    passed = sum(result.status == "correct" for result in results.values())
    lines = [f"forecaster check of {weights} on {data.source} ({data.describe()})"]
    width = max(len(part) for part in results)
    for part, result in results.items():
        mark = STATUS_MARKS[result.status]
        mistake = f" [mistake: {result.mistake}]" if result.mistake else ""
        lines.append(f"  {part:<{width}}  {mark:<7}  {result.message}{mistake}")
    lines.append(f"{passed} of {len(results)} checks passed")
    return "\n".join(lines)


def results_json(results: dict[str, PartResult], weights: str, data: TestData) -> dict[str, Any]:
    """The results in the shape of results.json's parts, plus what was checked."""
    return {
        "weights": weights,
        "test_data": {"path": data.source, "windows": data.X.shape[0],
                      "length": data.X.shape[1], "features": data.X.shape[2]},
        "parts": {part: to_jsonable(asdict(result)) for part, result in results.items()},
    }
