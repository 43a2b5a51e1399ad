"""lstm_forward: an LSTM cell run over a short sequence, gate by gate."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from grader.errors import GraderError, ParamError
from grader.family import Family
from grader.graph import Graph, Mistake, Rewrite, Step, Variant, swap_fn
from grader.params import Choice, Dims, Flag, Items, Params, ParamSpec, Tensor, zeros
from problems import _recurrent as rnn
from problems._sampling import decimals, size_setting

GATES = ("f", "i", "c", "o")
"""The weight blocks W_f, W_i, W_c, W_o (and U_*, b_*); block c makes the candidate c_tilde."""

LOSSES = ("abs", "sq", "mse", "half_sse")
LOSS_KINDS = {"abs": "err", "sq": "sq_err", "mse": "mse", "half_sse": "half_sse"}
"""Step kind of each loss; per-step losses are parts err_t / sq_err_t, totals one part `loss`."""

GATE_KINDS = ("f", "i", "o")


def _token(entry: Any, where: str) -> tuple[int, int | None]:
    """A token as (index, length of its one-hot vector or None for a plain index)."""
    if isinstance(entry, list | tuple):
        if not entry or any(isinstance(v, bool) or v not in (0, 1) for v in entry) \
                or sum(entry) != 1:
            raise ParamError(where, "a one-hot vector needs exactly one 1 and zeros elsewhere")
        return list(entry).index(1), len(entry)
    if isinstance(entry, bool) or not isinstance(entry, int | float) or entry != int(entry):
        raise ParamError(where, f"expected a token index (0-based) or a one-hot vector, "
                                f"got {entry!r}")
    if entry < 0:
        raise ParamError(where, f"token indices start at 0, got {int(entry)}")
    return int(entry), None


CONCAT = Flag(name="concat", default=False,
              doc="each W_* is one H x (H+D) matrix over [h_{t-1}, x_t] (U_* then W_*); "
                  "leave U_* out")
EMBEDDING = Tensor(name="embedding", dims=("V", "D"), default=None,
                   doc="embedding table, one row per token (use with tokens instead of x)")
TOKENS = Items(name="tokens", item=_token, item_doc="token indices (0-based) or one-hot vectors",
               default=None, doc="the input sequence as tokens; x_t is the token's embedding row")

PARAMS_FIELDS = (
    *(Tensor(name=f"W_{g}", dims=("H", "D"), doc=f"input weights of block {g}") for g in GATES),
    *(Tensor(name=f"U_{g}", dims=("H", "H"), doc=f"recurrent weights of block {g}")
      for g in GATES),
    *(Tensor(name=f"b_{g}", dims=("H",), doc=f"bias of block {g}") for g in GATES),
    Tensor(name="x", dims=("T", "D"), doc="inputs, one row x_t per time step"),
    Tensor(name="h0", dims=("H",), default=zeros("H"), fill_scalar=True,
           doc="initial hidden state h_0"),
    Tensor(name="c0", dims=("H",), default=zeros("H"), fill_scalar=True,
           doc="initial cell state c_0"),
    Tensor(name="y", dims=("T", "H"), default=None, doc="targets, one row y_t per step"),
    Choice(name="loss", choices=LOSSES, default=None,
           doc="abs / sq: per-step error; mse: mean over steps and units; "
               "half_sse: 1/2 of the sum"),
    CONCAT,
    EMBEDDING,
    TOKENS,
)


def _split_concatenated(raw: dict) -> None:
    dims = Dims()
    for gate in GATES:
        if raw.get(f"U_{gate}") is not None:
            raise ParamError(f"U_{gate}", f"must be left out when concat is true "
                                          f"(W_{gate} holds U_{gate} and W_{gate} side by side)")
        name = f"W_{gate}"
        if raw.get(name) is None:
            raise ParamError(name, "is required")
        matrix = Tensor(name=name, dims=("H", "H+D"), doc="").parse(raw[name], dims)
        hidden, width = matrix.shape
        if width <= hidden:
            raise ParamError(name, f"with concat, expected H + D columns with H={hidden} rows "
                                   f"and D >= 1, got {width} columns")
        raw[f"U_{gate}"] = matrix[:, :hidden].tolist()
        raw[name] = matrix[:, hidden:].tolist()


def _embed_tokens(raw: dict) -> None:
    if raw.get("x") is not None:
        raise ParamError("x", "give either x or embedding and tokens, not both")
    for name, other in (("embedding", "tokens"), ("tokens", "embedding")):
        if raw.get(name) is None:
            raise ParamError(name, f"is required together with {other}")
    table = EMBEDDING.parse(raw.pop("embedding"), Dims())
    tokens = TOKENS.parse(raw.pop("tokens"), Dims())
    vocabulary, width = table.shape
    rows = []
    for position, (index, length) in enumerate(tokens):
        where = f"tokens[{position}]"
        if length is not None and length != vocabulary:
            raise ParamError(where, f"one-hot vector of length {length}, but the embedding has "
                                    f"V={vocabulary} rows")
        if index >= vocabulary:
            raise ParamError(where, f"index {index} is out of range: the embedding has "
                                    f"V={vocabulary} rows (indices 0 to {vocabulary - 1})")
        rows.append(index)
    try:
        weights = np.asarray(raw.get("W_f"), dtype=float)
    except (TypeError, ValueError):
        weights = np.zeros(0)
    if weights.ndim == 2 and weights.shape[1] != width:
        raise ParamError("embedding", f"rows have {width} entries, but W_f has D="
                                      f"{weights.shape[1]} columns")
    raw["x"] = table[rows].tolist()


def _prepare(raw: dict) -> dict:
    """Rewrite the concatenated-gate and embedded-token forms into W_*, U_* and x."""
    raw = dict(raw)
    concat = raw.pop("concat", None)
    if concat is not None and CONCAT.parse(concat, Dims()):
        _split_concatenated(raw)
    if raw.get("embedding") is not None or raw.get("tokens") is not None:
        _embed_tokens(raw)
    raw.pop("embedding", None)
    raw.pop("tokens", None)
    return raw


def _check(params: Params) -> None:
    if params["loss"] is not None and params["y"] is None:
        raise ParamError("y", f"targets (T x H) are required for loss {params['loss']}")
    if params["y"] is not None and params["loss"] is None:
        raise ParamError("loss", f"targets y are given, so name the loss: {', '.join(LOSSES)}")


PARAMS = ParamSpec(fields=PARAMS_FIELDS, prepare=_prepare, check=_check)

CANONICAL = {
    "W_f": [[0.8, 0.4]], "U_f": [[0.1]], "b_f": [0.2],
    "W_i": [[0.9, 0.8]], "U_i": [[0.7]], "b_i": [0.5],
    "W_c": [[0.4, 0.2]], "U_c": [[0.1]], "b_c": [0.3],
    "W_o": [[0.6, 0.4]], "U_o": [[0.1]], "b_o": [0.2],
    "x": [[0.3, 0.6], [0.1, 1.0]],
    "y": [[0.2], [0.4]],
    "h0": 0,
    "c0": 0,
    "loss": "abs",
}


def _cell(f, c_prev, i, c_tilde):
    f, c_prev, i, c_tilde = (np.asarray(v, dtype=float) for v in (f, c_prev, i, c_tilde))
    return np.asarray(f * c_prev + i * c_tilde)


def _hidden(o, c):
    return np.asarray(np.asarray(o, dtype=float) * np.tanh(np.asarray(c, dtype=float)))


def _hidden_without_tanh(o, c):
    return np.asarray(np.asarray(o, dtype=float) * np.asarray(c, dtype=float))


def _differences(pairs: tuple) -> list[np.ndarray]:
    return [np.asarray(h, dtype=float) - np.asarray(y, dtype=float)
            for h, y in zip(pairs[0::2], pairs[1::2], strict=True)]


def _half_square(e):
    return 0.5 * np.square(e)


def _step_error(elementwise: Callable) -> Callable:
    """Error of one step from (h_t, y_t); given more pairs, their running sum."""

    def error(*pairs):
        return np.asarray(sum(elementwise(d) for d in _differences(pairs)))

    return error


def _total_loss(elementwise: Callable, scale: Callable[[int], float]) -> Callable:
    """scale(N) times the sum over all steps and units, from (h_1, y_1, ..., h_T, y_T)."""

    def loss(*pairs):
        differences = _differences(pairs)
        count = sum(d.size for d in differences)
        return np.asarray(scale(count) * sum(np.sum(elementwise(d)) for d in differences))

    return loss


def _mean(count):
    return 1 / count


def _half(count):
    return 0.5


def _whole(count):
    return 1.0


def _half_mean(count):
    return 1 / (2 * count)


LOSS_FNS = {"err": _step_error(np.abs), "sq_err": _step_error(np.square),
            "mse": _total_loss(np.square, _mean), "half_sse": _total_loss(np.square, _half)}


GATE_STEPS = (
    # part, block, activation, symbol, label
    ("f", "f", rnn.sigmoid, r"f", "forget gate"),
    ("i", "i", rnn.sigmoid, r"i", "input gate"),
    ("c_tilde", "c", np.tanh, r"\tilde{c}", "candidate cell state"),
)


def _loss_steps(loss: str, steps: int, hidden: int) -> tuple[Step, ...]:
    kind = LOSS_KINDS[loss]
    if loss in ("abs", "sq"):
        symbol, rule, what = (("e", r"\left\lvert {h} - {y} \right\rvert", "absolute error")
                              if loss == "abs" else
                              ("s", r"\left({h} - {y}\right)^{{2}}", "squared error"))
        return tuple(
            Step(f"{kind}_{t}", (f"h_{t}", f"y_{t}"), LOSS_FNS[kind],
                 f"{symbol}_{{{t}}} = " + rule.format(h=f"h_{{{t}}}", y=f"y_{{{t}}}"),
                 rule.format(h=f"${{h_{t}}}", y=f"${{y_{t}}}"),
                 kind=kind, label=f"{what}, step {t}")
            for t in range(1, steps + 1))
    inputs = tuple(name for t in range(1, steps + 1) for name in (f"h_{t}", f"y_{t}"))
    square = (r"\left({h} - {y}\right)^{{2}}" if hidden == 1
              else r"\left\lVert {h} - {y} \right\rVert^{{2}}")
    terms = " + ".join(square.format(h=f"${{h_{t}}}", y=f"${{y_{t}}}")
                       for t in range(1, steps + 1))
    if loss == "mse":
        formula = r"L = \frac{1}{TH} \sum_{t=1}^{T} \sum_{j=1}^{H} (h_{t,j} - y_{t,j})^2"
        factor, label = rf"\frac{{1}}{{{steps * hidden}}}", "mean squared error"
    else:
        formula = r"L = \frac{1}{2} \sum_{t=1}^{T} \lVert h_t - y_t \rVert^2"
        factor, label = r"\frac{1}{2}", "half the sum of squared errors"
    return (Step("loss", inputs, LOSS_FNS[kind], formula, rf"{factor}\left({terms}\right)",
                 kind=kind, label=label),)


def build(params: Params) -> Graph:
    """The forward pass: per step f, i, c_tilde -> c, o -> h, then the loss asked."""
    hidden, steps = params.dims["H"], params.dims["T"]
    constants = rnn.block_constants(params, GATES)
    constants["h_0"] = rnn.as_written(params["h0"], hidden)
    constants["c_0"] = rnn.as_written(params["c0"], hidden)
    for t in range(1, steps + 1):
        constants[f"x_{t}"] = params["x"][t - 1]
        if params["loss"] is not None:
            constants[f"y_{t}"] = rnn.as_written(params["y"][t - 1], hidden)
    return Graph(constants, _steps(hidden, steps, params["loss"]))


@functools.lru_cache(maxsize=64)
def _steps(hidden: int, steps: int, loss: str | None) -> tuple[Step, ...]:
    """The graph's steps, which hold no numbers (those are its constants): made once per
    shape and loss, and shared by every student's graph."""
    dot, times = (r" \cdot ", r" \cdot ") if hidden == 1 else (" ", r" \odot ")
    output_gate = ("o", "o", rnn.sigmoid, "o", "output gate")
    result: list[Step] = []
    for t in range(1, steps + 1):
        result.extend(rnn.gate_step(*spec, t, dot) for spec in GATE_STEPS)
        result.append(Step(
            f"c_{t}", (f"f_{t}", f"c_{t - 1}", f"i_{t}", f"c_tilde_{t}"), _cell,
            rnn.fill(rf"c_{{<t>}} = f_{{<t>}}{times}c_{{<p>}} "
                     rf"+ i_{{<t>}}{times}\tilde{{c}}_{{<t>}}", t),
            rnn.fill(rf"${{f_<t>}}{times}${{c_<p>}} + ${{i_<t>}}{times}${{c_tilde_<t>}}", t),
            kind="c", label=f"cell state, step {t}"))
        result.append(rnn.gate_step(*output_gate, t, dot))
        result.append(Step(
            f"h_{t}", (f"o_{t}", f"c_{t}"), _hidden,
            rnn.fill(rf"h_{{<t>}} = o_{{<t>}}{times}\tanh(c_{{<t>}})", t),
            rnn.fill(rf"${{o_<t>}}{times}\tanh(${{c_<t>}})", t),
            kind="h", label=f"hidden state, step {t}"))
        if loss in ("abs", "sq"):
            result.append(_loss_steps(loss, steps, hidden)[t - 1])
    if loss in ("mse", "half_sse"):
        result.extend(_loss_steps(loss, steps, hidden))
    return tuple(result)


def _loss_rewrite(rules: Mapping[str, tuple[Callable, bool]]) -> Rewrite:
    """Mistake: the loss step of each kind uses another rule; `running` sums steps 1..t."""

    def rewrite(step: Step) -> Step:
        if step.kind not in rules:
            return step
        fn, running = rules[step.kind]
        if not running:
            return replace(step, fn=fn)
        t = int(step.name.rsplit("_", 1)[1])
        inputs = tuple(name for s in range(1, t + 1) for name in (f"h_{s}", f"y_{s}"))
        return replace(step, fn=fn, inputs=inputs)

    return rewrite


MISTAKES = (
    Mistake("sigmoid_sign_flipped", "Computed the gates with 1/(1 + e^(+z)), which is "
            "1 - sigma(z), instead of sigma(z).", (
                Variant("one_minus_sigma", swap_fn(GATE_KINDS, rnn.gate_fn(rnn.flipped_sigmoid))),
            )),
    Mistake("stale_hidden_state", "Used the initial hidden state h_0 at every step instead of "
            "the previous one, h_{t-1}.", (
                Variant("h_0", rnn.reads_initial(("f", "i", "c_tilde", "o"), "h")),
            )),
    Mistake("cell_not_carried", "Used the initial cell state c_0 at every step instead of "
            "carrying c_{t-1} forward.", (Variant("c_0", rnn.reads_initial(("c",), "c")),)),
    Mistake("candidate_activation", "Used the wrong activation: sigmoid for the candidate "
            "c_tilde, or tanh for a gate.", (
                Variant("sigmoid_candidate", swap_fn(("c_tilde",), rnn.gate_fn(rnn.sigmoid))),
                Variant("tanh_gates", swap_fn(GATE_KINDS, rnn.gate_fn(np.tanh))),
            )),
    Mistake("h_without_tanh", "Computed h_t = o_t * c_t, without the tanh of the cell state.",
            (Variant("o_times_c", swap_fn(("h",), _hidden_without_tanh)),)),
    Mistake("loss_convention", "Used another loss convention: squared instead of absolute "
            "error or the reverse, a sum instead of a mean or per-step error, or a 1/2 factor.", (
                Variant("abs_vs_squared", _loss_rewrite({
                    "err": (_step_error(np.square), False),
                    "sq_err": (_step_error(np.abs), False),
                    "mse": (_total_loss(np.abs, _mean), False),
                    "half_sse": (_total_loss(np.abs, _half), False)})),
                Variant("sum", _loss_rewrite({
                    "err": (_step_error(np.abs), True),
                    "sq_err": (_step_error(np.square), True),
                    "mse": (_total_loss(np.square, _whole), False),
                    "half_sse": (_total_loss(np.square, _whole), False)})),
                Variant("half", _loss_rewrite({
                    "err": (_step_error(_half_square), False),
                    "sq_err": (_step_error(_half_square), False),
                    "mse": (_total_loss(np.square, _half_mean), False),
                    "half_sse": (_total_loss(np.square, _half_mean), False)})),
            )),
)


def _is_fair(raw: dict) -> bool:
    """Pre-activations within +-3 and every mistake visible beyond rounding."""
    return rnn.is_fair(build(PARAMS.parse(raw)), MISTAKES, GATE_KINDS, ("c_tilde",))


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """One-decimal weights and inputs in [-1, 1], h0 = c0 = 0 as in the course, T >= 2."""
    hidden = size_setting(settings, "hidden", 1, 1, 3)
    inputs = size_setting(settings, "inputs", 2, 1, 4)
    steps = size_setting(settings, "steps", 2, 2, 4)
    loss = settings.get("loss", "abs")
    if loss not in (*LOSSES, "none"):
        raise GraderError(f"setting 'loss': expected one of {', '.join(LOSSES)}, none; "
                          f"got {loss!r}")

    def draw() -> dict:
        raw = dict(rnn.draw_cell(rng, GATES, hidden, inputs, steps), h0=0, c0=0)
        if loss != "none":
            raw.update(y=decimals(rng, -0.9, 0.9, (steps, hidden)), loss=loss)
        return raw

    return rnn.first_fair(draw, _is_fair, "lstm_forward", settings)


FAMILY = Family(
    name="lstm_forward",
    title="LSTM forward pass",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="lstm_forward.tex.j2",
    mistakes=MISTAKES,
    sample_settings={"hidden": "hidden size H (1; up to 3)", "inputs": "input size D (2; up to 4)",
                     "steps": "sequence length T (2; 2 to 4)",
                     "loss": "abs, sq, mse, half_sse or none (abs)"},
)
