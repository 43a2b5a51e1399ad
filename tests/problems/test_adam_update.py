"""adam_update: the engine against torch.optim.Adam and the catalogued mistakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.errors import ParamError
from problems.adam_update import FAMILY

CROSS_CHECKS = 120


def _torch_adam_step(raw: dict) -> dict[str, np.ndarray]:
    weight = torch.nn.Parameter(torch.tensor(raw["W"], dtype=torch.float64))
    optimizer = torch.optim.Adam([weight], lr=raw["alpha"], betas=(raw["beta1"], raw["beta2"]),
                                 eps=raw["eps"])
    weight.grad = torch.tensor(raw["grad"], dtype=torch.float64)
    optimizer.state[weight] = {
        "step": torch.tensor(float(raw["t"] - 1)),
        "exp_avg": torch.tensor(raw["V_prev"], dtype=torch.float64),
        "exp_avg_sq": torch.tensor(raw["S_prev"], dtype=torch.float64),
    }
    optimizer.step()
    state = optimizer.state[weight]
    return {"W": weight.detach().numpy(), "V": state["exp_avg"].numpy(),
            "S": state["exp_avg_sq"].numpy()}


def _random_instance(rng: np.random.Generator) -> dict:
    shape = tuple(rng.integers(1, 5, size=2))
    return {
        "W": rng.normal(size=shape).tolist(),
        "grad": rng.normal(size=shape).tolist(),
        "V_prev": rng.normal(scale=0.3, size=shape).tolist(),
        "S_prev": rng.uniform(0, 0.5, size=shape).tolist(),
        "t": int(rng.integers(1, 50)),
        "alpha": float(rng.uniform(1e-4, 0.5)),
        "beta1": float(rng.uniform(0.5, 0.99)),
        "beta2": float(rng.uniform(0.9, 0.9999)),
        "eps": float(10 ** rng.uniform(-10, -4)),
    }


def test_engine_matches_torch_optim_adam():
    """Does one engine step equal torch.optim.Adam's step from the same state, 120 times?"""
    rng = np.random.default_rng(2026)
    for _ in range(CROSS_CHECKS):
        raw = _random_instance(rng)
        ours = FAMILY.solve(raw)
        theirs = _torch_adam_step(raw)
        for part in ("V", "S", "W"):
            np.testing.assert_allclose(ours[part], theirs[part], rtol=1e-10, atol=1e-12)


def test_sampled_variants_match_torch():
    """Do the sampler's hand-computable variants also agree with PyTorch?"""
    for seed in range(CROSS_CHECKS):
        raw = FAMILY.sample(np.random.default_rng(seed), {})
        np.testing.assert_allclose(FAMILY.solve(raw)["W"], _torch_adam_step(raw)["W"],
                                   rtol=1e-10, atol=1e-12)


def test_moments_that_cancel_exactly_are_zero_in_the_key():
    """0.9 * 0.01 + 0.1 * -0.09 is 0: is the key's V (and V_hat) 0, not float's 3.5e-18, which
    a student would read as a number to write down, and is W left as it was?"""
    raw = {"W": [[0.5, -0.2]], "grad": [[-0.09, -2.43]], "V_prev": [[0.01, 0.27]],
           "S_prev": [[0.02, 0.03]], "t": 2, "alpha": 0.1}
    answers = FAMILY.solve(raw)
    assert np.asarray(answers["V"]).tolist() == [[0.0, 0.0]]
    assert np.asarray(answers["V_hat"]).tolist() == [[0.0, 0.0]]
    assert np.asarray(answers["W"]).tolist() == raw["W"]
    torch_step = _torch_adam_step({**raw, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8})
    np.testing.assert_allclose(answers["V"], torch_step["V"], atol=1e-15)


def test_eps_inside_sqrt_follows_the_handout():
    """With eps_inside_sqrt, is W_t = W - alpha * V_hat / sqrt(S_hat + eps)?"""
    raw = dict(FAMILY.canonical, eps=0.01, eps_inside_sqrt=True)
    answers = FAMILY.solve(raw)
    expected = np.asarray(raw["W"]) - 0.1 * answers["V_hat"] / np.sqrt(answers["S_hat"] + 0.01)
    np.testing.assert_allclose(answers["W"], expected, rtol=1e-12)


@pytest.mark.parametrize(("mistake", "part", "rule"), [
    ("no_bias_correction", "W",
     lambda raw, a: np.asarray(raw["W"]) - 0.1 * a["V"] / (np.sqrt(a["S"]) + 1e-8)),
    ("update_sign", "W",
     lambda raw, a: np.asarray(raw["W"]) + 0.1 * a["V_hat"] / (np.sqrt(a["S_hat"]) + 1e-8)),
    ("no_sqrt", "W", lambda raw, a: np.asarray(raw["W"]) - 0.1 * a["V_hat"] / (a["S_hat"] + 1e-8)),
    ("grad_not_squared", "S",
     lambda raw, a: 0.999 * np.asarray(raw["S_prev"]) + 0.001 * np.asarray(raw["grad"])),
    ("wrong_step_index:t+1", "V_hat", lambda raw, a: a["V"] / (1 - 0.9 ** 3)),
    ("betas_swapped", "V",
     lambda raw, a: 0.1 * np.asarray(raw["V_prev"]) + 0.9 * np.asarray(raw["grad"])),
    ("moments_swapped:S_prev_in_V", "V",
     lambda raw, a: 0.9 * np.asarray(raw["S_prev"]) + 0.1 * np.asarray(raw["grad"])),
])
def test_mistakes_compute_what_the_catalogue_says(mistake, part, rule):
    """Does each mistake produce the value its catalogue entry describes?"""
    correct = FAMILY.solve(FAMILY.canonical)
    wrong = FAMILY.solve(FAMILY.canonical, mistake)
    np.testing.assert_allclose(wrong[part], rule(FAMILY.canonical, correct), rtol=1e-12)


@pytest.mark.parametrize(("change", "named"), [
    ({"grad": [[1, 2, 3]]}, "grad"),
    ({"t": 0}, "t"),
    ({"t": 1.5}, "t"),
    ({"alpha": "fast"}, "alpha"),
    ({"S_prev": [[-0.1, 0, 0], [0, 0, 0]]}, "S_prev"),
    ({"W": [[1, None, 2], [1, 2, 3]]}, "W"),
    ({"beta1": 1.0}, "beta1"),
    ({"momentum": 0.9}, "momentum"),
])
def test_bad_params_name_the_parameter(change, named):
    """Does a wrong shape, type or range raise an error naming the parameter?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(dict(FAMILY.canonical, **change))
    assert caught.value.name == named
