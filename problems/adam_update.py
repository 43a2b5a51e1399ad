"""adam_update: one step of the Adam optimizer on a weight matrix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from grader.errors import GraderError
from grader.family import Family
from grader.graph import (
    Graph,
    Mistake,
    Step,
    Variant,
    chain,
    on_kinds,
    rename_inputs,
    swap_fn,
)
from grader.params import Flag, Integer, Params, ParamSpec, Real, Tensor
from problems._sampling import decimals, size_setting

PARAMS = ParamSpec(
    fields=(
        Tensor(name="W", dims=("m", "n"), doc="weights W_{t-1} before the step"),
        Tensor(name="grad", dims=("m", "n"), doc="gradient dJ/dW at W_{t-1}"),
        Tensor(name="V_prev", dims=("m", "n"), doc="first moment V_{t-1}"),
        Tensor(name="S_prev", dims=("m", "n"), minimum=0.0, doc="second moment S_{t-1} (>= 0)"),
        Integer(name="t", minimum=1, doc="index of the step being computed"),
        Real(name="alpha", minimum=0.0, exclusive_minimum=True, doc="learning rate"),
        Real(name="beta1", minimum=0.0, maximum=0.999999, default=0.9, doc="first-moment decay"),
        Real(name="beta2", minimum=0.0, maximum=0.999999, default=0.999,
             doc="second-moment decay"),
        Real(name="eps", minimum=0.0, default=1e-8, doc="added to the denominator"),
        Flag(name="eps_inside_sqrt", default=False,
             doc="the handout's sqrt(S_hat + eps) instead of sqrt(S_hat) + eps"),
    )
)

CANONICAL = {
    "W": [[-0.22, 0.33, 0.67], [0.49, -0.86, -0.90]],
    "grad": [[0.78, 0.02, 0.04], [-0.88, -0.14, 1.01]],
    "V_prev": [[-0.27, 0.27, -0.07], [-0.12, -0.02, 0.12]],
    "S_prev": [[0.01, 0.07, 0.11], [0.14, 0.17, 0.02]],
    "t": 2,
    "alpha": 0.1,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-8,
}


CANCELLED = 1e-12
"""A moment this small against its two terms is their exact cancellation (0.9 * 0.01 + 0.1 *
-0.09 is 0, not float's 3.5e-18): it is 0 in the key, not a number students cannot write."""


def _moment(beta, previous, value):
    kept, added = beta * previous, (1 - beta) * value
    moment = kept + added
    cancelled = (np.abs(moment) <= CANCELLED * (np.abs(kept) + np.abs(added))) \
        & np.isfinite(moment)  # inf <= inf: an overflow is no cancellation
    return np.where(cancelled, 0.0, moment)


def _corrected(moment, beta, t):
    denominator = 1 - beta ** t
    if denominator == 0:
        return np.full_like(moment, np.nan)
    return moment / denominator


def _updater(sign: float = -1.0, root=np.sqrt):
    def update(w_prev, alpha, v_hat, s_hat, eps, eps_inside_sqrt):
        if eps_inside_sqrt:
            return w_prev + sign * alpha * v_hat / root(s_hat + eps)
        return w_prev + sign * alpha * v_hat / (root(s_hat) + eps)

    return update


def build(params: Params) -> Graph:
    """The Adam step as V, S -> V_hat, S_hat -> W."""
    inside = params["eps_inside_sqrt"]
    denominator = r"\sqrt{\hat{S}_t + \epsilon}" if inside else r"\sqrt{\hat{S}_t} + \epsilon"
    denominator_numbers = r"\sqrt{${S_hat} + ${eps}}" if inside else r"\sqrt{${S_hat}} + ${eps}"
    constants = {
        "W_prev": params["W"], "grad": params["grad"], "V_prev": params["V_prev"],
        "S_prev": params["S_prev"], "t": params["t"], "alpha": params["alpha"],
        "beta1": params["beta1"], "beta2": params["beta2"], "eps": params["eps"],
        "eps_inside_sqrt": inside,
    }
    steps = (
        Step("V", ("beta1", "V_prev", "grad"), _moment,
             r"V_t = \beta_1 V_{t-1} + (1 - \beta_1)\, g",
             r"${beta1} ${V_prev} + (1 - ${beta1}) ${grad}", kind="V", label="first moment"),
        Step("S", ("beta2", "S_prev", "grad"), lambda b, s, g: _moment(b, s, g * g),
             r"S_t = \beta_2 S_{t-1} + (1 - \beta_2)\, g \odot g",
             r"${beta2} ${S_prev} + (1 - ${beta2}) ${grad}^{\odot 2}", kind="S",
             label="second moment"),
        Step("V_hat", ("V", "beta1", "t"), _corrected,
             r"\hat{V}_t = \frac{V_t}{1 - \beta_1^{t}}", r"\frac{${V}}{1 - ${beta1}^{${t}}}",
             kind="V_hat", label="bias-corrected first moment"),
        Step("S_hat", ("S", "beta2", "t"), _corrected,
             r"\hat{S}_t = \frac{S_t}{1 - \beta_2^{t}}", r"\frac{${S}}{1 - ${beta2}^{${t}}}",
             kind="S_hat", label="bias-corrected second moment"),
        Step("W", ("W_prev", "alpha", "V_hat", "S_hat", "eps", "eps_inside_sqrt"), _updater(),
             rf"W_t = W_{{t-1}} - \alpha \frac{{\hat{{V}}_t}}{{{denominator}}}",
             rf"${{W_prev}} - ${{alpha}} \frac{{${{V_hat}}}}{{{denominator_numbers}}}",
             kind="W", label="updated weights"),
    )
    return Graph(constants, steps)


def _shifted_step(delta: int):
    def change(step: Step) -> Step:
        return replace(step, fn=lambda moment, beta, t: _corrected(moment, beta, t + delta))

    return on_kinds(("V_hat", "S_hat"), change)


MISTAKES = (
    Mistake("moments_swapped", "Used the other moment's previous value: S_{t-1} in the V "
            "update or V_{t-1} in the S update.", (
                Variant("S_prev_in_V", rename_inputs(("V",), {"V_prev": "S_prev"})),
                Variant("V_prev_in_S", rename_inputs(("S",), {"S_prev": "V_prev"})),
            )),
    Mistake("betas_swapped", "Put (1 - beta) on the old moment and beta on the gradient.", (
        Variant("both", chain(
            swap_fn(("V",), lambda b, v, g: _moment(1 - b, v, g)),
            swap_fn(("S",), lambda b, s, g: _moment(1 - b, s, g * g)))),
    )),
    Mistake("grad_not_squared", "Used the gradient g instead of its square g^2 in the "
            "second moment.", (Variant("g", swap_fn(("S",), _moment)),)),
    Mistake("no_bias_correction", "Updated W with V_t and S_t instead of the bias-corrected "
            "V_hat and S_hat.", (
                Variant("raw_moments", rename_inputs(("W",), {"V_hat": "V", "S_hat": "S"})),
            )),
    Mistake("wrong_step_index", "Used t-1 or t+1 instead of t in the bias correction.", (
        Variant("t-1", _shifted_step(-1)),
        Variant("t+1", _shifted_step(+1)),
    )),
    Mistake("no_sqrt", "Divided by S_hat instead of its square root.", (
        Variant("S_hat", swap_fn(("W",), _updater(root=lambda x: x))),
    )),
    Mistake("update_sign", "Added the step to W instead of subtracting it.", (
        Variant("plus", swap_fn(("W",), _updater(sign=1.0))),
    )),
)


MAX_SIDE = 6
"""Rows or columns of W at most: every entry is worked by hand, five values each."""
MAX_STEP = 1000


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """A hand-computable step: two-decimal entries, t small, the course's hyperparameters."""
    shape = (size_setting(settings, "rows", 2, 1, MAX_SIDE),
             size_setting(settings, "cols", 3, 1, MAX_SIDE))
    t_min = size_setting(settings, "t_min", 2, 1, MAX_STEP)
    t_max = size_setting(settings, "t_max", max(t_min, 5), t_min, MAX_STEP)
    alpha = settings.get("alpha", 0.1)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha <= 1:
        raise GraderError(f"setting 'alpha': expected a learning rate in (0, 1], got {alpha!r}")
    return {
        "W": decimals(rng, -0.99, 0.99, shape, places=2),
        "grad": decimals(rng, -1.2, 1.2, shape, places=2),
        "V_prev": decimals(rng, -0.3, 0.3, shape, places=2),
        "S_prev": decimals(rng, 0.01, 0.2, shape, places=2),
        "t": int(rng.integers(t_min, t_max + 1)),
        "alpha": float(alpha),
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
    }


FAMILY = Family(
    name="adam_update",
    title="One Adam step",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="adam_update.tex.j2",
    mistakes=MISTAKES,
    sample_settings={"rows": "rows of W (2)", "cols": "columns of W (3)",
                     "t_min": "smallest step index (2)", "t_max": "largest step index (5)",
                     "alpha": "learning rate (0.1)"},
)
