"""results.json, with the contents SPEC.md gives it.

Layout: one-space indents down to the parts, and each part on a line of its own, so a
person can read the file and a diff shows which parts changed; the same bytes as
`json.dumps(..., indent=1)` with each part's dict on one line. The file is large (every
part's expected and given values) and Python's indenting JSON encoder is pure Python, so
the levels above the parts are laid out here and each part is encoded by one C encoder;
each student's entry is encoded where that student was graded (`student_results_text`),
and the file is put together from the entries (`results_text`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from grader.results import PartResult, QuestionResult, round_points
from grader.values import significant

if TYPE_CHECKING:
    from grader.grade import ClassResult, StudentResult

INDENT = 1
STUDENT_DEPTH = 2
"""A student's entry sits two levels deep: {"students": {id: entry}}."""
PART_DEPTH = 4
"""Within an entry, each part's dict sits four levels deep: questions, id, parts, name."""
_PART_ENCODER = json.JSONEncoder(allow_nan=False)
_quoted = json.encoder.encode_basestring_ascii
"""A key as json.dumps writes a string, without its per-call checks."""


def _one_part_encoder():
    """`_PART_ENCODER.encode` with libjson's C encoder made once: JSONEncoder.encode makes
    a new one on every call, and results.json holds a line for each part of each student.
    No circular-reference markers: a part is a fresh tree of plain values."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return _PART_ENCODER.encode
    encoder = make(None, _PART_ENCODER.default, _quoted, None, _PART_ENCODER.key_separator,
                   _PART_ENCODER.item_separator, False, False, _PART_ENCODER.allow_nan)
    return lambda value: "".join(encoder(value, 0))


_encode_part = _one_part_encoder()


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
    document = _indented(student_document(student), STUDENT_DEPTH, PART_DEPTH)
    return f"{' ' * (INDENT * STUDENT_DEPTH)}{_quoted(student.student.id)}: {document}"


def _indented(value: Any, depth: int, levels: int) -> str:
    """`value` as json.dumps(indent=INDENT) lays it out `depth` levels deep, with the dicts
    `levels` further down each on one line."""
    if levels == 0:
        return _encode_part(value)
    if not isinstance(value, dict) or not value:
        return json.dumps(value)
    inner = " " * (INDENT * (depth + 1))
    items = ",\n".join(f"{inner}{_quoted(key)}: {_indented(item, depth + 1, levels - 1)}"
                        for key, item in value.items())
    return f"{{\n{items}\n{' ' * (INDENT * depth)}}}"


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
