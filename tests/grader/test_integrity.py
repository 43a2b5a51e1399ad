"""Integrity flags: a wrong answer that fits another student's key, never a chance match."""

from __future__ import annotations

import pytest

from grader.grade import ClassResult, StudentResult
from grader.integrity import Flag, find_flags
from grader.results import PartResult, QuestionResult
from grader.roster import Student


def _part(expected, given, status="incorrect") -> PartResult:
    return PartResult(status, 1.0 if status == "correct" else 0.0, expected, given, status)


def _student(student_id: str, **parts: PartResult) -> StudentResult:
    question = QuestionResult(parts, dict.fromkeys(parts, 1.0))
    return StudentResult(Student(student_id, student_id), {}, {"q": question})


def _flags(*students: StudentResult) -> list[Flag]:
    # find_flags reads only the students' outcomes, never the assignment.
    return find_flags(ClassResult(None, list(students)))  # type: ignore[arg-type]


OWN_KEYS = {"a": 0.5, "b": [1.25, -2.0], "c": [[1.0, 2.0], [3.0, 4.0]]}
OTHER_KEYS = {"a": 0.75, "b": [1.5, -2.5], "c": [[5.0, 6.0], [7.0, 8.0]]}


def _source() -> StudentResult:
    return _student("A", **{p: _part(v, v, "correct") for p, v in OTHER_KEYS.items()})


def test_answers_copied_from_another_variant_are_flagged():
    """Are parts that fit A's numbers (within 0.5%) and not B's own reported, naming A?"""
    copied = {"a": 0.7502, "b": [1.5, -2.5], "c": [[5.0, 6.0], [7.0, 8.01]]}
    copier = _student("B", **{p: _part(OWN_KEYS[p], copied[p]) for p in OWN_KEYS})
    assert _flags(_source(), copier) == [Flag("B", "q", "A", ("a", "b", "c"))]


def test_one_matching_number_is_not_enough():
    """Small hand-computable numbers repeat, so one fitting part of three is not a flag."""
    copier = _student("B", a=_part(0.5, 0.75), b=_part([1.25, -2.0], [9.0, 9.0]),
                      c=_part([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]], "correct"))
    assert _flags(_source(), copier) == []


def test_whole_numbers_fit_keys_written_with_decimals():
    """Does an answers file's 2 and [1, 3] (ints) fit keys 2.0 and [1.0, 3.0]?"""
    source = _student("A", a=_part(2.0, 2.0, "correct"), b=_part([1.0, 3.0], [1.0, 3.0],
                                                                  "correct"))
    copier = _student("B", a=_part(4.0, 2), b=_part([2.0, 6.0], [1, 3]))
    assert _flags(source, copier) == [Flag("B", "q", "A", ("a", "b"))]


def test_a_wrong_answer_that_fits_no_one_is_not_flagged():
    wrong = _student("B", **{p: _part(OWN_KEYS[p], 9.0 if p == "a" else [9.0, 9.0])
                            for p in ("a", "b")})
    assert _flags(_source(), wrong) == []


@pytest.mark.parametrize("given", [10**400, -(2**60), float("nan"), float("inf"), True,
                                   "0.75", None, [0.75, [1.5]], [], {"x": 1}],
                         ids=["huge int", "big int", "nan", "inf", "bool", "string", "none",
                              "ragged", "empty", "mapping"])
def test_unusable_given_values_are_skipped_not_a_crash(given):
    """Values no key can be compared with are left out; the rest are still checked."""
    student = _student("B", a=_part(0.5, given), b=_part([1.25, -2.0], [1.5, -2.5]),
                       c=_part([[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]))
    assert _flags(_source(), student) == [Flag("B", "q", "A", ("b", "c"))]
