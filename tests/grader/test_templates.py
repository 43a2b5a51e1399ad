"""Question templates: golden LaTeX per family, real compiles, determinism and hostile names."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.assignment import Assignment, load_assignment
from grader.documents import answer_key_tex, assignment_tex, views
from grader.render import TEMPLATES_DIR
from grader.roster import Student
from grader.values import format_number, latex_escape, to_jsonable
from grader.variants import draw_student
from problems import FAMILIES
from tests.conftest import GOLDENS_DIR, assert_matches_golden

PENDING = {"forecaster"}
"""Families whose template another helper is still writing; every other one must have one."""

WITH_TEMPLATE = [name for name, family in FAMILIES.items()
                 if (TEMPLATES_DIR / "questions" / family.template).exists()]
STUDENT = Student(id="s0001", name="Ada Lovelace")
HOSTILE_NAMES = ("O'Brien & Co_1", "100% $5 #1 {x} ~ ^ \\", r"\input{/etc/passwd}",
                 r"\immediate\write18{touch /tmp/x}")
COMPILE_TIMEOUT = 120

LSTM_SCALAR = dict(FAMILIES["lstm_forward"].canonical)
LSTM_WIDE = {
    **{f"W_{g}": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]] for g in "fico"},
    **{f"U_{g}": [[0.1, 0.2], [-0.3, 0.4]] for g in "fico"},
    **{f"b_{g}": [0.1, -0.1] for g in "fico"},
    "x": [[0.5, -0.5, 1.0], [0.2, 0.3, -0.4], [1.0, 0.0, 0.5]],
    "y": [[0.1, 0.2], [0.3, -0.4], [0.5, 0.0]],
}
GRU_WIDE = {
    **{f"W_{g}": [[0.1, -0.2], [0.4, 0.5]] for g in "zrh"},
    **{f"U_{g}": [[0.1, 0.2], [-0.3, 0.4]] for g in "zrh"},
    **{f"b_{g}": [0.1, -0.1] for g in "zrh"},
    "x": [[0.5, -0.5], [0.2, 0.3]],
}
XOR_NET = {"layers": [{"weights": [[1, 1], [-1, -1]], "bias": [-0.5, 1.5]},
                      {"weights": [[1, 1]], "bias": [-1.5]}], "threshold": "gt"}

# (question id, family, params, snippets its statement must hold): one per parameter variation.
VARIATIONS = (
    ("lstm_sq", "lstm_forward", {**LSTM_SCALAR, "loss": "sq"}, [r"s_t = (h_t - y_t)^2"]),
    ("lstm_mse", "lstm_forward", {**LSTM_WIDE, "loss": "mse"},
     [r"\frac{1}{TH} \sum_{t=1}^{T} \sum_{j=1}^{H}", "$H = 2$ hidden units", "t = 1, 2, 3"]),
    ("lstm_half", "lstm_forward", {**LSTM_WIDE, "loss": "half_sse"},
     [r"\frac{1}{2} \sum_{t=1}^{T} \lVert h_t - y_t \rVert^2"]),
    ("lstm_plain", "lstm_forward",
     {k: v for k, v in LSTM_SCALAR.items() if k not in ("y", "loss")}, ["for $t = 1, 2$,"]),
    ("gru_after_new", "gru_forward", {**GRU_WIDE, "reset": "after", "update": "keep_new"},
     [r"r_t \odot (U_h h_{t-1})", r"h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t"]),
    ("gru_before_prev", "gru_forward", {**GRU_WIDE, "reset": "before", "update": "keep_prev"},
     [r"U_h (r_t \odot h_{t-1})", r"h_t &= z_t \odot h_{t-1} + (1 - z_t) \odot \tilde{h}_t"]),
    ("xor", "logic_net", XOR_NET, [r"z > 0", "A hidden layer of 2 units", r"W^{(2)}"]),
    ("backprop_lr", "backprop", {**FAMILIES["backprop"].canonical, "lr": 0.5},
     [r"\eta = 0.5", r"w_1'"]),
    ("lm_biases", "param_count", {"kind": "rnn_lm", "vocab": 8, "embedding": 6, "hidden": 5,
                                  "biases": True}, ["with its bias $b_h$", "$b_y$"]),
    ("stack_keras", "param_count", {"kind": "stacked_rnn", "cell": "gru", "input_size": 3,
                                    "hidden_sizes": [8, 16], "bias_convention": "keras"},
     ["2 GRU layers", "has one bias", "There is no output head."]),
    ("stack_pytorch", "param_count", {"kind": "stacked_rnn", "cell": "lstm", "input_size": 17,
                                      "hidden_sizes": [128, 256, 512], "output_size": 17},
     [r"nn.LSTM", "two bias vectors", r"$512 \to 17$"]),
    ("gradient_tanh", "rnn_gradient", {"activation": "tanh", "w": 0.9, "n": 20, "ratio": 1e-6},
     [r"\varphi(z) = \tanh(z)", "For $w = 0.9$", r"10^{-6}"]),
)


def _question(question_id: str, family: str, params: dict) -> dict:
    return {"id": question_id, "family": family, "points": 10, "params": to_jsonable(params)}


def _assignment(directory: Path, questions: list[dict]) -> Assignment:
    path = directory / "assignment.yaml"
    path.write_text(yaml.safe_dump({
        "title": "Homework 3: Recurrent networks", "course": "CS 5787 Deep Learning",
        "due": "2026-12-01", "seed": 20261201, "questions": questions}, sort_keys=False))
    return load_assignment(path)


def _canonical(names) -> list[dict]:
    return [_question(name, name, dict(FAMILIES[name].canonical)) for name in names]


def _render(assignment: Assignment, student: Student = STUDENT) -> tuple[str, str]:
    questions = views(assignment, draw_student(assignment, student.id))
    return (assignment_tex(assignment, student, questions),
            answer_key_tex(assignment, student, questions))


def test_every_family_but_pending_ones_has_a_template():
    """Does every registered family (but those still being written) have a question template?"""
    missing = sorted(set(FAMILIES) - PENDING - set(WITH_TEMPLATE))
    assert not missing, f"no templates/questions/<family>.tex.j2 for {missing}"


@pytest.mark.parametrize("name", WITH_TEMPLATE)
def test_canonical_documents_match_goldens(name, tmp_path, update_goldens):
    """Do the assignment and answer key for the course's instance match the golden LaTeX?"""
    document, key = _render(_assignment(tmp_path, _canonical([name])))
    assert_matches_golden(GOLDENS_DIR / f"{name}.tex", document, update_goldens)
    assert_matches_golden(GOLDENS_DIR / f"{name}-key.tex", key, update_goldens)


@pytest.mark.parametrize("case", VARIATIONS, ids=[case[0] for case in VARIATIONS])
def test_statement_states_each_parameter_variation(case, tmp_path):
    """Does the statement say what each variation's parameters change (loss, conventions)?"""
    question_id, family, params, snippets = case
    document, _ = _render(_assignment(tmp_path, [_question(question_id, family, params)]))
    for snippet in snippets:
        assert snippet in document, f"{question_id}: statement lacks {snippet!r}"


def _reasons_in_bank() -> list[str]:
    from problems.lstm_concepts import STATEMENTS

    return [statement.reason for statement in STATEMENTS.values()]


def test_assignment_prints_no_answer(tmp_path):
    """Is the student's copy free of answers (values, gate names, truth values' reasons)?"""
    assignment = _assignment(tmp_path, _canonical(WITH_TEMPLATE))
    document, key = _render(assignment)
    body = document.split(r"\begin{document}", 1)[1]
    assert "Worked solution" not in body and "Worked solution" in key
    for reason in _reasons_in_bank():
        assert latex_escape(reason) not in body, f"a reason is printed: {reason!r}"
    for answer in ("0.731059", "0.663739", "0.254893", "3.648043", "143"):
        assert answer not in body and answer in key


def test_rendering_is_deterministic(tmp_path):
    """Does rendering the same assignment twice give byte-identical LaTeX?"""
    assignment = _assignment(tmp_path, _canonical(WITH_TEMPLATE) + [
        _question(*case[:3]) for case in VARIATIONS])
    assert _render(assignment) == _render(assignment)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_escaped(name, tmp_path):
    """Does a hostile roster name reach the LaTeX only escaped, never as a command?"""
    student = Student(id="x1", name=name)
    for tex in _render(_assignment(tmp_path, _canonical(WITH_TEMPLATE)), student):
        assert tex.count(latex_escape(name)) == 2  # the running head and the title block
        assert name not in tex and r"\input{" not in tex and r"\write18" not in tex


def test_lstm_concepts_key_gives_each_answer_with_its_reason(tmp_path):
    """Does the key's worked solution read 's1: False --- reason' per statement, and does the
    question print each statement from the family's claims, escaped, not from step formulas?"""
    from problems.lstm_concepts import STATEMENTS

    document, key = _render(_assignment(tmp_path, _canonical(["lstm_concepts"])))
    worked = key.split(r"\subsection*{Worked solution}", 1)[1]
    statements = [STATEMENTS[i] for i in FAMILIES["lstm_concepts"].canonical["statements"]]
    for k, statement in enumerate(statements, start=1):
        truth = "True" if statement.truth else "False"
        assert (rf"\item[s{k}:] \textbf{{{truth}}} --- {latex_escape(statement.reason)}"
                in worked)
        for tex in (document, key):
            assert rf"\item {latex_escape(statement.text)}" + "\n" in tex
    assert r"\text{" not in worked and r"\renewcommand{\text}" not in document


@pytest.mark.parametrize(("text", "escaped"), [
    ("x^2", r"x\textasciicircum{}2"),
    ("a~b", r"a\textasciitilde{}b"),
    ("C:\\dir", r"C:\textbackslash{}dir"),
    ("100% $5 #1 {x} & y_1", r"100\% \$5 \#1 \{x\} \& y\_1"),
    ("Ann\n\nLee\r\n\f\x00\x07!", "Ann  Lee   !"),
])
def test_latex_escape_prints_each_character_literally(text, escaped):
    """Does the one escaping function print ^ as the character, not a circumflex accent, and
    keep line breaks and control characters from stopping the build?"""
    assert latex_escape(text) == escaped


def test_every_printed_value_is_escaped_by_latex_escape(tmp_path):
    r"""Do the templates escape values with latex_escape: a caret in a name is \textasciicircum,
    never pylatex's \^{} (which typesets a circumflex accent)?"""
    student = Student(id="x1", name="Ann^Lee ~ x^{2}")
    assignment = _assignment(tmp_path, _canonical(["adam_update"]))
    for tex in _render(assignment, student):
        assert r"Ann\textasciicircum{}Lee \textasciitilde{} x\textasciicircum{}\{2\}" in tex
        assert r"\^{}" not in tex


@pytest.fixture(scope="module")
def adam_assignment(tmp_path_factory) -> Assignment:
    return _assignment(tmp_path_factory.mktemp("adam"), _canonical(["adam_update"]))


@settings(max_examples=40, deadline=None)
@given(name=st.text(min_size=1, max_size=30))
def test_any_name_enters_only_through_escaping(name, adam_assignment):
    """Is the document for any name the document for a placeholder with the name escaped in?"""
    placeholder = Student(id="x1", name="PLACEHOLDER")
    expected = [tex.replace("PLACEHOLDER", latex_escape(name))
                for tex in _render(adam_assignment, placeholder)]
    assert list(_render(adam_assignment, Student(id="x1", name=name))) == expected


# --- real compiles: one assignment and one key holding every family and every variation ---

def _start_pdflatex(tex: str, directory: Path) -> subprocess.Popen:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "doc.tex").write_text(tex, encoding="utf-8")
    env = {**os.environ, "openin_any": "p", "openout_any": "p"}
    return subprocess.Popen(
        ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)


def _pdf_text(directory: Path) -> str:
    text = subprocess.run(["pdftotext", str(directory / "doc.pdf"), "-"], capture_output=True,
                          text=True, check=True, timeout=COMPILE_TIMEOUT).stdout
    return " ".join(text.replace("\u2212", "-").replace("\u2019", "'").split())


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """pdftotext of the compiled assignment and key, and their logs, for one student."""
    root = tmp_path_factory.mktemp("compiled")
    assignment = _assignment(root, _canonical(WITH_TEMPLATE) + [
        _question(*case[:3]) for case in VARIATIONS])
    student = Student(id="s0002", name=HOSTILE_NAMES[0])
    documents = dict(zip(("assignment", "key"), _render(assignment, student), strict=True))
    runs = {kind: _start_pdflatex(tex, root / kind) for kind, tex in documents.items()}
    results = {}
    for kind, process in runs.items():
        try:
            output, _ = process.communicate(timeout=COMPILE_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        log = (root / kind / "doc.log").read_text(encoding="latin-1")
        assert process.returncode == 0, f"{kind} failed to compile:\n{output[-3000:]}"
        results[kind] = (_pdf_text(root / kind), log)
    return assignment, student, results


def _overfull(log: str, limit_pt: float) -> list[str]:
    return [line for line in log.splitlines()
            if (found := re.match(r"Overfull \\hbox \(([\d.]+)pt too wide\)", line))
            and float(found.group(1)) > limit_pt]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["assignment", "key"])
def test_documents_compile_with_every_title_and_the_name(compiled, kind):
    """Do both documents compile, show every question title and print the name literally?"""
    assignment, student, results = compiled
    text, log = results[kind]
    for question in assignment.questions:
        assert " ".join(question.title.split()) in text, question.title
    assert student.name in text
    assert not _overfull(log, 5.0), f"{kind}: text runs into the margin"


def _printed(value) -> list[str]:
    """Each entry of an answer as the key prints it (numbers to 6 decimals, words as they are)."""
    if isinstance(value, str):
        return [value]
    return [format_number(x) for x in np.asarray(value, dtype=float).ravel()]


@pytest.mark.slow
def test_key_pdf_shows_the_canonical_answers(compiled):
    """Does the compiled key print the canonical answers as the key formats them?"""
    assignment, _, results = compiled
    text = results["key"][0]
    tokens = set(re.split(r"[\s,()\[\]=]+", text))
    for question in assignment.questions:
        if question.id not in FAMILIES:
            continue
        answers = question.family.solve(question.params)
        for part, value in answers.items():
            for entry in _printed(value):
                assert entry in tokens, f"{question.id}.{part}: {entry} not in the key"
    assert "(0, 0, 0, 1)" in text
    assert "(75264, 395264, 1576960, 8721)" in text


@pytest.mark.slow
def test_caret_tilde_and_backslash_print_literally_in_the_pdf(tmp_path):
    """Does a compiled document show a name with ^, ~ and \\ as typed, and does a name with
    blank lines and control characters still compile?"""
    name = "Ann^Lee ~ x^2 \\input"
    assignment = _assignment(tmp_path, _canonical(["adam_update"]))
    for kind, student in (("literal", Student(id="x1", name=name)),
                          ("lines", Student(id="x2", name="Ann\n\nLee\x07\x1b"))):
        process = _start_pdflatex(_render(assignment, student)[0], tmp_path / kind)
        try:
            output, _ = process.communicate(timeout=COMPILE_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        assert process.returncode == 0, f"{kind}: failed to compile:\n{output[-3000:]}"
        text = _pdf_text(tmp_path / kind)
        assert (name if kind == "literal" else "Ann Lee") in text
        assert "\u02c6" not in text  # the circumflex accent pylatex's \^{} typesets
