"""Words typeset in math reach the feedback pages as MathML text: each LaTeX escape that
latex_escape writes must turn back into the character typed."""

from __future__ import annotations

import pytest

from grader.mathml import _text_groups
from grader.values import latex_escape


@pytest.mark.parametrize("text", ["a--b---c", "`grad`", "x^2 ~ y", "C:\\dir", "100% $5 #1 {x}",
                                  "y_1 & z"])
def test_text_in_math_comes_back_as_typed(text):
    latex, texts = _text_groups(r"x = \text{" + latex_escape(text) + "}")
    assert latex == r"x = \text{@T0@}"
    assert texts == [text]
