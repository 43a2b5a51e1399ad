"""results.json put together from per-student entries: the SPEC's contents, a part per line."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from grader import results_file
from grader.assignment import load_assignment
from grader.demo import DEMO_ASSIGNMENT, DEMO_ROSTER, DEMO_SUBMISSIONS
from grader.grade import ClassResult, grade_class
from grader.results_file import results_document, results_text
from grader.roster import load_roster


def _demo_class() -> ClassResult:
    return grade_class(load_assignment(DEMO_ASSIGNMENT), load_roster(DEMO_ROSTER),
                       DEMO_SUBMISSIONS, None)


def test_assembled_results_hold_the_document_with_a_part_per_line():
    graded = _demo_class()
    assert all(student.results_text for student in graded.students)
    text = results_text(graded)
    assert json.loads(text) == results_document(graded)
    # Entries encoded late (none precomputed) give the same bytes.
    fresh = ClassResult(graded.assignment,
                        [replace(s, results_text="") for s in graded.students])
    assert results_text(fresh) == text
    part_lines = [line for line in text.splitlines() if '"status": ' in line]
    parts = sum(len(q.parts) for s in graded.students for q in s.questions.values())
    assert len(part_lines) == parts
    assert all(line.startswith(" " * 6 + '"') and line.rstrip(",").endswith("}")
               for line in part_lines)
    assert text.startswith('{\n "students": {\n  "') and text.endswith("\n }\n}\n")


def test_results_of_an_empty_class():
    empty = ClassResult(_demo_class().assignment, [])
    assert results_text(empty) == json.dumps({"students": {}}, indent=1) + "\n"


def test_a_part_line_is_the_same_with_or_without_the_c_encoder(monkeypatch):
    """The part encoder made once gives what json.dumps gives, and so does its fallback."""
    part = {"status": "correct", "score": 1.5, "expected": [0.1, -2e-07, 3],
            "given": "caf\u00e9 \"q\"", "mistake": None, "message": "ok\n"}
    made_once = results_file._one_part_encoder()
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    fallback = results_file._one_part_encoder()
    assert made_once(part) == fallback(part) == json.dumps(part)
    with pytest.raises(ValueError):
        made_once({"expected": float("nan")})  # results.json never holds NaN
