"""Integrity flags: answers that fit another student's numbers but not the student's own.

A wrong part is flagged when every entry is within 0.5% (three significant figures) of the
key of another student's variant. Scores are never changed; the instructor reads the report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from grader.grade import ClassResult

MATCH_RTOL = 5e-3
FLAGGED_STATUSES = ("incorrect", "follow_through")


@dataclass(frozen=True)
class Flag:
    """One part of one student's answers that matches other students' variants."""

    student: str
    question: str
    part: str
    matches: tuple[str, ...]


def find_flags(result: ClassResult) -> list[Flag]:
    """Every wrong numeric part whose value fits another variant's key (see module doc)."""
    tables = _key_tables(result)
    flags = []
    for graded in result.students:
        for qid, question in graded.questions.items():
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
                others = tuple(owners[i] for i in np.flatnonzero(fits & differs)
                               if owners[i] != graded.student.id)
                if others:
                    flags.append(Flag(graded.student.id, qid, part, others))
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
