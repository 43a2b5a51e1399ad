"""Question templates: golden LaTeX per family, real compiles, determinism and hostile names."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.assignment import Assignment, load_assignment
from grader.documents import answer_key_tex, assignment_tex, views
from grader.latex_text import ACCENTS, GREEK, MATH, TRANSLITERATION, TYPESET, recording
from grader.render import TEMPLATES_DIR, render_latex
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
UNICODE_NAMES = ("李小龍", "Anna 🙂 Smith", "Иван Петров")
"""Names with characters the PDF fonts lack: CJK, an emoji, Cyrillic."""
HOSTILE_NAMES = ("O'Brien & Co_1", "100% $5 #1 {x} ~ ^ \\", r"\input{/etc/passwd}",
                 r"\immediate\write18{touch /tmp/x}", *UNICODE_NAMES)
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
    ("a--b---c", "a-{}-b-{}-{}-c"),
    ("`x`", r"\textasciigrave{}x\textasciigrave{}"),
])
def test_latex_escape_prints_each_character_literally(text, escaped):
    """Does the one escaping function print ^ as the character, not a circumflex accent, and
    keep line breaks and control characters from stopping the build?"""
    assert latex_escape(text) == escaped


@pytest.mark.parametrize("text", [
    "Zoë Gödel-Łukasiewicz, Ærøskøbing, Şahin Çelik İğdır, Dvořák Łódź Ő ű Ș ț Ŵ ŷ",
    "– — “ ” ‘ ’ „ ‚ « » ‹ › … € £ ¥ © ® ° ± × ÷ § ¶ † ‡ • ‰ ← → ↑ ↓ ﬁ ﬂ ¿ ¡ ß Þ ð",
    "no\u00a0break, soft\u00adhyphen",
])
def test_latex_escape_keeps_what_the_fonts_typeset(text):
    """Do Latin-1, Latin Extended-A and the usual punctuation print as themselves, unreported?"""
    with recording() as found:
        assert latex_escape(text) == text
        assert latex_escape("Jose\u0301 A\u030a") == "José Å"  # composed, not replaced
    assert not found


@pytest.mark.parametrize(("text", "latex", "shown"), [
    ("李 Wei", "? Wei", "? Wei"),
    ("Anna 🙂", "Anna ?", "Anna ?"),
    ("👍🏽\ufe0f a\u200db\u2003c", "? ab c", "? ab c"),
    ("Иван Щукин", "Ivan Shchukin", "Ivan Shchukin"),
    ("Σοφία", r"\ensuremath{\Sigma}\ensuremath{o}\ensuremath{\varphi}\ensuremath{\iota}"
     r"\ensuremath{\alpha}", "Σοφια"),
    ("η ≤ 0.1, −1", r"\ensuremath{\eta} \ensuremath{\leq} 0.1, \ensuremath{-}1", "η ≤ 0.1, −1"),
    ("Nguyễn Thị q\u0303", r"Nguy\~{\^{e}}n Th\d{i} \~{q}", "Nguyễn Thị q\u0303"),
    ("Ħal ẞ Ĳssel ŉ", "Hal SS IJssel 'n", "Hal SS IJssel 'n"),
    ("Ａ＄™ ①", r"A\$TM 1", "A$TM 1"),
    ("x^李_1 {", r"x\textasciicircum{}?\_1 \{", "x^?_1 {"),
])
def test_latex_escape_puts_a_stand_in_for_what_the_fonts_lack(text, latex, shown):
    """Does a character the fonts lack print as a readable stand-in (transliterated, in math,
    built from accents, its plain form) or as ?, and is the text reported with its stand-ins?"""
    with recording() as found:
        assert latex_escape(text) == latex
    if shown == unicodedata.normalize("NFC", text):  # reads the same: nothing to warn about
        assert found == []
        return
    [(recorded, transcription)] = found
    assert recorded == text and transcription.shown == shown


def test_the_warning_names_each_replaced_character_once():
    with recording() as found:
        latex_escape("李小 李 🙂\u200d")
    [(text, transcription)] = found
    assert transcription.summary(text) == (
        '"李小 李 🙂" prints as "?? ? ?" '
        "(no glyph in the PDF fonts for 李 U+674E, 小 U+5C0F, 🙂 U+1F642, U+200D)")


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_latex_escape_leaves_only_characters_the_fonts_typeset(text):
    """Whatever the text, does the LaTeX hold only characters our fonts typeset?"""
    assert set(latex_escape(text)) <= TYPESET | {"\t"}


def test_every_character_in_the_table_prints_as_itself():
    specials = set("\\{}$&#%_^~`")
    for char in TYPESET - specials:
        assert latex_escape(char) == char, f"U+{ord(char):04X}"


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


def _compile(tex: str, directory: Path) -> tuple[int, str, str]:
    """Compile and return the exit status, output and log (pdflatex may split a UTF-8
    character where it breaks a line of output, so neither is decoded strictly)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "doc.tex").write_text(tex, encoding="utf-8")
    env = {**os.environ, "openin_any": "p", "openout_any": "p"}
    process = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=directory, env=env, capture_output=True, timeout=COMPILE_TIMEOUT, check=False)
    log = (directory / "doc.log").read_text(encoding="utf-8", errors="replace")
    return process.returncode, process.stdout.decode("utf-8", "replace"), log


@pytest.mark.slow
def test_every_kept_character_and_every_stand_in_compiles_in_every_font(tmp_path):
    """Does pdflatex, with our preamble and missing glyphs made errors, typeset every character
    the table keeps and every stand-in, in each font the templates use?"""
    stand_ins = "".join([*GREEK, *MATH, *TRANSLITERATION, "李🙂\u200d\u2003"])
    accents = "".join(f"{base}{mark}" for mark in ACCENTS for base in "eiqé{ ")
    texts = ["".join(sorted(TYPESET)), stand_ins, accents, "Nguyễn Thị Σοφία ŉ ①"]
    contexts = ("{}", r"\textbf{{{}}}", r"\textit{{{}}}", r"\textbf{{\textit{{{}}}}}",
                r"\texttt{{{}}}", r"\section*{{{}}}", r"\({{}}\text{{{}}}\)")
    body = "\n\n".join(context.format(latex_escape(text)) for text in texts
                        for context in contexts)
    tex = (render_latex("preamble.tex.j2") + "\\tracinglostchars=3\n\\begin{document}\n"
           + body + "\n\\end{document}\n")
    returncode, output, log = _compile(tex, tmp_path)
    assert returncode == 0, output[-3000:]
    assert "Missing character" not in log and "not set up for use" not in log


@pytest.mark.slow
def test_generate_builds_every_pdf_and_names_students_whose_names_change(tmp_path):
    """Does a roster with a CJK name, an emoji and a Cyrillic name give every student their
    PDFs (exit status 0), with stand-ins in the PDF and one warning naming each such student?"""
    from click.testing import CliRunner

    from grader.cli import main

    _assignment(tmp_path, _canonical(["adam_update"]))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"s{k},{name}\n" for k, name in enumerate(
        [*UNICODE_NAMES, "Zoë Gödel – “Ło”"], start=1)), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "assignment.yaml"),
                                       "--roster", str(roster), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("warning:")] == [
        'warning: student s1: name "李小龍" prints as "???" '
        "(no glyph in the PDF fonts for 李 U+674E, 小 U+5C0F, 龍 U+9F8D)",
        'warning: student s2: name "Anna 🙂 Smith" prints as "Anna ? Smith" '
        "(no glyph in the PDF fonts for 🙂 U+1F642)",
        'warning: student s3: name "Иван Петров" prints as "Ivan Petrov" '
        "(no glyph in the PDF fonts for И U+0418, в U+0432, а U+0430, н U+043D, П U+041F, "
        "е U+0435, т U+0442, р U+0440, о U+043E)",
    ]
    for student, shown in (("s1", "???"), ("s2", "Anna ? Smith"), ("s3", "Ivan Petrov"),
                           ("s4", "Zoë Gödel – “Ło”")):
        for pdf in (out / "pdf" / f"{student}.pdf", out / "keys" / f"{student}-key.pdf"):
            text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True, timeout=COMPILE_TIMEOUT).stdout
            assert f"{shown} ({student})" in text, pdf


@pytest.mark.slow
def test_generate_counts_only_the_pdfs_it_wrote(tmp_path):
    """A folder in the way of one student's PDF: is that student named, and the count the
    PDFs this run wrote (3 of 4), not the paths that exist?"""
    from click.testing import CliRunner

    from grader.cli import main

    _assignment(tmp_path, _canonical(["backprop"]))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\ns1,Ada\ns2,Alan\n")
    out = tmp_path / "out"
    (out / "pdf" / "s1.pdf").mkdir(parents=True)
    result = CliRunner().invoke(main, ["generate", str(tmp_path / "assignment.yaml"),
                                       "--roster", str(roster), "--out", str(out)])
    assert f"student s1 (Ada): cannot write {out / 'pdf' / 's1.pdf'}" in result.output
    assert f"2 students, 3 PDFs written to {out}" in result.output


@pytest.mark.parametrize(("value", "shown"), [
    (1.7e308, "1.7e308"), (1e20, "1e20"), (-2.5e16, "-2.5e16"), (143.0, "143"),
    (123456.789, "123456.789"), (0.2318, "0.2318"), (float("inf"), "inf"),
])
def test_large_numbers_are_written_with_a_power_of_ten(value, shown):
    """A student's 1.7e308 in a follow-through message was written out as 309 digits: are
    numbers from 1e15 on written with a power of ten, and ordinary ones as before?"""
    assert format_number(value, 4) == shown
