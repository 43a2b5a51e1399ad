"""gru_forward: a GRU cell run over a short sequence, gate by gate."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from grader.errors import GraderError
from grader.family import Family
from grader.graph import Graph, Mistake, Rewrite, Step, Variant, on_kinds, swap_fn
from grader.params import Choice, Params, ParamSpec, Tensor, zeros

BLOCKS = ("z", "r", "h")
"""The weight blocks W_z, W_r, W_h (and U_*, b_*); block h makes the candidate h_tilde."""

RESETS = ("before", "after")
UPDATES = ("keep_prev", "keep_new")
MAX_PREACTIVATION = 3.0
MIN_CHANGE = 0.01
"""A sampled mistake must move some part by at least this much, well beyond honest rounding."""
MAX_DRAWS = 1000

PARAMS = ParamSpec(fields=(
    *(Tensor(name=f"W_{b}", dims=("H", "D"), doc=f"input weights of block {b}") for b in BLOCKS),
    *(Tensor(name=f"U_{b}", dims=("H", "H"), doc=f"recurrent weights of block {b}")
      for b in BLOCKS),
    *(Tensor(name=f"b_{b}", dims=("H",), doc=f"bias of block {b}") for b in BLOCKS),
    Tensor(name="x", dims=("T", "D"), doc="inputs, one row x_t per time step"),
    Tensor(name="h0", dims=("H",), default=zeros("H"), fill_scalar=True,
           doc="initial hidden state h_0"),
    Choice(name="reset", choices=RESETS, default="before",
           doc="before: U_h (r_t * h_{t-1}) as the course; after: r_t * (U_h h_{t-1}) as PyTorch"),
    Choice(name="update", choices=UPDATES, default="keep_prev",
           doc="keep_prev: h_t = z_t * h_{t-1} + (1 - z_t) * h_tilde_t (Cho et al., PyTorch); "
               "keep_new: z_t on h_tilde_t (Chung et al.)"),
))

CANONICAL = {
    "W_z": [[0.5, -0.4]], "U_z": [[0.3]], "b_z": [0.1],
    "W_r": [[0.2, 0.6]], "U_r": [[-0.5]], "b_r": [0.0],
    "W_h": [[0.7, -0.3]], "U_h": [[0.8]], "b_h": [0.2],
    "x": [[1.0, 0.5], [0.5, -1.0]],
    "h0": 0,
}
"""PROBLEMS.md gives no GRU instance: a small one checked by hand (tests/problems/canonical)."""


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _flipped_sigmoid(z):
    return 1 / (1 + np.exp(z))


def _floats(*values):
    return (np.asarray(v, dtype=float) for v in values)


def _shaped(weights, value):
    """A scalar (0-d) result when the cell has one unit, as a student writes it."""
    return value.reshape(()) if np.shape(weights)[0] == 1 else value


def _gate(activation: Callable) -> Callable:
    def gate(weights, x, recurrent, h_prev, bias):
        weights, x, h_prev = _floats(weights, x, h_prev)
        return _shaped(weights, activation(weights @ x + np.dot(recurrent, h_prev) + bias))

    return gate


def _candidate_before(weights, x, recurrent, r, h_prev, bias):
    weights, x, r, h_prev = _floats(weights, x, r, h_prev)
    return _shaped(weights, np.tanh(weights @ x + np.dot(recurrent, r * h_prev) + bias))


def _candidate_after(weights, x, recurrent, r, h_prev, bias):
    weights, x, r, h_prev = _floats(weights, x, r, h_prev)
    return _shaped(weights, np.tanh(weights @ x + r * np.dot(recurrent, h_prev) + bias))


def _keep_prev(z, h_prev, h_tilde):
    z, h_prev, h_tilde = _floats(z, h_prev, h_tilde)
    return np.asarray(z * h_prev + (1 - z) * h_tilde)


def _keep_new(z, h_prev, h_tilde):
    z, h_prev, h_tilde = _floats(z, h_prev, h_tilde)
    return np.asarray((1 - z) * h_prev + z * h_tilde)


CANDIDATES = {"before": _candidate_before, "after": _candidate_after}
UPDATE_FNS = {"keep_prev": _keep_prev, "keep_new": _keep_new}


def _fill(text: str, t: int) -> str:
    return text.replace("<t>", str(t)).replace("<p>", str(t - 1))


def _gate_step(block: str, t: int, dot: str) -> Step:
    label = "update gate" if block == "z" else "reset gate"
    return Step(
        f"{block}_{t}", (f"W_{block}", f"x_{t}", f"U_{block}", f"h_{t - 1}", f"b_{block}"),
        _gate(_sigmoid),
        _fill(rf"{block}_{{<t>}} = \sigma\left(W_{block} x_{{<t>}} + U_{block} h_{{<p>}} "
              rf"+ b_{block}\right)", t),
        _fill(rf"\sigma\left(${{W_{block}}} ${{x_<t>}} + ${{U_{block}}}{dot}${{h_<p>}} "
              rf"+ ${{b_{block}}}\right)", t),
        kind=block, label=f"{label}, step {t}")


def _candidate_step(reset: str, t: int, dot: str, times: str) -> Step:
    if reset == "before":
        rule = rf"U_h \left(r_{{<t>}}{times}h_{{<p>}}\right)"
        numbers = rf"${{U_h}}{dot}\left(${{r_<t>}}{times}${{h_<p>}}\right)"
    else:
        rule = rf"r_{{<t>}}{times}\left(U_h h_{{<p>}}\right)"
        numbers = rf"${{r_<t>}}{times}\left(${{U_h}}{dot}${{h_<p>}}\right)"
    return Step(
        f"h_tilde_{t}", ("W_h", f"x_{t}", "U_h", f"r_{t}", f"h_{t - 1}", "b_h"),
        CANDIDATES[reset],
        _fill(rf"\tilde{{h}}_{{<t>}} = \tanh\left(W_h x_{{<t>}} + {rule} + b_h\right)", t),
        _fill(rf"\tanh\left(${{W_h}} ${{x_<t>}} + {numbers} + ${{b_h}}\right)", t),
        kind="h_tilde", label=f"candidate state, step {t}")


def _update_step(update: str, t: int, times: str) -> Step:
    old, new = ("z_{<t>}", "(1 - z_{<t>})") if update == "keep_prev" else \
        ("(1 - z_{<t>})", "z_{<t>}")
    old_n, new_n = ("${z_<t>}", "(1 - ${z_<t>})") if update == "keep_prev" else \
        ("(1 - ${z_<t>})", "${z_<t>}")
    return Step(
        f"h_{t}", (f"z_{t}", f"h_{t - 1}", f"h_tilde_{t}"), UPDATE_FNS[update],
        _fill(rf"h_{{<t>}} = {old}{times}h_{{<p>}} + {new}{times}\tilde{{h}}_{{<t>}}", t),
        _fill(rf"{old_n}{times}${{h_<p>}} + {new_n}{times}${{h_tilde_<t>}}", t),
        kind="h", label=f"hidden state, step {t}")


def build(params: Params) -> Graph:
    """The forward pass: per step z, r -> h_tilde -> h."""
    hidden, steps = params.dims["H"], params.dims["T"]
    scalar = hidden == 1

    def unit(value):
        # One unit: vectors and 1x1 matrices become plain numbers, as a student writes them.
        return np.asarray(value, dtype=float).reshape(()) if scalar else value

    constants: dict[str, Any] = {"h_0": unit(params["h0"])}
    for block in BLOCKS:
        constants[f"W_{block}"] = params[f"W_{block}"]
        constants[f"U_{block}"] = unit(params[f"U_{block}"])
        constants[f"b_{block}"] = unit(params[f"b_{block}"])
    for t in range(1, steps + 1):
        constants[f"x_{t}"] = params["x"][t - 1]
    dot, times = (r" \cdot ", r" \cdot ") if scalar else (" ", r" \odot ")
    result: list[Step] = []
    for t in range(1, steps + 1):
        result.append(_gate_step("z", t, dot))
        result.append(_gate_step("r", t, dot))
        result.append(_candidate_step(params["reset"], t, dot, times))
        result.append(_update_step(params["update"], t, times))
    return Graph(constants, tuple(result))


def _toggle(kind: str, first: Callable, second: Callable) -> Rewrite:
    """Mistake: the steps of this kind use the other of two conventions."""
    return on_kinds((kind,), lambda step: replace(step, fn=second if step.fn is first else first))


def _reads_initial_hidden(step: Step) -> Step:
    earlier = re.compile(r"h_\d+")
    return replace(step, inputs=tuple("h_0" if earlier.fullmatch(name) else name
                                      for name in step.inputs))


MISTAKES = (
    Mistake("update_convention_swapped", "Used the other update convention: z_t on h_tilde_t "
            "instead of h_{t-1}, or the reverse.", (
                Variant("swapped", _toggle("h", _keep_prev, _keep_new)),
            )),
    Mistake("reset_convention_swapped", "Applied the reset gate on the wrong side of U_h: "
            "r_t * (U_h h_{t-1}) instead of U_h (r_t * h_{t-1}), or the reverse.", (
                Variant("swapped", _toggle("h_tilde", _candidate_before, _candidate_after)),
            ), when={"hidden": 2}),
    Mistake("sigmoid_sign_flipped", "Computed the gates with 1/(1 + e^(+z)), which is "
            "1 - sigma(z), instead of sigma(z).", (
                Variant("one_minus_sigma", swap_fn(("z", "r"), _gate(_flipped_sigmoid))),
            )),
    Mistake("stale_hidden_state", "Used the initial hidden state h_0 at every step instead of "
            "the previous one, h_{t-1}.", (
                Variant("h_0", on_kinds(("z", "r", "h_tilde", "h"), _reads_initial_hidden)),
            )),
)


def _size(settings: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GraderError(f"setting '{name}': expected a whole number from {low} to {high}, "
                          f"got {value!r}")
    return value


def _word(settings: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = settings.get(name, choices[0])
    if value not in choices:
        raise GraderError(f"setting '{name}': expected one of {', '.join(choices)}, "
                          f"got {value!r}")
    return value


def _one_decimal(rng: np.random.Generator, limit: float, shape) -> list:
    return (rng.integers(-round(limit * 10), round(limit * 10) + 1, size=shape) / 10).tolist()


def _is_fair(raw: dict, hidden: int) -> bool:
    """Pre-activations within +-3 and every mistake this size can show visible beyond rounding."""
    graph = build(PARAMS.parse(raw))
    env = graph.evaluate()
    low, high = _sigmoid(-MAX_PREACTIVATION), _sigmoid(MAX_PREACTIVATION)
    for step in graph.steps:
        value = env[step.name]
        if step.kind in ("z", "r") and not np.all((low <= value) & (value <= high)):
            return False
        if step.kind == "h_tilde" and np.any(np.abs(value) > np.tanh(MAX_PREACTIVATION)):
            return False
    correct = graph.answers()
    for mistake in MISTAKES:
        if mistake.id == "reset_convention_swapped" and hidden == 1:
            continue  # with one unit U_h (r h) = r (U_h h): the conventions coincide
        for variant in mistake.variants:
            wrong = graph.rewritten(variant.rewrite).answers()
            if not any(np.max(np.abs(np.asarray(wrong[part]) - correct[part])) >= MIN_CHANGE
                       for part in correct):
                return False
    return True


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """One-decimal weights and inputs in [-1, 1], h0 = 0, T >= 2 so h_{t-1} matters."""
    hidden = _size(settings, "hidden", 1, 1, 3)
    inputs = _size(settings, "inputs", 2, 1, 4)
    steps = _size(settings, "steps", 2, 2, 4)
    reset, update = _word(settings, "reset", RESETS), _word(settings, "update", UPDATES)
    for _ in range(MAX_DRAWS):
        raw: dict[str, Any] = {}
        for block in BLOCKS:
            raw[f"W_{block}"] = _one_decimal(rng, 1.0, (hidden, inputs))
            raw[f"U_{block}"] = _one_decimal(rng, 1.0, (hidden, hidden))
            raw[f"b_{block}"] = _one_decimal(rng, 0.5, (hidden,))
        raw.update(x=_one_decimal(rng, 1.0, (steps, inputs)), h0=0, reset=reset, update=update)
        if _is_fair(raw, hidden):
            return raw
    raise GraderError(f"no fair gru_forward variant in {MAX_DRAWS} draws for {dict(settings)}")


FAMILY = Family(
    name="gru_forward",
    title="GRU forward pass",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="gru_forward.tex.j2",
    mistakes=MISTAKES,
    sample_settings={"hidden": "hidden size H (1; up to 3; reset conventions differ only "
                               "for H >= 2)",
                     "inputs": "input size D (2)", "steps": "sequence length T (2; 2 to 4)",
                     "reset": "before or after (before)",
                     "update": "keep_prev or keep_new (keep_prev)"},
)
