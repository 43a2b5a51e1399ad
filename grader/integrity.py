"""Integrity flags: answers that fit another student's numbers but not the student's own.

A wrong part matches another student when every entry is within 0.5% (three significant
figures) of the key of that student's variant. One matching number can be chance (small
hand-computable numbers repeat), so a question is flagged when at least
MIN_MATCHING_PARTS of its parts match the same other student (or all of them, for a question
with fewer numeric parts). Scores are never changed; the instructor reads the report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from grader.grade import ClassResult

MATCH_RTOL = 5e-3
MIN_MATCHING_PARTS = 2
FLAGGED_STATUSES = ("incorrect", "follow_through")


@dataclass(frozen=True)
class Flag:
    """Parts of one student's question that fit another student's variant, not their own."""

    student: str
    question: str
    other: str
    parts: tuple[str, ...]


def find_flags(result: ClassResult) -> list[Flag]:
    """Questions whose wrong answers fit another student's key (see the module docstring)."""
    tables = _key_tables(result)
    flags = []
    for graded in result.students:
        for qid, question in graded.questions.items():
            by_other: dict[str, list[str]] = defaultdict(list)
            numeric_parts = sum(_numeric(o.expected) is not None
                                for o in question.parts.values())
            for part, outcome in question.parts.items():
                if outcome.status not in FLAGGED_STATUSES:
                    continue
                given, own = _numeric(outcome.given), _numeric(outcome.expected)
                if given is None or own is None or given.shape != own.shape:
                    continue
                owners, table = tables[(qid, part, given.shape)]
                scale = np.maximum(np.abs(table), 1e-3)
                fits = np.all(np.abs(table - given.ravel()) <= MATCH_RTOL * scale, axis=1)
                differs = np.any(np.abs(table - own.ravel()) > MATCH_RTOL * scale, axis=1)
                for i in np.flatnonzero(fits & differs):
                    if owners[i] != graded.student.id:
                        by_other[owners[i]].append(part)
            needed = min(MIN_MATCHING_PARTS, numeric_parts)
            flags.extend(Flag(graded.student.id, qid, other, tuple(parts))
                         for other, parts in by_other.items() if len(parts) >= needed)
    return flags


def _key_tables(result: ClassResult) -> dict[tuple, tuple[list[str], np.ndarray]]:
    """Per question, part and shape: whose keys, stacked one row per student."""
    rows: dict[tuple, tuple[list[str], list[np.ndarray]]] = defaultdict(lambda: ([], []))
    for graded in result.students:
        for qid, question in graded.questions.items():
            for part, outcome in question.parts.items():
                expected = _numeric(outcome.expected)
                if expected is not None:
                    owners, values = rows[(qid, part, expected.shape)]
                    owners.append(graded.student.id)
                    values.append(expected.ravel())
    return {key: (owners, np.stack(values)) for key, (owners, values) in rows.items()}


def _numeric(value) -> np.ndarray | None:
    if value is None or isinstance(value, str):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.size and np.all(np.isfinite(array)) else None
