"""Feedback for each student: every part's verdict and the worked solution for their numbers.

Two files per student, `<id>.html` and `<id>.md`, rendered from one view of the results
(`grader.feedback_view`). The HTML is self-contained (inline CSS; no scripts, fonts, images or
links) and its math is MathML (`grader.mathml`), which browsers render offline; a rule that
does not convert is shown as its LaTeX source in <code>. The Markdown file carries the LaTeX
itself in ```math blocks, which GitHub and GitLab render and any editor shows as readable
source. Escaping and the jinja environments: `grader.report_text`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup, escape

from grader.assignment import Assignment
from grader.feedback_view import (
    STATUS_LABELS,
    STATUS_MEANINGS,
    PartView,
    QuestionView,
    Solved,
    StepView,
    points_text,
    student_context,
    worked_steps,
)
from grader.frames import Frame
from grader.grade import ClassResult, StudentResult
from grader.mathml import formula_mathml, value_mathml
from grader.parallel import ordered_map
from grader.report_text import (
    MarkdownText,
    Shown,
    html_environment,
    markdown_environment,
    md_code,
    md_escape,
    shown,
)

__all__ = [
    "STATUS_LABELS", "STATUS_MEANINGS", "MarkdownText", "PartView", "QuestionView", "Shown",
    "StepView", "formula_mathml", "html_environment", "markdown_environment", "md_code",
    "md_escape", "points_text", "render_feedback", "shown", "student_context", "value_mathml",
    "worked_steps", "write_feedback",
]


@dataclass(frozen=True)
class ItemFrames:
    """The macros of feedback_items.*.j2, each rendered once per shape (grader/frames.py)."""

    part_html: Frame
    step_html: Frame
    row_md: Frame
    remark_md: Frame
    step_md: Frame

    def all(self) -> tuple[Frame, ...]:
        return (self.part_html, self.step_html, self.row_md, self.remark_md, self.step_md)


@functools.cache
def item_frames() -> ItemFrames:
    """This process's frames of the feedback items, built as pages need them."""
    html = html_environment().get_template("feedback_items.html.j2").module
    markdown = markdown_environment().get_template("feedback_items.md.j2").module
    md = markdown_environment().finalize
    return ItemFrames(Frame(html.part, escape, Markup), Frame(html.step, escape, Markup),
                      Frame(markdown.row, md, MarkdownText),
                      Frame(markdown.remark, md, MarkdownText),
                      Frame(markdown.step, md, MarkdownText))


def _correct_step(part: PartView) -> SimpleNamespace | None:
    """What a part's rows print of its correct step: the rule, the same for every student."""
    step = part.correct_step
    if step is None:
        return None
    return SimpleNamespace(statement=step.statement, reason=step.reason,
                           formula_html=step.formula_html, formula_latex=step.formula_latex)


def _part_key(part: PartView) -> tuple:
    step = part.correct_step
    return (part.name, part.label, part.status, part.status_label, part.mistake,
            part.mistake_description, step and (step.statement, step.reason,
                                                 step.formula_html, step.formula_latex))


def _part(part: PartView, earned: Any, max_points: Any, given: Any, expected: Any,
          comment: Any) -> SimpleNamespace:
    """A part macro's argument `p`: the part's own fields, the student's values as given."""
    return SimpleNamespace(
        name=part.name, label=part.label, status=part.status, status_label=part.status_label,
        earned=earned, max=max_points, given=given, expected=expected, comment=comment,
        mistake=part.mistake, mistake_description=part.mistake_description,
        correct_step=_correct_step(part))


def _step_key(step: StepView) -> tuple:
    return (step.name, step.label, step.part, step.statement, step.reason, step.formula_html,
            step.formula_latex)


def _step(step: StepView, result_text: Any, substituted_latex: Any, result_latex: Any,
          substituted_html: Any, result_html: Any) -> SimpleNamespace:
    """A step macro's argument `s`: the step's rule and labels, the student's numbers as given."""
    return SimpleNamespace(
        name=step.name, label=step.label, part=step.part, statement=step.statement,
        reason=step.reason, formula_html=step.formula_html, formula_latex=step.formula_latex,
        result_text=result_text, substituted_latex=substituted_latex, result_latex=result_latex,
        substituted_html=substituted_html, result_html=result_html)


def _html_items(frames: ItemFrames) -> dict[str, Any]:
    """The HTML page's part_rows(q) and worked_steps(q)."""
    def part_rows(q: QuestionView) -> Markup:
        return Markup("".join([frames.part_html.render(
            _part_key(p), (p.earned, p.max, p.given.html, p.expected.html, p.comment),
            lambda v, p=p: (_part(p, v[0], v[1], SimpleNamespace(html=v[2]),
                                  SimpleNamespace(html=v[3]), v[4]),))
            for p in q.parts]))

    def worked_steps(q: QuestionView) -> Markup:
        text = q.worked.rendered.get("html")
        if text is None:
            text = q.worked.rendered["html"] = "".join([frames.step_html.render(
                _step_key(s), (s.result_text, s.substituted_latex, s.substituted_html,
                               s.result_html),
                lambda v, s=s: (_step(s, v[0], v[1], "", v[2], v[3]),))
                for s in q.steps])
        return Markup(text)

    return {"part_rows": part_rows, "worked_steps": worked_steps}


def _markdown_items(frames: ItemFrames) -> dict[str, Any]:
    """The Markdown page's part_rows(q), remarks(q) and worked_steps(q)."""
    def part_rows(q: QuestionView) -> MarkdownText:
        return MarkdownText("".join([frames.row_md.render(
            _part_key(p), (p.earned, p.max, p.given.cell, p.expected.cell),
            lambda v, p=p: (_part(p, v[0], v[1], SimpleNamespace(cell=v[2]),
                                  SimpleNamespace(cell=v[3]), ""),))
            for p in q.parts]))

    def remarks(q: QuestionView) -> MarkdownText:
        return MarkdownText("".join([frames.remark_md.render(
            _part_key(p), (p.comment,), lambda v, p=p: (_part(p, "", "", None, None, v[0]),))
            for p in q.remarks]))

    def worked_steps(q: QuestionView) -> MarkdownText:
        text = q.worked.rendered.get("md")
        if text is None:
            text = q.worked.rendered["md"] = "".join([frames.step_md.render(
                (index, *_step_key(s)), (s.result_text, s.substituted_latex, s.result_latex),
                lambda v, s=s, index=index: (_step(s, v[0], v[1], v[2], "", ""), index))
                for index, s in enumerate(q.steps, 1)])
        return MarkdownText(text)

    return {"part_rows": part_rows, "remarks": remarks, "worked_steps": worked_steps}


def render_feedback(assignment: Assignment, student: StudentResult,
                    solved: Solved | None = None) -> tuple[str, str]:
    """One student's feedback as (HTML, Markdown) text."""
    context = student_context(assignment, student, solved)
    frames = item_frames()
    html = html_environment().get_template("feedback.html.j2").render(
        **context, **_html_items(frames))
    markdown = markdown_environment().get_template("feedback.md.j2").render(
        **context, **_markdown_items(frames))
    return html, markdown


def write_feedback(result: ClassResult, folder: Path) -> None:
    """Write feedback/<id>.html and <id>.md for every graded student."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    solved: Solved = {}

    def render(student: StudentResult) -> tuple[str, str]:
        return render_feedback(result.assignment, student, solved)

    for student, (html, markdown) in zip(result.students,
                                         ordered_map(render, result.students), strict=True):
        student_id = student.student.id
        if Path(student_id).name != student_id or student_id in (".", ".."):
            raise ValueError(f"student id {student_id!r} cannot name a file")
        (folder / f"{student_id}.html").write_text(html, encoding="utf-8")
        (folder / f"{student_id}.md").write_text(markdown, encoding="utf-8")
