"""logic_net: threshold units (one, or a hidden layer and an output unit) computing a gate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.errors import ParamError
from grader.family import Family
from grader.graph import Graph, Mistake, Step, Variant, chain, swap_fn
from grader.params import Choice, Dims, Items, Params, ParamSpec, Tensor

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
"""The four inputs (x1, x2) in the order the truth table lists them: 00, 01, 10, 11."""

GATES = {
    (0, 0, 0, 1): "AND",
    (0, 1, 1, 1): "OR",
    (1, 1, 1, 0): "NAND",
    (1, 0, 0, 0): "NOR",
    (0, 1, 1, 0): "XOR",
    (1, 0, 0, 1): "XNOR",
}
OTHER = "OTHER"
TABLES = {name: table for table, name in GATES.items()}

Z_DECIMALS = 9
"""z is rounded to this many decimals, so 0.1 + 0.2 - 0.3 sits exactly on the threshold."""

_OTHER_CONVENTION = {"ge": "gt", "gt": "ge"}
_SYMBOL = {"ge": r"\ge", "gt": ">"}


@dataclass(frozen=True)
class Layer:
    """One layer of threshold units: k units, each reading the n outputs of the layer below."""

    weights: np.ndarray
    bias: np.ndarray


def _layer(raw: Any, label: str) -> Layer:
    if not isinstance(raw, Mapping):
        raise ParamError(label, "expected a mapping with 'weights' (k x n) and 'bias' (k)")
    for key in raw:
        if key not in ("weights", "bias"):
            raise ParamError(f"{label}.{key}", "unknown key; a layer has 'weights' and 'bias'")
    for key in ("weights", "bias"):
        if raw.get(key) is None:
            raise ParamError(f"{label}.{key}", "is required")
    dims = Dims()
    weights = Tensor(name=f"{label}.weights", dims=("k", "n"), doc="").parse(raw["weights"], dims)
    bias = Tensor(name=f"{label}.bias", dims=("k",), doc="").parse(raw["bias"], dims)
    return Layer(weights, bias)


def _check(params: Params) -> None:
    layers = params["layers"]
    if layers[0].weights.shape[1] != 2:
        raise ParamError("layers[0].weights", "the first layer reads x1 and x2: expected 2 "
                         f"columns, got {layers[0].weights.shape[1]}")
    for index in range(1, len(layers)):
        below, columns = layers[index - 1].weights.shape[0], layers[index].weights.shape[1]
        if columns != below:
            raise ParamError(f"layers[{index}].weights", f"expected {below} column(s), one per "
                             f"unit of layers[{index - 1}], got {columns}")
    rows = layers[-1].weights.shape[0]
    if rows != 1:
        raise ParamError(f"layers[{len(layers) - 1}].weights",
                         f"the last layer is the single output unit: expected 1 row, got {rows}")


PARAMS = ParamSpec(
    fields=(
        Items(name="layers", item=_layer, item_doc="layers {weights: k x n, bias: k}",
              doc="the units layer by layer; the first reads (x1, x2), the last is one unit"),
        Choice(name="threshold", choices=("ge", "gt"), default="ge",
               doc="a unit fires when z >= 0 (ge) or when z > 0 (gt)"),
    ),
    check=_check,
)

CANONICAL = {"layers": [{"weights": [[8, 8]], "bias": [-12]}]}


def _fire(z, threshold):
    z = np.asarray(z, dtype=np.float64)
    return (z >= 0 if threshold == "ge" else z > 0).astype(np.int64)


def _unit_outputs(flip: bool = False):
    def outputs(z, threshold):
        return _fire(z, _OTHER_CONVENTION[threshold] if flip else threshold)

    return outputs


def _net_output(flip: bool = False, negate: bool = False):
    def output(z, threshold):
        table = np.asarray(_unit_outputs(flip)(z, threshold)).reshape(-1)
        return 1 - table if negate else table

    return output


def _pre_activation(below, weights, bias):
    z = np.asarray(below, dtype=np.float64) @ np.asarray(weights).T + np.asarray(bias)
    return np.round(z, Z_DECIMALS) + 0.0


def gate_name(truth_table) -> str:
    """The gate a truth table (inputs 00, 01, 10, 11) computes, or OTHER."""
    try:
        table = np.asarray(truth_table, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return OTHER
    if table.shape != (4,) or not np.all(np.isin(table, (0.0, 1.0))):
        return OTHER
    return GATES.get(tuple(int(v) for v in table), OTHER)


def build(params: Params) -> Graph:
    """Pre-activations and outputs layer by layer, then the truth table and its gate."""
    layers, threshold = params["layers"], params["threshold"]
    symbol = _SYMBOL[threshold]
    constants: dict[str, Any] = {"X": INPUTS, "threshold": threshold}
    steps = []
    below, below_symbol = "X", "X"
    for number, layer in enumerate(layers, start=1):
        constants[f"W_{number}"], constants[f"b_{number}"] = layer.weights, layer.bias
        z = f"Z_{number}"
        steps.append(Step(
            z, (below, f"W_{number}", f"b_{number}"), _pre_activation,
            rf"Z^{{({number})}} = {below_symbol}\, W^{{({number})\top}} + "
            rf"\mathbf{{1}}\, b^{{({number})\top}}",
            rf"${{{below}}} ${{W_{number}}}^\top + ${{b_{number}}}^\top",
            kind="pre_activation", part=False,
            label=f"pre-activations of layer {number}, one row per input 00, 01, 10, 11"))
        if number < len(layers):
            below, below_symbol = f"H_{number}", rf"H^{{({number})}}"
            steps.append(Step(
                below, (z, "threshold"), _unit_outputs(),
                rf"H^{{({number})}} = [\,Z^{{({number})}} {symbol} 0\,]",
                rf"[\,${{{z}}} {symbol} 0\,]", kind="hidden", part=False,
                label=f"outputs of layer {number}"))
    last = len(layers)
    steps.append(Step(
        "truth_table", (f"Z_{last}", "threshold"), _net_output(),
        rf"y = [\,Z^{{({last})}} {symbol} 0\,]",
        rf"[\,${{Z_{last}}} {symbol} 0\,]", kind="output",
        label="truth table for inputs 00, 01, 10, 11"))
    steps.append(Step(
        "gate", ("truth_table",), gate_name,
        r"\text{gate} = \text{the logic function with truth table } y",
        r"\text{the function with truth table } ${truth_table}", kind="gate",
        label="logic function"))
    return Graph(constants, tuple(steps))


_FLIPPED = chain(swap_fn(("hidden",), _unit_outputs(flip=True)),
                 swap_fn(("output",), _net_output(flip=True)))

MISTAKES = (
    Mistake("threshold_convention", "Used the other threshold convention (z > 0 instead of "
            "z >= 0, or the reverse), which changes a unit's output where z = 0.", (
                Variant("other_convention", _FLIPPED),
            ), when={"boundary": True}),
    Mistake("negated_output", "Negated the output unit: wrote 1 where the unit gives 0 and 0 "
            "where it gives 1.", (
                Variant("inverted", swap_fn(("output",), _net_output(negate=True))),
            )),
)

HIDDEN_PAIRS = (("OR", "NAND"), ("AND", "NOR"), ("X1_NOT_X2", "X2_NOT_X1"), ("OR", "AND"))
"""Hidden units (two linearly separable functions) from which one output unit makes XOR."""

_UNIT_TABLES = {**TABLES, "X1_NOT_X2": (0, 0, 1, 0), "X2_NOT_X1": (0, 1, 0, 0)}
_MAX_TICKS = 9
_ATTEMPTS = 1000


def _unit(rng, points, target, threshold: str, boundary: bool):
    """Weights and bias (whole ticks) of one unit mapping points to target.

    Without a boundary every z is at least one tick away from 0; with one, the bias puts the
    point closest to the threshold exactly on it, on the side where the convention matters.
    """
    target = np.asarray(target)
    for _ in range(_ATTEMPTS):
        weights = rng.integers(1, _MAX_TICKS + 1, size=points.shape[1])
        weights *= rng.choice((-1, 1), size=points.shape[1])
        z = points @ weights
        low, high = -z[target == 1].min(), -z[target == 0].max()
        # ge fires for bias >= low and stays off for bias < high; gt needs bias > low, <= high.
        if boundary and low < high:
            return weights, int(low if threshold == "ge" else high)
        inside = np.arange(low + 1, high)
        if not boundary and inside.size:
            return weights, int(rng.choice(inside))
    raise RuntimeError("no threshold unit found for the target")  # unreachable for these gates


def _ticks_to_numbers(ticks, scale: float) -> list:
    values = np.asarray(ticks)
    if scale == 1:
        return values.astype(int).tolist()
    return [round(float(v) * scale, 1) for v in values.reshape(-1)]


def _draw(rng, gate: str, threshold: str, boundary: bool) -> dict:
    scale = 1 if rng.random() < 0.5 else 0.1
    points = INPUTS.astype(np.int64)
    if gate in ("XOR", "XNOR"):
        hidden = list(HIDDEN_PAIRS[rng.integers(len(HIDDEN_PAIRS))])
        rng.shuffle(hidden)
        targets = [_UNIT_TABLES[name] for name in hidden] + [TABLES[gate]]
    else:
        targets = [TABLES[gate]]
    on_boundary = int(rng.integers(len(targets))) if boundary else -1
    units = [_unit(rng, points, table, threshold, index == on_boundary)
             for index, table in enumerate(targets[:-1])]
    if units:
        hidden_out = np.stack([_fire(points @ w + b, threshold) for w, b in units], axis=1)
        units.append(_unit(rng, hidden_out, targets[-1], threshold, on_boundary == len(units)))
        layers = [units[:-1], units[-1:]]
    else:
        layers = [[_unit(rng, points, targets[0], threshold, on_boundary == 0)]]
    return {
        "layers": [{"weights": [_ticks_to_numbers(w, scale) for w, _ in layer],
                    "bias": _ticks_to_numbers([b for _, b in layer], scale)} for layer in layers],
        "threshold": threshold,
    }


def _poses(raw: dict, gate: str, boundary: bool) -> bool:
    graph = build(PARAMS.parse(raw))
    env = graph.evaluate()
    if env["gate"] != gate:
        return False
    zeros = any(np.any(value == 0) for name, value in env.items() if name.startswith("Z_"))
    if not boundary:
        return not zeros
    flipped = graph.rewritten(_FLIPPED).answers()["truth_table"]
    return zeros and not np.array_equal(flipped, env["truth_table"])


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """A net realising a gate, with small-integer or one-decimal weights."""
    gate = settings.get("gate")
    if gate is None:
        gate = str(rng.choice(list(TABLES)))
    elif not isinstance(gate, str) or gate.strip().upper() not in TABLES:
        raise ParamError("gate", f"expected one of {', '.join(TABLES)}, got {gate!r}")
    else:
        gate = gate.strip().upper()  # xnor as students may write it
    threshold = settings.get("threshold", "ge")
    if not isinstance(threshold, str) or threshold not in _OTHER_CONVENTION:
        raise ParamError("threshold", f"expected ge or gt, got {threshold!r}")
    boundary = settings.get("boundary", False)
    if not isinstance(boundary, bool):
        raise ParamError("boundary", f"expected true or false, got {boundary!r}")
    for _ in range(_ATTEMPTS):
        raw = _draw(rng, gate, threshold, boundary)
        if _poses(raw, gate, boundary):
            return raw
    raise RuntimeError(f"could not sample a net for {gate}")  # unreachable for these gates


FAMILY = Family(
    name="logic_net",
    title="Threshold units computing a logic function",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="logic_net.tex.j2",
    mistakes=MISTAKES,
    words={name.lower(): name for name in (*TABLES, OTHER)},
    sample_settings={
        "gate": "gate to realise: AND, OR, NAND, NOR, XOR or XNOR (random); XOR and XNOR use "
                "a hidden layer of two units",
        "boundary": "put some unit's z exactly on 0, where the threshold convention matters "
                    "(false: no z is 0)",
        "threshold": "convention of every unit, ge or gt (ge)",
    },
)
