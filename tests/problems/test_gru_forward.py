"""gru_forward: the engine against torch.nn.GRUCell, a NumPy transcription and the mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.errors import ParamError
from problems.gru_forward import BLOCKS, FAMILY
from tests.conftest import canonical_cases
from tests.problems import recurrent_helpers as helpers

CROSS_CHECKS = 120
TORCH_GATE_ORDER = ("r", "z", "h")
"""nn.GRUCell stacks its weight blocks as r, z, n; n is our candidate block h."""


def _random_instance(rng: np.random.Generator, **conventions) -> dict:
    return dict(helpers.random_cell(rng, BLOCKS, ("h0",)), **conventions)


def _torch_run(raw: dict) -> dict[str, np.ndarray]:
    """h_t per step from nn.GRUCell with bias_hh = 0 (reset "after", update "keep_prev")."""
    cell = helpers.torch_cell(torch.nn.GRUCell, raw, TORCH_GATE_ORDER)
    h = helpers.initial_state(raw, "h0", cell.hidden_size)
    parts = {}
    with torch.no_grad():
        for t, row in enumerate(raw["x"], start=1):
            h = cell(torch.tensor([row], dtype=torch.float64), h)
            parts[f"h_{t}"] = h.numpy().ravel()
    return parts


def _numpy_run(raw: dict) -> dict[str, np.ndarray]:
    """The course's formula (reset "before"), written out directly for either update rule."""
    p = {key: np.asarray(value, dtype=float) for key, value in raw.items()
         if key not in ("reset", "update")}
    h = np.broadcast_to(p["h0"], p["b_z"].shape)
    parts = {}
    for t, x in enumerate(p["x"], start=1):
        z = 1 / (1 + np.exp(-(p["W_z"] @ x + p["U_z"] @ h + p["b_z"])))
        r = 1 / (1 + np.exp(-(p["W_r"] @ x + p["U_r"] @ h + p["b_r"])))
        h_tilde = np.tanh(p["W_h"] @ x + p["U_h"] @ (r * h) + p["b_h"])
        if raw.get("update", "keep_prev") == "keep_prev":
            h = z * h + (1 - z) * h_tilde
        else:
            h = (1 - z) * h + z * h_tilde
        parts.update({f"z_{t}": z, f"r_{t}": r, f"h_tilde_{t}": h_tilde, f"h_{t}": h})
    return parts


def test_reset_after_matches_torch_gru_cell():
    """With reset "after", does every h_t equal nn.GRUCell's, on 120 random instances?"""
    rng = np.random.default_rng(2026)
    for _ in range(CROSS_CHECKS):
        raw = _random_instance(rng, reset="after")
        ours = FAMILY.solve(raw)
        for part, value in _torch_run(raw).items():
            np.testing.assert_allclose(np.ravel(ours[part]), value, rtol=1e-10, atol=1e-12,
                                       err_msg=part)


@pytest.mark.parametrize("update", ["keep_prev", "keep_new"])
def test_reset_before_matches_the_formula(update):
    """With reset "before", does every part equal a direct NumPy transcription, 120 times?"""
    rng = np.random.default_rng(7)
    for _ in range(CROSS_CHECKS):
        raw = _random_instance(rng, reset="before", update=update)
        ours, theirs = FAMILY.solve(raw), _numpy_run(raw)
        assert list(ours) == list(theirs)
        for part, value in theirs.items():
            np.testing.assert_allclose(np.ravel(ours[part]), value, rtol=1e-10, atol=1e-12,
                                       err_msg=part)


def _hand_worked() -> dict[str, float]:
    """The arithmetic of the comment in canonical/gru_forward.yaml, with plain math."""
    z_1 = helpers.sigma(0.5 * 1.0 - 0.4 * 0.5 + 0.3 * 0 + 0.1)
    r_1 = helpers.sigma(0.2 * 1.0 + 0.6 * 0.5 - 0.5 * 0 + 0.0)
    h_tilde_1 = math.tanh(0.7 * 1.0 - 0.3 * 0.5 + 0.8 * (r_1 * 0) + 0.2)
    h_1 = z_1 * 0 + (1 - z_1) * h_tilde_1
    z_2 = helpers.sigma(0.5 * 0.5 - 0.4 * -1.0 + 0.3 * h_1 + 0.1)
    r_2 = helpers.sigma(0.2 * 0.5 + 0.6 * -1.0 - 0.5 * h_1 + 0.0)
    h_tilde_2 = math.tanh(0.7 * 0.5 - 0.3 * -1.0 + 0.8 * (r_2 * h_1) + 0.2)
    h_2 = z_2 * h_1 + (1 - z_2) * h_tilde_2
    return {"z_1": z_1, "r_1": r_1, "h_tilde_1": h_tilde_1, "h_1": h_1,
            "z_2": z_2, "r_2": r_2, "h_tilde_2": h_tilde_2, "h_2": h_2}


def test_hand_instance_agrees_with_engine_and_torch():
    """Do the hand-worked answers in the yaml match the hand arithmetic, engine and torch?"""
    case = canonical_cases("gru_forward")[0]
    hand = _hand_worked()
    assert list(case["answers"]) == list(hand) == list(FAMILY.solve(case["params"]))
    ours = FAMILY.solve(case["params"])
    theirs = _torch_run(dict(case["params"], reset="after"))
    for part, expected in case["answers"].items():
        assert abs(hand[part] - expected) <= 5.01e-7, part
        assert abs(float(ours[part]) - hand[part]) <= 1e-12, part
    for part, value in theirs.items():
        assert abs(float(ours[part]) - float(value[0])) <= 1e-12, part


def test_one_unit_gives_scalars_and_more_give_vectors():
    """Are parts 0-d arrays for H = 1 and length-H vectors for H = 2?"""
    assert all(np.shape(v) == () for v in FAMILY.solve(FAMILY.canonical).values())
    raw = FAMILY.sample(np.random.default_rng(3), {"hidden": 2})
    assert all(np.shape(v) == (2,) for v in FAMILY.solve(raw).values())


@pytest.mark.parametrize(("mistake", "part", "rule"), [
    ("update_convention_swapped", "h_1", lambda a: a["z_1"] * a["h_tilde_1"]),
    ("sigmoid_sign_flipped", "z_1", lambda a: 1 - a["z_1"]),
    ("sigmoid_sign_flipped", "r_1", lambda a: 1 - a["r_1"]),
    ("stale_hidden_state", "z_2", lambda a: helpers.sigma(0.5 * 0.5 - 0.4 * -1.0 + 0.1)),
    ("stale_hidden_state", "h_1", lambda a: a["h_1"]),
])
def test_mistakes_compute_what_the_catalogue_says(mistake, part, rule):
    """On the hand instance, does each mistake give the value its catalogue entry describes?"""
    correct = FAMILY.solve(FAMILY.canonical)
    wrong = FAMILY.solve(FAMILY.canonical, mistake)
    assert math.isclose(float(wrong[part]), float(rule(correct)), rel_tol=1e-12)


def test_stale_hidden_state_also_updates_from_h0():
    """Does the stale-state mistake also mix h_0, not h_1, into the step-2 update?"""
    wrong = FAMILY.solve(FAMILY.canonical, "stale_hidden_state")
    assert math.isclose(float(wrong["h_2"]), (1 - wrong["z_2"]) * wrong["h_tilde_2"],
                        rel_tol=1e-12)


@pytest.mark.parametrize("reset", ["before", "after"])
def test_reset_convention_swapped_uses_the_other_formula(reset):
    """With two units, does the swapped reset mistake give the other convention's h_tilde?"""
    raw = FAMILY.sample(np.random.default_rng(11), {"hidden": 2, "reset": reset})
    other = "after" if reset == "before" else "before"
    wrong = FAMILY.solve(raw, "reset_convention_swapped")
    np.testing.assert_allclose(wrong["h_tilde_2"],
                               FAMILY.solve(dict(raw, reset=other))["h_tilde_2"], rtol=1e-12)
    assert not np.allclose(wrong["h_tilde_2"], FAMILY.solve(raw)["h_tilde_2"])


def test_update_convention_swapped_from_keep_new():
    """From the keep_new convention, does the swapped mistake give keep_prev's h_t?"""
    raw = dict(FAMILY.canonical, update="keep_new")
    np.testing.assert_allclose(FAMILY.solve(raw, "update_convention_swapped")["h_2"],
                               FAMILY.solve(FAMILY.canonical)["h_2"], rtol=1e-12)


def test_sampled_variants_are_hand_computable_and_unsaturated():
    """Are sampled weights one-decimal in [-1, 1] with every pre-activation within 3?"""
    for seed in range(30):
        raw = FAMILY.sample(np.random.default_rng(seed), {"hidden": 1 + seed % 2})
        helpers.assert_hand_computable(raw, BLOCKS)
        helpers.assert_unsaturated(FAMILY.solve(raw), ("z", "r"), ("h_tilde",))


@pytest.mark.parametrize(("change", "named", "words"), [
    ({"W_r": [[0.2, 0.6, 0.1]]}, "W_r", "D=2"),
    ({"U_h": [[0.8, 0.1]]}, "U_h", "H=1"),
    ({"x": [[1.0], [0.5]]}, "x", "D=2"),
    ({"h0": [0, 0]}, "h0", "H=1"),
    ({"reset": "middle"}, "reset", "before"),
    ({"update": "keep_old"}, "update", "keep_prev"),
    ({"b_z": None}, "b_z", "required"),
])
def test_bad_params_name_the_parameter(change, named, words):
    """Does a wrong shape, value or missing parameter raise an error naming it?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(dict(FAMILY.canonical, **change))
    assert caught.value.name == named
    assert words in str(caught.value)
