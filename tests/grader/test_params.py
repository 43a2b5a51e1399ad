"""Parameter fields: shapes bound by name across fields, with messages that say which."""

from __future__ import annotations

import pytest

from grader.errors import ParamError
from grader.params import ParamSpec, Tensor

SPEC = ParamSpec((Tensor(name="W", doc="input weights", dims=("H", "D")),
                  Tensor(name="U", doc="recurrent weights", dims=("H", "H")),
                  Tensor(name="b", doc="bias", dims=("H",))))


def test_names_bind_to_the_first_size_seen_and_later_fields_must_agree():
    params = SPEC.parse({"W": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                         "U": [[0.1, 0.2], [0.3, 0.4]], "b": [0.0, 1.0]})
    assert dict(params.dims) == {"H": 2, "D": 3}
    with pytest.raises(ParamError) as refused:
        SPEC.parse({"W": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "U": [[0.1, 0.2], [0.3, 0.4]],
                    "b": [0.0, 1.0, 2.0]})
    assert str(refused.value) == ("parameter 'b': expected shape (H=2), got (3) "
                                  "(H=2 as set by 'W')")


def test_a_square_field_must_be_square_even_when_it_binds_the_name():
    """U alone, H unbound: its first axis binds H = 2, and its second must agree."""
    spec = ParamSpec((Tensor(name="U", doc="", dims=("H", "H")),
                      Tensor(name="b", doc="", dims=("H",))))
    assert dict(spec.parse({"U": [[1.0, 2.0], [3.0, 4.0]], "b": [1.0, 2.0]}).dims) == {"H": 2}
    with pytest.raises(ParamError) as refused:
        spec.parse({"U": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "b": [1.0, 2.0]})
    assert str(refused.value) == ("parameter 'U': expected shape (H=2, H=2), got (2, 3) "
                                  "(H=2 as set by 'U')")


def test_fixed_sizes_are_checked():
    spec = ParamSpec((Tensor(name="w", doc="", dims=(2,)),))
    with pytest.raises(ParamError, match=r"^parameter 'w': expected shape \(2\), got \(3\)$"):
        spec.parse({"w": [1.0, 2.0, 3.0]})


@pytest.mark.parametrize(("family", "change", "message"), [
    ("adam_update", {"t": 10**400}, "parameter 't': expected a finite number, got one beyond "
                                    "1.8e308"),
    ("adam_update", {"t": 2**60}, "parameter 't': must be at most 9,007,199,254,740,992 in "
                                  "size (2^53), got 1,152,921,504,606,846,976"),
    ("adam_update", {"t": 2**53 + 1}, "parameter 't': must be at most 9,007,199,254,740,992 "
                                      "in size (2^53), got 9,007,199,254,740,993"),
    ("adam_update", {"t": 2e16}, "parameter 't': must be at most 9,007,199,254,740,992 in "
                                 "size (2^53), got 2e+16"),
    ("rnn_gradient", {"n": 10**400}, "parameter 'n': expected a finite number, got one beyond"),
    ("param_count", {"vocab": 10**18}, "parameter 'vocab': must be at most 1000000, got 1e+18"),
    ("param_count", {"vocab": 1e30}, "parameter 'vocab': must be at most 1000000, got 1e+30"),
    ("param_count", {"kind": "stacked_rnn", "cell": "lstm", "input_size": 3,
                     "hidden_sizes": [10**300]},
     "parameter 'hidden_sizes[0]': must be at most 1000000, got 1e+300"),
    ("param_count", {"kind": "stacked_rnn", "cell": "lstm", "input_size": 3,
                     "hidden_sizes": [4] * 101},
     "parameter 'hidden_sizes': expected at most 100 items, got 101"),
])
def test_whole_numbers_too_large_to_count_exactly_are_refused(family, change, message):
    """Past 2^53 a float no longer holds every whole number, and a count past 2^63 wrapped to
    a negative one: is each refused, naming the parameter, instead of an OverflowError?"""
    from problems import get_family

    chosen = get_family(family)
    raw = {**chosen.canonical, **change}
    if change.get("kind") == "stacked_rnn":
        raw = change
    with pytest.raises(ParamError) as refused:
        chosen.parse(raw)
    assert str(refused.value).startswith(message)


def test_the_largest_counts_allowed_are_exact():
    """Every size at its bound and 100 layers: the count is the one Python's integers give."""
    from problems import get_family

    family = get_family("param_count")
    big = 1_000_000
    lm = family.solve({"kind": "rnn_lm", "vocab": big, "embedding": big, "hidden": big,
                       "biases": True})
    assert int(lm["total"]) == big * big + (big * big + big) + big * big + (big * big + big)
    stack = family.solve({"kind": "stacked_rnn", "cell": "lstm", "input_size": big,
                          "hidden_sizes": [big] * 100, "output_size": big})
    layer = 4 * (big * (big + big) + 2 * big)
    assert int(stack["total"]) == 100 * layer + (big * big + big)
    assert int(stack["total"]) < 2**53


@pytest.mark.parametrize("empty", [[], [[]], [[], []]])
def test_an_empty_matrix_is_refused(empty):
    """W = [[]] once gave an exercise with nothing to compute and no part to grade."""
    from problems import get_family

    family = get_family("adam_update")
    raw = {**family.canonical, "W": empty}
    with pytest.raises(ParamError) as refused:
        family.parse(raw)
    assert str(refused.value).startswith("parameter 'W': ")
    assert "empty" in str(refused.value) or "expected a matrix" in str(refused.value)


@pytest.mark.parametrize(("value", "words"), [
    (3, "got a number"), (True, "got true"),
    ("  max  \n pooling ", "got text 'max pooling'"), ([1], "got a list"),
])
def test_a_wrong_kind_of_value_is_named_in_words(value, words):
    """A param of the wrong kind is described as answers are (never a Python type name)."""
    from problems import get_family

    family = get_family("lstm_forward")
    raw = {**family.canonical, "loss": value, "y": [[0.0], [0.0]]}
    with pytest.raises(ParamError) as caught:
        family.parse(raw)
    assert str(caught.value).endswith(words), str(caught.value)


def test_a_bound_message_shows_a_whole_number_in_full():
    """input_size 1000001 over the bound of 1000000 reads 'got 1000001', not 'got 1e+06'."""
    from problems import get_family

    family = get_family("param_count")
    with pytest.raises(ParamError) as caught:
        family.parse({"kind": "stacked_rnn", "cell": "lstm", "input_size": 1000001,
                      "hidden_sizes": [4]})
    assert str(caught.value).endswith("must be at most 1000000, got 1000001")
