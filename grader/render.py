"""jinja2 environments for LaTeX (escaping by default) and for plain text files."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from pylatex.utils import NoEscape

from grader.errors import GraderError
from grader.values import format_number, latex_escape, latex_number, latex_row, latex_value

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def latex(text: str) -> NoEscape:
    """Mark text as LaTeX that the template must print as it is (the only way past escaping)."""
    return NoEscape(text)


def _finalize_latex(value: Any) -> str:
    """Every interpolated value is escaped (latex_escape) unless marked as LaTeX; numbers print
    as numbers."""
    if isinstance(value, NoEscape):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        return latex_number(value)
    return latex_escape(str(value))


@functools.cache
def latex_environment() -> jinja2.Environment:
    """Templates with LaTeX-safe delimiters: \\VAR{...}, \\BLOCK{...}, \\#{...}."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        block_start_string=r"\BLOCK{", block_end_string="}",
        variable_start_string=r"\VAR{", variable_end_string="}",
        comment_start_string=r"\#{", comment_end_string="}",
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        autoescape=False, undefined=jinja2.StrictUndefined, finalize=_finalize_latex,
    )
    environment.filters.update({
        "mat": lambda value: latex(latex_value(value)),
        "num": lambda value: latex(latex_number(value)),
        "row": lambda value: latex(latex_row(value)),
        "latex": latex,
    })
    return environment


def _finalize_text(value: Any) -> str:
    """Plain-text outputs (YAML comments): no line breaks may escape from a line."""
    if isinstance(value, float | np.floating):
        return format_number(value)
    return " ".join(str(value).split())


@functools.lru_cache(maxsize=1024)  # the same ids and part names for every student
def yaml_key(text: str) -> str:
    """A mapping key written so that YAML reads it back as this very text: plain when it
    does, else single-quoted (a question id `null`, `true` or `1` would come back as None, a
    truth value or a number, and the student's filled-in template would miss the question)."""
    from grader.datafiles import parse_data_text

    if list(parse_data_text(f"{text}: 0\n", ".yaml", "key")) == [text]:
        return text
    return "'" + text.replace("'", "''") + "'"


@functools.cache
def text_environment() -> jinja2.Environment:
    """Templates for plain-text files such as the answers-file template."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False, undefined=jinja2.StrictUndefined,
        finalize=_finalize_text,
    )
    environment.filters["yaml_key"] = yaml_key
    return environment


def render_latex(template: str, **context: Any) -> str:
    return _render(latex_environment(), template, context)


def render_text(template: str, **context: Any) -> str:
    return _render(text_environment(), template, context)


def _render(environment: jinja2.Environment, template: str, context: dict) -> str:
    """Render a template; a broken or missing template is a clear error, not a traceback."""
    try:
        return environment.get_template(template).render(**context)
    except jinja2.TemplateNotFound as error:
        raise GraderError(f"{TEMPLATES_DIR}: template {error.name} is missing") from None
    except jinja2.TemplateError as error:
        raise GraderError(f"{TEMPLATES_DIR / template}: {error}") from None
