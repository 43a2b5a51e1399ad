"""LaTeX rules and numbers as MathML, for the feedback pages (browsers render it offline).

latex2mathml takes about 0.6 ms per expression, too slow to run on every student's numbers, so
only the rules are converted, once per distinct string in the whole run: each step's formula,
and its substitution with a marker where each number goes (`convert_rule`). The student's
numbers are typeset straight into MathML in their place (`value_mathml`). A rule that does not
convert gives None, and the page shows its LaTeX source instead.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from latex2mathml.converter import convert
from markupsafe import Markup, escape

from grader.report_text import clip, json_text
from grader.values import format_number


@functools.lru_cache(maxsize=65536)
def number_mathml(x: float) -> str:
    """One number as MathML: a minus sign, powers of ten for small magnitudes."""
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
    if isinstance(value, float):  # Python and numpy float64 scalars, most values
        return scalar_mathml(float(value))[operand]
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return f"<mtext>{escape(clip(str(value)))}</mtext>"
    if array.ndim == 0:
        return scalar_mathml(float(array))[operand]
    if array.ndim > 2:
        return f"<mtext>{escape(clip(json_text(array.tolist())))}</mtext>"
    rows = (array.reshape(-1, 1) if array.ndim == 1 else array).tolist()
    cells = "".join(["<mtr>" + "".join([f"<mtd>{number_mathml(x)}</mtd>" for x in row])
                     + "</mtr>" for row in rows])
    return f"<mrow><mo>[</mo><mtable>{cells}</mtable><mo>]</mo></mrow>"


def scalar_mathml(x: float) -> tuple[str, str]:
    """One number as MathML, and as an operand: in parentheses when negative or a product."""
    number = number_mathml(x)
    if x < 0 or "×" in number:
        return number, (f'<mrow><mo stretchy="false" lspace="0" rspace="0">(</mo>{number}'
                        f'<mo stretchy="false" lspace="0" rspace="0">)</mo></mrow>')
    return number, number


@dataclass(frozen=True)
class Converted:
    """A converted rule: MathML pieces with the named values to put between them."""

    chunks: tuple[str, ...]
    names: tuple[str, ...]
    operands: tuple[bool, ...]
    """Per value: does a negative number there need parentheses (after +, ·, as a base)?"""
    text: str | None
    """The plain text when the whole rule is one \\text{...} (a statement, not math)."""

    def fill(self, env: Mapping[str, Any],
             typeset: Mapping[str, Sequence[str]] | None = None) -> Markup | None:
        """The MathML with the values of `env` in place; None when a value is missing.

        `typeset` holds the values' MathML when the caller keeps them: by name, first as
        value_mathml(env[name]), then as value_mathml(env[name], operand=True).
        """
        pieces = [self.chunks[0]]
        for name, operand, chunk in zip(self.names, self.operands, self.chunks[1:],
                                        strict=True):
            if name not in env:
                return None
            pieces += [value_mathml(env[name], operand=operand) if typeset is None
                       else typeset[name][operand], chunk]
        return Markup("".join(pieces))


_TEXT_GROUP = re.compile(r"\\text\s*\{")
_LATEX_TEXT_ESCAPES = re.compile(
    r"\\textbackslash\{\}|\\textasciicircum\{\}|\\textasciitilde\{\}|\\textasciigrave\{\}"
    r"|-\{\}(?=-)|\\([{}$&#%_ ,])")
_TEXT_UNESCAPED = {r"\textbackslash{}": "\\", r"\textasciicircum{}": "^",
                   r"\textasciitilde{}": "~", r"\textasciigrave{}": "`", "-{}": "-"}
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
def convert_rule(latex: str, template: bool) -> Converted | None:
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
    return Converted(chunks, tuple(names), operands, whole_text)


def formula_mathml(latex: str) -> Markup | None:
    """A LaTeX formula as MathML content (no <math> wrapper), or None when it does not convert."""
    converted = convert_rule(latex, False)
    return converted.fill({}) if converted is not None else None
