"""Part names as students write them: another case counts when it is the only fit, and a key
that names no part is named back in the message of the part left missing."""

from __future__ import annotations

import pytest
import yaml

from grader.assignment import load_assignment
from grader.grading import by_part_name, grade_question

COUNTS = {"kind": "rnn_lm", "vocab": 8, "embedding": 6, "hidden": 5, "biases": False}
RIGHT = {"embedding": 48, "input": 30, "recurrent": 25, "output": 40, "total": 143}


@pytest.fixture(scope="module")
def question(tmp_path_factory):
    path = tmp_path_factory.mktemp("hw") / "hw.yaml"
    path.write_text(yaml.safe_dump({
        "title": "HW", "course": "DL", "due": "2026-12-01", "seed": 1,
        "questions": [{"id": "pc", "family": "param_count", "points": 5, "params": COUNTS}]}))
    return load_assignment(path).questions[0]


def test_a_part_name_in_another_case_is_graded(question):
    given = {**RIGHT, "Total": RIGHT["total"]}
    del given["total"]
    result = grade_question(question, COUNTS, given)
    assert result.parts["total"].status == "correct"
    assert result.notes == ()


def test_a_key_that_names_no_part_is_named_in_the_missing_part(question):
    given = {**RIGHT, "totl": 143}
    del given["total"]
    result = grade_question(question, COUNTS, given)
    total = result.parts["total"]
    assert total.status == "missing" and total.fraction == 0.0
    assert total.message == ("no answer given; the answers hold 'totl', which is no part of "
                             "this question (its parts: embedding, input, recurrent, output, "
                             "total)")
    assert result.notes == ("ignored unknown part(s): totl",)
    assert result.parts["embedding"].status == "correct"


@pytest.mark.parametrize(("given", "named", "unknown"), [
    ({"w": 1}, {"W": 1}, []),
    ({"W": 1, "w": 2}, {"W": 1}, ["w"]),          # its own name wins; the other is unknown
    ({"v": 1, "V": 2}, {"V": 2}, ["v"]),
    ({"s_HAT": 1}, {"S_hat": 1}, []),
    ({"x": 1, "W": 2}, {"W": 2}, ["x"]),
])
def test_by_part_name(given, named, unknown):
    assert by_part_name(given, ("V", "S", "S_hat", "W")) == (named, unknown)


def test_two_keys_that_name_no_part_read_as_plural(question):
    given = {**RIGHT, "totl": 143, "tot": 143}
    del given["total"]
    message = grade_question(question, COUNTS, given).parts["total"].message
    assert "the answers hold 'tot', 'totl', which are no parts of this question" in message
