"""What a student's feedback page prints, as plain data: one view of the graded results.

Each question holds its parts (verdict, points, given and expected values, the named mistake)
and the worked solution for the student's numbers: every step's rule, the rule with numbers and
the result, as MathML for HTML and as LaTeX for Markdown.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from markupsafe import Markup

from grader.assignment import Assignment
from grader.grade import StudentResult
from grader.graph import Graph, Step, as_operand, substitution_plan
from grader.mathml import Converted, convert_rule, scalar_mathml, value_mathml
from grader.report_text import MarkdownText, Shown, show_number, shown
from grader.results import PartResult, QuestionResult, round_points
from grader.values import latex_number, latex_value

STATUS_LABELS = {
    "correct": "Correct",
    "follow_through": "Follow-through",
    "incorrect": "Incorrect",
    "missing": "Missing",
    "invalid": "Invalid",
}
STATUS_MEANINGS = {
    "correct": "matches the answer key",
    "follow_through": "differs from the key but is right from your own earlier answers",
    "incorrect": "matches neither the key nor your own earlier answers",
    "missing": "no answer was given",
    "invalid": "an answer was given but could not be read",
}

PARTLY_CORRECT = "Partly correct"
"""The label of an incorrect vector or matrix part some of whose entries are right."""
PARTLY_CORRECT_MEANING = ("some entries of a vector or matrix are right and earn their "
                          "share of the points")


def _legend():
    for status, meaning in STATUS_MEANINGS.items():
        yield status, STATUS_LABELS[status], meaning
        if status == "incorrect":  # some entries right: shown beside it
            yield status, PARTLY_CORRECT, PARTLY_CORRECT_MEANING


STATUS_LEGEND = tuple(_legend())
"""(status class, label, meaning) of each label a part can show, for the feedback legend."""


@dataclass(frozen=True, slots=True)
class StepView:
    """One line of the worked solution, as MathML (None: show the LaTeX) and as LaTeX.

    The LaTeX (`*_latex`) is MarkdownText: the problem bank's rules with computed numbers.
    """

    name: str
    label: str
    part: bool
    formula: Markup | None
    substituted: Markup | None
    result: Markup
    formula_latex: str
    substituted_latex: str
    result_latex: str
    statement: str | None
    reason: str | None
    result_text: str


@dataclass(frozen=True, slots=True)
class PartView:
    """One graded part as the feedback prints it."""

    name: str
    label: str
    status: str
    status_label: str
    earned: str
    max: str
    given: Shown
    expected: Shown
    comment: str
    mistake: str | None
    mistake_description: str
    correct_step: StepView | None


@dataclass(frozen=True, slots=True)
class QuestionView:
    """One question: its parts, a note shared by all of them, and the worked solution."""

    id: str
    title: str
    score: str
    max: str
    note: str
    notes: tuple[str, ...]
    parts: tuple[PartView, ...]
    steps: tuple[StepView, ...]
    worked: Worked = field(compare=False)
    """The same steps, with their rendering kept when students share them (fixed params)."""

    @property
    def remarks(self) -> tuple[PartView, ...]:
        """The parts with something to say beyond their status."""
        return tuple(part for part in self.parts
                     if part.comment or part.mistake or part.correct_step)


@dataclass(eq=False)
class Worked:
    """A question's worked solution and its rendered text by format, built once when shared."""

    steps: tuple[StepView, ...]
    rendered: dict[str, str] = field(default_factory=dict)


Solved = dict[tuple[str, str], Worked]
"""Worked solutions already built, by (question id, params as JSON): fixed params repeat."""


@functools.lru_cache(maxsize=1024)
def points_text(value: float) -> str:
    """Points as printed: at most 4 decimals, whole numbers without a fraction."""
    return str(round_points(value))


def _float(value: Any) -> float | None:
    """The value as a float when it is one number stored as a float (most values), else None."""
    if isinstance(value, float):
        return float(value)
    if type(value) is np.ndarray and value.shape == () and value.dtype == np.float64:
        return float(value)
    return None


class _Typeset(dict):
    """Each value typeset on first use, then reused by every step that prints it:
    name -> (MathML, MathML as an operand, LaTeX), as value_mathml and latex_value give them.
    """

    __slots__ = ("env",)

    def __init__(self, env: Mapping[str, Any]) -> None:
        super().__init__()
        self.env = env

    def __missing__(self, name: str) -> tuple[str, str, MarkdownText]:
        value = self.env[name]
        x = _float(value)
        if x is not None:
            typeset = (*scalar_mathml(x), MarkdownText(latex_number(x)))
        else:
            mathml = value_mathml(value)
            operand = (mathml if isinstance(value, np.ndarray) and value.ndim
                       else value_mathml(value, operand=True))
            typeset = (mathml, operand, MarkdownText(latex_value(value)))
        self[name] = typeset
        return typeset


@dataclass(frozen=True)
class _Rule:
    """What a step prints the same for every instance: its rule, converted once."""

    formula_ml: Markup | None
    formula_latex: MarkdownText
    statement: str | None
    reason: str | None
    substitution: Converted | None
    latex_chunks: tuple[str, ...]
    """The substitution's LaTeX around the inputs' values (`latex_names`)."""
    latex_names: tuple[str, ...]
    latex_operands: tuple[bool, ...]
    """Per value: does a negative number there need parentheses (substitution_plan)?"""


@functools.lru_cache(maxsize=4096)
def _rule(formula: str, substitution: str, inputs: tuple[str, ...]) -> _Rule:
    converted = convert_rule(formula, False)
    substituted = convert_rule(substitution, True) if substitution else None
    statement = converted.text if converted is not None else None
    reason = substituted.text if substituted is not None and substituted.text else None
    formula_ml = converted.fill({}) if converted is not None else None
    return _Rule(formula_ml, MarkdownText(formula), statement,
                 reason if statement is not None else None, substituted,
                 *substitution_plan(substitution, inputs))


def _step_view(step: Step, env: Mapping[str, Any], typeset: _Typeset) -> StepView:
    rule = _rule(step.formula, step.substitution, step.inputs)
    chunks = rule.latex_chunks
    pieces = [chunks[0]]
    for name, operand, chunk in zip(rule.latex_names, rule.latex_operands, chunks[1:],
                                    strict=True):
        pieces += [as_operand(typeset[name][2]) if operand else typeset[name][2], chunk]
    substituted_latex = MarkdownText("".join(pieces))
    result_ml, _, result_latex = typeset[step.name]
    substitution = rule.substitution
    substituted_ml = substitution.fill(env, typeset) if substitution is not None else None
    result_ml = Markup(result_ml)
    # Positional, in the order of the fields: this runs for every step of every student.
    return StepView(
        step.name, step.label, step.part, rule.formula_ml, substituted_ml, result_ml,
        rule.formula_latex, substituted_latex, result_latex, rule.statement, rule.reason,
        _result_text(env[step.name]))


def _result_text(value: Any) -> str:
    """A step's result on one line."""
    x = _float(value)
    if x is not None:
        return show_number(x)
    if isinstance(value, np.ndarray | np.generic):
        value = value.tolist()
    return shown(value).compact


def worked_steps(graph: Graph, env: Mapping[str, Any] | None = None) -> tuple[StepView, ...]:
    """The worked solution of one instance, every step with its numbers.

    `env` is the graph's values when the caller has them already (`graph.evaluate()`).
    """
    env = graph.evaluate() if env is None else env
    typeset = _Typeset(env)
    return tuple([_step_view(step, env, typeset) for step in graph.steps])


def _comment(part: PartResult, description: str, hide: str | None) -> str:
    """The grader's message without what the page already says (status, mistake, problem)."""
    message = part.message
    if description and message.endswith(description):
        message = message[:-len(description)].rstrip().rstrip(";").rstrip()
    if message.lower() in (part.status, "no answer given") or message == hide:
        return ""
    return message if message.endswith((".", "!", "?")) else message + "."


def _question_view(assignment: Assignment, question_id: str, graded: QuestionResult,
                   params: Mapping[str, Any], problem: str | None,
                   solved: Solved) -> QuestionView:
    question = assignment.question(question_id)
    family = question.family
    # A question with fixed params gives every student the same worked solution.
    key = (question_id, json.dumps(params, sort_keys=True, default=repr)
           ) if question.params is not None else None
    worked = solved.get(key) if key is not None else None
    if worked is None:
        # Graded in this process: the graph and values the parts were graded against.
        solution = getattr(graded, "solution", None)
        worked = Worked(worked_steps(solution.graph, solution.env) if solution is not None
                        else worked_steps(family.build(family.parse(params))))
        if key is not None:
            solved[key] = worked
    steps = worked.steps
    by_name = {step.name: step for step in steps}
    messages = {part.message for part in graded.parts.values()}
    shared = (next(iter(messages)) if len(messages) == 1 and all(
        part.status in ("missing", "invalid") for part in graded.parts.values()) else None)
    note = "" if shared in (None, problem, "no answer given") else shared
    parts = []
    for name, part in graded.parts.items():
        step = by_name.get(name)
        description = family.mistake(part.mistake).description if part.mistake else ""
        label = (step.statement or step.label) if step is not None else ""
        points = graded.points[name]
        # Positional, in the order of the fields: this runs for every part of every student.
        parts.append(PartView(
            name, label, part.status, _status_label(part), points_text(points * part.fraction),
            points_text(points), shown(part.given), shown(part.expected),
            _comment(part, description, shared if note else problem), part.mistake,
            description, step if part.status == "incorrect" and step is not None else None))
    return QuestionView(question_id, question.title, points_text(graded.score),
                        points_text(graded.max), note, tuple(graded.notes), tuple(parts), steps,
                        worked)


def _status_label(part: PartResult) -> str:
    if part.status == "incorrect" and part.fraction > 0:
        return PARTLY_CORRECT
    return STATUS_LABELS[part.status]


def student_context(assignment: Assignment, student: StudentResult,
                    solved: Solved | None = None) -> dict[str, Any]:
    """Everything the feedback templates print for one student (`solved` caches solutions)."""
    solved = {} if solved is None else solved
    questions = [_question_view(assignment, qid, graded, student.variants[qid].params,
                                student.problem, solved)
                 for qid, graded in student.questions.items()]
    total, maximum = student.total, student.max
    percent = f"{100 * total / maximum:.0f}%" if maximum else "–"
    return {
        "assignment": assignment, "student": student.student, "problem": student.problem,
        "note": student.note,
        "total": points_text(total), "max": points_text(maximum),
        "percent": percent, "questions": questions,
        "statuses": STATUS_LEGEND,
    }
