"""rnn_gradient: vanishing and exploding gradients of a scalar RNN linearised at h = 0."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.errors import ParamError
from grader.family import Family
from grader.graph import Graph, Mistake, Step, Variant, swap_fn
from grader.params import Choice, Integer, Params, ParamSpec, Real

ACTIVATIONS = ("sigmoid_centered", "tanh")
SLOPE_AT_ZERO = {"sigmoid_centered": 0.25, "tanh": 1.0}
"""phi'(0): sigma(0)(1 - sigma(0)) = 1/4 for sigma - 1/2, and 1 - tanh(0)^2 = 1 for tanh."""

REGIME_WORDS = {
    "vanish": "vanish", "vanishes": "vanish", "vanishing": "vanish",
    "explode": "explode", "explodes": "explode", "exploding": "explode",
    "neutral": "neutral",
}
"""Accepted spellings of the regime part (compared in lower case)."""

NEUTRAL_RTOL = 1e-9
"""|w phi'(0)| within this of 1 counts as neutral (w = 4.0 with phi'(0) = 0.25 is exact)."""

PARAMS = ParamSpec(
    fields=(
        Choice(name="activation", choices=ACTIVATIONS, default="sigmoid_centered",
               doc="phi: sigmoid_centered (sigma(z) - 0.5) or tanh"),
        Real(name="w", default=None,
             doc="recurrent weight whose regime is asked; without it, no regime part"),
        Integer(name="n", minimum=1, doc="number of time steps the gradient travels"),
        Real(name="ratio", minimum=0.0, exclusive_minimum=True,
             doc="target gradient ratio after n steps"),
    )
)

CANONICAL = {"activation": "sigmoid_centered", "n": 100, "ratio": 1e-4}

_SLOPE_RULE = {
    "sigmoid_centered": (r"\varphi'(0) = \sigma(0)\,(1 - \sigma(0))", r"0.5 \cdot (1 - 0.5)"),
    "tanh": (r"\varphi'(0) = 1 - \tanh^2(0)", r"1 - 0^2"),
}


def _slope(table: Mapping[str, float]):
    def slope(activation):
        return np.float64(table[activation])

    return slope


def _threshold(dphi0):
    return 1.0 / np.asarray(dphi0, dtype=np.float64)


def _regime(w, dphi0) -> str:
    gain = abs(w * float(dphi0))
    if np.isclose(gain, 1.0, rtol=NEUTRAL_RTOL, atol=0.0):
        return "neutral"
    return "vanish" if gain < 1 else "explode"


def _w_for_ratio(root: bool = True):
    def w_for_ratio(ratio, n, dphi0):
        gain = ratio ** (1.0 / n) if root else ratio
        return gain / np.asarray(dphi0, dtype=np.float64)

    return w_for_ratio


def build(params: Params) -> Graph:
    """phi'(0), then the threshold |w|, the regime of w (if given) and the w for the ratio."""
    activation = params["activation"]
    formula, numbers = _SLOPE_RULE[activation]
    constants = {"activation": activation, "n": params["n"], "ratio": params["ratio"]}
    steps = [
        Step("dphi0", ("activation",), _slope(SLOPE_AT_ZERO), formula, numbers, kind="dphi0",
             label="slope of the activation at 0"),
        Step("w_threshold", ("dphi0",), _threshold, r"|w^*| = \frac{1}{\varphi'(0)}",
             r"\frac{1}{${dphi0}}", kind="w_threshold",
             label="|w| at which gradients neither vanish nor explode"),
    ]
    if params["w"] is not None:
        constants["w"] = params["w"]
        steps.append(Step(
            "regime", ("w", "dphi0"), _regime,
            r"|w\,\varphi'(0)| < 1: \text{vanish};\ > 1: \text{explode};\ = 1: \text{neutral}",
            r"|${w} \cdot ${dphi0}|", kind="regime", label="regime of the given w"))
    steps.append(Step(
        "w_for_ratio", ("ratio", "n", "dphi0"), _w_for_ratio(),
        r"w = \frac{\text{ratio}^{1/n}}{\varphi'(0)}", r"\frac{(${ratio})^{1/${n}}}{${dphi0}}",
        kind="w_for_ratio", label="w > 0 giving the target ratio after n steps"))
    return Graph(constants, tuple(steps))


MISTAKES = (
    Mistake("derivative_at_zero", "Took the wrong slope of the activation at 0 (sigma - 1/2 "
            "has slope 1/4, tanh has slope 1).", (
                Variant("half", swap_fn(("dphi0",), _slope(
                    {"sigmoid_centered": 0.5, "tanh": 0.5}))),
                Variant("other_activation", swap_fn(("dphi0",), _slope(
                    {"sigmoid_centered": 1.0, "tanh": 0.25}))),
            )),
    Mistake("root_not_taken", "Divided the ratio itself by phi'(0) instead of its n-th root.", (
        Variant("no_root", swap_fn(("w_for_ratio",), _w_for_ratio(root=False))),
    )),
)

STEPS = (10, 20, 25, 50, 100)
RATIO_EXPONENTS = (-8, -6, -4, -3, -2, 2, 3, 4, 6)
"""ratio = 10^k, so ratio^(1/n) = 10^(k/n) is one calculator key away."""


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """A slope, a one-decimal w (sometimes exactly the threshold), n steps and ratio 10^k."""
    activation = settings.get("activation")
    if activation is None:
        activation = str(rng.choice(ACTIVATIONS))
    elif activation not in ACTIVATIONS:
        raise ParamError("activation", f"expected one of {', '.join(ACTIVATIONS)}, "
                         f"got {activation!r}")
    threshold = 1 / SLOPE_AT_ZERO[activation]
    if rng.random() < 0.2:
        w = threshold
    else:
        tenths = int(rng.integers(1, round(20 * threshold)))
        w = round(tenths / 10, 1)
    return {"activation": activation, "w": float(w), "n": int(rng.choice(STEPS)),
            "ratio": float(10.0 ** int(rng.choice(RATIO_EXPONENTS)))}


FAMILY = Family(
    name="rnn_gradient",
    title="Vanishing and exploding gradients",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="rnn_gradient.tex.j2",
    mistakes=MISTAKES,
    words=REGIME_WORDS,
    sample_settings={"activation": "sigmoid_centered or tanh (random)"},
)
