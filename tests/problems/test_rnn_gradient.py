"""rnn_gradient: phi'(0) against torch autograd, w for the ratio, regimes, mistakes, sampler."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.errors import ParamError
from problems.rnn_gradient import ACTIVATIONS, FAMILY, RATIO_EXPONENTS, STEPS

TORCH_ACTIVATIONS = {
    "sigmoid_centered": lambda z: torch.sigmoid(z) - 0.5,
    "tanh": torch.tanh,
}


def _torch_slope_at_zero(activation: str) -> float:
    z = torch.zeros((), dtype=torch.float64, requires_grad=True)
    TORCH_ACTIVATIONS[activation](z).backward()
    return z.grad.item()


def _gain_after(answers: dict, n: int) -> float:
    return (answers["w_for_ratio"] * answers["dphi0"]) ** n


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dphi0_matches_torch_autograd(activation):
    """Is dphi0 the autograd derivative of the activation at 0, and w_threshold its inverse?"""
    answers = FAMILY.solve(dict(FAMILY.canonical, activation=activation))
    assert answers["dphi0"] == _torch_slope_at_zero(activation)
    assert answers["w_threshold"] == 1 / _torch_slope_at_zero(activation)


def test_w_for_ratio_gives_the_ratio_on_random_instances():
    """Does (w_for_ratio * phi'(0))^n equal the ratio on 200 random instances?"""
    rng = np.random.default_rng(11)
    for _ in range(200):
        raw = {"activation": str(rng.choice(ACTIVATIONS)), "n": int(rng.integers(1, 300)),
               "ratio": float(10 ** rng.uniform(-12, 12))}
        answers = FAMILY.solve(raw)
        assert answers["w_for_ratio"] > 0
        np.testing.assert_allclose(_gain_after(answers, raw["n"]), raw["ratio"], rtol=1e-9)


def test_w_for_ratio_checks_against_torch_gradient_ratio():
    """Does torch backprop through n steps at h = 0 with w_for_ratio scale the gradient by ratio?"""
    for activation in ACTIVATIONS:
        raw = dict(FAMILY.canonical, activation=activation)
        w = FAMILY.solve(raw)["w_for_ratio"]
        h0 = torch.zeros((), dtype=torch.float64, requires_grad=True)
        h = h0
        for _ in range(raw["n"]):
            h = TORCH_ACTIVATIONS[activation](w * h)
        h.backward()
        np.testing.assert_allclose(h0.grad.item(), raw["ratio"], rtol=1e-9)


@pytest.mark.parametrize(("activation", "w", "regime"), [
    ("sigmoid_centered", 4.0, "neutral"),
    ("sigmoid_centered", -4, "neutral"),
    ("sigmoid_centered", 3.9, "vanish"),
    ("sigmoid_centered", 4.1, "explode"),
    ("sigmoid_centered", -5, "explode"),
    ("sigmoid_centered", 0, "vanish"),
    ("tanh", 1, "neutral"),
    ("tanh", 0.9, "vanish"),
    ("tanh", 1.1, "explode"),
])
def test_regime_compares_w_phi_prime_with_one(activation, w, regime):
    """Is the regime set by |w * phi'(0)| against 1?"""
    answers = FAMILY.solve(dict(FAMILY.canonical, activation=activation, w=w))
    assert answers["regime"] == regime
    assert tuple(answers) == ("dphi0", "w_threshold", "regime", "w_for_ratio")


def test_regime_follows_the_students_slope():
    """Is the regime recomputed from a student's own (wrong) phi'(0)?"""
    graph = FAMILY.build(FAMILY.parse(dict(FAMILY.canonical, w=3)))
    assert graph.answers()["regime"] == "vanish"
    assert graph.recompute("regime", {"dphi0": 0.5}) == "explode"


@pytest.mark.parametrize(("activation", "variant", "slope"), [
    ("sigmoid_centered", "half", 0.5),
    ("sigmoid_centered", "other_activation", 1.0),
    ("tanh", "half", 0.5),
    ("tanh", "other_activation", 0.25),
])
def test_derivative_at_zero_variants(activation, variant, slope):
    """Does each derivative_at_zero variant use the catalogued wrong slope throughout?"""
    raw = dict(FAMILY.canonical, activation=activation)
    wrong = FAMILY.solve(raw, f"derivative_at_zero:{variant}")
    assert wrong["dphi0"] == slope
    assert wrong["w_threshold"] == 1 / slope
    np.testing.assert_allclose(wrong["w_for_ratio"], 1e-4 ** (1 / 100) / slope, rtol=1e-12)


def test_root_not_taken_divides_the_ratio_itself():
    """Does root_not_taken give ratio / phi'(0), i.e. 4e-4 on the canonical instance?"""
    wrong = FAMILY.solve(FAMILY.canonical, "root_not_taken")
    np.testing.assert_allclose(wrong["w_for_ratio"], 4e-4, rtol=1e-12)
    assert wrong["dphi0"] == 0.25


def test_sampled_numbers_are_hand_friendly():
    """Is a sampled w one-decimal and positive, n from a short list, ratio a power of ten?"""
    regimes = set()
    for seed in range(300):
        raw = FAMILY.sample(np.random.default_rng(seed), {})
        assert raw["activation"] in ACTIVATIONS
        assert raw["w"] > 0 and round(raw["w"], 1) == raw["w"]
        assert raw["n"] in STEPS
        exponent = round(np.log10(raw["ratio"]))
        assert exponent in RATIO_EXPONENTS and raw["ratio"] == 10.0 ** exponent
        answers = FAMILY.solve(raw)
        regimes.add(answers["regime"])
        np.testing.assert_allclose(_gain_after(answers, raw["n"]), raw["ratio"], rtol=1e-9)
    assert regimes == {"vanish", "explode", "neutral"}


def test_activation_setting_fixes_the_activation():
    """Does the activation setting choose the activation of every sample?"""
    for seed in range(20):
        raw = FAMILY.sample(np.random.default_rng(seed), {"activation": "tanh"})
        assert raw["activation"] == "tanh" and raw["w"] < 2


def test_bad_activation_setting_names_it():
    """Does an unknown activation setting raise an error naming it?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.sample(np.random.default_rng(0), {"activation": "relu"})
    assert caught.value.name == "activation"


@pytest.mark.parametrize(("change", "named"), [
    ({"activation": "relu"}, "activation"),
    ({"n": 0}, "n"),
    ({"n": 2.5}, "n"),
    ({"ratio": 0}, "ratio"),
    ({"ratio": -1e-4}, "ratio"),
    ({"w": "big"}, "w"),
    ({"steps": 100}, "steps"),
])
def test_bad_params_name_the_parameter(change, named):
    """Does a wrong type, range or name raise an error naming the parameter?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(dict(FAMILY.canonical, **change))
    assert caught.value.name == named


def test_regime_words_map_onto_the_three_regimes():
    """Do the accepted regime spellings map exactly onto vanish, explode and neutral?"""
    assert set(FAMILY.words.values()) == {"vanish", "explode", "neutral"}
    assert FAMILY.words["vanishing"] == "vanish" and FAMILY.words["exploding"] == "explode"
