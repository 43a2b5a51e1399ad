"""param_count: trainable parameters of a recurrent language model or a stacked RNN."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from grader.errors import ParamError
from grader.family import Family
from grader.graph import Graph, Mistake, Step, Variant, chain, on_kinds, swap_fn
from grader.params import Choice, Dims, Flag, Integer, Items, Params, ParamSpec

KINDS = ("rnn_lm", "stacked_rnn")
CELLS = ("lstm", "gru", "rnn")
GATE_BLOCKS = {"lstm": 4, "gru": 3, "rnn": 1}
"""Weight blocks per cell: one per gate plus the candidate (LSTM i, f, g, o; GRU r, z, n)."""
BIAS_VECTORS = {"pytorch": 2, "keras": 1}
"""Bias vectors per gate block: PyTorch adds b_ih and b_hh, Keras LSTM/SimpleRNN one."""
DEFAULT_BIAS_CONVENTION = "pytorch"

KIND_FIELDS = {
    "rnn_lm": {"required": ("vocab", "embedding", "hidden"), "optional": ("biases",)},
    "stacked_rnn": {"required": ("cell", "input_size", "hidden_sizes"),
                    "optional": ("output_size", "bias_convention")},
}


MAX_SIZE = 1_000_000
"""Largest vocabulary or layer size: beyond any a course poses, and with at most MAX_LAYERS
layers every count stays below 2^53, exact in 64-bit integers and in floats alike."""
MAX_LAYERS = 100


def _positive_size(raw: Any, label: str) -> int:
    return _size(label, "").parse(raw, Dims())


def _size(name: str, doc: str) -> Integer:
    """A size from 1 to MAX_SIZE, None when omitted (only one kind of count uses it)."""
    return Integer(name=name, doc=doc, minimum=1, maximum=MAX_SIZE, default=None)


def _check_kind(params: Params) -> None:
    kind = params["kind"]
    own = KIND_FIELDS[kind]
    for name in own["required"]:
        if params.values[name] is None:
            raise ParamError(name, f"is required for kind '{kind}'")
    allowed = {"kind", *own["required"], *own["optional"]}
    for name, value in params.values.items():
        if value is not None and name not in allowed:
            expected = ", ".join(sorted(allowed))
            raise ParamError(name, f"does not apply to kind '{kind}' (its parameters: "
                                   f"{expected})")


# Kind-specific fields default to None so that the check can tell "given" from "omitted";
# the effective defaults (biases false, pytorch convention) are applied in build.
PARAMS = ParamSpec(
    fields=(
        Choice(name="kind", choices=KINDS, doc="what is counted: a language model or a stack"),
        _size("vocab", "rnn_lm: vocabulary size V"),
        _size("embedding", "rnn_lm: embedding size E"),
        _size("hidden", "rnn_lm: hidden size H"),
        Flag(name="biases", default=None,
             doc="rnn_lm: count a bias H on the input map and V on the output (false if omitted)"),
        Choice(name="cell", choices=CELLS, default=None, doc="stacked_rnn: the cell type"),
        _size("input_size", "stacked_rnn: features entering the first layer"),
        Items(name="hidden_sizes", item=_positive_size, item_doc="positive integers",
              default=None, max_items=MAX_LAYERS,
              doc="stacked_rnn: hidden size of each layer, first to last"),
        _size("output_size", "stacked_rnn: outputs of a linear head with bias (no head if "
                             "omitted)"),
        Choice(name="bias_convention", choices=tuple(BIAS_VECTORS), default=None,
               doc="stacked_rnn: two bias vectors per gate block (pytorch, if omitted) or one"),
    ),
    check=_check_kind,
)

CANONICAL = {"kind": "rnn_lm", "vocab": 8, "embedding": 6, "hidden": 5, "biases": False}


def _layer_count(gates, inputs, hidden, bias_vectors):
    return gates * (hidden * (inputs + hidden) + bias_vectors * hidden)


def _head_count(hidden, outputs):
    return outputs * hidden + outputs


def stacked_layer_sizes(cell: str, input_size: int, hidden_sizes: Sequence[int],
                        output_size: int | None, bias_convention: str) -> list[int]:
    """Trainable parameters of each recurrent layer of a stack, then of its linear head."""
    if cell not in GATE_BLOCKS:
        raise ValueError(f"unknown cell {cell!r} (expected one of {', '.join(CELLS)})")
    if bias_convention not in BIAS_VECTORS:
        raise ValueError(f"unknown bias convention {bias_convention!r} "
                         f"(expected one of {', '.join(BIAS_VECTORS)})")
    sizes, inputs = [], int(input_size)
    for hidden in hidden_sizes:
        sizes.append(_layer_count(GATE_BLOCKS[cell], inputs, int(hidden),
                                  BIAS_VECTORS[bias_convention]))
        inputs = int(hidden)
    if output_size is not None:
        sizes.append(_head_count(inputs, int(output_size)))
    return sizes


def _count(value):
    return np.asarray(value)


def _sum(*counts):
    return np.asarray(sum(counts))


def _build_rnn_lm(params: Params) -> Graph:
    nb = int(bool(params.get("biases", False)))
    plus_h, plus_v = (" + H", " + V") if nb else ("", "")
    numbers_h, numbers_v = (" + ${H}", " + ${V}") if nb else ("", "")
    constants = {"V": params["vocab"], "E": params["embedding"], "H": params["hidden"], "nb": nb}
    steps = (
        Step("embedding", ("E", "V"), lambda e, v: _count(e * v),
             r"P_{\text{emb}} = E \times V", r"${E} \times ${V}", kind="embedding",
             label="embedding matrix"),
        Step("input", ("H", "E", "nb"), lambda h, e, b: _count(h * e + b * h),
             rf"P_{{\text{{in}}}} = H \times E{plus_h}", rf"${{H}} \times ${{E}}{numbers_h}",
             kind="input", label="input-to-hidden map" + (" and its bias" if nb else "")),
        Step("recurrent", ("H",), lambda h: _count(h * h),
             r"P_{\text{rec}} = H \times H", r"${H} \times ${H}", kind="recurrent",
             label="hidden-to-hidden recurrence"),
        Step("output", ("V", "H", "nb"), lambda v, h, b: _count(v * h + b * v),
             rf"P_{{\text{{out}}}} = V \times H{plus_v}", rf"${{V}} \times ${{H}}{numbers_v}",
             kind="output", label="hidden-to-vocabulary map" + (" and its bias" if nb else "")),
        Step("total", ("embedding", "input", "recurrent", "output"), _sum,
             r"P = P_{\text{emb}} + P_{\text{in}} + P_{\text{rec}} + P_{\text{out}}",
             r"${embedding} + ${input} + ${recurrent} + ${output}", kind="total",
             label="all trainable parameters"),
    )
    return Graph(constants, steps)


def _build_stacked(params: Params) -> Graph:
    cell = params["cell"]
    convention = params.get("bias_convention", DEFAULT_BIAS_CONVENTION)
    hidden_sizes = params["hidden_sizes"]
    constants: dict[str, Any] = {"gates": GATE_BLOCKS[cell], "nb": BIAS_VECTORS[convention],
                                 "I": params["input_size"]}
    steps, previous = [], "I"
    for k, hidden in enumerate(hidden_sizes, start=1):
        constants[f"H_{k}"] = int(hidden)
        inputs = ("gates", previous, f"H_{k}", "nb")
        steps.append(Step(
            f"layer_{k}", inputs, _layer_count,
            rf"P_{{{k}}} = g\,\bigl(H_{{{k}}} (I_{{{k}}} + H_{{{k}}}) + n_b H_{{{k}}}\bigr)",
            rf"${{gates}} \bigl(${{H_{k}}} (${{{previous}}} + ${{H_{k}}}) + ${{nb}} "
            rf"\cdot ${{H_{k}}}\bigr)",
            kind="layer", part=False,
            label=f"{cell.upper()} layer {k}: g = {GATE_BLOCKS[cell]} weight blocks, "
                  f"n_b = {BIAS_VECTORS[convention]} bias vector(s) per block ({convention})"))
        previous = f"H_{k}"
    if params.get("output_size") is not None:
        constants["O"] = params["output_size"]
        steps.append(Step("head", (previous, "O"), _head_count,
                          rf"P_{{\text{{head}}}} = O \times H_{{{len(hidden_sizes)}}} + O",
                          rf"${{O}} \times ${{{previous}}} + ${{O}}", kind="head",
                          label="linear head with bias", part=False))
    members = tuple(step.name for step in steps)
    steps.append(Step(
        "layers", members, lambda *sizes: np.array(sizes, dtype=np.int64),
        r"\text{layers} = (" + ", ".join(f"P_{{{name.removeprefix('layer_')}}}"
                                         if name != "head" else r"P_{\text{head}}"
                                         for name in members) + ")",
        "(" + ", ".join(f"${{{name}}}" for name in members) + ")",
        kind="layers", label="parameters per layer, head last"))
    steps.append(Step("total", ("layers",), lambda layers: np.asarray(np.sum(layers)),
                      r"P = \sum_k P_k", r"\operatorname{sum} ${layers}", kind="stack_total",
                      label="all trainable parameters"))
    return Graph(constants, tuple(steps))


def build(params: Params) -> Graph:
    """The counts part by part (rnn_lm), or layer by layer and the head (stacked_rnn)."""
    if params["kind"] == "rnn_lm":
        return _build_rnn_lm(params)
    return _build_stacked(params)


def _with_inputs(kinds, inputs: tuple[str, ...], fn):
    return on_kinds(kinds, lambda step: replace(step, inputs=inputs, fn=fn))


# Each rewrite touches the steps of both kinds it applies to; a step absent from an instance
# (no head, no biases, a plain RNN cell) simply leaves that instance's answers unchanged.
MISTAKES = (
    Mistake("no_biases", "Left out the bias vectors and counted only the weight matrices.", (
        Variant("weights_only", chain(
            swap_fn(("input",), lambda h, e, b: _count(h * e)),
            swap_fn(("output",), lambda v, h, b: _count(v * h)),
            swap_fn(("layer",), lambda g, i, h, b: _layer_count(g, i, h, 0)),
            swap_fn(("head",), lambda h, o: o * h))),
    ), when={"kind": "rnn_lm", "biases": True}),
    Mistake("bias_convention", "Counted the other bias convention: one bias vector per gate "
            "block where PyTorch has two (b_ih and b_hh), or two where one is meant.", (
                Variant("other_convention", chain(
                    swap_fn(("layer",), lambda g, i, h, b: _layer_count(g, i, h, 3 - b)),
                    _with_inputs(("recurrent",), ("H", "nb"),
                                 lambda h, b: _count(h * h + b * h)))),
            ), when={"kind": "stacked_rnn"}),
    Mistake("gate_factor", "Counted one weight block per layer, forgetting the factor 4 "
            "(LSTM) or 3 (GRU) for the gates.", (
                Variant("one_block", swap_fn(("layer",),
                                             lambda g, i, h, b: _layer_count(1, i, h, b))),
            ), when={"kind": "stacked_rnn", "cell": "lstm"}),
    Mistake("forgot_recurrent", "Left out the hidden-to-hidden recurrence (the H x H term).", (
        Variant("no_HH", chain(
            swap_fn(("layer",), lambda g, i, h, b: g * (h * i + b * h)),
            swap_fn(("total",), lambda emb, inp, rec, out: _sum(emb, inp, out)))),
    )),
    Mistake("forgot_embedding", "Left the embedding matrix out of the total.", (
        Variant("total_without_embedding",
                swap_fn(("total",), lambda emb, inp, rec, out: _sum(inp, rec, out))),
    ), when={"kind": "rnn_lm"}),
)

LM_SIZES = {"vocab": (4, 20), "embedding": (2, 16), "hidden": (2, 16)}
DEFAULT_MAX_LAYERS = 3
STACK_HIDDEN = tuple(range(8, 65, 8))
STACK_INPUT = (1, 20)
STACK_OUTPUT = (1, 20)


def _pick(rng: np.random.Generator, settings: Mapping[str, Any], name: str, choices: tuple):
    """The setting's value when given (and valid), else a draw from the choices."""
    if settings.get(name) is not None:
        if settings[name] not in choices:
            options = ", ".join(str(choice) for choice in choices)
            raise ParamError(name, f"randomization setting expects one of {options}, "
                                   f"got {settings[name]!r}")
        return settings[name]
    return choices[int(rng.integers(len(choices)))]


def _layer_setting(rng: np.random.Generator, settings: Mapping[str, Any]) -> int:
    given = settings.get("layers")
    if given is None:
        return int(rng.integers(1, DEFAULT_MAX_LAYERS + 1))
    if isinstance(given, bool) or not isinstance(given, int) or not 1 <= given <= MAX_LAYERS:
        raise ParamError("layers", f"randomization setting expects a whole number from 1 to "
                                   f"{MAX_LAYERS}, got {given!r}")
    return given


KIND_SETTINGS = {"rnn_lm": ("biases",),
                 "stacked_rnn": ("cell", "layers", "bias_convention", "head")}
"""The randomization settings each kind reads (besides `kind`)."""


def _refuse_other_kinds_settings(settings: Mapping[str, Any]) -> None:
    """With `kind` given, a setting only the other kind reads would be ignored: refused."""
    kind = settings.get("kind")
    if kind not in KIND_SETTINGS:
        return
    for other, names in KIND_SETTINGS.items():
        given = [name for name in names if settings.get(name) is not None]
        if other != kind and given:
            raise ParamError(given[0], f"randomization setting is for kind {other}, and this "
                                       f"question's kind is {kind}")


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """A count small enough for hand work: sizes up to 20, or stacks of 1-3 layers of 8-64."""
    _refuse_other_kinds_settings(settings)
    kind = _pick(rng, settings, "kind", KINDS)
    if kind == "rnn_lm":
        raw: dict[str, Any] = {"kind": kind}
        for name, (low, high) in LM_SIZES.items():
            raw[name] = int(rng.integers(low, high + 1))
        raw["biases"] = bool(_pick(rng, settings, "biases", (False, True)))
        return raw
    layers = _layer_setting(rng, settings)
    raw = {
        "kind": kind,
        "cell": _pick(rng, settings, "cell", CELLS),
        "input_size": int(rng.integers(STACK_INPUT[0], STACK_INPUT[1] + 1)),
        "hidden_sizes": [int(rng.choice(STACK_HIDDEN)) for _ in range(layers)],
        "bias_convention": _pick(rng, settings, "bias_convention", tuple(BIAS_VECTORS)),
    }
    if _pick(rng, settings, "head", (False, True)):
        raw["output_size"] = int(rng.integers(STACK_OUTPUT[0], STACK_OUTPUT[1] + 1))
    return raw


FAMILY = Family(
    name="param_count",
    title="Counting trainable parameters",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="param_count.tex.j2",
    mistakes=MISTAKES,
    sample_settings={
        "kind": "rnn_lm or stacked_rnn (drawn)",
        "biases": "rnn_lm: count biases, true or false (drawn)",
        "cell": "stacked_rnn: lstm, gru or rnn (drawn)",
        "layers": "stacked_rnn: number of recurrent layers, 1 to 100 (drawn from 1-3)",
        "bias_convention": "stacked_rnn: pytorch or keras (drawn)",
        "head": "stacked_rnn: add a linear head, true or false (drawn)",
    },
)
