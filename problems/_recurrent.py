"""What the recurrent-cell families (lstm_forward, gru_forward) share: the activations, the
weight constants and gate step, the stale-state mistake, the sampler's draws and fairness."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from grader.errors import GraderError
from grader.graph import Graph, Mistake, Rewrite, Step, on_kinds
from grader.params import Params
from problems._sampling import decimals

MAX_PREACTIVATION = 3.0
MIN_CHANGE = 0.01
"""A sampled mistake must move some part by at least this much, well beyond honest rounding."""
MAX_DRAWS = 1000


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z)."""
    return 1 / (1 + np.exp(-z))


def flipped_sigmoid(z):
    """1 / (1 + e^+z) = 1 - sigma(z), the sign-flipped sigmoid of a catalogued mistake."""
    return 1 / (1 + np.exp(z))


def fill(text: str, t: int) -> str:
    """A step template with <t> as the time step and <p> as the one before."""
    return text.replace("<t>", str(t)).replace("<p>", str(t - 1))


def without_noise(total, magnitude, terms: int):
    """total with each entry that is within rounding noise of 0 set to exactly 0.

    magnitude is the same sum taken over the absolute values of its terms (|W| |x| + ...),
    terms the number of products added. A sum that is 0 on paper, such as
    0.3 * 0.2 - 0.6 * 0.1, leaves about 1e-17 in floating point, and a different 1e-17 on a
    CPU whose BLAS fuses multiply and add (AVX2) than on one without: the key would show
    students "6.883 x 10^-17", and two machines would write different keys. Below
    terms * eps * magnitude (twice the textbook bound on the rounding error of such a sum) an
    entry has no correct digit, so it is written as the 0 it is on paper.
    """
    limit = terms * np.finfo(float).eps * magnitude
    return np.where(np.abs(total) <= limit, 0.0, total)


NOISE_CHECKED_BELOW = 1e-9
"""Only a sum with an entry this close to 0 has its magnitude taken (it doubles a gate's cost).

Noise above it needs terms beyond about 1e5 in size, which no course exercise has."""


def snapped(total, magnitude: Callable[[], Any], terms: int):
    """`without_noise`, with the magnitude worked out (`magnitude()`) only when some entry of
    total is close enough to 0 to be rounding noise: most sums are not."""
    if np.abs(total).min() >= NOISE_CHECKED_BELOW:
        return total
    return without_noise(total, magnitude(), terms)


def pre_activation(weights, x, recurrent, h_prev, bias):
    """W x + U h_prev + b, with entries that are 0 on paper exactly 0 (without_noise)."""
    z = weights @ x + np.dot(recurrent, h_prev) + bias
    return snapped(z, lambda: np.abs(weights) @ np.abs(x)
                   + np.dot(np.abs(recurrent), np.abs(h_prev)) + np.abs(bias),
                   x.size + h_prev.size + 1)


def gate_fn(activation: Callable) -> Callable:
    """activation(W x + U h_prev + b); a scalar (0-d) result when the cell has one unit."""

    def fn(weights, x, recurrent, h_prev, bias):
        weights = np.asarray(weights, dtype=float)
        z = pre_activation(weights, np.asarray(x, dtype=float), recurrent,
                           np.asarray(h_prev, dtype=float), bias)
        out = activation(z)
        return out.reshape(()) if weights.shape[0] == 1 else out

    return fn


def gate_step(part: str, block: str, activation: Callable, symbol: str, label: str, t: int,
              dot: str) -> Step:
    """The step part_t = activation(W_block x_t + U_block h_{t-1} + b_block)."""
    name = "\\sigma" if activation is sigmoid else "\\tanh"
    return Step(
        f"{part}_{t}", (f"W_{block}", f"x_{t}", f"U_{block}", f"h_{t - 1}", f"b_{block}"),
        gate_fn(activation),
        fill(rf"{symbol}_{{<t>}} = {name}\left(W_{block} x_{{<t>}} + U_{block} h_{{<p>}} "
             rf"+ b_{block}\right)", t),
        fill(rf"{name}\left(${{W_{block}}} ${{x_<t>}} + ${{U_{block}}}{dot}${{h_<p>}} "
             rf"+ ${{b_{block}}}\right)", t),
        kind=part, label=f"{label}, step {t}")


def reads_initial(kinds: tuple[str, ...], state: str) -> Rewrite:
    """Mistake: every step reads the initial state_0 where it should read state_{t-1}."""
    earlier = re.compile(rf"{state}_\d+")

    def change(step: Step) -> Step:
        inputs = tuple(f"{state}_0" if earlier.fullmatch(name) else name for name in step.inputs)
        return replace(step, inputs=inputs)

    return on_kinds(kinds, change)


def as_written(value, hidden: int):
    """With one unit, vectors and 1x1 matrices become plain numbers, as a student writes them."""
    return np.asarray(value, dtype=float).reshape(()) if hidden == 1 else value


def block_constants(params: Params, blocks: Iterable[str]) -> dict[str, Any]:
    """W_*, U_* and b_* of each block as graph constants, U_* and b_* as a student writes them."""
    hidden = params.dims["H"]
    constants: dict[str, Any] = {}
    for block in blocks:
        constants[f"W_{block}"] = params[f"W_{block}"]
        constants[f"U_{block}"] = as_written(params[f"U_{block}"], hidden)
        constants[f"b_{block}"] = as_written(params[f"b_{block}"], hidden)
    return constants


def draw_cell(rng: np.random.Generator, blocks: Iterable[str], hidden: int, inputs: int,
              steps: int) -> dict[str, Any]:
    """One-decimal W_*, U_* (block by block) and x in [-1, 1], b_* in [-0.5, 0.5]."""
    raw: dict[str, Any] = {}
    for block in blocks:
        raw[f"W_{block}"] = decimals(rng, -1.0, 1.0, (hidden, inputs))
        raw[f"U_{block}"] = decimals(rng, -1.0, 1.0, (hidden, hidden))
        raw[f"b_{block}"] = decimals(rng, -0.5, 0.5, (hidden,))
    raw["x"] = decimals(rng, -1.0, 1.0, (steps, inputs))
    return raw


def is_fair(graph: Graph, mistakes: Iterable[Mistake], sigmoid_kinds: tuple[str, ...],
            tanh_kinds: tuple[str, ...], skip: tuple[str, ...] = ()) -> bool:
    """Pre-activations within +-3 and every mistake visible beyond rounding.

    Left out: the mistakes in ``skip`` (invisible for this instance's sizes) and variants that
    reach no posed part (Graph.reached_parts: a loss convention without a loss).
    """
    env = graph.evaluate()
    low, high = sigmoid(-MAX_PREACTIVATION), sigmoid(MAX_PREACTIVATION)
    for step in graph.steps:
        value = env[step.name]
        if step.kind in sigmoid_kinds and not np.all((low <= value) & (value <= high)):
            return False
        if step.kind in tanh_kinds and np.any(np.abs(value) > np.tanh(MAX_PREACTIVATION)):
            return False
    correct = graph.answers()
    for mistake in mistakes:
        if mistake.id in skip:
            continue
        for variant in mistake.variants:
            if not graph.reached_parts(variant.rewrite):
                continue
            wrong = graph.rewritten(variant.rewrite).answers()
            if not any(np.max(np.abs(np.asarray(wrong[part]) - correct[part])) >= MIN_CHANGE
                       for part in correct):
                return False
    return True


def first_fair(draw: Callable[[], dict], fair: Callable[[dict], bool], family: str,
               settings: Mapping[str, Any]) -> dict:
    """The first of up to MAX_DRAWS draws that is fair, or GraderError."""
    for _ in range(MAX_DRAWS):
        raw = draw()
        if fair(raw):
            return raw
    raise GraderError(f"no fair {family} variant in {MAX_DRAWS} draws for {dict(settings)}")
