"""logic_net: truth tables against exact arithmetic, the sampler's gates, the mistakes."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import numpy as np
import pytest

from grader.errors import ParamError
from problems.logic_net import FAMILY, GATES

SAMPLES = 1000
INPUT_ORDER = ((0, 0), (0, 1), (1, 0), (1, 1))
XOR_NET = {"layers": [{"weights": [[1, 1], [-1, -1]], "bias": [-0.5, 1.5]},
                      {"weights": [[1, 1]], "bias": [-1.5]}]}


def _exact(raw: dict) -> tuple[list[int], list[Fraction]]:
    """Outputs and every pre-activation, computed with exact fractions of the given decimals."""
    threshold = raw.get("threshold", "ge")
    outputs, zs = [], []
    for x in INPUT_ORDER:
        values = [Fraction(v) for v in x]
        for layer in raw["layers"]:
            z = [sum((Fraction(str(w)) * v for w, v in zip(row, values, strict=True)),
                     Fraction(str(b))) for row, b in zip(layer["weights"], layer["bias"],
                                                         strict=True)]
            zs.extend(z)
            values = [int(each >= 0 if threshold == "ge" else each > 0) for each in z]
        outputs.append(values[0])
    return outputs, zs


def _is_hand_number(value) -> bool:
    return isinstance(value, int) or (isinstance(value, float) and round(value, 1) == value)


def test_xor_net_with_a_hidden_layer():
    """Does a hidden OR and NAND feeding an AND unit give XOR?"""
    answers = FAMILY.solve(XOR_NET)
    np.testing.assert_array_equal(answers["truth_table"], [0, 1, 1, 0])
    assert answers["gate"] == "XOR"
    assert answers["truth_table"].dtype.kind == "i"


def test_one_decimal_sum_on_zero_is_exactly_on_the_threshold():
    """Is 0.1 + 0.2 - 0.3 treated as z = 0, so ge fires and gt does not?"""
    raw = {"layers": [{"weights": [[0.1, 0.2]], "bias": [-0.3]}]}
    assert FAMILY.solve(raw)["gate"] == "AND"
    np.testing.assert_array_equal(FAMILY.solve(dict(raw, threshold="gt"))["truth_table"],
                                  [0, 0, 0, 0])
    assert FAMILY.solve(dict(raw, threshold="gt"))["gate"] == "OTHER"


@pytest.mark.parametrize(("table", "gate"), [
    *((list(table), name) for table, name in GATES.items()),
    ([0, 0, 0, 0], "OTHER"),
    ([1, 1, 0, 1], "OTHER"),
    ([0, 0, 1], "OTHER"),
    ([0, 2, 1, 0], "OTHER"),
    (["a", 0, 1, 0], "OTHER"),
])
def test_gate_follows_from_the_students_truth_table(table, gate):
    """Is the gate recomputed from a student's own truth table (follow-through)?"""
    graph = FAMILY.build(FAMILY.parse(FAMILY.canonical))
    assert graph.recompute("gate", {"truth_table": table}) == gate


def test_threshold_convention_flips_the_unit_on_zero():
    """With z = 0 at input 11, does the other convention turn AND into all zeros?"""
    raw = {"layers": [{"weights": [[2, 3]], "bias": [-5]}]}
    wrong = FAMILY.solve(raw, "threshold_convention")
    np.testing.assert_array_equal(wrong["truth_table"], [0, 0, 0, 0])
    gt_wrong = FAMILY.solve(dict(raw, threshold="gt"), "threshold_convention")
    np.testing.assert_array_equal(gt_wrong["truth_table"], [0, 0, 0, 1])


def test_threshold_convention_reaches_hidden_units():
    """Does the other convention also change a hidden unit whose z is 0?"""
    raw = {"layers": [{"weights": [[1, 1], [-1, -1]], "bias": [-1, 1]},
                      {"weights": [[1, 1]], "bias": [-2]}]}
    assert FAMILY.solve(raw)["gate"] == "XOR"
    np.testing.assert_array_equal(FAMILY.solve(raw, "threshold_convention")["truth_table"],
                                  [0, 0, 0, 0])


def test_negated_output_inverts_the_truth_table():
    """Does negating the output turn the canonical AND into NAND?"""
    wrong = FAMILY.solve(FAMILY.canonical, "negated_output")
    np.testing.assert_array_equal(wrong["truth_table"], [1, 1, 1, 0])
    assert wrong["gate"] == "NAND"


def test_engine_matches_exact_arithmetic_on_random_nets():
    """Do random nets (any weights, one or two layers) agree with an exact-fraction evaluation?"""
    rng = np.random.default_rng(7)
    for _ in range(300):
        hidden = int(rng.integers(0, 4))
        sizes = [2, hidden, 1] if hidden else [2, 1]
        raw = {"layers": [{"weights": np.round(rng.uniform(-2, 2, (k, n)), 1).tolist(),
                           "bias": np.round(rng.uniform(-2, 2, k), 1).tolist()}
                          for n, k in pairwise(sizes)],
               "threshold": str(rng.choice(["ge", "gt"]))}
        np.testing.assert_array_equal(FAMILY.solve(raw)["truth_table"], _exact(raw)[0])


def test_sampled_nets_realise_their_gate():
    """Over 1,000 samples, does every net realise the asked gate with no z exactly 0?"""
    gates = list(GATES.values())
    for seed in range(SAMPLES):
        gate = gates[seed % len(gates)]
        raw = FAMILY.sample(np.random.default_rng(seed), {"gate": gate})
        outputs, zs = _exact(raw)
        assert GATES[tuple(outputs)] == gate
        assert FAMILY.solve(raw)["gate"] == gate
        assert all(z != 0 for z in zs), raw
        assert len(raw["layers"]) == (2 if gate in ("XOR", "XNOR") else 1)
        if len(raw["layers"]) == 2:
            assert len(raw["layers"][0]["bias"]) == 2


@pytest.mark.parametrize("threshold", ["ge", "gt"])
def test_boundary_samples_put_a_z_on_zero_that_matters(threshold):
    """With boundary set, is some z exactly 0 and does the other convention change the table?"""
    for seed in range(200):
        raw = FAMILY.sample(np.random.default_rng(seed),
                            {"boundary": True, "threshold": threshold})
        outputs, zs = _exact(raw)
        assert raw["threshold"] == threshold
        assert any(z == 0 for z in zs)
        assert GATES.get(tuple(outputs)) == FAMILY.solve(raw)["gate"]
        wrong = FAMILY.solve(raw, "threshold_convention")["truth_table"]
        assert not np.array_equal(wrong, outputs)


def test_sampled_weights_are_small_integers_or_one_decimal():
    """Are the sampled weights and biases whole numbers up to 18 or one-decimal numbers?"""
    for seed in range(200):
        raw = FAMILY.sample(np.random.default_rng(seed), {})
        for layer in raw["layers"]:
            numbers = [v for row in layer["weights"] for v in row] + layer["bias"]
            assert all(_is_hand_number(v) and abs(v) <= 18 for v in numbers), raw
            assert all(v != 0 for row in layer["weights"] for v in row)


def test_sampled_gates_cover_all_six():
    """Does the default sampler draw each of the six gates?"""
    drawn = {FAMILY.solve(FAMILY.sample(np.random.default_rng(s), {}))["gate"]
             for s in range(100)}
    assert drawn == set(GATES.values())


@pytest.mark.parametrize(("setting", "value"), [
    ("gate", "MAYBE"), ("gate", ["AND"]), ("threshold", ">="), ("threshold", [1]),
    ("boundary", "yes"),
])
def test_bad_sample_settings_name_the_setting(setting, value):
    """Does a bad randomization setting raise an error naming it?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.sample(np.random.default_rng(0), {setting: value})
    assert caught.value.name == setting


@pytest.mark.parametrize(("raw", "named"), [
    ({"layers": "AND"}, "layers"),
    ({"layers": []}, "layers"),
    ({"layers": [[8, 8]]}, "layers[0]"),
    ({"layers": [{"weights": [[8, 8]]}]}, "layers[0].bias"),
    ({"layers": [{"weights": [[8, 8]], "bias": [-12], "act": "step"}]}, "layers[0].act"),
    ({"layers": [{"weights": [[8, 8, 8]], "bias": [-12]}]}, "layers[0].weights"),
    ({"layers": [{"weights": [8, 8], "bias": [-12]}]}, "layers[0].weights"),
    ({"layers": [{"weights": [["a", 8]], "bias": [-12]}]}, "layers[0].weights"),
    ({"layers": [{"weights": [[8, 8]], "bias": [-12, 1]}]}, "layers[0].bias"),
    ({"layers": [{"weights": [[8, 8], [1, 1]], "bias": [-12, 1]}]}, "layers[0].weights"),
    ({"layers": [{"weights": [[8, 8], [1, 1]], "bias": [-12, 1]},
                 {"weights": [[1, 1, 1]], "bias": [0]}]}, "layers[1].weights"),
    ({"layers": [{"weights": [[8, 8]], "bias": [-12]}], "threshold": ">="}, "threshold"),
    ({"layers": [{"weights": [[8, 8]], "bias": [-12]}], "inputs": [0, 1]}, "inputs"),
])
def test_bad_params_name_the_parameter(raw, named):
    """Does a malformed net raise an error naming the layer and field at fault?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(raw)
    assert caught.value.name == named


def test_gate_words_accept_each_gate_in_any_case():
    """Does every gate name, and OTHER, have a lower-case spelling that grading accepts?"""
    assert FAMILY.words == {name.lower(): name for name in [*GATES.values(), "OTHER"]}


def test_the_gate_setting_reads_in_any_case():
    """randomize: {gate: xnor} draws the XNOR net that {gate: XNOR} draws."""
    import numpy as np

    from problems.logic_net import FAMILY as NET

    lower = NET.sample(np.random.default_rng(5), {"gate": " xnor"})
    assert lower == NET.sample(np.random.default_rng(5), {"gate": "XNOR"})
