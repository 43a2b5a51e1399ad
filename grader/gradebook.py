"""Gradebooks: a Canvas-importable CSV and a plain one."""

from __future__ import annotations

import csv
import io

from grader.assignment import Assignment
from grader.grade import ClassResult
from grader.results import round_points

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def spreadsheet_safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula (a leading =, +, - or @ is quoted)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def canvas_column(assignment: Assignment) -> str:
    """The assignment's column header: `Title (canvas id)` when the id is known, else the title."""
    canvas_id = assignment.extra.get("canvas_assignment_id")
    return f"{assignment.title} ({canvas_id})" if canvas_id else assignment.title


def canvas_csv(result: ClassResult) -> str:
    """Student, ID, SIS User ID, SIS Login ID, Section, the assignment; a Points Possible row.

    A Canvas roster's id columns are echoed exactly as exported (an empty SIS User ID stays
    empty: Canvas matches students by them); for a plain roster the student id goes in SIS User
    ID. Names and sections, which Canvas does not match on, are made spreadsheet-safe.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CANVAS_COLUMNS, canvas_column(result.assignment)])
    writer.writerow(["Points Possible", "", "", "", "", round_points(result.assignment.max_points)])
    for graded in result.students:
        student = graded.student
        writer.writerow([spreadsheet_safe(student.name), student.canvas_id,
                         student.sis_user_id if student.canvas
                         else student.sis_user_id or student.id,
                         student.sis_login_id, spreadsheet_safe(student.section),
                         round_points(graded.total)])
    return buffer.getvalue()


def plain_csv(result: ClassResult) -> str:
    """One row per student: id, name, total, max, then each question's score."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    question_ids = [question.id for question in result.assignment.questions]
    writer.writerow(["student_id", "name", "total", "max", *question_ids])
    for graded in result.students:
        writer.writerow([graded.student.id, spreadsheet_safe(graded.student.name),
                         round_points(graded.total),
                         round_points(graded.max),
                         *(round_points(graded.questions[qid].score) for qid in question_ids)])
    return buffer.getvalue()
