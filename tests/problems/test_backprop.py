"""backprop: the engine against torch autograd, the mistakes, the sampler."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.errors import ParamError
from problems.backprop import FAMILY, MAX_PRE_ACTIVATION, MIN_GAP

CROSS_CHECKS = 150
PARTS = ("o1", "o2", "dE_do2", "dE_dw1", "dE_dw2")


def _torch_backprop(raw: dict) -> dict[str, float]:
    """Forward and backward through the chain with float64 autograd (and SGD when lr is set)."""
    w1 = torch.tensor(float(raw["w1"]), dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(float(raw["w2"]), dtype=torch.float64, requires_grad=True)
    o1 = torch.sigmoid(raw["x1"] * w1)
    o2 = torch.sigmoid(o1 * w2 + raw["x2"])
    o2.retain_grad()
    loss = (o2 - raw["y"]) ** 2
    loss.backward()
    result = {"o1": o1.item(), "o2": o2.item(), "dE_do2": o2.grad.item(),
              "dE_dw1": w1.grad.item(), "dE_dw2": w2.grad.item()}
    if raw.get("lr") is not None:
        optimizer = torch.optim.SGD([w1, w2], lr=raw["lr"])
        optimizer.step()
        result.update(w1_new=w1.item(), w2_new=w2.item())
    return result


def _random_instance(rng: np.random.Generator) -> dict:
    raw = {name: float(rng.normal(scale=1.5)) for name in ("x1", "x2", "w1", "w2")}
    raw["y"] = float(rng.uniform(-1, 2))
    if rng.random() < 0.7:
        raw["lr"] = float(rng.uniform(0.01, 2))
    return raw


def _assert_matches_torch(raw: dict) -> None:
    ours, theirs = FAMILY.solve(raw), _torch_backprop(raw)
    assert ours.keys() == theirs.keys()
    for part, value in theirs.items():
        np.testing.assert_allclose(ours[part], value, rtol=1e-12, atol=1e-14, err_msg=part)


def test_engine_matches_torch_autograd():
    """Do all parts, with and without a learning rate, equal torch autograd's, 150 times?"""
    rng = np.random.default_rng(2026)
    for _ in range(CROSS_CHECKS):
        _assert_matches_torch(_random_instance(rng))


def test_sampled_variants_match_torch_autograd():
    """Do the sampler's hand-computable variants (with lr) also agree with torch?"""
    for seed in range(CROSS_CHECKS):
        _assert_matches_torch(FAMILY.sample(np.random.default_rng(seed), {"lr": 0.5}))


def test_parts_are_in_solving_order():
    """Are the parts o1, o2, dE_do2, dE_dw1, dE_dw2, then the updated weights with lr?"""
    assert tuple(FAMILY.solve(FAMILY.canonical)) == PARTS
    with_lr = FAMILY.solve(dict(FAMILY.canonical, lr=0.1))
    assert tuple(with_lr) == (*PARTS, "w1_new", "w2_new")
    np.testing.assert_allclose(with_lr["w1_new"], 1 + 0.1 * 0.503107, atol=1e-6)
    np.testing.assert_allclose(with_lr["w2_new"], 2 + 0.1 * 0.935347, atol=1e-6)


def test_gradients_follow_through_from_the_students_values():
    """Is dE_dw2 recomputed from a student's own (wrong) dE_do2, o2 and o1?"""
    graph = FAMILY.build(FAMILY.parse(FAMILY.canonical))
    given = {"o1": 0.7311, "o2": 0.8119, "dE_do2": -4.1881}
    expected = -4.1881 * 0.8119 * (1 - 0.8119) * 0.7311
    np.testing.assert_allclose(graph.recompute("dE_dw2", given), expected, rtol=1e-12)


C = FAMILY.solve(FAMILY.canonical)
OUTER = C["o2"] * (1 - C["o2"])
INNER = C["o1"] * (1 - C["o1"])


@pytest.mark.parametrize(("mistake", "part", "expected"), [
    ("local_grad_used_output:o2_for_o1", "dE_dw2", C["dE_do2"] * OUTER * C["o2"]),
    ("local_grad_used_output:o1_for_x1", "dE_dw1", C["dE_do2"] * OUTER * 2 * INNER * C["o1"]),
    ("missing_sigmoid_derivative:output_unit", "dE_dw2", C["dE_do2"] * C["o1"]),
    ("missing_sigmoid_derivative:output_unit", "dE_dw1", C["dE_do2"] * 2 * INNER * 1),
    ("missing_sigmoid_derivative:inner_unit", "dE_dw1", C["dE_do2"] * OUTER * 2 * 1),
    ("missing_sigmoid_derivative:inner_unit", "dE_dw2", C["dE_dw2"]),
    ("missing_sigmoid_derivative:both_units", "dE_dw1", C["dE_do2"] * 2 * 1),
    ("missing_sigmoid_derivative:both_units", "dE_dw2", C["dE_do2"] * C["o1"]),
    ("loss_grad_sign", "dE_do2", 8.376287),
    ("loss_grad_no_factor_2", "dE_do2", -8.376287 / 2),
])
def test_mistakes_compute_what_the_catalogue_says(mistake, part, expected):
    """Does each mistake variant produce the value its catalogue entry describes?"""
    np.testing.assert_allclose(FAMILY.solve(FAMILY.canonical, mistake)[part], expected,
                               rtol=1e-6)


def test_loss_grad_mistakes_carry_into_the_update():
    """Does a wrong loss gradient carry through to dE_dw1 and w1_new?"""
    raw = dict(FAMILY.canonical, lr=0.1)
    wrong = FAMILY.solve(raw, "loss_grad_sign")
    np.testing.assert_allclose(wrong["dE_dw1"], 0.503107, atol=1e-6)
    np.testing.assert_allclose(wrong["w1_new"], 1 - 0.1 * 0.503107, atol=1e-6)


def test_sampled_numbers_are_hand_friendly_and_separate_the_mistakes():
    """Are sampled numbers one-decimal, pre-activations moderate, swapped values far apart?"""
    for seed in range(300):
        raw = FAMILY.sample(np.random.default_rng(seed), {})
        assert all(round(raw[k], 1) == raw[k] for k in ("x1", "x2", "w1", "w2", "y"))
        assert "lr" not in raw
        assert raw["x1"] != 0 and raw["w2"] != 0
        answers = FAMILY.solve(raw)
        z2 = np.log(answers["o2"] / (1 - answers["o2"]))
        assert abs(raw["x1"] * raw["w1"]) <= MAX_PRE_ACTIVATION and abs(z2) <= MAX_PRE_ACTIVATION
        assert abs(answers["o1"] - raw["x1"]) >= MIN_GAP
        assert abs(answers["o2"] - answers["o1"]) >= MIN_GAP
        assert abs(answers["o2"] - raw["y"]) >= MIN_GAP


def test_lr_setting_adds_the_update_parts():
    """Does the lr setting put lr in the params and w1_new, w2_new in the parts?"""
    raw = FAMILY.sample(np.random.default_rng(3), {"lr": 0.1})
    assert raw["lr"] == 0.1
    assert "w2_new" in FAMILY.solve(raw)


@pytest.mark.parametrize("lr", [0, -0.1, "fast", True])
def test_bad_lr_setting_names_it(lr):
    """Does a bad lr randomization setting raise an error naming lr?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.sample(np.random.default_rng(0), {"lr": lr})
    assert caught.value.name == "lr"


@pytest.mark.parametrize(("change", "named"), [
    ({"x1": "one"}, "x1"),
    ({"w2": [1, 2]}, "w2"),
    ({"y": None}, "y"),
    ({"x2": float("nan")}, "x2"),
    ({"lr": 0}, "lr"),
    ({"lr": -0.5}, "lr"),
    ({"x3": 1}, "x3"),
])
def test_bad_params_name_the_parameter(change, named):
    """Does a wrong type, value or name raise an error naming the parameter?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(dict(FAMILY.canonical, **change))
    assert caught.value.name == named
