"""lstm_concepts: the statement bank, the truth parser and the sampler."""

from __future__ import annotations

import numpy as np
import pytest

from grader.errors import ParamError
from grader.values import latex_escape
from problems.lstm_concepts import FAMILY, MISTAKES, STATEMENTS, Statement, parse_truth

COURSE_FOUR = [
    ("If x_t is the zero vector, then h_t = h_{t-1}.", False),
    ("If f_t is very small or zero, the error will not be back-propagated to earlier time "
     "steps.", False),
    ("The entries of f_t, i_t and o_t are non-negative.", True),
    ("f_t, i_t and o_t can be viewed as probability distributions.", False),
]


def test_the_courses_four_are_in_the_bank_with_their_truth():
    """Are the course's four statements in the bank, worded exactly, with the right values?"""
    by_text = {statement.text: statement for statement in STATEMENTS.values()}
    for text, truth in COURSE_FOUR:
        assert text in by_text, text
        assert by_text[text].truth is truth


def test_bank_is_large_with_unique_snake_case_ids():
    """Does the bank hold at least 16 statements with unique snake_case ids matching keys?"""
    assert len(STATEMENTS) >= 16
    ids = [statement.id for statement in STATEMENTS.values()]
    assert len(set(ids)) == len(ids) and ids == list(STATEMENTS)
    for statement_id in ids:
        assert statement_id.isidentifier() and statement_id == statement_id.lower()
        assert len(statement_id) <= 24


def test_every_statement_has_text_and_a_one_line_reason():
    """Is every statement and reason non-empty text, the reason on one line?"""
    for statement in STATEMENTS.values():
        assert isinstance(statement, Statement)
        assert statement.text.strip() and statement.reason.strip()
        assert "\n" not in statement.reason and "\n" not in statement.text
        assert isinstance(statement.truth, bool)


def test_bank_mixes_true_and_false():
    """Does the bank hold several true and several false statements?"""
    truths = [statement.truth for statement in STATEMENTS.values()]
    assert sum(truths) >= 6 and len(truths) - sum(truths) >= 6


def test_statements_are_frozen():
    """Can a statement of the bank be changed after the fact?"""
    statement = next(iter(STATEMENTS.values()))
    with pytest.raises(AttributeError):
        statement.truth = not statement.truth
    with pytest.raises(TypeError):
        STATEMENTS["new"] = statement


@pytest.mark.parametrize(("given", "expected"), [
    ("true", "T"), ("True", "T"), ("TRUE", "T"), ("t", "T"), ("T", "T"), ("yes", "T"),
    ("Yes", "T"), ("y", "T"), ("Y", "T"), ("1", "T"), ("  true\n", "T"), ("\tT ", "T"),
    ("false", "F"), ("False", "F"), ("f", "F"), ("F", "F"), ("no", "F"), ("NO", "F"),
    ("n", "F"), ("0", "F"), (" 0 ", "F"), (True, "T"), (False, "F"), (1, "T"), (0, "F"),
])
def test_parse_truth_accepts_every_documented_form(given, expected):
    """Does parse_truth read every documented spelling of true and false?"""
    assert parse_truth(given) == expected


@pytest.mark.parametrize("given", [
    "", " ", "maybe", "tru", "yess", "2", "-1", "1.0", "T F", "ja", "wahr", None, 2, 0.5,
    1.0, [], ["T"], {"s1": "T"},
])
def test_parse_truth_rejects_anything_else(given):
    """Does parse_truth return None for text that is neither true nor false?"""
    assert parse_truth(given) is None


def test_sampler_draws_distinct_statements_mixing_truth_values():
    """Does every sampled set of k >= 2 distinct statements hold a true and a false one?"""
    for count in range(2, 9):
        for seed in range(40):
            raw = FAMILY.sample(np.random.default_rng(seed), {"count": count})
            ids = raw["statements"]
            assert len(ids) == count and len(set(ids)) == count
            truths = {STATEMENTS[statement_id].truth for statement_id in ids}
            assert truths == {True, False}


def test_sampler_default_count_and_variety():
    """Does the sampler pose 4 statements by default and vary them across seeds?"""
    drawn = [tuple(FAMILY.sample(np.random.default_rng(seed), {})["statements"])
             for seed in range(30)]
    assert all(len(ids) == 4 for ids in drawn)
    assert len(set(drawn)) > 20
    assert len({statement_id for ids in drawn for statement_id in ids}) > len(STATEMENTS) // 2


def test_sampler_handles_one_and_all_statements():
    """Can the sampler pose a single statement, and the whole bank?"""
    one = FAMILY.sample(np.random.default_rng(1), {"count": 1})
    assert len(one["statements"]) == 1
    everything = FAMILY.sample(np.random.default_rng(1), {"count": len(STATEMENTS)})
    assert sorted(everything["statements"]) == sorted(STATEMENTS)


@pytest.mark.parametrize("count", [0, len(STATEMENTS) + 1, "four", True, 2.5])
def test_sampler_rejects_a_bad_count(count):
    """Does an impossible count raise an error naming the setting?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.sample(np.random.default_rng(0), {"count": count})
    assert caught.value.name == "count"


def test_parts_are_T_or_F_in_order():
    """Are the parts s1..sk, each 'T' or 'F' as the bank says, in the order posed?"""
    ids = ["gru_has_cell", "hidden_bounded", "cell_bounded"]
    answers = FAMILY.solve({"statements": ids})
    assert list(answers) == ["s1", "s2", "s3"]
    assert answers == {"s1": "F", "s2": "T", "s3": "F"}


def test_unknown_statement_id_is_named():
    """Does an unknown id raise an error naming both the position and the id?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse({"statements": ["zero_input", "lstm_is_magic"]})
    assert caught.value.name == "statements[1]"
    assert "lstm_is_magic" in str(caught.value)


@pytest.mark.parametrize(("raw", "named"), [
    ({"statements": []}, "statements"),
    ({"statements": "zero_input"}, "statements"),
    ({"statements": [3]}, "statements[0]"),
    ({"statements": ["zero_input", "zero_input"]}, "statements[1]"),
    ({"statements": ["zero_input"], "count": 2}, "count"),
])
def test_bad_params_name_the_parameter(raw, named):
    """Does an empty list, a non-id, a repeat or an unknown field raise a named error?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(raw)
    assert caught.value.name == named


def test_worked_solution_shows_statement_reason_and_answer():
    """Does each worked step show the escaped statement, the reason and T or F?"""
    graph = FAMILY.build(FAMILY.parse(FAMILY.canonical))
    for line, statement_id in zip(graph.worked(), FAMILY.canonical["statements"], strict=True):
        statement = STATEMENTS[statement_id]
        assert line.formula == r"\text{" + latex_escape(statement.text) + "}"
        assert line.substituted == r"\text{" + latex_escape(statement.reason) + "}"
        assert statement.reason not in line.label, "the label is printed with the question"
        assert line.result == r"\text{" + statement.answer + "}"
    assert r"h\_\{t-1\}" in graph.worked()[0].formula


def test_claims_give_each_part_its_statement_truth_and_reason():
    """Does the family's claims hook give the templates each part's statement as plain text,
    with its truth value and reason, in the order posed?"""
    ids = ["gru_has_cell", "hidden_bounded", "zero_input"]
    claims = FAMILY.claims(FAMILY.parse({"statements": ids}))
    assert list(claims) == ["s1", "s2", "s3"]
    for claim, statement_id in zip(claims.values(), ids, strict=True):
        statement = STATEMENTS[statement_id]
        assert (claim.text, claim.truth, claim.reason) == (
            statement.text, statement.truth, statement.reason)


def test_no_mistakes_are_catalogued():
    """Is the mistake catalogue empty, as PROBLEMS.md lists none for this family?"""
    assert MISTAKES == () and FAMILY.mistakes == ()
