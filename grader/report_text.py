"""Text for the HTML and Markdown reports: the jinja environments, escaping, printable values.

Everything a student supplied (name, id, given values, messages that quote them) is escaped:
by jinja's autoescape in HTML, and in Markdown by backslash-escaping Markdown's specials and
HTML's `<`, `>`, `&` (values sit in code spans, which render nothing inside them).
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup, escape

from grader.render import TEMPLATES_DIR
from grader.values import counted, format_number, isolated

MAX_SHOWN_CHARS = 300
"""Longer given text (junk, pasted essays) is cut to this many characters."""
MAX_SHOWN_ENTRIES = 400
"""A given list with more entries than this is shown as (cut) text, not as a table."""


# ----------------------------------------------------------------------------- environments

@functools.cache
def html_environment() -> jinja2.Environment:
    """HTML templates: every interpolated value is escaped unless it is Markup (our MathML)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
    )
    environment.filters["counted"] = counted
    environment.filters["isolated"] = isolated
    return environment


class MarkdownText(str):
    """Text already safe to print in Markdown as it is."""


_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>&|~$#])")


def md_escape(text: Any) -> str:
    """One line of literal text for Markdown: specials backslash-escaped, line breaks joined."""
    return _md_escaped(str(text))


@functools.lru_cache(maxsize=4096)
def _md_escaped(text: str) -> str:
    # Pages repeat most of their words (labels, statuses, points) from student to student.
    return _MD_SPECIALS.sub(r"\\\1", " ".join(text.split()))


def md_code(text: Any, in_table: bool = False) -> MarkdownText:
    """Text as an inline code span (nothing inside renders), safe in a table cell if asked."""
    text = " ".join(str(text).split())
    if in_table:
        text = text.replace("|", r"\|")
    if "`" not in text:
        return MarkdownText(f"`{text}`")
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
        "isolated": isolated,
    })
    return environment


# ----------------------------------------------------------------------------- values

@dataclass(frozen=True, slots=True)
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

    @property
    def html(self) -> Markup:
        """The value in an HTML table cell: a code span, a text span or a table of entries."""
        if self.kind == "none":
            return Markup('<span class="none">—</span>\n')
        if self.kind == "number":
            return Markup(f"<code>{escape(self.text)}</code>\n")
        if self.kind == "text":
            return Markup(f'<span class="text">{escape(self.text)}</span>\n')
        rows = "".join([_table_row(row) for row in self.rows])
        return Markup(f'<table class="matrix">{rows}</table>\n')

    @property
    def cell(self) -> MarkdownText:
        """The value in a Markdown table cell: a code span on one line, or a dash for none."""
        return MarkdownText("—") if self.kind == "none" else md_code(self.compact, in_table=True)


_HTML_SPECIALS = re.compile("[&<>'\"]")
"""What markupsafe's escape changes: text without them is printed as it is."""


def _table_row(entries: tuple[str, ...]) -> str:
    if not entries:
        return "<tr></tr>"
    if _HTML_SPECIALS.search("".join(entries)) is not None:
        entries = tuple(str(escape(entry)) for entry in entries)
    return "<tr><td>" + "</td><td>".join(entries) + "</td></tr>"


def show_number(x: Any) -> str:
    """A number as printed in feedback; huge, tiny, NaN and infinite values stay short."""
    if type(x) is float and abs(x) < 1e15:  # the common case; NaN fails the comparison
        return format_number(x)
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


_PLAIN_NUMBERS = frozenset((int, float))


def _all_numbers(values: list) -> bool:
    return set(map(type, values)) <= _PLAIN_NUMBERS or all(map(_is_number, values))


def clip(text: str) -> str:
    """Text on one line, cut to MAX_SHOWN_CHARS characters with a note of its full length."""
    words = " ".join(text[: MAX_SHOWN_CHARS * 4].split())
    if len(words) <= MAX_SHOWN_CHARS and len(text) <= MAX_SHOWN_CHARS * 4:
        return words
    return f"{words[:MAX_SHOWN_CHARS]}… ({len(text)} characters in all)"


def json_text(value: Any) -> str:
    """Any value as JSON text, or a note when it cannot be written (a loop, a huge number)."""
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
        return Shown("text", clip(value))
    if isinstance(value, list) and 0 < len(value) <= MAX_SHOWN_ENTRIES:
        if _all_numbers(value):
            return Shown("vector", rows=(tuple(map(show_number, value)),))
        width = len(value[0]) if isinstance(value[0], list) else 0
        if (width and width * len(value) <= MAX_SHOWN_ENTRIES
                and all(isinstance(row, list) and len(row) == width and _all_numbers(row)
                        for row in value)):
            return Shown("matrix", rows=tuple(tuple(map(show_number, row)) for row in value))
    return Shown("text", clip(json_text(value)))
