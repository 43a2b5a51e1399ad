"""results.json, with the contents SPEC.md gives it.

Layout: one-space indents down to the parts, and each part on a line of its own, so a
person can read the file and a diff shows which parts changed. The file is large (every
part's expected and given values) and Python's indenting JSON encoder is pure Python, so
each part is encoded on one line by the C encoder, each student's entry where that student
was graded (`student_results_text`), and the file is put together from the entries
(`results_text`).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from grader.results import PartResult, QuestionResult, round_points
from grader.values import significant

if TYPE_CHECKING:
    from grader.grade import ClassResult, StudentResult

INDENT = 1
STUDENT_DEPTH = 2
"""A student's entry sits two levels deep: {"students": {id: entry}}."""
_LINE_MARK = re.compile(r'"\\u0000(\d+)"')


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
    lines: list[str] = []

    def on_one_line(value: Any) -> str:
        lines.append(json.dumps(value, allow_nan=False))
        return f"\0{len(lines) - 1}"

    document = student_document(student)
    for question in document["questions"].values():
        question["parts"] = {name: on_one_line(part) for name, part in question["parts"].items()}
    # Keys are ids and part names (no NUL), so a NUL-led string is one of the marks.
    text = _LINE_MARK.sub(lambda mark: lines[int(mark.group(1))],
                          json.dumps(document, indent=INDENT))
    # JSON text holds no raw line breaks inside strings: each break starts a line.
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
        "expected": significant(part.expected),
        "given": part.given,
        "mistake": part.mistake,
        "message": part.message,
    }
