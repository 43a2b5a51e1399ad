"""Integrity flags: answers that fit another student's numbers but not the student's own.

A wrong part matches another student when every entry is within 0.5% (three significant
figures) of the key of that student's variant. One matching number can be chance (small
hand-computable numbers repeat), so a question is flagged when at least
MIN_MATCHING_PARTS of its parts match the same other student (or all of them, for a question
with fewer numeric parts). Scores are never changed; the instructor reads the report.
"""

from __future__ import annotations

import math
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
    # Every wrong numeric part, grouped by the table of keys it is checked against.
    queries: dict[tuple, list[tuple[int, int, np.ndarray, np.ndarray]]] = defaultdict(list)
    for index, graded in enumerate(result.students):
        for qid, question in graded.questions.items():
            for position, (part, outcome) in enumerate(question.parts.items()):
                if outcome.status not in FLAGGED_STATUSES:
                    continue
                given, own = _numeric(outcome.given), _numeric(outcome.expected)
                if given is None or own is None or given.shape != own.shape:
                    continue
                queries[(qid, part, given.shape)].append(
                    (index, position, given.ravel(), own.ravel()))
    # (student, question) -> (part position, row in the table, other student) per fitting key.
    fitting: dict[tuple[int, str], list[tuple[int, int, str]]] = defaultdict(list)
    for key, rows in queries.items():
        owners, table = tables[key]
        for index, position, row in _fitting_rows(table, rows):
            if owners[row] != result.students[index].student.id:
                fitting[(index, key[0])].append((position, row, owners[row]))
    flags = []
    for index, graded in enumerate(result.students):
        for qid, question in graded.questions.items():
            if (index, qid) not in fitting:
                continue
            names = list(question.parts)
            by_other: dict[str, list[str]] = defaultdict(list)
            for position, _, other in sorted(fitting[(index, qid)]):
                by_other[other].append(names[position])
            numeric_parts = sum(_numeric(o.expected) is not None
                                for o in question.parts.values())
            needed = min(MIN_MATCHING_PARTS, numeric_parts)
            flags.extend(Flag(graded.student.id, qid, other, tuple(parts))
                         for other, parts in by_other.items() if len(parts) >= needed)
    return flags


QUERY_BATCH = 256
"""Wrong answers compared with a table of keys at once (bounds the temporary arrays)."""


def _fitting_rows(table: np.ndarray, queries: list[tuple[int, int, np.ndarray, np.ndarray]]):
    """(student, part position, table row) for each row that a query's given value fits within
    MATCH_RTOL and its own key does not: a key of someone else's numbers."""
    tolerance = MATCH_RTOL * np.maximum(np.abs(table), 1e-3)
    for start in range(0, len(queries), QUERY_BATCH):
        batch = queries[start:start + QUERY_BATCH]
        given = np.stack([query[2] for query in batch])[:, None, :]
        own = np.stack([query[3] for query in batch])[:, None, :]
        fits = np.all(np.abs(table - given) <= tolerance, axis=2)
        differs = np.any(np.abs(table - own) > tolerance, axis=2)
        for query, row in zip(*np.nonzero(fits & differs), strict=True):
            yield batch[query][0], batch[query][1], int(row)


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
    kind = type(value)
    if kind is int and abs(value) < 2**53:
        value, kind = float(value), float
    if kind is float:  # most parts: one number, checked without NumPy's reductions
        return np.array(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None
    return array if array.size and np.all(np.isfinite(array)) else None
