"""results.json put together from per-student entries equals the one-piece json encoding."""

from __future__ import annotations

import json
from dataclasses import replace

from grader.assignment import load_assignment
from grader.demo import DEMO_ASSIGNMENT, DEMO_ROSTER, DEMO_SUBMISSIONS
from grader.grade import ClassResult, grade_class
from grader.results_file import results_document, results_text
from grader.roster import load_roster


def _demo_class() -> ClassResult:
    return grade_class(load_assignment(DEMO_ASSIGNMENT), load_roster(DEMO_ROSTER),
                       DEMO_SUBMISSIONS, None)


def test_assembled_results_equal_one_piece_encoding():
    graded = _demo_class()
    assert all(student.results_text for student in graded.students)
    expected = json.dumps(results_document(graded), indent=1, allow_nan=False) + "\n"
    assert results_text(graded) == expected
    # Entries encoded late (none precomputed) give the same bytes.
    fresh = ClassResult(graded.assignment,
                        [replace(s, results_text="") for s in graded.students])
    assert results_text(fresh) == expected
    assert json.loads(expected)["students"].keys() == {s.student.id for s in graded.students}


def test_results_of_an_empty_class():
    empty = ClassResult(_demo_class().assignment, [])
    assert results_text(empty) == json.dumps({"students": {}}, indent=1) + "\n"
