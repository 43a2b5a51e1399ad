"""Feedback for each student: every part's verdict and the worked solution for their numbers.

Two files per student, `<id>.html` and `<id>.md`, rendered from one view of the results.
The HTML is self-contained (inline CSS; no scripts, fonts, images or links) and its math is
MathML, which browsers render offline. latex2mathml takes about 0.6 ms per expression, too slow
to run on every student's numbers, so only the rules are converted, once per distinct string
in the whole run: each step's formula, and its substitution with a marker where each number
goes. The student's numbers are typeset straight into MathML in their place. A rule that does
not convert is shown as its LaTeX source in <code>. The Markdown file carries the LaTeX itself
in ```math blocks, which GitHub and GitLab render and any editor shows as readable source.

Everything a student supplied (name, id, given values, messages that quote them) is escaped:
by jinja's autoescape in HTML, and in Markdown by backslash-escaping Markdown's specials and
HTML's `<`, `>`, `&` (values sit in code spans, which render nothing inside them).
"""

from __future__ import annotations

import functools
import json
import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from latex2mathml.converter import convert
from markupsafe import Markup, escape

from grader.assignment import Assignment
from grader.grade import ClassResult, StudentResult
from grader.graph import Graph, Step
from grader.parallel import ordered_map
from grader.render import TEMPLATES_DIR
from grader.results import PartResult, QuestionResult, round_points
from grader.values import format_number

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
MAX_SHOWN_CHARS = 300
"""Longer given text (junk, pasted essays) is cut to this many characters."""
MAX_SHOWN_ENTRIES = 400
"""A given list with more entries than this is shown as (cut) text, not as a table."""


# ----------------------------------------------------------------------------- environments

@functools.cache
def html_environment() -> jinja2.Environment:
    """HTML templates: every interpolated value is escaped unless it is Markup (our MathML)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )


class MarkdownText(str):
    """Text already safe to print in Markdown as it is."""


_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>&|~$#])")


def md_escape(text: Any) -> str:
    """One line of literal text for Markdown: specials backslash-escaped, line breaks joined."""
    return _MD_SPECIALS.sub(r"\\\1", " ".join(str(text).split()))


def md_code(text: Any, in_table: bool = False) -> MarkdownText:
    """Text as an inline code span (nothing inside renders), safe in a table cell if asked."""
    text = " ".join(str(text).split())
    if in_table:
        text = text.replace("|", r"\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return MarkdownText(f"{fence}{text}{fence}")


def _finalize_markdown(value: Any) -> str:
    return value if isinstance(value, MarkdownText) else md_escape(value)


@functools.cache
def markdown_environment() -> jinja2.Environment:
    """Markdown templates: every interpolated value is escaped unless marked MarkdownText."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=False, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
        finalize=_finalize_markdown,
    )
    environment.filters.update({
        "code": md_code,
        "cellcode": lambda text: md_code(text, in_table=True),
        # LaTeX from the problem bank (trusted) inside $`...`$ or a ```math block.
        "latex": MarkdownText,
    })
    return environment


# ----------------------------------------------------------------------------- values

@dataclass(frozen=True)
class Shown:
    """A value ready to print: kind none, number, text, vector or matrix (rows of entries)."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def compact(self) -> str:
        """The value on one line, as in an answers file."""
        if self.kind == "none":
            return "—"
        if self.kind == "vector":
            return "[" + ", ".join(self.rows[0]) + "]"
        if self.kind == "matrix":
            return "[" + ", ".join("[" + ", ".join(row) + "]" for row in self.rows) + "]"
        return self.text


def show_number(x: Any) -> str:
    """A number as printed in feedback; huge, tiny, NaN and infinite values stay short."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int) and abs(x) < 10 ** 15:
        return str(x)
    try:
        x = float(x)
    except (OverflowError, ValueError):
        return "(a number too long to show)"
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e15:
        return f"{x:.6g}"
    return format_number(x)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _clip(text: str) -> str:
    words = " ".join(text[: MAX_SHOWN_CHARS * 4].split())
    if len(words) <= MAX_SHOWN_CHARS and len(text) <= MAX_SHOWN_CHARS * 4:
        return words
    return f"{words[:MAX_SHOWN_CHARS]}… ({len(text)} characters in all)"


def _json_text(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=repr)
    except (ValueError, TypeError, RecursionError):
        return "(a value that cannot be shown)"


def shown(value: Any) -> Shown:
    """A given or expected value (any JSON-able value, even junk) ready to print."""
    if value is None:
        return Shown("none")
    if isinstance(value, bool) or _is_number(value):
        return Shown("number", show_number(value))
    if isinstance(value, str):
        return Shown("text", _clip(value))
    if isinstance(value, list) and 0 < len(value) <= MAX_SHOWN_ENTRIES:
        if all(_is_number(entry) for entry in value):
            return Shown("vector", rows=(tuple(show_number(entry) for entry in value),))
        width = len(value[0]) if isinstance(value[0], list) else 0
        if (width and width * len(value) <= MAX_SHOWN_ENTRIES
                and all(isinstance(row, list) and len(row) == width
                        and all(_is_number(entry) for entry in row) for row in value)):
            return Shown("matrix", rows=tuple(tuple(show_number(entry) for entry in row)
                                              for row in value))
    return Shown("text", _clip(_json_text(value)))


# ----------------------------------------------------------------------------- MathML

@functools.lru_cache(maxsize=65536)
def _number_mathml(x: float) -> str:
    if math.isnan(x):
        return "<mi>NaN</mi>"
    if math.isinf(x):
        return "<mi>∞</mi>" if x > 0 else "<mrow><mo>−</mo><mi>∞</mi></mrow>"
    text = format_number(x)
    negative = text.startswith("-")
    text = text.lstrip("-")
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = int(exponent)
        power_ml = (f"<mn>{power}</mn>" if power >= 0
                    else f"<mrow><mo>−</mo><mn>{-power}</mn></mrow>")
        body = f"<msup><mn>10</mn>{power_ml}</msup>"
        if mantissa != "1":
            body = f"<mrow><mn>{mantissa}</mn><mo>×</mo>{body}</mrow>"
    else:
        body = f"<mn>{text}</mn>"
    return f"<mrow><mo>−</mo>{body}</mrow>" if negative else body


def value_mathml(value: Any, operand: bool = False) -> str:
    """One value as a single MathML element; as an `operand`, negatives get parentheses."""
    if isinstance(value, str):
        return f"<mtext>{escape(value)}</mtext>"
    if isinstance(value, bool | np.bool_):
        return f"<mtext>{'true' if value else 'false'}</mtext>"
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return f"<mtext>{escape(_clip(str(value)))}</mtext>"
    if array.ndim == 0:
        x = float(array)
        number = _number_mathml(x)
        if operand and (x < 0 or "×" in number):
            return (f'<mrow><mo stretchy="false" lspace="0" rspace="0">(</mo>{number}'
                    f'<mo stretchy="false" lspace="0" rspace="0">)</mo></mrow>')
        return number
    if array.ndim > 2:
        return f"<mtext>{escape(_clip(_json_text(array.tolist())))}</mtext>"
    rows = array.reshape(-1, 1) if array.ndim == 1 else array
    cells = "".join("<mtr>" + "".join(f"<mtd>{_number_mathml(float(x))}</mtd>" for x in row)
                    + "</mtr>" for row in rows)
    return f"<mrow><mo>[</mo><mtable>{cells}</mtable><mo>]</mo></mrow>"


@dataclass(frozen=True)
class _Converted:
    """A converted rule: MathML pieces with the named values to put between them."""

    chunks: tuple[str, ...]
    names: tuple[str, ...]
    operands: tuple[bool, ...]
    """Per value: does a negative number there need parentheses (after +, ·, as a base)?"""
    text: str | None
    """The plain text when the whole rule is one \\text{...} (a statement, not math)."""

    def fill(self, env: Mapping[str, Any]) -> Markup | None:
        if any(name not in env for name in self.names):
            return None
        pieces = [self.chunks[0]]
        for name, operand, chunk in zip(self.names, self.operands, self.chunks[1:],
                                        strict=True):
            pieces += [value_mathml(env[name], operand=operand), chunk]
        return Markup("".join(pieces))


_TEXT_GROUP = re.compile(r"\\text\s*\{")
_LATEX_TEXT_ESCAPES = re.compile(
    r"\\textbackslash\{\}|\\textasciicircum\{\}|\\textasciitilde\{\}|\\([{}$&#%_ ,])")
_TEXT_UNESCAPED = {r"\textbackslash{}": "\\", r"\textasciicircum{}": "^",
                   r"\textasciitilde{}": "~"}
_MATH_WRAPPER = re.compile(r"^<math[^>]*>|</math>$")
_PLACEHOLDER = re.compile(r"<mtext>@P(\d+)@</mtext>")
_OPENS_GROUP = re.compile(
    r"(<(mrow|msqrt|mfrac|mtd|mtr)>|<mo[^>]*>([(\[|=,]|&#x0002[8C];|&#x0005B;|&#x0007C;"
    r"|&#x0003D;)</mo>|<mspace[^>]*/>)$")


def _text_groups(latex: str) -> tuple[str, list[str]]:
    r"""Every \text{...} replaced by a marker; latex2mathml neither unescapes nor escapes it."""
    out, texts, start = [], [], 0
    while match := _TEXT_GROUP.search(latex, start):
        end, depth = match.end(), 1
        while end < len(latex) and depth:
            if latex[end] == "\\":
                end += 2
                continue
            depth += {"{": 1, "}": -1}.get(latex[end], 0)
            end += 1
        if depth:
            raise ValueError("unbalanced \\text group")
        inner = latex[match.end():end - 1]
        texts.append(_LATEX_TEXT_ESCAPES.sub(
            lambda m: m.group(1) or _TEXT_UNESCAPED[m.group(0)], inner))
        out += [latex[start:match.start()], rf"\text{{@T{len(texts) - 1}@}}"]
        start = end
    out.append(latex[start:])
    return "".join(out), texts


@functools.lru_cache(maxsize=4096)
def _convert_rule(latex: str, template: bool) -> _Converted | None:
    """A formula (or a substitution template over `${name}`) as MathML pieces; None on failure."""
    names: list[str] = []

    def mark(match: re.Match) -> str:
        name = match.group("named") or match.group("braced")
        if name is None:
            return match.group()
        names.append(name)
        return rf"\text{{@P{len(names) - 1}@}}"

    try:
        marked, texts = _text_groups(latex)
        if template:
            if any("$" in text for text in texts):
                return None
            marked = string.Template.pattern.sub(mark, marked)
        mathml = _MATH_WRAPPER.sub("", convert(marked))
    except Exception:  # latex2mathml raises many unrelated types on LaTeX it does not know
        return None
    for k, text in enumerate(texts):
        # MathML trims spaces at the ends of <mtext>; "truth table y" must keep its space.
        kept = re.sub(r"^ | $", "\u00a0", text)
        mathml = mathml.replace(f"<mtext>@T{k}@</mtext>", f"<mtext>{escape(kept)}</mtext>")
    pieces = _PLACEHOLDER.split(mathml)
    order = tuple(int(index) for index in pieces[1::2])
    if order != tuple(range(len(names))) or "@T" in mathml or "@P" in pieces[0]:
        return None
    whole_text = texts[0] if len(texts) == 1 and marked.strip() == r"\text{@T0@}" else None
    chunks = tuple(pieces[0::2])
    # An empty chunk is the start (no parentheses) or two values side by side (parentheses).
    operands = tuple(bool(chunk or k) and not _OPENS_GROUP.search(chunk)
                     for k, chunk in enumerate(chunks[:-1]))
    return _Converted(chunks, tuple(names), operands, whole_text)


def formula_mathml(latex: str) -> Markup | None:
    """A LaTeX formula as MathML content (no <math> wrapper), or None when it does not convert."""
    converted = _convert_rule(latex, False)
    return converted.fill({}) if converted is not None else None


# ----------------------------------------------------------------------------- the view

@dataclass(frozen=True)
class StepView:
    """One line of the worked solution, as MathML (None: show the LaTeX) and as LaTeX."""

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

    @property
    def remarks(self) -> tuple[PartView, ...]:
        """The parts with something to say beyond their status."""
        return tuple(part for part in self.parts
                     if part.comment or part.mistake or part.correct_step)


def points_text(value: float) -> str:
    """Points as printed: at most 4 decimals, whole numbers without a fraction."""
    return str(round_points(value))


def _step_view(step: Step, env: Mapping[str, Any], latex_line) -> StepView:
    formula = _convert_rule(step.formula, False)
    substitution = _convert_rule(step.substitution, True) if step.substitution else None
    statement = formula.text if formula is not None else None
    reason = substitution.text if substitution is not None and substitution.text else None
    result = env[step.name]
    return StepView(
        name=step.name, label=step.label, part=step.part,
        formula=formula.fill({}) if formula is not None else None,
        substituted=substitution.fill(env) if substitution is not None else None,
        result=Markup(value_mathml(result)),
        formula_latex=latex_line.formula, substituted_latex=latex_line.substituted,
        result_latex=latex_line.result, statement=statement,
        reason=reason if statement is not None else None,
        result_text=shown(result if isinstance(result, str) else _plain(result)).compact,
    )


def _plain(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray | np.generic) else value


def worked_steps(graph: Graph) -> tuple[StepView, ...]:
    """The worked solution of one instance, every step with its numbers."""
    env = graph.evaluate()
    lines = graph.worked()
    return tuple(_step_view(step, env, line) for step, line in zip(graph.steps, lines, strict=True))


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
                   solved: dict[tuple[str, str], tuple[StepView, ...]]) -> QuestionView:
    question = assignment.question(question_id)
    family = question.family
    # A question with fixed params gives every student the same worked solution.
    key = (question_id, json.dumps(params, sort_keys=True, default=repr)
           ) if question.params is not None else None
    steps = solved.get(key) if key is not None else None
    if steps is None:
        steps = worked_steps(family.build(family.parse(params)))
        if key is not None:
            solved[key] = steps
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
                        points_text(graded.max), note, tuple(graded.notes), tuple(parts), steps)


def _status_label(part: PartResult) -> str:
    if part.status == "incorrect" and part.fraction > 0:
        return "Partly correct"
    return STATUS_LABELS[part.status]


def student_context(assignment: Assignment, student: StudentResult,
                    solved: dict[tuple[str, str], tuple[StepView, ...]] | None = None
                    ) -> dict[str, Any]:
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


def render_feedback(assignment: Assignment, student: StudentResult,
                    solved: dict[tuple[str, str], tuple[StepView, ...]] | None = None
                    ) -> tuple[str, str]:
    """One student's feedback as (HTML, Markdown) text."""
    context = student_context(assignment, student, solved)
    html = html_environment().get_template("feedback.html.j2").render(**context)
    markdown = markdown_environment().get_template("feedback.md.j2").render(**context)
    return html, markdown


def write_feedback(result: ClassResult, folder: Path) -> None:
    """Write feedback/<id>.html and <id>.md for every graded student."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    solved: dict[tuple[str, str], tuple[StepView, ...]] = {}

    def render(student: StudentResult) -> tuple[str, str]:
        return render_feedback(result.assignment, student, solved)

    for student, (html, markdown) in zip(result.students,
                                         ordered_map(render, result.students), strict=True):
        student_id = student.student.id
        if Path(student_id).name != student_id or student_id in (".", ".."):
            raise ValueError(f"student id {student_id!r} cannot name a file")
        (folder / f"{student_id}.html").write_text(html, encoding="utf-8")
        (folder / f"{student_id}.md").write_text(markdown, encoding="utf-8")
