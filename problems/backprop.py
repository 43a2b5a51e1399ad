"""backprop: forward and backward pass through the chain f = sigma(sigma(x1 w1) w2 + x2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.errors import ParamError
from grader.family import Family
from grader.graph import Graph, Mistake, Step, Variant, chain, rename_inputs, swap_fn
from grader.params import Params, ParamSpec, Real
from problems._sampling import decimals

PARAMS = ParamSpec(
    fields=(
        Real(name="x1", doc="first input, scaled by w1 inside the inner sigmoid"),
        Real(name="x2", doc="second input, added to the outer pre-activation"),
        Real(name="w1", doc="weight of the inner unit"),
        Real(name="w2", doc="weight from the inner unit to the outer one"),
        Real(name="y", doc="target of the squared loss"),
        Real(name="lr", minimum=0.0, exclusive_minimum=True, default=None,
             doc="learning rate; when given, also one gradient-descent step (w1_new, w2_new)"),
    )
)

CANONICAL = {"x1": 1, "x2": 0, "w1": 1, "w2": 2, "y": 5}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def _times(a, b):
    return np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)


def _loss_grad(factor: float = 2.0, sign: float = 1.0):
    def grad(o2, y):
        return factor * sign * (np.asarray(o2, dtype=np.float64) - y)

    return grad


def _dw2(output_slope: bool = True):
    def grad(de_do2, o2, o1):
        slope = _times(o2, 1 - np.asarray(o2)) if output_slope else 1.0
        return _times(de_do2, slope) * o1

    return grad


def _dw1(output_slope: bool = True, hidden_slope: bool = True):
    def grad(de_do2, o2, w2, o1, x1):
        outer = _times(o2, 1 - np.asarray(o2)) if output_slope else 1.0
        inner = _times(o1, 1 - np.asarray(o1)) if hidden_slope else 1.0
        return _times(de_do2, outer) * w2 * inner * x1

    return grad


def _descend(weight, lr, grad):
    return weight - lr * np.asarray(grad, dtype=np.float64)


def build(params: Params) -> Graph:
    """Forward o1, z2, o2; backward dE/do2, dE/dw1, dE/dw2; then the optional step."""
    constants = {name: params[name] for name in ("x1", "x2", "w1", "w2", "y")}
    steps = [
        Step("o1", ("x1", "w1"), lambda x1, w1: _sigmoid(_times(x1, w1)),
             r"o_1 = \sigma(x_1 w_1)", r"\sigma(${x1} \cdot ${w1})", kind="o1",
             label="output of the inner unit"),
        Step("z2", ("o1", "w2", "x2"), lambda o1, w2, x2: _times(o1, w2) + x2,
             r"z_2 = o_1 w_2 + x_2", r"${o1} \cdot ${w2} + ${x2}", kind="z2", part=False,
             label="pre-activation of the outer unit"),
        Step("o2", ("z2",), _sigmoid, r"o_2 = \sigma(z_2)", r"\sigma(${z2})", kind="o2",
             label="output f(x; w)"),
        Step("dE_do2", ("o2", "y"), _loss_grad(), r"\frac{\partial E}{\partial o_2} = 2(o_2 - y)",
             r"2\,(${o2} - ${y})", kind="dE_do2", label="loss gradient at the output"),
        Step("dE_dw1", ("dE_do2", "o2", "w2", "o1", "x1"), _dw1(),
             r"\frac{\partial E}{\partial w_1} = \frac{\partial E}{\partial o_2}\, "
             r"o_2 (1 - o_2)\, w_2\, o_1 (1 - o_1)\, x_1",
             r"${dE_do2} \cdot ${o2}\,(1 - ${o2}) \cdot ${w2} \cdot ${o1}\,(1 - ${o1}) "
             r"\cdot ${x1}", kind="dE_dw1", label="gradient for w1"),
        Step("dE_dw2", ("dE_do2", "o2", "o1"), _dw2(),
             r"\frac{\partial E}{\partial w_2} = \frac{\partial E}{\partial o_2}\, "
             r"o_2 (1 - o_2)\, o_1",
             r"${dE_do2} \cdot ${o2}\,(1 - ${o2}) \cdot ${o1}", kind="dE_dw2",
             label="gradient for w2"),
    ]
    if params["lr"] is not None:
        constants["lr"] = params["lr"]
        for number in (1, 2):
            weight, grad = f"w{number}", f"dE_dw{number}"
            steps.append(Step(
                f"w{number}_new", (weight, "lr", grad), _descend,
                rf"w_{number}' = w_{number} - \eta \frac{{\partial E}}{{\partial w_{number}}}",
                rf"${{{weight}}} - ${{lr}} \cdot ${{{grad}}}", kind="w_new",
                label=f"w{number} after one gradient-descent step"))
    return Graph(constants, tuple(steps))


def _drop_slopes(output_slope: bool, hidden_slope: bool):
    rewrites = [swap_fn(("dE_dw1",), _dw1(output_slope, hidden_slope))]
    if not output_slope:
        rewrites.append(swap_fn(("dE_dw2",), _dw2(output_slope=False)))
    return chain(*rewrites)


MISTAKES = (
    Mistake("local_grad_used_output", "Multiplied a weight's local gradient by the unit's own "
            "output instead of its input (o2 in place of o1, or o1 in place of x1).", (
                Variant("o2_for_o1", rename_inputs(("dE_dw2",), {"o1": "o2"})),
                Variant("o1_for_x1", rename_inputs(("dE_dw1",), {"x1": "o1"})),
            )),
    Mistake("missing_sigmoid_derivative", "Left out a sigmoid's derivative o(1 - o) in the "
            "chain rule.", (
                Variant("output_unit", _drop_slopes(output_slope=False, hidden_slope=True)),
                Variant("inner_unit", _drop_slopes(output_slope=True, hidden_slope=False)),
                Variant("both_units", _drop_slopes(output_slope=False, hidden_slope=False)),
            )),
    Mistake("loss_grad_sign", "Took the loss gradient as 2(y - o2) instead of 2(o2 - y).", (
        Variant("y_minus_o2", swap_fn(("dE_do2",), _loss_grad(sign=-1.0))),
    )),
    Mistake("loss_grad_no_factor_2", "Took the loss gradient as o2 - y, without the factor 2 "
            "from the square.", (
                Variant("o2_minus_y", swap_fn(("dE_do2",), _loss_grad(factor=1.0))),
            )),
)

MAX_PRE_ACTIVATION = 3.0
"""Both pre-activations stay within +-3, away from the sigmoid's flat tails."""
MIN_GAP = 0.1
"""Values a mistake swaps (o1 and x1, o2 and o1, o2 and y) differ by at least this much."""


def _fair(raw: dict) -> bool:
    z1 = raw["x1"] * raw["w1"]
    o1 = float(_sigmoid(z1))
    z2 = o1 * raw["w2"] + raw["x2"]
    o2 = float(_sigmoid(z2))
    return (abs(z1) <= MAX_PRE_ACTIVATION and abs(z2) <= MAX_PRE_ACTIVATION
            and 0 not in (raw["x1"], raw["w1"], raw["w2"])
            and min(abs(o1 - raw["x1"]), abs(o2 - o1), abs(o2 - raw["y"])) >= MIN_GAP)


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """One-decimal inputs and weights, moderate pre-activations, a target in [0, 1]."""
    lr = settings.get("lr")
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, int | float) or lr <= 0):
        raise ParamError("lr", f"expected a number > 0, got {lr!r}")
    while True:
        raw = {"x1": decimals(rng, -2, 2), "x2": decimals(rng, -1, 1),
               "w1": decimals(rng, -2, 2), "w2": decimals(rng, -3, 3),
               "y": decimals(rng, 0, 1)}
        if _fair(raw):
            return raw if lr is None else {**raw, "lr": float(lr)}


FAMILY = Family(
    name="backprop",
    title="Backpropagation through a two-sigmoid chain",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="backprop.tex.j2",
    mistakes=MISTAKES,
    sample_settings={"lr": "learning rate; when given, the exercise also asks for w1_new and "
                           "w2_new after one step (none)"},
)
