"""What the lstm_forward and gru_forward tests share: random cells, torch cells holding our
weights and the checks that sampled variants are hand-computable."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import torch


def sigma(z: float) -> float:
    """The logistic function, in plain math for hand-worked values."""
    return 1 / (1 + math.exp(-z))


def random_cell(rng: np.random.Generator, blocks: Iterable[str],
                states: Iterable[str]) -> dict:
    """Raw params of 1 to 4 units, inputs and steps with normal W_*, U_*, b_*, x and states."""
    hidden, inputs, steps = (int(n) for n in rng.integers(1, 5, size=3))
    raw = {}
    for block in blocks:
        raw[f"W_{block}"] = rng.normal(size=(hidden, inputs)).tolist()
        raw[f"U_{block}"] = rng.normal(size=(hidden, hidden)).tolist()
        raw[f"b_{block}"] = rng.normal(size=hidden).tolist()
    raw["x"] = rng.normal(size=(steps, inputs)).tolist()
    for name in states:
        raw[name] = rng.normal(size=hidden).tolist()
    return raw


def torch_cell(cell_class: type[torch.nn.Module], raw: Mapping, order: tuple[str, ...]):
    """A float64 torch cell with our W_*, U_*, b_* stacked in its block order and bias_hh 0."""
    hidden, inputs = np.shape(raw[f"W_{order[0]}"])
    cell = cell_class(inputs, hidden, dtype=torch.float64)

    def stacked_blocks(prefix: str) -> torch.Tensor:
        blocks = [np.asarray(raw[f"{prefix}_{b}"], dtype=float) for b in order]
        return torch.from_numpy(np.concatenate(blocks))

    with torch.no_grad():
        cell.weight_ih.copy_(stacked_blocks("W"))
        cell.weight_hh.copy_(stacked_blocks("U"))
        cell.bias_ih.copy_(stacked_blocks("b"))
        cell.bias_hh.zero_()
    return cell


def initial_state(raw: Mapping, name: str, hidden: int) -> torch.Tensor:
    """The state raw[name] (a number or H values) as a 1 x H float64 batch."""
    return torch.tensor(np.broadcast_to(np.asarray(raw[name], dtype=float), (1, hidden)),
                        dtype=torch.float64)


def assert_hand_computable(raw: Mapping, blocks: Iterable[str]) -> None:
    """Fail unless every W_*, U_*, b_* entry is a one-decimal number in [-1, 1]."""
    for block in blocks:
        for name in (f"W_{block}", f"U_{block}", f"b_{block}"):
            values = np.asarray(raw[name])
            assert np.all(np.abs(values) <= 1)
            assert np.allclose(values * 10, np.round(values * 10))


def assert_unsaturated(answers: Mapping, sigmoid_kinds: tuple[str, ...],
                       tanh_kinds: tuple[str, ...]) -> None:
    """Fail unless every gate's and candidate's pre-activation is within 3."""
    for part, value in answers.items():
        kind = part.rsplit("_", 1)[0]
        if kind in sigmoid_kinds:
            assert np.all(np.abs(np.log(value / (1 - value))) <= 3 + 1e-9)
        if kind in tanh_kinds:
            assert np.all(np.abs(np.arctanh(value)) <= 3 + 1e-9)
