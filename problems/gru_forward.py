"""gru_forward: a GRU cell run over a short sequence, gate by gate."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from grader.errors import GraderError
from grader.family import Family
from grader.graph import Graph, Mistake, Rewrite, Step, Variant, on_kinds, swap_fn
from grader.params import Choice, Params, ParamSpec, Tensor, zeros
from problems import _recurrent as rnn
from problems._sampling import size_setting

BLOCKS = ("z", "r", "h")
"""The weight blocks W_z, W_r, W_h (and U_*, b_*); block h makes the candidate h_tilde."""

RESETS = ("before", "after")
UPDATES = ("keep_prev", "keep_new")
GATE_LABELS = {"z": "update gate", "r": "reset gate"}

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


def _floats(*values):
    return (np.asarray(v, dtype=float) for v in values)


def _shaped(weights, value):
    """A scalar (0-d) result when the cell has one unit, as a student writes it."""
    return value.reshape(()) if np.shape(weights)[0] == 1 else value


def _candidate_before(weights, x, recurrent, r, h_prev, bias):
    weights, x, r, h_prev = _floats(weights, x, r, h_prev)
    return _shaped(weights, np.tanh(rnn.pre_activation(weights, x, recurrent, r * h_prev,
                                                       bias)))


def _candidate_after(weights, x, recurrent, r, h_prev, bias):
    weights, x, r, h_prev = _floats(weights, x, r, h_prev)
    z = weights @ x + r * np.dot(recurrent, h_prev) + bias
    z = rnn.snapped(z, lambda: np.abs(weights) @ np.abs(x)
                    + np.abs(r) * np.dot(np.abs(recurrent), np.abs(h_prev)) + np.abs(bias),
                    x.size + h_prev.size + 1)
    return _shaped(weights, np.tanh(z))


def _keep_prev(z, h_prev, h_tilde):
    z, h_prev, h_tilde = _floats(z, h_prev, h_tilde)
    return np.asarray(z * h_prev + (1 - z) * h_tilde)


def _keep_new(z, h_prev, h_tilde):
    z, h_prev, h_tilde = _floats(z, h_prev, h_tilde)
    return np.asarray((1 - z) * h_prev + z * h_tilde)


CANDIDATES = {"before": _candidate_before, "after": _candidate_after}
UPDATE_FNS = {"keep_prev": _keep_prev, "keep_new": _keep_new}


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
        rnn.fill(rf"\tilde{{h}}_{{<t>}} = \tanh\left(W_h x_{{<t>}} + {rule} + b_h\right)", t),
        rnn.fill(rf"\tanh\left(${{W_h}} ${{x_<t>}} + {numbers} + ${{b_h}}\right)", t),
        kind="h_tilde", label=f"candidate state, step {t}")


def _update_step(update: str, t: int, times: str) -> Step:
    old, new = ("z_{<t>}", "(1 - z_{<t>})") if update == "keep_prev" else \
        ("(1 - z_{<t>})", "z_{<t>}")
    old_n, new_n = ("${z_<t>}", "(1 - ${z_<t>})") if update == "keep_prev" else \
        ("(1 - ${z_<t>})", "${z_<t>}")
    return Step(
        f"h_{t}", (f"z_{t}", f"h_{t - 1}", f"h_tilde_{t}"), UPDATE_FNS[update],
        rnn.fill(rf"h_{{<t>}} = {old}{times}h_{{<p>}} + {new}{times}\tilde{{h}}_{{<t>}}", t),
        rnn.fill(rf"{old_n}{times}${{h_<p>}} + {new_n}{times}${{h_tilde_<t>}}", t),
        kind="h", label=f"hidden state, step {t}")


def build(params: Params) -> Graph:
    """The forward pass: per step z, r -> h_tilde -> h."""
    hidden, steps = params.dims["H"], params.dims["T"]
    constants = {"h_0": rnn.as_written(params["h0"], hidden),
                 **rnn.block_constants(params, BLOCKS)}
    for t in range(1, steps + 1):
        constants[f"x_{t}"] = params["x"][t - 1]
    return Graph(constants, _steps(hidden, steps, params["reset"], params["update"]))


@functools.lru_cache(maxsize=64)
def _steps(hidden: int, steps: int, reset: str, update: str) -> tuple[Step, ...]:
    """The graph's steps, which hold no numbers (those are its constants): made once per
    shape and convention, and shared by every student's graph."""
    dot, times = (r" \cdot ", r" \cdot ") if hidden == 1 else (" ", r" \odot ")
    result: list[Step] = []
    for t in range(1, steps + 1):
        result.extend(rnn.gate_step(gate, gate, rnn.sigmoid, gate, label, t, dot)
                      for gate, label in GATE_LABELS.items())
        result.append(_candidate_step(reset, t, dot, times))
        result.append(_update_step(update, t, times))
    return tuple(result)


def _toggle(kind: str, first: Callable, second: Callable) -> Rewrite:
    """Mistake: the steps of this kind use the other of two conventions."""
    return on_kinds((kind,), lambda step: replace(step, fn=second if step.fn is first else first))


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
                Variant("one_minus_sigma", swap_fn(("z", "r"), rnn.gate_fn(rnn.flipped_sigmoid))),
            )),
    Mistake("stale_hidden_state", "Used the initial hidden state h_0 at every step instead of "
            "the previous one, h_{t-1}.", (
                Variant("h_0", rnn.reads_initial(("z", "r", "h_tilde", "h"), "h")),
            )),
)


def _word(settings: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = settings.get(name, choices[0])
    if value not in choices:
        raise GraderError(f"setting '{name}': expected one of {', '.join(choices)}, "
                          f"got {value!r}")
    return value


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """One-decimal weights and inputs in [-1, 1], h0 = 0, T >= 2 so h_{t-1} matters."""
    hidden = size_setting(settings, "hidden", 1, 1, 3)
    inputs = size_setting(settings, "inputs", 2, 1, 4)
    steps = size_setting(settings, "steps", 2, 2, 4)
    reset, update = _word(settings, "reset", RESETS), _word(settings, "update", UPDATES)
    # With one unit U_h (r h) = r (U_h h): the reset conventions coincide.
    skip = ("reset_convention_swapped",) if hidden == 1 else ()

    def draw() -> dict:
        return dict(rnn.draw_cell(rng, BLOCKS, hidden, inputs, steps), h0=0, reset=reset,
                    update=update)

    def fair(raw: dict) -> bool:
        return rnn.is_fair(build(PARAMS.parse(raw)), MISTAKES, ("z", "r"), ("h_tilde",), skip)

    return rnn.first_fair(draw, fair, "gru_forward", settings)


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
                     "inputs": "input size D (2; up to 4)",
                     "steps": "sequence length T (2; 2 to 4)",
                     "reset": "before or after (before)",
                     "update": "keep_prev or keep_new (keep_prev)"},
)
