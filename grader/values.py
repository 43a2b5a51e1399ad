"""Answer values: conversion to JSON and to LaTeX for worked solutions."""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.latex_text import Transcriber

DISPLAY_DECIMALS = 6
"""Decimals shown for numbers in worked solutions (the course asks for 4)."""


def to_jsonable(value: Any) -> Any:
    """Numbers, nested lists and strings as plain JSON types (arrays become nested lists)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [to_jsonable(entry) for entry in value]
    if isinstance(value, dict):
        return {key: to_jsonable(entry) for key, entry in value.items()}
    return value


def null_if_not_finite(value: Any) -> Any:
    """A JSON-like value with each NaN or infinity made null: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [null_if_not_finite(entry) for entry in value]
    if isinstance(value, dict):
        return {key: null_if_not_finite(entry) for key, entry in value.items()}
    return value


KEY_DIGITS = 10
"""Significant digits of reference answers in written files (results.json, the variants
manifests). NumPy's exp and tanh, and BLAS, differ in the last bits between CPUs (with and
without AVX-512); ten digits are far finer than any tolerance and the same on every machine."""


def significant(value: Any, digits: int = KEY_DIGITS) -> Any:
    """A JSON-like value with each float rounded to `digits` significant digits."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, list):
        return [significant(entry, digits) for entry in value]
    if isinstance(value, dict):
        return {key: significant(entry, digits) for key, entry in value.items()}
    return value


def format_number(x: float, decimals: int = DISPLAY_DECIMALS) -> str:
    """A number as a person writes it: integers plain, others to `decimals` places."""
    x = float(x)
    return _display_number(x) if decimals == DISPLAY_DECIMALS else _format(x, decimals)


LARGE = 1e15
"""From here on numbers are written with a power of ten: their digits past the 16th are
float noise (a student's 1.7e308 once filled a message with 309 digits)."""


def _format(x: float, decimals: int) -> str:
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < LARGE:
        return str(int(x))
    if x == 0 or 10 ** (-decimals + 2) <= abs(x) < LARGE:
        text = f"{x:.{decimals}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    mantissa, exponent = f"{x:.3e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


@functools.lru_cache(maxsize=1 << 16)
def _display_number(x: float) -> str:
    # Worked solutions print each number several times (LaTeX, MathML, plain text).
    return _format(x, DISPLAY_DECIMALS)


def latex_number(x: float) -> str:
    """A number in LaTeX, small magnitudes as a power of ten."""
    return _latex_number(float(x))


@functools.lru_cache(maxsize=1 << 16)
def _latex_number(x: float) -> str:
    text = format_number(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if mantissa == "1":
            return rf"10^{{{exponent}}}"
        return rf"{mantissa} \times 10^{{{exponent}}}"
    return text


def latex_value(value: Any) -> str:
    """A value in LaTeX math: numbers plain, vectors and matrices as bmatrix, words as text."""
    if isinstance(value, str):
        return r"\text{" + latex_escape(value) + "}"
    if isinstance(value, bool):
        return r"\text{" + ("true" if value else "false") + "}"
    if isinstance(value, int | float | np.generic):
        return latex_number(value)
    array = np.asarray(value)
    if array.ndim == 0:
        return latex_number(array.item())
    if array.ndim == 1:
        rows = [[latex_number(x)] for x in array.tolist()]
    elif array.ndim == 2:
        rows = [[latex_number(x) for x in row] for row in array.tolist()]
    else:
        raise ValueError(f"cannot typeset a {array.ndim}-d array")
    body = r" \\ ".join(" & ".join(row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def latex_row(values: Any) -> str:
    """A short sequence typeset in a row, e.g. a truth table (0, 0, 0, 1)."""
    return "(" + ", ".join(latex_number(x) for x in np.asarray(values).ravel()) + ")"


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "`": r"\textasciigrave{}",
    **{chr(code): " " for code in (10, 11, 12, 13)},
    **{chr(code): "" for code in (*range(0, 9), *range(14, 32), 127)},
}
"""Each character that does not print itself in LaTeX, and what prints it. Line breaks become
spaces (a blank line would end a paragraph, even inside \\textbf{} or \\text{}: the build
would stop); other control characters, which pdfTeX rejects as invalid, are dropped."""
_ESCAPES = str.maketrans(_LATEX_SPECIALS)
_LIGATURE_HYPHEN = re.compile(r"-(?=-)")
"""A hyphen before another: `--` and `---` would print as TeX's en and em dashes."""
_BEYOND_ASCII = Transcriber(_ESCAPES)


def latex_escape(text: str) -> str:
    """Text made safe to print literally in LaTeX (no command, group or math survives).

    The one escaping function: every value a LaTeX template prints (render.py) and every
    word typeset in math (latex_value) goes through it. pylatex's escape_latex is not used: it
    prints ``^`` as ``\\^{}``, a circumflex accent (``ˆ``), not the character ``^``.
    Characters beyond ASCII that our fonts lack (李, 🙂, Иван) get a stand-in, so no text can
    stop the build (grader.latex_text, which also reports them).
    """
    text = str(text)
    escaped = text.translate(_ESCAPES) if text.isascii() else _BEYOND_ASCII(text)
    return _LIGATURE_HYPHEN.sub("-{}", escaped) if "--" in escaped else escaped


def counted(number: int, noun: str) -> str:
    """'1 student', '2 students' (in messages and in the summary page, `counted` there)."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def isolated(text: str) -> str:
    """Text between Unicode's first-strong isolate and its pop (U+2068, U+2069), so a name
    holding a right-to-left override (U+202E) or written right to left cannot reorder the
    text after it, where markup cannot isolate it: a page title, Markdown."""
    return f"\u2068{text}\u2069"


SHOWN_TEXT_CHARS = 30


def kind_in_words(value: Any) -> str:
    """What kind of value was given, in words (never a Python type's name), for messages
    about answers and params."""
    if value is None:
        return "null (no value)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        text = " ".join(value.split())
        cut = "…" if len(text) > SHOWN_TEXT_CHARS else ""
        return f"text '{text[:SHOWN_TEXT_CHARS]}{cut}'"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, datetime.date):
        return "a date"
    return "binary data" if isinstance(value, bytes) else "a value of another kind"
