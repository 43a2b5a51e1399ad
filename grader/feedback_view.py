"""What a student's feedback page prints, as plain data: one view of the graded results.

Each question holds its parts (verdict, points, given and expected values, the named mistake)
and the worked solution for the student's numbers: every step's rule, the rule with numbers and
the result, as MathML for HTML and as LaTeX for Markdown.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from markupsafe import Markup

from grader.assignment import Assignment
from grader.grade import StudentResult
from grader.graph import Graph, Step
from grader.mathml import Converted, convert_rule, value_mathml
from grader.report_text import MarkdownText, Shown, math_html, shown
from grader.results import PartResult, QuestionResult, round_points
from grader.values import latex_value

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


@dataclass(frozen=True)
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
    formula_html: Markup
    """The rule as HTML: <math>, or <code> with the LaTeX (so for the others)."""
    substituted_html: Markup
    result_html: Markup


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


def points_text(value: float) -> str:
    """Points as printed: at most 4 decimals, whole numbers without a fraction."""
    return str(round_points(value))


class _Typeset:
    """One instance's values, each typeset once however many steps use it."""

    __slots__ = ("_latex", "_mathml", "env")

    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env
        self._latex: dict[str, MarkdownText] = {}
        self._mathml: dict[tuple[str, bool], str] = {}

    def latex(self, name: str) -> MarkdownText:
        text = self._latex.get(name)
        if text is None:
            text = self._latex[name] = MarkdownText(latex_value(self.env[name]))
        return text

    def mathml(self, name: str, operand: bool = False) -> str:
        key = (name, operand)
        text = self._mathml.get(key)
        if text is None:
            text = self._mathml[key] = value_mathml(self.env[name], operand=operand)
        return text


@dataclass(frozen=True)
class _Rule:
    """What a step prints the same for every instance: its rule, converted once."""

    formula_ml: Markup | None
    formula_html: Markup
    formula_latex: MarkdownText
    statement: str | None
    reason: str | None
    substitution: Converted | None
    latex_chunks: tuple[str, ...]
    """The substitution's LaTeX around the inputs' values (`latex_names`)."""
    latex_names: tuple[str, ...]


@functools.lru_cache(maxsize=4096)
def _rule(formula: str, substitution: str, inputs: tuple[str, ...]) -> _Rule:
    converted = convert_rule(formula, False)
    substituted = convert_rule(substitution, True) if substitution else None
    statement = converted.text if converted is not None else None
    reason = substituted.text if substituted is not None and substituted.text else None
    formula_ml = converted.fill({}) if converted is not None else None
    return _Rule(formula_ml, math_html(formula_ml, formula), MarkdownText(formula), statement,
                 reason if statement is not None else None, substituted,
                 *_substitution_plan(substitution, inputs))


def _substitution_plan(template: str, inputs: tuple[str, ...]
                       ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`string.Template(template).safe_substitute` over the inputs, as literal chunks and the
    names whose values go between them (what Graph.worked fills in)."""
    chunks, names, buffer, start = [], [], [], 0
    for match in string.Template.pattern.finditer(template):
        buffer.append(template[start:match.start()])
        start = match.end()
        name = match.group("named") or match.group("braced")
        if name is not None and name in inputs:
            chunks.append("".join(buffer))
            buffer = []
            names.append(name)
        elif name is None and match.group("escaped") is not None:
            buffer.append("$")
        else:
            buffer.append(match.group())
    buffer.append(template[start:])
    chunks.append("".join(buffer))
    return tuple(chunks), tuple(names)


def _step_view(step: Step, values: _Typeset) -> StepView:
    rule = _rule(step.formula, step.substitution, step.inputs)
    chunks = rule.latex_chunks
    pieces = [chunks[0]]
    for name, chunk in zip(rule.latex_names, chunks[1:], strict=True):
        pieces += [values.latex(name), chunk]
    substituted_latex = MarkdownText("".join(pieces))
    result_latex = values.latex(step.name)
    substitution = rule.substitution
    substituted_ml = (substitution.fill(values.env, values.mathml)
                      if substitution is not None else None)
    result_ml = Markup(values.mathml(step.name))
    result = values.env[step.name]
    return StepView(
        name=step.name, label=step.label, part=step.part,
        formula=rule.formula_ml, substituted=substituted_ml, result=result_ml,
        formula_latex=rule.formula_latex, substituted_latex=substituted_latex,
        result_latex=result_latex, statement=rule.statement, reason=rule.reason,
        result_text=shown(result if isinstance(result, str) else _plain(result)).compact,
        formula_html=rule.formula_html,
        substituted_html=math_html(substituted_ml, substituted_latex, "="),
        result_html=math_html(result_ml, result_latex, "="),
    )


def _plain(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray | np.generic) else value


def worked_steps(graph: Graph, env: Mapping[str, Any] | None = None) -> tuple[StepView, ...]:
    """The worked solution of one instance, every step with its numbers.

    `env` is the graph's values when the caller has them already (`graph.evaluate()`).
    """
    values = _Typeset(graph.evaluate() if env is None else env)
    return tuple(_step_view(step, values) for step in graph.steps)


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
        parts.append(PartView(
            name=name, label=label, status=part.status, status_label=_status_label(part),
            earned=points_text(graded.points[name] * part.fraction),
            max=points_text(graded.points[name]), given=shown(part.given),
            expected=shown(part.expected),
            comment=_comment(part, description, shared if note else problem),
            mistake=part.mistake, mistake_description=description,
            correct_step=step if part.status == "incorrect" and step is not None else None,
        ))
    return QuestionView(question_id, question.title, points_text(graded.score),
                        points_text(graded.max), note, tuple(graded.notes), tuple(parts), steps,
                        worked)


def _status_label(part: PartResult) -> str:
    if part.status == "incorrect" and part.fraction > 0:
        return "Partly correct"
    return STATUS_LABELS[part.status]


def student_context(assignment: Assignment, student: StudentResult,
                    solved: Solved | None = None) -> dict[str, Any]:
    """Everything the feedback templates print for one student (`solved` caches solutions)."""
    solved = {} if solved is None else solved
    questions = [_question_view(assignment, qid, graded, student.variants[qid].params,
                                student.problem, solved)
                 for qid, graded in student.questions.items()]
    percent = f"{100 * student.total / student.max:.0f}%" if student.max else "–"
    return {
        "assignment": assignment, "student": student.student, "problem": student.problem,
        "total": points_text(student.total), "max": points_text(student.max),
        "percent": percent, "questions": questions,
        "statuses": [(status, STATUS_LABELS[status], meaning)
                     for status, meaning in STATUS_MEANINGS.items()],
    }
