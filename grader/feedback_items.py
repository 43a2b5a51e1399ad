"""The repeated pieces of a feedback page: each part's rows and each worked step.

The page templates print them per question through part_rows(q), remarks(q) and
worked_steps(q); each piece is a macro of feedback_items.{html,md}.j2, rendered through a
`Frame` (grader/frames.py): once per shape, then filled with each student's values. What a
macro may test or filter goes in the shape's key below; the student's values are the holes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup, escape

from grader.feedback_view import PartView, QuestionView, StepView
from grader.frames import Frame
from grader.report_text import MarkdownText, html_environment, markdown_environment


@dataclass(frozen=True)
class ItemFrames:
    """The macros of feedback_items.*.j2, each behind its frame."""

    part_html: Frame
    step_html: Frame
    row_md: Frame
    remark_md: Frame
    step_md: Frame

    def all(self) -> tuple[Frame, ...]:
        return (self.part_html, self.step_html, self.row_md, self.remark_md, self.step_md)


def _escape(value: Any) -> str:
    """What autoescape prints for a value: text is escaped once per distinct string."""
    return _escaped(value) if type(value) is str else escape(value)


@functools.lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    return str(escape(text))


@functools.cache
def item_frames() -> ItemFrames:
    """This process's frames of the feedback items, built as pages need them."""
    html = html_environment().get_template("feedback_items.html.j2").module
    markdown = markdown_environment().get_template("feedback_items.md.j2").module
    md = markdown_environment().finalize
    return ItemFrames(Frame(html.part, _escape, Markup), Frame(html.step, _escape, Markup),
                      Frame(markdown.row, md, MarkdownText),
                      Frame(markdown.remark, md, MarkdownText),
                      Frame(markdown.step, md, MarkdownText))


# ----------------------------------------------------------------------------- parts

def _part_key(part: PartView) -> tuple:
    """What a part's macros print the same for every student with this part and verdict."""
    step = part.correct_step
    return (part.name, part.label, part.status, part.status_label, part.mistake,
            part.mistake_description,
            step and (step.statement, step.reason, step.formula, step.formula_latex))


def _part(part: PartView, **values: Any) -> tuple[SimpleNamespace]:
    """A part macro's argument `p`: the part's own fields and the holes' `values`."""
    step = part.correct_step
    return (SimpleNamespace(
        name=part.name, label=part.label, status=part.status, status_label=part.status_label,
        mistake=part.mistake, mistake_description=part.mistake_description,
        correct_step=step and SimpleNamespace(statement=step.statement, reason=step.reason,
                                              formula=step.formula,
                                              formula_latex=step.formula_latex),
        **values),)


def part_rows_html(q: QuestionView) -> Markup:
    """The rows of every part of a question in HTML."""
    render = item_frames().part_html.render
    return Markup("".join([render(
        _part_key(p), (p.earned, p.max, p.given.html, p.expected.html, p.comment),
        lambda v, p=p: _part(p, earned=v[0], max=v[1], given=SimpleNamespace(html=v[2]),
                             expected=SimpleNamespace(html=v[3]), comment=v[4]))
        for p in q.parts]))


def part_rows_markdown(q: QuestionView) -> MarkdownText:
    """The table rows of every part of a question in Markdown."""
    render = item_frames().row_md.render
    return MarkdownText("".join([render(
        _part_key(p), (p.earned, p.max, p.given.cell, p.expected.cell),
        lambda v, p=p: _part(p, earned=v[0], max=v[1], given=SimpleNamespace(cell=v[2]),
                             expected=SimpleNamespace(cell=v[3])))
        for p in q.parts]))


def remarks_markdown(q: QuestionView) -> MarkdownText:
    """The remarks on the parts of a question that have some, in Markdown."""
    render = item_frames().remark_md.render
    return MarkdownText("".join([render(
        _part_key(p), (p.comment,), lambda v, p=p: _part(p, comment=v[0]))
        for p in q.remarks]))


# ----------------------------------------------------------------------------- steps

def _step_key(step: StepView) -> tuple:
    """What a step's macros print the same for every instance: its rule and labels."""
    return (step.name, step.label, step.part, step.statement, step.reason, step.formula,
            step.formula_latex)


def _step(step: StepView, **values: Any) -> SimpleNamespace:
    """A step macro's argument `s`: the step's rule and labels and the holes' `values`."""
    return SimpleNamespace(
        name=step.name, label=step.label, part=step.part, statement=step.statement,
        reason=step.reason, formula=step.formula, formula_latex=step.formula_latex, **values)


def _worked(q: QuestionView, form: str, render: Callable[[], str]) -> str:
    """A question's worked steps, rendered once when students share them (fixed params)."""
    text = q.worked.rendered.get(form)
    if text is None:
        text = q.worked.rendered[form] = render()
    return text


def worked_steps_html(q: QuestionView) -> Markup:
    """Every worked step of a question in HTML."""
    render = item_frames().step_html.render
    return Markup(_worked(q, "html", lambda: "".join([render(
        _step_key(s), (s.result_text, s.substituted, s.substituted_latex, s.result,
                       s.result_latex),
        lambda v, s=s: (_step(s, result_text=v[0], substituted=v[1], substituted_latex=v[2],
                              result=v[3], result_latex=v[4]),))
        for s in q.steps])))


def worked_steps_markdown(q: QuestionView) -> MarkdownText:
    """Every worked step of a question in Markdown, numbered."""
    render = item_frames().step_md.render
    return MarkdownText(_worked(q, "md", lambda: "".join([render(
        (index, *_step_key(s)), (s.result_text, s.substituted_latex, s.result_latex),
        lambda v, s=s, index=index: (_step(s, result_text=v[0], substituted_latex=v[1],
                                           result_latex=v[2]), index))
        for index, s in enumerate(q.steps, 1)])))


HTML_ITEMS = {"part_rows": part_rows_html, "worked_steps": worked_steps_html}
"""What feedback.html.j2 calls, by name."""
MARKDOWN_ITEMS = {"part_rows": part_rows_markdown, "remarks": remarks_markdown,
                  "worked_steps": worked_steps_markdown}
"""What feedback.md.j2 calls, by name."""
