"""lstm_forward: the engine against torch.nn.LSTMCell, the input forms and the mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grader.errors import ParamError
from problems.lstm_forward import FAMILY, GATES
from tests.conftest import canonical_cases
from tests.problems import recurrent_helpers as helpers

CROSS_CHECKS = 120
CELL_PARTS = ("f", "i", "c_tilde", "c", "o", "h")
TORCH_GATE_ORDER = ("i", "f", "c", "o")
"""nn.LSTMCell stacks its weight blocks as i, f, g, o; g is our candidate block c."""


def _torch_run(raw: dict) -> dict[str, np.ndarray]:
    """Every part per step from nn.LSTMCell (h, c) and its own stacked gate pre-activations."""
    cell = helpers.torch_cell(torch.nn.LSTMCell, raw, TORCH_GATE_ORDER)
    h, c = (helpers.initial_state(raw, name, cell.hidden_size) for name in ("h0", "c0"))
    parts = {}
    with torch.no_grad():
        for t, row in enumerate(raw["x"], start=1):
            x = torch.tensor(row, dtype=torch.float64).reshape(1, cell.input_size)
            stacked = x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T
            gate_i, gate_f, gate_g, gate_o = stacked.chunk(4, dim=1)
            h, c = cell(x, (h, c))
            values = {"f": torch.sigmoid(gate_f), "i": torch.sigmoid(gate_i),
                      "c_tilde": torch.tanh(gate_g), "c": c, "o": torch.sigmoid(gate_o), "h": h}
            parts.update({f"{name}_{t}": value.numpy().ravel() for name, value in values.items()})
    return parts


def test_engine_matches_torch_lstm_cell():
    """Do all parts of every step equal nn.LSTMCell's, on 120 random sizes and weights?"""
    rng = np.random.default_rng(2026)
    for _ in range(CROSS_CHECKS):
        raw = helpers.random_cell(rng, GATES, ("h0", "c0"))
        ours, theirs = FAMILY.solve(raw), _torch_run(raw)
        assert set(ours) == set(theirs)
        for part, value in theirs.items():
            np.testing.assert_allclose(np.ravel(ours[part]), value, rtol=1e-10, atol=1e-12,
                                       err_msg=part)


def test_sampled_variants_match_torch():
    """Do the sampler's hand-computable variants also agree with nn.LSTMCell?"""
    for seed in range(40):
        raw = FAMILY.sample(np.random.default_rng(seed), {"hidden": 1 + seed % 2})
        ours, theirs = FAMILY.solve(raw), _torch_run(raw)
        for part, value in theirs.items():
            np.testing.assert_allclose(np.ravel(ours[part]), value, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("index", [0, 1], ids=["A", "B"])
def test_course_instances_give_every_published_part(index):
    """Does each course instance list every part, in order, and match it to 6 decimals?"""
    case = canonical_cases("lstm_forward")[index]
    answers = FAMILY.solve(case["params"])
    assert list(answers) == list(case["answers"])
    for part, expected in case["answers"].items():
        assert abs(float(answers[part]) - expected) <= 5.01e-7, part


def test_one_unit_gives_scalars_and_more_give_vectors():
    """Are parts 0-d arrays for H = 1 and length-H vectors for H = 2?"""
    for part in FAMILY.solve(FAMILY.canonical).values():
        assert isinstance(part, np.ndarray) and part.shape == ()
    raw = FAMILY.sample(np.random.default_rng(3), {"hidden": 2})
    assert all(np.shape(value) == (2,) for value in FAMILY.solve(raw).values())


def test_totals_are_the_mean_and_half_sum():
    """Is mse the mean over steps and units and half_sse half the sum of squared errors?"""
    raw = FAMILY.sample(np.random.default_rng(5), {"hidden": 2, "steps": 3})
    base = {key: value for key, value in raw.items() if key != "loss"}
    mse = FAMILY.solve(dict(base, loss="mse"))
    errors = np.array([mse[f"h_{t}"] for t in (1, 2, 3)]) - np.asarray(raw["y"])
    assert list(mse)[-1] == "loss"
    assert math.isclose(float(mse["loss"]), float(np.mean(errors ** 2)), rel_tol=1e-12)
    half = FAMILY.solve(dict(base, loss="half_sse"))
    assert math.isclose(float(half["loss"]), 0.5 * float(np.sum(errors ** 2)), rel_tol=1e-12)
    abs_parts = FAMILY.solve(dict(base, loss="abs"))
    np.testing.assert_allclose(abs_parts["err_2"], np.abs(errors[1]), rtol=1e-12)


def _as_embedding(raw: dict, one_hot: bool) -> dict:
    x = np.asarray(raw["x"])
    table = np.vstack([np.full(x.shape[1], 0.5), x[::-1], np.full(x.shape[1], -0.5)])
    indices = [len(x) - t for t in range(len(x))]
    tokens = [np.eye(len(table), dtype=int)[k].tolist() for k in indices] if one_hot else indices
    rest = {key: value for key, value in raw.items() if key != "x"}
    return dict(rest, embedding=table.tolist(), tokens=tokens)


def _as_concatenated(raw: dict) -> dict:
    rest = {key: value for key, value in raw.items() if key[:2] not in ("W_", "U_")}
    for gate in GATES:
        rest[f"W_{gate}"] = np.hstack([raw[f"U_{gate}"], raw[f"W_{gate}"]]).tolist()
    return dict(rest, concat=True)


@pytest.mark.parametrize("form", ["indices", "one_hot", "concat", "concat_and_indices"])
def test_alternative_forms_give_the_plain_answers(form):
    """Do embedded tokens and concatenated gate matrices give the answers of the plain form?"""
    for seed in range(10):
        raw = FAMILY.sample(np.random.default_rng(seed), {"hidden": 1 + seed % 2})
        other = {
            "indices": lambda r: _as_embedding(r, one_hot=False),
            "one_hot": lambda r: _as_embedding(r, one_hot=True),
            "concat": _as_concatenated,
            "concat_and_indices": lambda r: _as_concatenated(_as_embedding(r, one_hot=False)),
        }[form](raw)
        plain, alternative = FAMILY.solve(raw), FAMILY.solve(other)
        assert plain.keys() == alternative.keys()
        for part in plain:
            np.testing.assert_array_equal(plain[part], alternative[part])


# Instance A by hand: the pre-activations at t = 1 (h_0 = 0) and the step-2 forget gate.
Z_F1 = 0.8 * 0.3 + 0.4 * 0.6 + 0.2
Z_C1 = 0.4 * 0.3 + 0.2 * 0.6 + 0.3


@pytest.mark.parametrize(("mistake", "part", "rule"), [
    ("sigmoid_sign_flipped", "f_1", lambda a: 1 - a["f_1"]),
    ("sigmoid_sign_flipped", "o_1", lambda a: 1 - a["o_1"]),
    ("stale_hidden_state", "f_2", lambda a: helpers.sigma(0.8 * 0.1 + 0.4 * 1.0 + 0.1 * 0 + 0.2)),
    ("stale_hidden_state", "f_1", lambda a: a["f_1"]),
    ("cell_not_carried", "c_2", lambda a: a["i_2"] * a["c_tilde_2"]),
    ("candidate_activation:sigmoid_candidate", "c_tilde_1", lambda a: helpers.sigma(Z_C1)),
    ("candidate_activation:tanh_gates", "f_1", lambda a: math.tanh(Z_F1)),
    ("h_without_tanh", "h_1", lambda a: a["o_1"] * a["c_1"]),
    ("loss_convention:abs_vs_squared", "err_1", lambda a: (a["h_1"] - 0.2) ** 2),
    ("loss_convention:sum", "err_2", lambda a: a["err_1"] + a["err_2"]),
    ("loss_convention:half", "err_1", lambda a: 0.5 * (a["h_1"] - 0.2) ** 2),
])
def test_mistakes_compute_what_the_catalogue_says(mistake, part, rule):
    """On instance A, does each mistake give the value its catalogue entry describes?"""
    correct = FAMILY.solve(FAMILY.canonical)
    wrong = FAMILY.solve(FAMILY.canonical, mistake)
    assert math.isclose(float(wrong[part]), float(rule(correct)), rel_tol=1e-12)


@pytest.mark.parametrize(("loss", "variant", "rule"), [
    ("sq", "abs_vs_squared", lambda e, t: abs(e[t])),
    ("sq", "sum", lambda e, t: sum(x ** 2 for x in e[:t + 1])),
    ("sq", "half", lambda e, t: 0.5 * e[t] ** 2),
    ("mse", "abs_vs_squared", lambda e, t: sum(abs(x) for x in e) / len(e)),
    ("mse", "sum", lambda e, t: sum(x ** 2 for x in e)),
    ("mse", "half", lambda e, t: sum(x ** 2 for x in e) / (2 * len(e))),
    ("half_sse", "abs_vs_squared", lambda e, t: 0.5 * sum(abs(x) for x in e)),
    ("half_sse", "sum", lambda e, t: sum(x ** 2 for x in e)),
    ("half_sse", "half", lambda e, t: sum(x ** 2 for x in e) / (2 * len(e))),
])
def test_loss_convention_fits_the_loss_asked(loss, variant, rule):
    """Does each loss_convention variant give its rule for sq, mse and half_sse losses?"""
    raw = dict(FAMILY.canonical, loss=loss)
    correct = FAMILY.solve(raw)
    wrong = FAMILY.solve(raw, f"loss_convention:{variant}")
    errors = [float(correct["h_1"]) - 0.2, float(correct["h_2"]) - 0.4]
    part = "sq_err_2" if loss == "sq" else "loss"
    assert math.isclose(float(wrong[part]), rule(errors, 1), rel_tol=1e-12)
    assert not math.isclose(float(wrong[part]), float(correct[part]), rel_tol=1e-6)


def test_sampled_variants_are_hand_computable_and_unsaturated():
    """Are sampled weights one-decimal in [-1, 1] with every gate pre-activation within 3?"""
    for seed in range(30):
        raw = FAMILY.sample(np.random.default_rng(seed), {"hidden": 2})
        helpers.assert_hand_computable(raw, GATES)
        helpers.assert_unsaturated(FAMILY.solve(raw), ("f", "i", "o"), ("c_tilde",))


def test_sampler_settings_shape_the_variant():
    """Do the hidden, inputs, steps and loss settings set H, D, T and the loss parts?"""
    raw = FAMILY.sample(np.random.default_rng(0), {"hidden": 2, "inputs": 3, "steps": 3,
                                                   "loss": "mse"})
    assert np.shape(raw["W_f"]) == (2, 3) and np.shape(raw["x"]) == (3, 3)
    assert list(FAMILY.solve(raw))[-1] == "loss"
    no_loss = FAMILY.sample(np.random.default_rng(0), {"loss": "none"})
    assert "y" not in no_loss and list(FAMILY.solve(no_loss))[-1] == "h_2"


@pytest.mark.parametrize(("change", "named", "words"), [
    ({"W_i": [[0.9, 0.8, 0.1]]}, "W_i", "D=2"),
    ({"U_c": [[0.1, 0.2], [0.3, 0.4]]}, "U_c", "H=1"),
    ({"x": [[0.3], [0.1]]}, "x", "D=2"),
    ({"b_o": 0.2}, "b_o", "vector"),
    ({"y": None}, "y", "required"),
    ({"loss": "huber"}, "loss", "abs"),
    ({"h0": [0, 0]}, "h0", "H=1"),
    ({"embedding": [[1, 2], [3, 4]], "tokens": [0, 1]}, "x", "either"),
    ({"concat": "yes"}, "concat", "true or false"),
    ({"concat": True}, "U_f", "left out"),
])
def test_bad_params_name_the_parameter(change, named, words):
    """Does a wrong shape, type or combination raise an error naming the parameter?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(dict(FAMILY.canonical, **change))
    assert caught.value.name == named
    assert words in str(caught.value)


@pytest.mark.parametrize(("tokens", "named", "words"), [
    ([0, 3], "tokens[1]", "out of range"),
    ([0, -1], "tokens[1]", "start at 0"),
    ([[0, 1, 0], [1, 1, 0]], "tokens[1]", "exactly one 1"),
    ([[0, 1], [1, 0]], "tokens[0]", "length 2"),
    ([0, "a"], "tokens[1]", "index"),
])
def test_bad_tokens_name_the_token(tokens, named, words):
    """Does a token out of range or a malformed one-hot vector name that token?"""
    raw = {key: value for key, value in FAMILY.canonical.items() if key != "x"}
    raw.update(embedding=[[0.3, 0.6], [0.1, 1.0], [0.0, 0.0]], tokens=tokens)
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(raw)
    assert caught.value.name == named
    assert words in str(caught.value)


def test_concatenated_matrix_too_narrow_names_it():
    """Does a concatenated W without room for any input columns name that matrix?"""
    raw = {key: value for key, value in FAMILY.canonical.items() if key[:2] != "U_"}
    raw.update({f"W_{gate}": [[0.1]] for gate in GATES}, concat=True)
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(raw)
    assert caught.value.name == "W_f"
    assert "H + D columns" in str(caught.value)
