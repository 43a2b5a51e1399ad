"""param_count: the counts against real PyTorch modules and the catalogued mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.errors import ParamError
from problems.param_count import BIAS_VECTORS, FAMILY, GATE_BLOCKS, stacked_layer_sizes

CROSS_CHECKS = 120
TORCH_CELLS = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}
FORECASTER = {"kind": "stacked_rnn", "cell": "lstm", "input_size": 17,
              "hidden_sizes": [128, 256, 512], "output_size": 17, "bias_convention": "pytorch"}
LM_WITH_BIASES = dict(FAMILY.canonical, biases=True)


def _numel(module: torch.nn.Module, skip: str | None = None) -> int:
    return sum(p.numel() for name, p in module.named_parameters()
               if skip is None or not name.startswith(skip))


def _random_lm(rng: np.random.Generator) -> dict:
    return {"kind": "rnn_lm", "vocab": int(rng.integers(1, 300)),
            "embedding": int(rng.integers(1, 100)), "hidden": int(rng.integers(1, 100)),
            "biases": bool(rng.integers(2))}


def _random_stack(rng: np.random.Generator) -> dict:
    raw = {"kind": "stacked_rnn", "cell": str(rng.choice(list(GATE_BLOCKS))),
           "input_size": int(rng.integers(1, 80)),
           "hidden_sizes": [int(h) for h in rng.integers(1, 100, size=rng.integers(1, 5))],
           "bias_convention": "pytorch"}
    if rng.integers(2):
        raw["output_size"] = int(rng.integers(1, 50))
    return raw


def _torch_stack(raw: dict) -> list[torch.nn.Module]:
    modules, inputs = [], raw["input_size"]
    for hidden in raw["hidden_sizes"]:
        modules.append(TORCH_CELLS[raw["cell"]](inputs, hidden, batch_first=True))
        inputs = hidden
    if "output_size" in raw:
        modules.append(torch.nn.Linear(inputs, raw["output_size"]))
    return modules


def test_rnn_lm_matches_torch_modules():
    """Does each rnn_lm part equal the parameters of nn.Embedding, nn.RNN and nn.Linear?"""
    rng = np.random.default_rng(6)
    for _ in range(CROSS_CHECKS):
        raw = _random_lm(rng)
        V, E, H, bias = raw["vocab"], raw["embedding"], raw["hidden"], raw["biases"]
        embedding = torch.nn.Embedding(V, E)
        rnn = torch.nn.RNN(E, H, bias=bias)
        head = torch.nn.Linear(H, V, bias=bias)
        ours = FAMILY.solve(raw)
        # The course counts one bias H on the input map: PyTorch's second vector b_hh is not it.
        assert ours["embedding"] == _numel(embedding)
        assert ours["input"] == _numel(rnn, skip="weight_hh") - (H if bias else 0)
        assert ours["recurrent"] == rnn.weight_hh_l0.numel()
        assert ours["output"] == _numel(head)
        assert ours["total"] == _numel(embedding) + _numel(rnn, skip="bias_hh") + _numel(head)


def test_stacked_rnn_matches_torch_modules():
    """Do the layers and total equal sum(p.numel()) of stacked nn.LSTM/GRU/RNN and nn.Linear?"""
    rng = np.random.default_rng(7)
    for _ in range(CROSS_CHECKS):
        raw = _random_stack(rng)
        modules = _torch_stack(raw)
        ours = FAMILY.solve(raw)
        expected = [_numel(module) for module in modules]
        assert ours["layers"].tolist() == expected
        assert ours["total"] == sum(expected)


def test_keras_convention_drops_one_bias_vector_per_gate_block():
    """Is the keras count the PyTorch count minus one bias vector per gate block?"""
    rng = np.random.default_rng(8)
    for _ in range(CROSS_CHECKS):
        raw = _random_stack(rng)
        torch_total = sum(_numel(module) for module in _torch_stack(raw))
        extra = GATE_BLOCKS[raw["cell"]] * sum(raw["hidden_sizes"])
        assert FAMILY.solve(dict(raw, bias_convention="keras"))["total"] == torch_total - extra


def test_stacked_layer_sizes_is_the_graphs_count():
    """Does the public helper give the same layers as the family, for both conventions?"""
    rng = np.random.default_rng(9)
    for _ in range(CROSS_CHECKS):
        raw = dict(_random_stack(rng), bias_convention=str(rng.choice(list(BIAS_VECTORS))))
        sizes = stacked_layer_sizes(raw["cell"], raw["input_size"], raw["hidden_sizes"],
                                    raw.get("output_size"), raw["bias_convention"])
        assert sizes == FAMILY.solve(raw)["layers"].tolist()
        assert all(type(size) is int for size in sizes)


def test_stacked_layer_sizes_rejects_unknown_words():
    """Does the helper refuse a cell or a convention it does not know?"""
    with pytest.raises(ValueError, match="cell"):
        stacked_layer_sizes("transformer", 3, [4], None, "pytorch")
    with pytest.raises(ValueError, match="convention"):
        stacked_layer_sizes("lstm", 3, [4], None, "jax")


def test_parts_are_integers():
    """Are the counts integers, layers an int64 array with the head last?"""
    lm = FAMILY.solve(FAMILY.canonical)
    assert all(np.asarray(value).dtype == np.int64 for value in lm.values())
    stack = FAMILY.solve(dict(FORECASTER, output_size=3))
    assert stack["layers"].dtype == np.int64 and stack["layers"][-1] == 512 * 3 + 3
    assert np.asarray(stack["total"]).dtype == np.int64


def test_total_follows_the_students_own_parts():
    """Is the total recomputed from a student's own (wrong) parts, not from the key?"""
    lm = FAMILY.build(FAMILY.parse(FAMILY.canonical))
    assert lm.recompute("total", {"embedding": 50.0, "input": 30, "recurrent": 25,
                                  "output": 40}) == 145
    stack = FAMILY.build(FAMILY.parse(FORECASTER))
    assert stack.recompute("total", {"layers": [1, 2, 3, 4]}) == 10


@pytest.mark.parametrize(("raw", "mistake", "part", "expected"), [
    (LM_WITH_BIASES, "no_biases", "total", 143),
    (LM_WITH_BIASES, "bias_convention", "recurrent", 30),
    (FAMILY.canonical, "forgot_embedding", "total", 95),
    (FAMILY.canonical, "forgot_recurrent", "total", 118),
    (FORECASTER, "bias_convention", "total", 2052625),
    (FORECASTER, "no_biases", "layers", [4 * 128 * 145, 4 * 256 * 384, 4 * 512 * 768, 512 * 17]),
    (FORECASTER, "gate_factor", "layers", [18816, 98816, 394240, 8721]),
    (FORECASTER, "forgot_recurrent", "layers",
     [4 * (128 * 17 + 256), 4 * (256 * 128 + 512), 4 * (512 * 256 + 1024), 8721]),
])
def test_mistakes_compute_what_the_catalogue_says(raw, mistake, part, expected):
    """Does each mistake produce the count its catalogue entry describes?"""
    np.testing.assert_array_equal(FAMILY.solve(raw, mistake)[part], expected)


@pytest.mark.parametrize(("raw", "mistake"), [
    (FAMILY.canonical, "no_biases"),
    (FAMILY.canonical, "bias_convention"),
    (FAMILY.canonical, "gate_factor"),
    (dict(FORECASTER, cell="rnn"), "gate_factor"),
    (FORECASTER, "forgot_embedding"),
])
def test_mistakes_that_do_not_apply_change_nothing(raw, mistake):
    """Does a mistake that an instance cannot show leave every answer as it is?"""
    correct, wrong = FAMILY.solve(raw), FAMILY.solve(raw, mistake)
    for part, value in correct.items():
        np.testing.assert_array_equal(wrong[part], value)


@pytest.mark.parametrize(("change", "named"), [
    ({"cell": "lstm"}, "cell"),
    ({"bias_convention": "keras"}, "bias_convention"),
    ({"hidden_sizes": [4]}, "hidden_sizes"),
    ({"hidden": None}, "hidden"),
    ({"vocab": 0}, "vocab"),
    ({"embedding": 2.5}, "embedding"),
    ({"biases": "yes"}, "biases"),
    ({"kind": "transformer"}, "kind"),
    ({"layers": 2}, "layers"),
])
def test_bad_rnn_lm_params_name_the_parameter(change, named):
    """Does a wrong, missing or foreign rnn_lm field raise an error naming it?"""
    raw = {key: value for key, value in dict(FAMILY.canonical, **change).items()
           if value is not None}
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(raw)
    assert caught.value.name == named


@pytest.mark.parametrize(("change", "named"), [
    ({"vocab": 8}, "vocab"),
    ({"biases": False}, "biases"),
    ({"cell": "cnn"}, "cell"),
    ({"hidden_sizes": [128, 0]}, "hidden_sizes[1]"),
    ({"hidden_sizes": []}, "hidden_sizes"),
    ({"hidden_sizes": 128}, "hidden_sizes"),
    ({"input_size": None}, "input_size"),
    ({"bias_convention": "tf"}, "bias_convention"),
])
def test_bad_stacked_params_name_the_parameter(change, named):
    """Does a wrong, missing or foreign stacked_rnn field raise an error naming it?"""
    raw = {key: value for key, value in dict(FORECASTER, **change).items() if value is not None}
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(raw)
    assert caught.value.name == named


def test_foreign_field_error_says_which_kind():
    """Does the error for a field of the other kind say which kind it does not apply to?"""
    with pytest.raises(ParamError, match="does not apply to kind 'rnn_lm'"):
        FAMILY.parse(dict(FAMILY.canonical, output_size=3))


def test_omitted_options_take_their_defaults():
    """Without biases or bias_convention, is it no biases and the PyTorch convention?"""
    lm = {key: value for key, value in FAMILY.canonical.items() if key != "biases"}
    assert FAMILY.solve(lm)["total"] == 143
    stack = {key: value for key, value in FORECASTER.items() if key != "bias_convention"}
    assert FAMILY.solve(stack)["total"] == 2056209


@pytest.mark.parametrize("settings", [
    {"kind": "rnn_lm", "biases": True},
    {"kind": "rnn_lm", "biases": False},
    {"kind": "stacked_rnn", "cell": "gru", "layers": 2, "head": True},
    {"kind": "stacked_rnn", "cell": "rnn", "layers": 1, "head": False,
     "bias_convention": "keras"},
])
def test_sampler_honours_its_settings(settings):
    """Does every sampled variant have the kind, cell, biases, layers and head asked for?"""
    for seed in range(50):
        raw = FAMILY.sample(np.random.default_rng(seed), settings)
        FAMILY.parse(raw)
        for name in ("kind", "cell", "biases", "bias_convention"):
            if name in settings:
                assert raw[name] == settings[name]
        if "layers" in settings:
            assert len(raw["hidden_sizes"]) == settings["layers"]
        if "head" in settings:
            assert ("output_size" in raw) == settings["head"]


def test_sampled_sizes_are_for_hand_work():
    """Are sampled sizes small: V, E, H up to 20, stacked hidden sizes 8 to 64?"""
    kinds = set()
    for seed in range(200):
        raw = FAMILY.sample(np.random.default_rng(seed), {})
        kinds.add(raw["kind"])
        if raw["kind"] == "rnn_lm":
            assert all(1 <= raw[name] <= 20 for name in ("vocab", "embedding", "hidden"))
        else:
            assert all(8 <= h <= 64 for h in raw["hidden_sizes"])
            assert 1 <= len(raw["hidden_sizes"]) <= 3 and raw["input_size"] <= 20
    assert kinds == {"rnn_lm", "stacked_rnn"}


@pytest.mark.parametrize(("settings", "named"), [
    ({"kind": "cnn"}, "kind"), ({"layers": 0}, "layers"), ({"cell": "lstm2"}, "cell"),
])
def test_bad_settings_name_the_setting(settings, named):
    """Does an invalid randomization setting raise an error naming it?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.sample(np.random.default_rng(0), dict({"kind": "stacked_rnn"}, **settings))
    assert caught.value.name == named


def test_worked_solution_shows_each_layer_with_numbers():
    """Does the worked solution write out every layer's count with the forecaster's sizes?"""
    graph = FAMILY.build(FAMILY.parse(FORECASTER))
    worked = {line.name: line for line in graph.worked()}
    assert worked["layer_1"].substituted == r"4 \bigl(128 (17 + 128) + 2 \cdot 128\bigr)"
    assert worked["layer_1"].result == "75264"
    assert worked["head"].substituted == r"17 \times 512 + 17"
    assert worked["total"].result == "2056209"
