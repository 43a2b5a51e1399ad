"""Per-student documents: the assignment, the answer key and the answers-file template."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.assignment import Assignment, Question
from grader.family import Claim
from grader.graph import WorkedStep
from grader.render import render_latex, render_text
from grader.roster import Student
from grader.tolerance import Tolerance
from grader.values import counted, to_jsonable
from grader.variants import QuestionVariant

DEFAULT_ASKED_DECIMALS = 4
"""Decimal places asked for by default: one more than the 3 the default tolerance assumes."""


def asked_decimals(question: Question, parts: tuple[str, ...]) -> int:
    """The decimal places to ask for, as the question's tolerance grades: one more than the
    propagated rule's rounding_decimals (3 by default: 4), the places of a `decimals`
    tolerance, else 4; the finest over the question's parts."""
    def of(tolerance: Tolerance) -> int:
        if tolerance.mode == "propagated":
            return tolerance.rounding_decimals + 1
        if tolerance.mode == "decimals":
            return tolerance.decimals
        return DEFAULT_ASKED_DECIMALS

    return max((of(question.tolerance_for(part)) for part in parts),
               default=DEFAULT_ASKED_DECIMALS)


@dataclass(frozen=True)
class QuestionView:
    """What a template sees of one question for one student."""

    number: int
    id: str
    title: str
    family: str
    points: float
    part_points: dict[str, float]
    p: dict[str, Any]
    answers: dict[str, Any]
    parts: tuple[str, ...]
    labels: dict[str, str]
    worked: tuple[WorkedStep, ...]
    statement: str
    answer_keys: tuple[str, ...]
    claims: dict[str, Claim]
    """For true-or-false parts (Family.claims): the statement, truth and reason of each part."""
    decimals: int = DEFAULT_ASKED_DECIMALS
    """Decimal places the question asks for (asked_decimals)."""

    @property
    def decimal_places(self) -> str:
        """'4 decimal places', '1 decimal place'."""
        return counted(self.decimals, "decimal place")

    def shape_hint(self, part: str) -> str:
        """How an answer is written in the answers file, without giving it away."""
        value = self.answers.get(part)
        if value is None:
            return "number"
        if isinstance(value, str):
            return "T or F" if value in ("T", "F") else "a word"
        array = np.asarray(value)
        kind = "whole number" if array.dtype.kind in "iu" else "number"
        if array.ndim == 0:
            return kind
        if array.ndim == 1:
            return f"list of {counted(array.shape[0], kind)}"
        rows, cols = array.shape
        return f"{rows} x {cols} matrix, row by row: [[...], ...] ({counted(cols, kind)} per row)"


def question_view(number: int, question: Question, variant: QuestionVariant) -> QuestionView:
    """Everything a template needs about one student's variant of a question."""
    family = question.family
    params = family.parse(variant.params)
    graph = family.build(params)
    labels = {step.name: step.label for step in graph.steps}
    parts, answer_keys = graph.parts(), graph.parts()
    if family.file_check is not None:
        parts = family.file_check.parts(params)
        answer_keys = family.file_check.claims
        labels.update(family.file_check.labels)
    points = question.part_points(parts)
    # The key is worked out again from the params, as the worked solution is: the manifest's
    # answers are rounded to 10 digits, and a tie at the printed digit would round the other
    # way on a rerun that reads them, giving a key at odds with its own worked solution.
    solved = to_jsonable(graph.key_answers())
    return QuestionView(
        number=number, id=question.id, title=question.title, family=family.name,
        points=sum(points.values()), part_points=points, p=dict(params.values),
        answers={part: solved.get(part) for part in parts}, parts=parts,
        labels=labels, worked=tuple(graph.worked()), statement=f"questions/{family.template}",
        answer_keys=answer_keys,
        claims=dict(family.claims(params)) if family.claims is not None else {},
        decimals=asked_decimals(question, parts),
    )


def views(assignment: Assignment, variants: dict[str, QuestionVariant]) -> list[QuestionView]:
    return [question_view(number, question, variants[question.id])
            for number, question in enumerate(assignment.questions, start=1)]


def answer_forms(questions: list[QuestionView]) -> frozenset[str]:
    """What the answers asked for hold, so instructions name only what applies: `decimals`
    (a number that is not whole, or a claim such as a test MSE), `vectors`, `matrices`."""
    forms = set()
    for question in questions:
        for part in question.answer_keys:
            value = question.answers.get(part)
            if value is None:
                forms.add("decimals")
            elif not isinstance(value, str):
                array = np.asarray(value)
                if array.dtype.kind == "f":
                    forms.add("decimals")
                if array.ndim:
                    forms.add("vectors" if array.ndim == 1 else "matrices")
    return frozenset(forms)


def answers_file_guide(forms: frozenset[str],
                       places: int = DEFAULT_ASKED_DECIMALS) -> list[str]:
    """The answers file's opening comment lines: how to write what this assignment asks."""
    decimals = f", up to {counted(places, 'decimal place')}" if "decimals" in forms else ""
    shapes = {frozenset(): "", frozenset({"vectors"}): " Vectors as lists.",
              frozenset({"matrices"}): " Matrices row by row as nested lists.",
              frozenset({"vectors", "matrices"}):
                  " Matrices row by row as nested lists, vectors as lists."}
    text = (f"Replace every null with your answer{decimals}."
            f"{shapes[forms & {'vectors', 'matrices'}]} Keep the keys exactly as they are.")
    return textwrap.wrap(text, width=84)


def _context(assignment: Assignment, student: Student, questions: list[QuestionView]) -> dict:
    forms = answer_forms(questions)
    places = max((question.decimals for question in questions), default=DEFAULT_ASKED_DECIMALS)
    return {"assignment": assignment, "student": student, "questions": questions,
            "forms": forms, "guide": answers_file_guide(forms, places),
            "places": counted(places, "decimal place"),
            # Only sampled questions give each student their own numbers.
            "personal": any(question.params is None for question in assignment.questions)}


def assignment_tex(assignment: Assignment, student: Student, questions: list[QuestionView]) -> str:
    """The student's personalised assignment as LaTeX."""
    return render_latex("assignment.tex.j2", **_context(assignment, student, questions))


def answer_key_tex(assignment: Assignment, student: Student, questions: list[QuestionView]) -> str:
    """The answer key with worked solutions for the student's own numbers, as LaTeX."""
    return render_latex("answer_key.tex.j2", **_context(assignment, student, questions))


def answers_template(assignment: Assignment, student: Student,
                     questions: list[QuestionView]) -> str:
    """The answers.yaml a student fills in: every part present (null), its shape in a comment."""
    return render_text("answers.yaml.j2", **_context(assignment, student, questions))
