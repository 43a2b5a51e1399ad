"""`grader grade` and `grader demo` end to end: outputs, bad inputs, reruns, atomicity."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from grader.demo import DEMO_ASSIGNMENT, DEMO_ROSTER, DEMO_SUBMISSIONS
from grader.values import significant
from tests.conftest import BILLION_LAUGHS_YAML, GOLDENS_DIR, assert_matches_golden

ASSIGNMENT = {
    "title": "HW", "course": "DL", "due": "2026-12-01", "seed": 3,
    "questions": [{"id": "q1", "family": "adam_update", "points": 10,
                   "randomize": {"rows": 1, "cols": 2}},
                  {"id": "q2", "family": "lstm_concepts", "points": 4}],
}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One `grader demo --no-pdf` run shared by the tests that read its outputs."""
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_demo_results_match_the_golden(demo_run, update_goldens):
    """Are the demo's results.json exactly the reviewed golden file?"""
    out, _ = demo_run
    assert_matches_golden(GOLDENS_DIR / "demo_results.json",
                          (out / "graded" / "results.json").read_text(), update_goldens)


def _run_grader(args: list[str], generic_kernels: bool = False) -> subprocess.CompletedProcess:
    """grader ARGS in a new process; with generic_kernels, as on an older CPU: no AVX2 or
    AVX-512 in NumPy and a generic core (no fused multiply-add) in OpenBLAS."""
    from numpy._core import _multiarray_umath

    env = dict(os.environ)
    if generic_kernels:
        env.update({"OPENBLAS_CORETYPE": "Prescott",
                    "NPY_DISABLE_CPU_FEATURES": " ".join(_multiarray_umath.__cpu_dispatch__)})
    run = subprocess.run([sys.executable, "-c", "from grader.cli import main; main()", *args],
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run


def test_outputs_are_the_same_on_a_cpu_without_vector_extensions(demo_run, tmp_path):
    """Do generic kernels, as on an older CPU, give every output file of the demo byte for
    byte?"""
    out = tmp_path / "out"
    _run_grader(["demo", "--no-pdf", "--out", str(out)], generic_kernels=True)
    files = sorted(p.relative_to(demo_run[0]) for p in demo_run[0].rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    for relative in files:
        assert (out / relative).read_bytes() == (demo_run[0] / relative).read_bytes(), relative


LSTM_WITH_A_PAPER_ZERO = {
    "W_f": [[0.6, 0.9], [1.0, -0.4], [0.1, 0.0]],
    "U_f": [[0.0, 0.6, 0.8], [-0.8, -0.4, -0.2], [0.1, 0.8, 0.3]], "b_f": [0.5, -0.1, 0.0],
    "W_i": [[1.0, 0.3], [-0.8, 0.8], [-0.5, 0.7]],
    "U_i": [[-0.9, 0.4, -0.9], [-0.1, -0.6, 0.3], [-0.1, 0.3, 0.5]], "b_i": [0.1, -0.3, 0.1],
    "W_c": [[0.6, 0.4], [-0.3, 0.6], [-0.9, 0.9]],
    "U_c": [[0.9, -0.3, -0.3], [0.3, 0.3, -0.9], [1.0, 0.8, 0.2]], "b_c": [0.0, 0.0, 0.3],
    "W_o": [[0.7, -1.0], [-1.0, 0.0], [-1.0, 0.6]],
    "U_o": [[-1.0, -0.7, 0.9], [-0.6, -1.0, 0.9], [-0.5, 0.4, -0.3]], "b_o": [-0.2, -0.4, 0.4],
    "x": [[-0.6, 0.9], [0.1, -0.3]], "y": [[-0.6, 0.5, -0.9], [-0.6, -0.9, -0.5]],
    "loss": "abs",
}
"""A sampled instance (hidden 3) whose W_c x_1 + b_c is 0 in its first unit: the float sum
leaves 6.9e-17 with AVX2 kernels and 5.6e-17 with generic ones."""


def test_keys_are_the_same_on_a_cpu_without_vector_extensions(tmp_path):
    """Does an instance with a gate sum of 0 on paper solve to the same key as written to
    files (10 significant digits), 0 there, with and without vector kernels?"""
    params = tmp_path / "params.json"
    params.write_text(json.dumps(LSTM_WITH_A_PAPER_ZERO))
    args = ["solve", "lstm_forward", "--params", str(params)]
    plain, generic = (json.loads(_run_grader(args, generic_kernels=generic).stdout)
                      for generic in (False, True))
    assert significant(plain) == significant(generic)
    assert plain["c_tilde_1"][0] == 0 and generic["c_tilde_1"][0] == 0


def test_results_follow_the_spec(demo_run):
    """Does results.json have SPEC.md's shape, statuses and consistent scores?"""
    document = json.loads((demo_run[0] / "graded" / "results.json").read_text())
    assert set(document) == {"students"}
    statuses = set()
    for student in document["students"].values():
        assert set(student) == {"total", "max", "questions"}
        assert student["total"] == pytest.approx(
            sum(q["score"] for q in student["questions"].values()), abs=1e-3)
        for question in student["questions"].values():
            assert set(question) == {"score", "max", "parts"}
            for part in question["parts"].values():
                assert set(part) == {"status", "score", "max", "expected", "given", "mistake",
                                     "message"}
                statuses.add(part["status"])
                assert 0 <= part["score"] <= part["max"]
    assert statuses == {"correct", "follow_through", "incorrect", "missing", "invalid"} or \
        statuses >= {"correct", "follow_through", "incorrect", "invalid"}


def test_demo_covers_what_it_promises(demo_run):
    """Does the demo show honest full marks, named mistakes, follow-through, strays, flags?"""
    out, output = demo_run
    students = json.loads((out / "graded" / "results.json").read_text())["students"]
    assert students["s01"]["total"] == students["s01"]["max"]
    by_hand = {qid: q for qid, q in students["s02"]["questions"].items() if qid != "forecaster"}
    assert all(q["score"] == q["max"] for q in by_hand.values()), "3-decimal rounding must pass"
    forecaster = students["s03"]["questions"]["forecaster"]["parts"]["architecture"]
    assert forecaster["status"] == "invalid" and "never loaded" in forecaster["message"]
    w = students["s03"]["questions"]["adam"]["parts"]["W"]
    assert (w["status"], w["mistake"]) == ("incorrect", "update_sign")
    lstm = students["s05"]["questions"]["lstm"]["parts"]
    assert lstm["h_1"]["status"] == "incorrect" and lstm["h_2"]["status"] == "follow_through"
    assert "s99-not-enrolled" in output
    integrity = json.loads((out / "graded" / "integrity.json").read_text())
    assert {(f["student"], f["other"]) for f in integrity["flags"]} >= {("s06", "s01")}
    for student in ("s07", "s08"):
        parts = students[student]["questions"]["adam"]["parts"].values()
        assert {p["status"] for p in parts} == {"invalid"}


def test_canvas_gradebook_reads_back(demo_run):
    """Does grades.csv read back as a Canvas import: header, Points Possible, one row each?"""
    out, _ = demo_run
    rows = list(csv.reader(io.StringIO((out / "graded" / "grades.csv").read_text())))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5].startswith("Homework 3")
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) > 0
    results = json.loads((out / "graded" / "results.json").read_text())["students"]
    by_id = {row[2]: float(row[5]) for row in rows[2:]}
    assert by_id == {sid: pytest.approx(s["total"]) for sid, s in results.items()}


def _class(tmp_path, answers: dict[str, object]):
    assignment = tmp_path / "hw.yaml"
    assignment.write_text(yaml.safe_dump(ASSIGNMENT))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{s},Name {s}\n" for s in answers))
    subs = tmp_path / "subs"
    subs.mkdir()
    for student, content in answers.items():
        if content is None:
            continue
        (subs / student).mkdir()
        if isinstance(content, tuple):
            name, data = content
            (subs / student / name).write_bytes(data)
    return assignment, roster, subs


BAD_SUBMISSIONS = {
    "empty": ("answers.yaml", b""),
    "malformed_yaml": ("answers.yaml", b"q1: {V: [1,\n"),
    "malformed_json": ("answers.json", b"{"),
    "malformed_toml": ("answers.toml", b"[q1\nV = 1"),
    "wrong_types": ("answers.yaml", b"q1: {V: [[a, b]], S: {x: 1}, W: true}\nq2: {s1: 7}\n"),
    "nan_inf": ("answers.yaml", b"q1: {V: [[.nan, .inf]]}\n"),
    "huge": ("answers.yaml", b"q1: " + b"1" * 2_000_000 + b"\n"),
    "huge_number": ("answers.json", b'{"q1": {"V": [[1' + b"0" * 400 + b']]}}'),
    "too_many_digits": ("answers.json", b'{"q1": {"V": [[1' + b"0" * 5000 + b']]}}'),
    "hex_too_many_digits": ("answers.yaml", b"q1: {V: [[0x" + b"f" * 4000 + b"]]}\n"),
    "lone_surrogate": ("answers.json", b'{"q1": {"V": "\\ud800"}}'),
    "binary": ("answers.yaml", bytes(range(256)) * 4),
    "billion_laughs": ("answers.yaml", BILLION_LAUGHS_YAML),
    "list": ("answers.yaml", b"- 1\n"),
    "missing_folder": None,
}


def test_every_bad_submission_is_graded_and_explained(tmp_path):
    """Does each bad input end as a message for that student, with the others graded, exit 0?"""
    answers = {"good": ("answers.yaml", b"q2: {s1: T}\n"), **BAD_SUBMISSIONS}
    assignment, roster, subs = _class(tmp_path, answers)
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out",
                                       str(tmp_path / "out"), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    students = json.loads((tmp_path / "out" / "results.json").read_text())["students"]
    assert set(students) == set(answers)
    for student in BAD_SUBMISSIONS:
        parts = students[student]["questions"]["q1"]["parts"]
        assert any(p["status"] == "invalid" for p in parts.values()), student
        assert all(p["message"] for p in parts.values())
        feedback = (tmp_path / "out" / "feedback" / f"{student}.html").read_text()
        assert "invalid" in feedback.lower() or "not" in feedback.lower()
    assert students["good"]["questions"]["q2"]["parts"]["s1"]["status"] in (
        "correct", "incorrect")


def test_a_second_answers_file_is_named_in_the_feedback(tmp_path):
    """Does the feedback of a student with answers.yaml and answers.json say which one was
    graded and that the other was not, and the feedback of the others stay without a note?"""
    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", b"q2: {s1: T}\n"),
                                                 "b": ("answers.yaml", b"q2: {s1: T}\n")})
    (subs / "a" / "answers.json").write_text('{"q2": {"s1": "F"}}')
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out",
                                       str(tmp_path / "out"), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    students = json.loads((tmp_path / "out" / "results.json").read_text())["students"]
    assert students["a"]["questions"]["q2"]["parts"]["s1"]["given"] == "T"
    note = "a/ also holds answers.json, which was not graded: only answers.yaml was"
    for suffix in ("html", "md"):
        assert note in (tmp_path / "out" / "feedback" / f"a.{suffix}").read_text()
        assert "Note:" not in (tmp_path / "out" / "feedback" / f"b.{suffix}").read_text()


def _breaks_on_999(grade_question):
    """grade_question with a planted bug: it fails on any answer of 999."""

    def grade(question, params, given, *args, **kwargs):
        if isinstance(given, dict) and 999 in given.values():
            raise RuntimeError("planted bug")
        return grade_question(question, params, given, *args, **kwargs)

    return grade


def test_a_grader_bug_on_one_answer_spares_the_rest(tmp_path, monkeypatch):
    """Does a bug met on one student's question leave that question invalid with a note, the
    student's other questions and the other students graded, and the instructor told?"""
    import grader.grade

    monkeypatch.setattr(grader.grade, "grade_question",
                        _breaks_on_999(grader.grade.grade_question))
    assignment, roster, subs = _class(tmp_path, {
        "a": ("answers.yaml", b"q2: {s1: T}\n"),
        "b": ("answers.yaml", b"q1: {V: [[1, 2]]}\nq2: {s1: 999}\n")})
    args = ["grade", str(assignment), str(subs), "--roster", str(roster), "--out"]
    result = CliRunner().invoke(main, [*args, str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "grader bug on b question q2" in result.output and "planted bug" in result.output
    students = json.loads((tmp_path / "out" / "results.json").read_text())["students"]
    broken = students["b"]["questions"]["q2"]["parts"]
    assert {p["status"] for p in broken.values()} == {"invalid"}
    assert all("not your mistake" in p["message"] for p in broken.values())
    assert broken["s1"]["given"] == 999  # kept for the instructor who grades it by hand
    assert students["b"]["questions"]["q1"]["parts"]["V"]["status"] != "invalid"
    assert students["a"]["questions"]["q2"]["parts"]["s1"]["status"] in ("correct", "incorrect")
    assert "not your mistake" in (tmp_path / "out" / "feedback" / "b.html").read_text()
    summary = (tmp_path / "out" / "summary.html").read_text()
    assert "To grade by hand" in summary and "planted bug" in summary

    monkeypatch.setenv("GRADER_DEBUG", "1")  # a developer asks to see the bug itself
    debug = CliRunner().invoke(main, [*args, str(tmp_path / "debug")])
    assert isinstance(debug.exception, RuntimeError)


def test_mac_archive_leftovers_and_hidden_folders_are_no_students(tmp_path):
    """Are __MACOSX/ (from unzipping on a Mac) and hidden folders neither graded as students
    without a roster nor listed as strays with one?"""
    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", b"q2: {s1: T}\n"),
                                                 "b": ("answers.yaml", b"q2: {s1: F}\n")})
    for leftover in ("__MACOSX", ".git"):
        (subs / leftover / "a").mkdir(parents=True)
        (subs / leftover / "a" / "._answers.yaml").write_bytes(b"\x00\x05\x16\x07")
    bare = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out",
                                     str(tmp_path / "bare")])
    assert bare.exit_code == 0, bare.output
    graded = json.loads((tmp_path / "bare" / "results.json").read_text())["students"]
    assert sorted(graded) == ["a", "b"]
    listed = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--roster",
                                       str(roster), "--out", str(tmp_path / "listed")])
    assert listed.exit_code == 0 and "folders with no student" not in listed.output


def test_the_roster_is_read_once_per_run(tmp_path, monkeypatch):
    """Do the progress count and the graded class come from one read of the roster (a
    roster saved again mid-run cannot make them disagree)?"""
    import grader.grade_run

    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", b"q2: {s1: T}\n")})
    reads = []
    real_load = grader.grade_run.load_roster
    monkeypatch.setattr(grader.grade_run, "load_roster",
                        lambda *args: reads.append(args) or real_load(*args))
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--roster",
                                       str(roster), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert len(reads) == 1 and "graded 1 student into" in result.output


def test_rerun_is_byte_identical_and_replaces_outputs(tmp_path):
    """Does grading twice give identical bytes in every output file?"""
    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", b"q2: {s1: T}\n"),
                                                 "b": None})
    args = ["grade", str(assignment), str(subs), "--roster", str(roster), "--out"]
    assert CliRunner().invoke(main, [*args, str(tmp_path / "one")]).exit_code == 0
    assert CliRunner().invoke(main, [*args, str(tmp_path / "two")]).exit_code == 0
    assert CliRunner().invoke(main, [*args, str(tmp_path / "two")]).exit_code == 0
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*")
                   if p.is_file())
    assert len(files) >= 7
    for relative in files:
        assert (tmp_path / "one" / relative).read_bytes() == \
            (tmp_path / "two" / relative).read_bytes(), relative


def test_killed_run_leaves_previous_outputs_intact(tmp_path):
    """If a run dies while writing, is the previous OUT still complete and unchanged?"""
    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", b"q2: {s1: T}\n")})
    out = tmp_path / "out"
    args = ["grade", str(assignment), str(subs), "--roster", str(roster), "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code = ("import sys, grader.grade_run as g\n"
            "def boom(*a, **k):\n    import os; os._exit(9)\n"
            "g.write_outputs.__globals__['canvas_csv'] = boom\n"
            "from grader.cli import main\n"
            f"sys.argv = ['grader'] + {args!r}\nmain()\n")
    (subs / "a" / "answers.yaml").write_text("q2: {s1: F}\n")
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert killed.returncode == 9
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_refuses_to_overwrite_a_foreign_folder(tmp_path):
    """Is an OUT folder holding other files (not a previous grade run) left alone?"""
    assignment, roster, subs = _class(tmp_path, {"a": None})
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me")
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out", str(out),
                                       "--roster", str(roster)])
    assert result.exit_code == 1
    assert "not empty" in result.output and (out / "thesis.tex").read_text() == "keep me"


def test_bad_assignment_or_folder_is_one_line(tmp_path):
    """Is a missing submissions folder or broken assignment one clear line, exit 1?"""
    assignment, roster, _ = _class(tmp_path, {"a": None})
    result = CliRunner().invoke(main, ["grade", str(assignment), str(tmp_path / "nope"),
                                       "--out", str(tmp_path / "out"), "--roster", str(roster)])
    assert result.exit_code == 1 and "no such submissions folder" in result.output
    (tmp_path / "broken.yaml").write_text("title: [\n")
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "broken.yaml"), str(tmp_path),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "broken.yaml" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bundled_submissions_are_what_the_script_writes(tmp_path):
    """Are the committed sample submissions exactly what make_demo_submissions.py produces?"""
    copy = tmp_path / "repo"
    for name in ("grader", "problems", "demo", "scripts", "templates"):
        shutil.copytree(DEMO_ASSIGNMENT.parent.parent / name, copy / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, str(copy / "scripts" / "make_demo_submissions.py")],
                   check=True, capture_output=True)
    written = sorted(p.relative_to(copy / "submissions") for p in
                     (copy / "submissions").rglob("*"))
    bundled = sorted(p.relative_to(DEMO_SUBMISSIONS) for p in DEMO_SUBMISSIONS.rglob("*"))
    assert written == bundled
    for relative in written:
        if (copy / "submissions" / relative).is_file():
            assert (copy / "submissions" / relative).read_bytes() == \
                (DEMO_SUBMISSIONS / relative).read_bytes(), relative
    assert DEMO_ROSTER.exists()


def test_canvas_roster_columns_are_echoed_as_exported(tmp_path):
    """Does grades.csv from a Canvas roster echo ID, SIS User ID and SIS Login ID exactly as
    exported (an empty SIS User ID stays empty), skipping the posting-policy row, with a
    Section that starts like a formula quoted?"""
    assignment, _, subs = _class(tmp_path, {"1001": ("answers.yaml", b"q2: {s1: T}\n"),
                                            "1002": ("answers.yaml", b"q2: {s1: T}\n")})
    roster = tmp_path / "canvas.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Homework 3 (123456)\n"
                      ",,,,,Manual Posting\n"
                      "    Points Possible,,,,,72\n"
                      '"Exact, Stu",1001,st_exact,st@u.edu,Sec 1,\n'
                      '"Str, Stu",1002,,str@u.edu,=HYPERLINK("x"),\n')
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out",
                                       str(tmp_path / "out"), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "grades.csv").read_text())))
    assert rows[1][0] == "Points Possible"
    assert [row[:5] for row in rows[2:]] == [
        ["Exact, Stu", "1001", "st_exact", "st@u.edu", "Sec 1"],
        ["Str, Stu", "1002", "", "str@u.edu", "'=HYPERLINK(\"x\")"]]


def test_misspelled_tolerance_part_stops_grading_in_one_line(tmp_path):
    """Is a tolerance for a part the question lacks one clear line naming the file, the
    question, the part and the valid parts, exit 1?"""
    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", b"q2: {s1: T}\n")})
    document = yaml.safe_load(assignment.read_text())
    document["questions"][0]["tolerance"] = {"parts": {"ox": {"decimals": 2}}}
    assignment.write_text(yaml.safe_dump(document))
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out",
                                       str(tmp_path / "out"), "--roster", str(roster)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert str(assignment) in result.output
    assert "question 'q1' field 'tolerance.parts': no part(s) ox" in result.output
    assert "(its parts: V, S, V_hat, S_hat, W)" in result.output


def test_question_ids_in_another_case_count_and_unknown_ones_are_named(tmp_path):
    """`Q2:` for question q2 is graded; answers wrapped under `answers:` are missing with a
    message naming the key found and the question ids, not a bare "not answered"."""
    assignment, roster, subs = _class(tmp_path, {
        "a": ("answers.yaml", b"Q2: {s1: T}\n"),
        "b": ("answers.yaml", b"answers: {q2: {s1: T}}\n")})
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out",
                                       str(tmp_path / "out"), "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    students = json.loads((tmp_path / "out" / "results.json").read_text())["students"]
    assert students["a"]["questions"]["q2"]["parts"]["s1"]["status"] != "missing"
    for question in ("q1", "q2"):
        for part in students["b"]["questions"][question]["parts"].values():
            assert part["status"] == "missing"
            assert part["message"] == (f"question not answered: no '{question}' in the answers "
                                       "file, which has 'answers' instead (question ids: q1, q2)")


def test_every_label_a_part_shows_is_in_the_legend(demo_run):
    """A part with some entries right shows "Partly correct": is that label explained in the
    legend at the top of the HTML and Markdown feedback, as the statuses are?"""
    out, _ = demo_run
    results = json.loads((out / "graded" / "results.json").read_text())["students"]
    partly = [student for student, entry in results.items()
              for question in entry["questions"].values() for part in question["parts"].values()
              if part["status"] == "incorrect" and part["score"] > 0]
    assert partly, "the demo should hold a partly correct part"
    html = (out / "graded" / "feedback" / f"{partly[0]}.html").read_text()
    markdown = (out / "graded" / "feedback" / f"{partly[0]}.md").read_text()
    assert 'Partly correct</span> some entries of a vector or matrix are right' in html
    assert "- **Partly correct**: some entries of a vector or matrix are right" in markdown
    assert html.count("Partly correct") > 1


def test_a_linked_folder_gets_nothing_from_the_folder_it_links_to(tmp_path):
    """s02 replaced by a link to s01, who sent forecaster weights: are s02's questions, the
    forecaster's included, all invalid, with s01 graded as before?"""
    subs = tmp_path / "subs"
    shutil.copytree(DEMO_SUBMISSIONS, subs)
    shutil.rmtree(subs / "s02")
    (subs / "s02").symlink_to(subs / "s01", target_is_directory=True)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(DEMO_ASSIGNMENT), str(subs), "--out",
                                       str(out), "--roster", str(DEMO_ROSTER)])
    assert result.exit_code == 0, result.output
    students = json.loads((out / "results.json").read_text())["students"]
    linked = students["s02"]["questions"]
    assert {part["status"] for question in linked.values()
            for part in question["parts"].values()} == {"invalid"}
    assert all("s02/ is a link to s01/" in part["message"]
               for part in linked["forecaster"]["parts"].values())
    assert students["s01"]["questions"]["forecaster"]["parts"]["architecture"]["status"] \
        == "correct"


def test_a_folder_named_by_the_id_in_another_case_is_the_students(tmp_path):
    """S01/ for roster id s01 is graded as s01's (with a note), not a stray beside a missing
    folder; where the exact folder exists too, the other is a stray."""
    answers = ("answers.yaml", b"q2: {s1: T}\n")
    assignment, roster, subs = _class(tmp_path, {"s01": answers, "s02": answers})
    (subs / "s01").rename(subs / "S01")
    (subs / "S02").mkdir()  # beside s02/ itself
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out", str(out),
                                       "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert "no folder for" not in result.output
    assert "folders with no student: S02" in result.output
    graded = json.loads((out / "results.json").read_text())["students"]
    for student in ("s01", "s02"):
        assert graded[student]["questions"]["q2"]["parts"]["s1"]["given"] == "T"
    assert "graded from the folder S01/, your id s01 in another case" in (
        out / "feedback" / "s01.md").read_text()
