"""Feedback for each student: every part's verdict and the worked solution for their numbers.

Two files per student, `<id>.html` and `<id>.md`, rendered from one view of the results
(`grader.feedback_view`); each part's rows and each worked step come from the macros of
feedback_items.*.j2, rendered once per shape (`grader.feedback_items`). The HTML is
self-contained (inline CSS; no scripts, fonts, images or links) and its math is MathML
(`grader.mathml`), which browsers render offline; a rule that does not convert is shown as
its LaTeX source in <code>. The Markdown file carries the LaTeX itself in ```math blocks,
which GitHub and GitLab render and any editor shows as readable source. Escaping and the
jinja environments: `grader.report_text`.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

from grader.assignment import Assignment
from grader.feedback_items import HTML_ITEMS, MARKDOWN_ITEMS
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


@functools.cache
def _page_templates() -> tuple[jinja2.Template, jinja2.Template]:
    return (html_environment().get_template("feedback.html.j2"),
            markdown_environment().get_template("feedback.md.j2"))


def render_feedback(assignment: Assignment, student: StudentResult,
                    solved: Solved | None = None) -> tuple[str, str]:
    """One student's feedback as (HTML, Markdown) text."""
    context = student_context(assignment, student, solved)
    html_page, markdown_page = _page_templates()
    return (html_page.render(**context, **HTML_ITEMS),
            markdown_page.render(**context, **MARKDOWN_ITEMS))


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
