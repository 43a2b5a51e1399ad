"""Params that pose an exercise without a finite answer (Adam with eps 0 over a zero gradient
entry: 0/0; gradients whose square overflows) are refused where they come in, naming the file,
the question and the step; and a grader bug in one question leaves the others graded."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

import grader.grade
from grader.assignment import load_assignment
from grader.cli import main
from grader.errors import AssignmentError, NoFiniteKeyError
from grader.graph import non_finite_entry
from problems import get_family
from tests.grader.test_grade_cli import _class

ADAM = get_family("adam_update")
ZERO_OVER_ZERO = {"W": [[0.5, -0.2]], "grad": [[0.1, 0.0]], "V_prev": [[0.0, 0.0]],
                  "S_prev": [[0.0, 0.0]], "t": 1, "alpha": 0.1, "eps": 0.0}
"""The second entry's moments are both 0 and eps is 0: its step is 0 / (sqrt(0) + 0)."""


def test_zero_over_zero_is_named_at_its_step_and_entry():
    """Is the 0/0 reported at the step that makes it (W), at the entry that has it?"""
    with pytest.raises(NoFiniteKeyError) as caught:
        ADAM.solve(ZERO_OVER_ZERO)
    assert caught.value.step == "W"
    assert "comes out nan at entry [0, 1]" in str(caught.value)
    assert "eps" in str(caught.value)


def test_an_overflowing_second_moment_is_not_taken_for_a_cancellation():
    """g^2 = 1e400 is inf: is S reported as not finite, instead of being set to 0 as if its
    two terms cancelled exactly (inf <= inf)?"""
    params = {**ZERO_OVER_ZERO, "grad": [[1e200, 0.5]], "eps": 1e-8}
    with pytest.raises(NoFiniteKeyError) as caught:
        ADAM.solve(params)
    assert caught.value.step == "S"
    assert "inf at entry [0, 0]" in str(caught.value)


def test_an_exact_cancellation_is_still_zero():
    """0.9 * 0.01 + 0.1 * -0.09 is 0 in the key, not float's 3.5e-18."""
    params = {**ZERO_OVER_ZERO, "V_prev": [[0.01, 0.0]], "grad": [[-0.09, 0.2]],
              "beta1": 0.9, "eps": 1e-8}
    assert ADAM.solve(params)["V"][0][0] == 0.0


@pytest.mark.parametrize("value, expected", [
    (1.5, None), ("vanish", None), (True, None), (3, None), ([[1.0, 2.0]], None),
    (float("inf"), "inf"), ([1.0, float("nan")], "nan at entry [1]"),
    ([[1.0, 2.0], [float("-inf"), 0.0]], "-inf at entry [1, 0]"),
])
def test_non_finite_entry_says_where(value, expected):
    import numpy as np

    given = np.asarray(value) if isinstance(value, list) else value
    assert non_finite_entry(given) == expected


def _write(path, document) -> str:
    path.write_text(yaml.safe_dump(document))
    return str(path)


def test_solve_names_the_params_file(tmp_path):
    params = _write(tmp_path / "p.yaml", ZERO_OVER_ZERO)
    result = CliRunner().invoke(main, ["solve", "adam_update", "--params", params])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {params}: these params have no finite answer: "
                                    "step 'W' comes out nan at entry [0, 1]")
    assert "Traceback" not in result.output and "NaN" not in result.output


def test_solve_writes_a_mistake_that_leaves_the_numbers_as_null(tmp_path):
    """t - 1 = 0 makes the bias correction 1 - beta^0 = 0: is the printed JSON still JSON,
    with null where the mistaken value is not a number, and a warning saying so?"""
    params = _write(tmp_path / "p.yaml", {**ZERO_OVER_ZERO, "eps": 1e-8})
    result = CliRunner().invoke(main, ["solve", "adam_update", "--params", params,
                                       "--mistake", "wrong_step_index:t-1"])
    assert result.exit_code == 0, result.output
    printed = result.stdout
    answers = json.loads(printed)
    assert answers["V_hat"] == [[None, None]] and answers["V"][0] == pytest.approx([0.01, 0.0])
    assert "part 'V_hat' leaves the finite numbers (written null)" in result.stderr


def test_fixed_params_without_a_finite_key_are_refused_when_the_assignment_loads(tmp_path):
    path = tmp_path / "hw.yaml"
    _write(path, {"title": "HW", "course": "DL", "due": "2026-12-01", "seed": 1,
                  "questions": [{"id": "adam", "family": "adam_update", "points": 5,
                                 "params": ZERO_OVER_ZERO}]})
    with pytest.raises(AssignmentError) as caught:
        load_assignment(path)
    assert str(caught.value).startswith(
        f"{path}: question 'adam' field 'params': these params have no finite answer: "
        "step 'W'")


def test_a_manifest_without_a_finite_key_is_named(tmp_path):
    """A variants manifest edited by hand to eps 0: does grading stop with its file and the
    student named, not an internal error?"""
    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", b"q2: {s1: T}\n")})
    generated = tmp_path / "gen"
    made = CliRunner().invoke(main, ["generate", str(assignment), "--roster", str(roster),
                                     "--out", str(generated), "--no-pdf"])
    assert made.exit_code == 0, made.output
    manifest = generated / "variants" / "a.json"
    document = json.loads(manifest.read_text())
    document["q1"]["params"] = ZERO_OVER_ZERO
    manifest.write_text(json.dumps(document))
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out",
                                       str(tmp_path / "out"), "--roster", str(roster),
                                       "--variants", str(generated)])
    assert result.exit_code == 1
    assert f"{manifest}: student a: these params have no finite answer" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_a_grader_bug_in_one_question_leaves_the_rest_graded(tmp_path, monkeypatch):
    """A bug that fails every time the question is solved: is that question left invalid for
    the instructor (with the student's values kept) and the other question still graded?"""
    answers = b"q1: {V: [[0.1, 0.2]]}\nq2: {s1: T}\n"
    assignment, roster, subs = _class(tmp_path, {"a": ("answers.yaml", answers),
                                                 "b": ("answers.yaml", answers)})
    real = grader.grade.grade_question

    def failing(question, *args, **kwargs):
        if question.id == "q1":
            raise ZeroDivisionError("a bug")
        return real(question, *args, **kwargs)

    monkeypatch.setattr(grader.grade, "grade_question", failing)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(assignment), str(subs), "--out", str(out),
                                       "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    students = json.loads((out / "results.json").read_text())["students"]
    for student in ("a", "b"):
        q1 = students[student]["questions"]["q1"]["parts"]
        assert sorted(q1) == ["S", "S_hat", "V", "V_hat", "W"]
        assert {part["status"] for part in q1.values()} == {"invalid"}
        assert q1["V"]["given"] == [[0.1, 0.2]]
        assert q1["W"]["expected"] is not None
        q2 = students[student]["questions"]["q2"]["parts"]
        assert q2["s1"]["status"] != "invalid"
