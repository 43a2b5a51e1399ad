"""Per-student feedback: every part's verdict, the named mistake, the worked solution, escaping."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
import markupsafe
import numpy as np
import pytest
import yaml

from grader.assignment import load_assignment
from grader.feedback import (
    Shown,
    formula_mathml,
    md_code,
    md_escape,
    render_feedback,
    shown,
    value_mathml,
    worked_steps,
    write_feedback,
)
from grader.feedback_items import item_frames, worked_steps_html, worked_steps_markdown
from grader.feedback_view import Worked
from grader.frames import Frame
from grader.grade import ClassResult, grade_class
from grader.graph import Graph, Step
from grader.roster import load_roster
from grader.values import to_jsonable
from problems import get_family

SCRIPT = "<script>alert(1)</script>"
AMPERSAND = "O'Brien & Co_1"
MARKDOWN = "**x** [a](javascript:x)"
IMG = "<img src=x onerror=alert(1)>"
QUESTIONS = (("adam", "adam_update"), ("logic", "logic_net"), ("count", "param_count"),
             ("tf", "lstm_concepts"))


def _answers(family_name: str, mistake: str | None = None) -> dict:
    family = get_family(family_name)
    return to_jsonable(family.solve(family.canonical, mistake))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> ClassResult:
    """A small class graded for real: exact, a mistake, junk, no folder, a malformed file."""
    root = tmp_path_factory.mktemp("class")
    questions = [{"id": qid, "family": name, "points": 10,
                  "params": to_jsonable(dict(get_family(name).canonical))}
                 for qid, name in QUESTIONS]
    (root / "a.yaml").write_text(yaml.safe_dump({
        "title": "HW <3> & co", "course": "DL", "due": "2026-12-01", "seed": 1,
        "questions": questions}))
    rows = [["s1", "Ada Lovelace"], ["s2", SCRIPT], ["s3", AMPERSAND], ["s4", MARKDOWN],
            ["s5", "Grace Hopper"]]
    (root / "roster.csv").write_text(
        "id,name\n" + "".join(f"{i},\"{name}\"\n" for i, name in rows))
    subs = root / "subs"
    exact = {qid: _answers(name) for qid, name in QUESTIONS}
    mistaken = dict(exact, adam=_answers("adam_update", "update_sign"),
                    logic=dict(exact["logic"], gate=MARKDOWN))
    junk = {"adam": {"V": [[1, [2, {"a": "<b>"}]], "x|y`z"], "S": IMG + "z" * 1000},
            "logic": "hello"}
    for student_id, answers in (("s1", exact), ("s2", mistaken), ("s5", junk)):
        (subs / student_id).mkdir(parents=True)
        (subs / student_id / "answers.json").write_text(json.dumps(answers))
    (subs / "s4").mkdir()
    (subs / "s4" / "answers.json").write_text('{"adam": ')
    (subs / "stray").mkdir()
    return grade_class(load_assignment(root / "a.yaml"), load_roster(root / "roster.csv"),
                       subs, None)


def _pages(graded: ClassResult, student_id: str) -> tuple[str, str]:
    student = next(s for s in graded.students if s.student.id == student_id)
    return render_feedback(graded.assignment, student)


def _outside_code_spans(markdown: str) -> str:
    """The Markdown with its code spans and ```math blocks removed (they render nothing)."""
    markdown = re.sub(r"^```math\n.*?\n```$", "", markdown, flags=re.M | re.S)
    return re.sub(r"(`+).*?\1", "", markdown)


def test_feedback_shows_each_part_with_status_values_and_points(graded):
    """Does the page hold every part, its status, given and expected values and points?"""
    html, markdown = _pages(graded, "s1")
    expected = get_family("adam_update").solve(get_family("adam_update").canonical)
    assert "Total: <strong>40 / 40</strong>" in html and "**Total:** 40 / 40" in markdown
    for part in ("V", "S", "V_hat", "S_hat", "W", "truth_table", "gate", "s1"):
        assert f"<code>{part}</code>" in html and f"`{part}`" in markdown
    first_w = shown(float(expected["W"][0, 0])).text
    assert f"<td>{first_w}</td>" in html and first_w in markdown
    assert html.count('<span class="status correct">Correct</span>') >= 8
    assert "| Correct | 2 / 2 |" in markdown
    assert "<code>AND</code>" in html or "<code>XOR</code>" in html or "gate" in html


def test_named_mistake_is_explained_with_the_correct_step(graded):
    """Is a catalogued mistake named, described in one sentence, and its correct step shown?"""
    html, markdown = _pages(graded, "s2")
    family = get_family("adam_update")
    description = family.mistake("update_sign").description
    w_step = family.build(family.parse(family.canonical)).step("W")
    assert "<code>update_sign</code>" in html and description in html
    assert str(formula_mathml(w_step.formula)) in html
    assert "(`update_sign`)" in markdown and md_escape(description) in markdown
    assert f"$`{w_step.formula}`$" in markdown
    assert '<span class="status incorrect">Incorrect</span>' in html


def test_worked_solution_uses_the_students_numbers(graded):
    """Does the worked solution show each step's rule and the numbers of the student's variant?"""
    html, markdown = _pages(graded, "s1")
    family = get_family("adam_update")
    graph = family.build(family.parse(family.canonical))
    for line in graph.worked():
        assert f"```math\n{line.formula}\n```" in markdown
        assert f"```math\n= {line.substituted}\n```" in markdown
        assert f"```math\n= {line.result}\n```" in markdown
    assert "Worked solution for your numbers" in html
    assert html.count("<math>") > 3 * len(graph.steps)
    assert value_mathml(graph.evaluate()["W"]) in html


@pytest.mark.parametrize("hostile", [SCRIPT, AMPERSAND, MARKDOWN])
def test_hostile_names_are_escaped(graded, hostile):
    """Are names with HTML and Markdown specials printed as text in both files?"""
    student_id = {SCRIPT: "s2", AMPERSAND: "s3", MARKDOWN: "s4"}[hostile]
    html, markdown = _pages(graded, student_id)
    assert "<script" not in html and "javascript:x)" not in html.replace(
        "[a](javascript:x)", "")
    assert hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        "'", "&#39;") in html
    outside = _outside_code_spans(markdown)
    assert md_escape(hostile) in outside
    assert hostile not in outside
    assert not re.search(r"(?<!\\)<|(?<![\\\n])>|(?<!\\)\]\(", outside)


def test_a_right_to_left_override_in_a_name_is_isolated(graded):
    """A name holding U+202E cannot reorder the text after it: in the HTML body it sits in
    <bdi>, in the page title and the Markdown between U+2068 and U+2069 (markup cannot go
    there), and nowhere else."""
    from dataclasses import replace

    student = next(s for s in graded.students if s.student.id == "s1")
    name = "\u202eevil"
    html, markdown = render_feedback(
        graded.assignment, replace(student, student=replace(student.student, name=name)))
    assert f"<strong><bdi>{name}</bdi></strong>" in html
    assert f"feedback for \u2068{name}\u2069</title>" in html
    assert html.count(name) == 2 and markdown.count(f"\u2068{name}\u2069") == 1
    assert markdown.count(name) == 1


def test_hostile_given_values_are_escaped(graded):
    """Are junk answers (tags, Markdown, nested lists, long text) shown as inert, cut text?"""
    html, markdown = _pages(graded, "s5")
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "z" * 400 not in html
    assert "x|y`z" in html.replace("&#34;", '"')
    assert not re.search(r"(?<!\\)<|(?<![\\\n])>", _outside_code_spans(markdown))
    assert "``[[1, [2, {\"a\": \"<b>\"}]], \"x\\|y`z\"]``" in markdown
    _, mistaken_md = _pages(graded, "s2")
    assert not re.search(r"(?<!\\)<|(?<![\\\n])>|(?<!\\)\]\(", _outside_code_spans(mistaken_md))


def test_missing_and_unreadable_submissions_read_well(graded):
    """Do a missing folder and a malformed file give a clear note, statuses and the solution?"""
    for student_id, words in (("s3", "no submission folder s3/"), ("s4", "malformed JSON")):
        html, markdown = _pages(graded, student_id)
        assert "Your submission could not be used" in html and words in html
        assert words in markdown
        assert '<span class="status invalid">Invalid</span>' in html
        assert "Worked solution for your numbers" in html and "```math" in markdown
        assert "Total: <strong>0 / 40</strong>" in html
    html, markdown = _pages(graded, "s5")
    assert '<span class="status missing">Missing</span>' in html
    assert "expected a mapping of part names to values" in html
    assert "could not be used" not in html


def test_feedback_files_are_deterministic_and_self_contained(graded, tmp_path):
    """Are the files byte-identical across runs, with no script, link or remote reference?"""
    write_feedback(graded, tmp_path / "one" / "feedback")
    write_feedback(graded, tmp_path / "two" / "feedback")
    names = sorted(path.name for path in (tmp_path / "one" / "feedback").iterdir())
    assert names == sorted(f"s{k}.{ext}" for k in range(1, 6) for ext in ("html", "md"))
    for name in names:
        first = (tmp_path / "one" / "feedback" / name).read_bytes()
        assert first == (tmp_path / "two" / "feedback" / name).read_bytes()
        if name.endswith(".html"):
            text = first.decode()
            assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", text, re.I)
            assert not re.search(r"<(script|link|iframe|img|object)\b", text, re.I)
            assert "url(" not in text and "@import" not in text


def test_shown_handles_any_json_value():
    """Are None, words, numbers, vectors, matrices and junk all shown briefly and safely?"""
    assert shown(None).kind == "none" and shown(None).compact == "—"
    assert shown(True).text == "true" and shown(7).text == "7"
    assert shown(0.1234567).text == "0.123457" and shown(float("nan")).text == "nan"
    assert shown(10 ** 40).text == "1e+40"
    assert shown([1, 2.5]).rows == (("1", "2.5"),) and shown([1, 2.5]).compact == "[1, 2.5]"
    assert shown([[1, 2], [3, 4]]).compact == "[[1, 2], [3, 4]]"
    assert shown([[1, 2], [3]]).kind == "text"
    assert shown({"a": [1, None]}).text == '{"a": [1, null]}'
    long = shown("x" * 5000)
    assert len(long.text) < 400 and "5000 characters in all" in long.text
    looped: list = []
    looped.append(looped)
    assert shown(looped).text == "(a value that cannot be shown)"


def test_markdown_escaping_helpers():
    """Do Markdown specials get backslashes and code spans survive backticks and pipes?"""
    assert md_escape("a_b *c* [d](e) <f> & g|h\nnext") == (
        r"a\_b \*c\* \[d\](e) \<f\> \& g\|h next")
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b", in_table=True) == r"`a\|b`"


def test_numbers_in_mathml():
    """Are negatives, powers of ten and matrices typeset, negatives bracketed as operands?"""
    assert value_mathml(0.5) == "<mn>0.5</mn>"
    assert value_mathml(-0.5) == "<mrow><mo>−</mo><mn>0.5</mn></mrow>"
    assert "(" in value_mathml(-0.5, operand=True)
    assert value_mathml(1e-8) == "<msup><mn>10</mn><mrow><mo>−</mo><mn>8</mn></mrow></msup>"
    assert value_mathml("AND") == "<mtext>AND</mtext>"
    assert value_mathml("<b>") == "<mtext>&lt;b&gt;</mtext>"
    matrix = value_mathml(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert matrix.count("<mtr>") == 2 and matrix.count("<mtd>") == 4


def test_a_formula_that_does_not_convert_is_shown_as_latex():
    """Does a rule latex2mathml cannot read fall back to its LaTeX source in <code>?"""
    graph = Graph({"a": 2.0}, (
        Step("b", ("a",), lambda a: a * 3, r"b = \begin{bmatrix} 1", r"3 \cdot ${a}", label="bad"),
        Step("c", ("b",), lambda b: b + 1, r"c = b + 1", r"${b} + 1", label="good"),
    ))
    bad, good = worked_steps(graph)
    assert bad.formula is None and bad.substituted is not None
    assert good.formula is not None and "<mi>c</mi>" in good.formula
    assert formula_mathml(r"\text{If x\_t is \{a\} <b>}") == (
        "<mrow><mtext>If x_t is {a} &lt;b&gt;</mtext></mrow>")


def test_value_and_math_snippets_escape_what_they_print(monkeypatch):
    """Do the HTML and Markdown snippets built in Python escape every value they print?"""
    assert Shown("none").html == '<span class="none">—</span>\n'
    assert Shown("number", "1<2").html == "<code>1&lt;2</code>\n"
    assert shown(IMG).html == '<span class="text">&lt;img src=x onerror=alert(1)&gt;</span>\n'
    assert Shown("matrix", rows=(("<b>", "&"),)).html == (
        '<table class="matrix"><tr><td>&lt;b&gt;</td><td>&amp;</td></tr></table>\n')
    assert shown([[1, 2], [3, 4]]).html.count("<td>") == 4
    assert Shown("none").cell == "—"
    assert shown("a|b`c").cell == r"``a\|b`c``"
    graph = Graph({"a": 2.0}, (
        Step("b", ("a",), lambda a: a * 3, r"b = \begin{bmatrix} <script>",
             r"\begin{bmatrix} ${a} & <b>", label="bad"),
    ))
    (bad,) = worked_steps(graph)
    for direct in (False, True):
        for frame in item_frames().all():
            monkeypatch.setattr(frame, "direct", direct)
        question = SimpleNamespace(steps=(bad,), worked=Worked((bad,)))
        html = worked_steps_html(question)
        assert r"<code>b = \begin{bmatrix} &lt;script&gt;</code>" in html
        assert r"<code>=\begin{bmatrix} 2 &amp; &lt;b&gt;</code>" in html
        assert "<math><mrow><mi></mi><mo>=</mo><mn>6</mn></mrow></math>" in html
        assert "<script>" not in html and "<b>" not in html
        assert "```math\n= \\begin{bmatrix} 2 & <b>\n```" in worked_steps_markdown(question)


def test_worked_steps_reuse_given_values():
    """Does a worked solution from already-evaluated values equal one evaluated afresh?"""
    family = get_family("lstm_forward")
    graph = family.build(family.parse(family.canonical))
    assert worked_steps(graph, graph.evaluate()) == worked_steps(graph)
    tricky = Graph({"a": -0.5, "b": 3}, (
        Step("c", ("a",), lambda a: a * 2, r"c = 2a", r"$$ 2 \cdot ${a}$a $b ${zz} $ 1"),
        Step("d", ("b", "c"), lambda b, c: [b, c], r"d = (b, c)", r"(${b}, ${c})"),
    ))
    for each in (graph, tricky):
        for step, line in zip(worked_steps(each), each.worked(), strict=True):
            assert (step.formula_latex, step.substituted_latex, step.result_latex) == (
                line.formula, line.substituted, line.result)


def test_frames_give_what_the_macros_print(graded, monkeypatch):
    """Is every page the same when each part and step is rendered by its macro directly?"""
    framed = {s.student.id: render_feedback(graded.assignment, s) for s in graded.students}
    for frame in item_frames().all():
        monkeypatch.setattr(frame, "direct", True)
    for student in graded.students:
        assert render_feedback(graded.assignment, student) == framed[student.student.id]


def test_a_frame_refuses_a_value_printed_through_a_filter():
    """Does a hole printed raw or through a filter fail at once instead of printing unescaped?"""
    environment = jinja2.Environment(autoescape=True)
    module = environment.from_string(
        "{% macro plain(v) %}<b>{{ v }}</b>{% endmacro %}"
        "{% macro raw(v) %}<b>{{ v|safe }}</b>{% endmacro %}").module
    plain = Frame(module.plain, markupsafe.escape, markupsafe.Markup)
    assert plain.render("k", (SCRIPT,), lambda v: (v[0],)) == (
        "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>")
    assert plain.render("k", ("",), lambda v: (v[0],)) == "<b></b>"
    raw = Frame(module.raw, markupsafe.escape, markupsafe.Markup)
    with pytest.raises(ValueError, match="filter"):
        raw.render("k", (SCRIPT,), lambda v: (v[0],))


def test_feedback_folder_is_created(graded, tmp_path):
    """Is the feedback folder made when it does not exist yet?"""
    folder = Path(tmp_path) / "out" / "feedback"
    write_feedback(graded, folder)
    assert (folder / "s1.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("template", "numbers", "expected"), [
    (r"\sigma(${x1} \cdot ${w1})", {"x1": "1.2", "w1": "-1.1"}, r"\sigma(1.2 \cdot (-1.1))"),
    (r"${o1} \cdot ${w2} + ${x2}", {"o1": "-0.2", "w2": "0.6", "x2": "-0.8"},
     r"-0.2 \cdot 0.6 + (-0.8)"),
    (r"(${a} - ${b})^2", {"a": "0.18", "b": "-0.2"}, r"(0.18 - (-0.2))^2"),
    (r"\left|${a}\right| = ${b}", {"a": "-1", "b": "-2"}, r"\left|-1\right| = -2"),
])
def test_a_negative_number_after_an_operator_is_in_parentheses(template, numbers, expected):
    """Worked solutions write 0.2 · (−1.1), never 0.2 · −1.1 or x − −0.2 (keys, Markdown,
    solve --steps; the HTML's MathML follows the same rule)."""
    from grader.graph import filled

    assert filled(template, numbers) == expected
