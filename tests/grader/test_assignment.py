"""Assignment files: validation names the file, the question and the field."""

from __future__ import annotations

import pytest
import yaml

from grader.assignment import load_assignment
from grader.errors import AssignmentError, InputFileError
from grader.tolerance import Tolerance

BASE = {
    "title": "HW 3", "course": "DL", "due": "2026-12-01", "seed": 7,
    "questions": [{"id": "q1", "family": "adam_update", "points": 10}],
}


def _write(tmp_path, document) -> object:
    path = tmp_path / "assignment.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_reads_a_full_assignment(tmp_path):
    """Are points, settings, tolerances and follow-through credit read per question?"""
    document = dict(BASE, tolerance={"rtol": 0.05}, follow_through_credit=0.5, questions=[
        {"id": "q1", "family": "adam_update", "points": {"V": 1, "S": 1, "V_hat": 2,
                                                        "S_hat": 2, "W": 4},
         "randomize": {"rows": 1, "cols": 2},
         "tolerance": {"decimals": 3, "parts": {"W": {"sig_figs": 4}}}},
        {"id": "q2", "family": "adam_update", "points": 5, "params": {
            "W": [[1.0]], "grad": [[0.5]], "V_prev": [[0]], "S_prev": [[0]], "t": 1,
            "alpha": 0.1}, "follow_through_credit": 1},
    ])
    assignment = load_assignment(_write(tmp_path, document))
    q1, q2 = assignment.questions
    assert q1.part_points(("V", "S", "V_hat", "S_hat", "W"))["W"] == 4
    assert q2.part_points(("V", "S", "V_hat", "S_hat", "W"))["V"] == 1
    assert q1.randomize == {"rows": 1, "cols": 2}
    assert q1.tolerance.mode == "decimals" and q1.tolerance.decimals == 3
    assert q1.tolerance_for("W").mode == "sig_figs" and q1.tolerance_for("W").sig_figs == 4
    assert q2.tolerance == Tolerance(mode="rel_abs", rtol=0.05)
    assert (q1.follow_through_credit, q2.follow_through_credit) == (0.5, 1.0)
    assert assignment.max_points == 15


@pytest.mark.parametrize(("change", "message"), [
    ({"seed": "abc"}, "field 'seed'"),
    ({"title": None}, "field 'title'"),
    ({"questions": []}, "field 'questions'"),
    ({"title": "T" * 501}, "field 'title': 501 characters; at most 500"),
    ({"instructions": "%" * 10_001}, "field 'instructions': 10,001 characters; at most 10,000"),
    ({"questions": [{"id": "q1", "family": "adam_update", "points": 1, "title": "x" * 600}]},
     "question 'q1' field 'title': 600 characters; at most 500"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"questions": [{"id": "q1", "family": "adam", "points": 1}]},
     "question 'q1' field 'family': unknown family 'adam'"),
    ({"questions": [{"id": "1bad", "family": "adam_update", "points": 1}]}, "field 'id'"),
    ({"questions": [{"id": "q1", "family": "adam_update", "points": -1}]},
     "question 'q1' field 'points'"),
    ({"questions": [{"id": "q1", "family": "adam_update", "points": 1,
                     "randomize": {"colour": 1}}]},
     "question 'q1' field 'randomize': unknown setting 'colour'"),
    ({"questions": [{"id": "q1", "family": "adam_update", "points": 1,
                     "params": {"W": [[1]]}}]},
     "question 'q1' field 'params': parameter 'grad': is required"),
    ({"questions": [{"id": "q1", "family": "adam_update", "points": 1,
                     "tolerance": {"rtol": "loose"}}]},
     "question 'q1' field 'tolerance': 'rtol' must be a finite number"),
    ({"questions": [{"id": "q1", "family": "adam_update", "points": 1},
                    {"id": "q1", "family": "adam_update", "points": 1}]},
     "question 'q1': the id is used twice"),
    ({"questions": [{"id": "bp\n", "family": "backprop", "points": 1}]},
     "questions[0] field 'id': expected a short name"),
    ({"questions": [{"id": "adam", "family": "adam_update", "points": 1},
                    {"id": "ADAM", "family": "adam_update", "points": 1}]},
     "question 'ADAM': the id differs from 'adam' only in case"),
    *[({"questions": [{"id": "q1", "family": "adam_update", **field}]}, message)
      for field, message in [
          ({"points": float("inf")}, "question 'q1' field 'points': expected a number above "
                                      "0 and at most 10,000, or a mapping of part names to "
                                      "points, got inf"),
          ({"points": float("nan")}, "question 'q1' field 'points': expected a number above"),
          ({"points": 1e19}, "question 'q1' field 'points': expected a number above 0 and at "
                             "most 10,000, or a mapping of part names to points, got 1e+19"),
          ({"points": 10**400}, "got a number beyond 1.8e308"),
          ({"points": {"V": float("inf"), "S": 1, "V_hat": 1, "S_hat": 1, "W": 1}},
           "question 'q1' field 'points.V': expected a number from 0 to 10,000, got inf"),
          ({"points": {"V": 6000, "S": 6000, "V_hat": 1, "S_hat": 1, "W": 1}},
           "question 'q1' field 'points': the parts' points must add up to more than 0"),
          ({"points": {"V": 0, "S": 0, "V_hat": 0, "S_hat": 0, "W": 0}},
           "question 'q1' field 'points': the parts' points must add up to more than 0 (as a "
           "question's points must) and at most 10,000"),
          ({"points": 1, "tolerance": {"decimals": float("inf")}},
           "question 'q1' field 'tolerance': 'decimals' must be a finite number"),
          ({"points": 1, "tolerance": {"rtol": float("nan")}},
           "question 'q1' field 'tolerance': 'rtol' must be a finite number"),
          *[({"points": 1, "tolerance": {key: value}},
             f"question 'q1' field 'tolerance': '{key}' must be from {bounds}, got {value:g}")
            for key, value, bounds in [
                ("decimals", 50, "0 to 12"), ("rounding_decimals", 13, "0 to 12"),
                ("sig_figs", 0, "1 to 15"), ("sig_figs", 400, "1 to 15"),
                ("rounding_sig_figs", 16, "1 to 15"), ("safety", 0, "0.1 to 100"),
                ("safety", 1000, "0.1 to 100"), ("rtol", 1e308, "0 to 0.5"),
                ("rtol", 0.6, "0 to 0.5"),
            ]],
      ]],
])
def test_bad_assignments_name_file_question_and_field(tmp_path, change, message):
    """Does every validation error name the file, the question and the field?"""
    path = _write(tmp_path, dict(BASE, **change))
    with pytest.raises(AssignmentError) as caught:
        load_assignment(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def _randomized(family: str, settings: dict) -> dict:
    return {"questions": [{"id": "q1", "family": family, "points": 1, "randomize": settings}]}


@pytest.mark.parametrize(("change", "message"), [
    (_randomized("adam_update", {"rows": -1}), "setting 'rows': expected a whole number"),
    (_randomized("param_count", {"kind": "rnn_lm", "cell": "gru"}),
     "parameter 'cell': randomization setting is for kind stacked_rnn, and this question's "
     "kind is rnn_lm"),
    (_randomized("param_count", {"kind": "stacked_rnn", "biases": True}),
     "parameter 'biases': randomization setting is for kind rnn_lm"),
    (_randomized("adam_update", {"rows": 2.5}), "setting 'rows': expected a whole number"),
    (_randomized("adam_update", {"cols": "abc"}), "setting 'cols': expected a whole number"),
    (_randomized("adam_update", {"rows": 2000, "cols": 3000}), "from 1 to 6, got 2000"),
    (_randomized("adam_update", {"alpha": "abc"}), "setting 'alpha': expected a learning rate"),
    (_randomized("adam_update", {"t_min": 5, "t_max": 2}),
     "setting 't_max': expected a whole number from 5 to 1000, got 2"),
    (_randomized("adam_update", {"t_min": 0}), "setting 't_min'"),
    (_randomized("lstm_forward", {"hidden": 50}), "setting 'hidden'"),
    (_randomized("logic_net", {"gate": "FOO"}), "gate"),
    (_randomized("lstm_concepts", {"count": 100}), "count"),
])
def test_bad_randomize_settings_name_file_question_and_setting(tmp_path, change, message):
    """Is a randomize setting no draw can use refused when the assignment is read, with the
    file, the question and the setting named (not a crash when drawing, or a bare message)?"""
    path = _write(tmp_path, dict(BASE, **change))
    with pytest.raises(AssignmentError) as caught:
        load_assignment(path)
    assert f"{path}: question 'q1' field 'randomize': " in str(caught.value)
    assert message in str(caught.value)


def test_per_part_points_must_cover_the_parts(tmp_path):
    """Is a points mapping that misses a part caught before grading?"""
    document = dict(BASE, questions=[{"id": "q1", "family": "adam_update",
                                      "points": {"V": 1}}])
    assignment = load_assignment(_write(tmp_path, document))
    with pytest.raises(AssignmentError, match=r"question 'q1' field 'points'.*S"):
        assignment.questions[0].part_points(("V", "S"))


def test_misspelled_tolerance_part_is_an_error(tmp_path):
    """Is a tolerance for a part the question does not have an error naming the file, the
    question, the unknown part and the valid parts, as a misspelled points part is?"""
    document = dict(BASE, questions=[{"id": "q1", "family": "adam_update", "points": 10,
                                      "tolerance": {"parts": {"ox": {"decimals": 2}}}}])
    path = _write(tmp_path, document)
    question = load_assignment(path).questions[0]
    with pytest.raises(AssignmentError) as caught:
        question.part_points(("V", "S", "V_hat", "S_hat", "W"))
    assert str(caught.value) == (
        f"{path}: question 'q1' field 'tolerance.parts': no part(s) ox in this question "
        f"(its parts: V, S, V_hat, S_hat, W)")


def test_a_missing_family_is_named_once(tmp_path):
    """The message says the file and question once, and "nothing" rather than Python's None."""
    path = _write(tmp_path, dict(BASE, questions=[{"id": "q1", "points": 1}]))
    with pytest.raises(AssignmentError) as caught:
        load_assignment(path)
    assert str(caught.value) == (f"{path}: question 'q1' field 'family': expected text, "
                                 "got nothing")


def test_a_field_given_twice_is_refused(tmp_path):
    """Is an assignment file that gives a field twice refused, naming the field and line?"""
    path = tmp_path / "assignment.yaml"
    path.write_text(yaml.safe_dump(BASE) + "seed: 8\n")
    with pytest.raises(InputFileError, match=r"duplicate key 'seed' \(line \d+; first given"):
        load_assignment(path)


def test_an_impossible_date_is_named_with_its_line(tmp_path):
    """PyYAML's "month must be in 1..12" had no place; is the value and its line named?"""
    path = tmp_path / "hw.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in BASE.items() if k != "due"})
                    + "due: 2026-13-45\n")
    line = path.read_text().splitlines().index("due: 2026-13-45") + 1
    with pytest.raises(InputFileError) as caught:
        load_assignment(path)
    assert str(caught.value) == (f"{path}: malformed YAML at line {line}: 2026-13-45 is no date "
                                 "(month must be in 1..12); write it as YYYY-MM-DD, or in "
                                 "quotes for text")


@pytest.mark.parametrize(("assignment_level", "question_level", "words"), [
    (None, {"decimals": 1, "rtol": 0.001},
     "'decimals' and 'rtol' choose different modes (decimals, rel_abs)"),
    (None, {"rtol": 0.01, "sig_figs": 2}, "choose different modes"),
    ({"decimals": 1}, {"safety": 3},
     "'safety' has no effect in mode decimals (set here or inherited from the level above); "
     "it belongs to mode propagated: add mode: propagated to use it"),
    (None, {"mode": "sig_figs", "decimals": 2}, "'decimals' has no effect in mode sig_figs"),
])
def test_tolerance_settings_that_cannot_all_apply_are_refused(tmp_path, assignment_level,
                                                              question_level, words):
    """A setting that another in the same mapping, or the mode in effect, would silently
    override is an error naming both, not a quiet choice."""
    document = dict(BASE, questions=[{"id": "q1", "family": "rnn_gradient", "points": 1,
                                      "tolerance": question_level}])
    if assignment_level is not None:
        document["tolerance"] = assignment_level
    with pytest.raises(AssignmentError) as caught:
        load_assignment(_write(tmp_path, document))
    assert "question 'q1'" in str(caught.value) and words in str(caught.value)


def test_a_lower_level_may_switch_the_mode_with_its_own_settings(tmp_path):
    """A question's {rtol: 0.01} under the assignment's {decimals: 1} is rel_abs, and a
    part's {decimals: 2} under it is decimals again."""
    document = dict(BASE, tolerance={"decimals": 1}, questions=[{
        "id": "q1", "family": "rnn_gradient", "points": 1,
        "tolerance": {"rtol": 0.01, "parts": {"dphi0": {"decimals": 2}}}}])
    question = load_assignment(_write(tmp_path, document)).questions[0]
    assert question.tolerance.mode == "rel_abs" and question.tolerance.rtol == 0.01
    assert question.tolerance_for("dphi0").mode == "decimals"


def test_a_points_mapping_with_a_misspelled_part_names_both(tmp_path):
    """{truth_table: 4, gat: 2} lacks gate and has gat: the message names both."""
    document = dict(BASE, questions=[{"id": "q1", "family": "logic_net",
                                      "points": {"truth_table": 4, "gat": 2}}])
    question = load_assignment(_write(tmp_path, document)).questions[0]
    with pytest.raises(AssignmentError) as caught:
        question.part_points(("truth_table", "gate"))
    assert "no points for part(s) gate; no part(s) gat in this question" in str(caught.value)
