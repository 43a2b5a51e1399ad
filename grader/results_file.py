"""results.json, laid out exactly as SPEC.md gives it (json with one-space indents).

The file is large (every part's expected and given values) and Python's indenting JSON
encoder is slow, so each student's entry is encoded where that student was graded
(`student_results_text`) and the file is put together from the entries (`results_text`),
byte for byte what ``json.dumps(results_document(result), indent=1)`` gives.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from grader.results import PartResult, QuestionResult, round_points

if TYPE_CHECKING:
    from grader.grade import ClassResult, StudentResult

INDENT = 1
STUDENT_DEPTH = 2
"""A student's entry sits two levels deep: {"students": {id: entry}}."""


def results_document(result: ClassResult) -> dict:
    """results.json as a dict (scores rounded to 4 decimals)."""
    return {"students": {student.student.id: student_document(student)
                         for student in result.students}}


def student_document(student: StudentResult) -> dict:
    """One student's entry of results.json."""
    return {
        "total": round_points(student.total),
        "max": round_points(student.max),
        "questions": {qid: _question_document(q) for qid, q in student.questions.items()},
    }


def student_results_text(student: StudentResult) -> str:
    """One student's entry as it appears in results.json: `"id": {...}`, indented."""
    text = json.dumps(student_document(student), indent=INDENT, allow_nan=False)
    # JSON strings hold no raw line breaks, so each break starts a line of the entry.
    shifted = text.replace("\n", "\n" + " " * (INDENT * STUDENT_DEPTH))
    return f"{' ' * (INDENT * STUDENT_DEPTH)}{json.dumps(student.student.id)}: {shifted}"


def results_text(result: ClassResult) -> str:
    """The whole results.json, from each student's entry (encoded now if not yet)."""
    if not result.students:
        return json.dumps(results_document(result), indent=INDENT) + "\n"
    entries = ",\n".join(student.results_text or student_results_text(student)
                         for student in result.students)
    return f'{{\n{" " * INDENT}"students": {{\n{entries}\n{" " * INDENT}}}\n}}\n'


def _question_document(question: QuestionResult) -> dict:
    return {
        "score": round_points(question.score),
        "max": round_points(question.max),
        "parts": {name: _part_document(part, question.points[name])
                  for name, part in question.parts.items()},
    }


def _part_document(part: PartResult, points: float) -> dict:
    return {
        "status": part.status,
        "score": round_points(points * part.fraction),
        "max": round_points(points),
        "expected": part.expected,
        "given": part.given,
        "mistake": part.mistake,
        "message": part.message,
    }
