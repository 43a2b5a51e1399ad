"""Recognising a PyTorch state_dict as stacked nn.LSTM layers and one nn.Linear head.

Students name their modules freely (lstm1, encoder.0, rnn_a, ...), so layers are recognised
by the leaf names PyTorch gives inside a module (weight_ih_l0, ..., weight, bias) and put in
order by chaining their shapes from the input size; the module names only break ties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from grader.forecaster.model import LinearHead, LSTMLayer
from grader.forecaster.spec import GATES, Architecture

LSTM_LEAF = re.compile(r"(weight|bias)_(ih|hh)_l(\d+)(_reverse)?")
MAX_LISTED = 12
"""Problems listed one by one before the rest are summarised as a count."""
FLOAT_DTYPES = "float32, float16 or float64"
"""The dtypes a weights file may hold (read as float32); bfloat16 and FP8 are refused when the
file is read."""


@dataclass(frozen=True)
class MatchedModel:
    """What a state_dict holds, how it differs from the spec, and whether it can be re-run."""

    layers: tuple[LSTMLayer, ...]
    head: LinearHead | None
    mismatches: tuple[str, ...]
    blocker: str | None
    parameter_count: int

    @property
    def runnable(self) -> bool:
        return self.blocker is None

    def describe(self) -> str:
        """The model as found, in the same words as the spec ("LSTM 17→128, linear 128→17")."""
        if not self.layers:
            return "no LSTM layer"
        sizes = "→".join(str(s) for s in (self.layers[0].input_size,
                                          *(layer.hidden_size for layer in self.layers)))
        head = (f", linear {self.head.input_size}→{self.head.output_size}"
                if self.head is not None else ", no linear head")
        return f"LSTM {sizes}{head}"


def _natural_key(text: str) -> list:
    return [int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", text)]


def _shape(array: np.ndarray) -> str:
    return "(" + ", ".join(str(n) for n in array.shape) + ")"


def match_model(tensors: dict[str, np.ndarray], spec: Architecture) -> MatchedModel:
    """Sort a state_dict into LSTM layers and a head, and compare it with the spec."""
    groups: dict[str, dict[str, tuple[str, np.ndarray]]] = {}
    for name, array in tensors.items():
        prefix, _, leaf = name.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = (name, array)
    layers: list[LSTMLayer] = []
    heads: list[LinearHead] = []
    unexpected: list[str] = []
    broken: list[str] = []
    # A weight or bias that is not floating point (int, bool) is named once for its dtype and
    # otherwise matched by its shape like the others, so that it does not also make its module
    # unrecognised and every later layer a shape mismatch.
    not_float = [(name, array) for name, array in tensors.items()
                 if array.dtype.kind != "f" and _is_parameter(name)]
    if not_float:
        broken.append(_dtype_problem(not_float))
    for prefix in sorted(groups, key=_natural_key):
        leaves = groups[prefix]
        usable = all(array.dtype.kind == "f" or _is_parameter(name)
                     for name, array in leaves.values())
        if usable and all(LSTM_LEAF.fullmatch(leaf) for leaf in leaves):
            _collect_lstm(prefix, leaves, layers, unexpected, broken)
        elif usable and "weight" in leaves and set(leaves) <= {"weight", "bias"} \
                and leaves["weight"][1].ndim == 2:
            heads.append(_linear(prefix, leaves, broken))
        else:
            unexpected.extend(
                f"unexpected tensor '{name}' {_shape(array)} of {array.dtype}"
                for name, array in leaves.values())
    ordered = _chain(layers, spec.input_size)
    mismatches = [*broken, *_compare(ordered, heads, spec), *unexpected]
    blocker = _blocker(ordered, heads, broken, unexpected)
    count = int(sum(array.size for array in tensors.values()))
    head = heads[0] if len(heads) == 1 else None
    return MatchedModel(tuple(ordered), head, tuple(_listed(mismatches)), blocker, count)


def _is_parameter(name: str) -> bool:
    """Whether a state_dict name is one an nn.LSTM or nn.Linear parameter has."""
    leaf = name.rpartition(".")[2]
    return leaf in ("weight", "bias") or LSTM_LEAF.fullmatch(leaf) is not None


def _dtype_problem(tensors: list[tuple[str, np.ndarray]]) -> str:
    name, array = tensors[0]
    more = len(tensors) - 1
    others = (f" ({more} more tensor{'s are' if more > 1 else ' is'} not floating point "
              "either)" if more else "")
    return (f"tensor '{name}' is {array.dtype.name}{others}; weights must be floating point "
            f"({FLOAT_DTYPES})")


def _collect_lstm(prefix: str, leaves, layers: list[LSTMLayer], unexpected: list[str],
                  broken: list[str]) -> None:
    """One nn.LSTM module may hold several layers (num_layers > 1): l0, l1, ..."""
    by_index: dict[int, dict[str, tuple[str, np.ndarray]]] = {}
    for leaf, (name, array) in leaves.items():
        kind, direction, index, reverse = LSTM_LEAF.fullmatch(leaf).groups()
        if reverse:
            unexpected.append(f"unexpected tensor '{name}': a bidirectional LSTM is not the "
                              f"specified model")
            continue
        by_index.setdefault(int(index), {})[f"{kind}_{direction}"] = (name, array)
    for index in sorted(by_index):
        layer = _lstm_layer(prefix, index, by_index[index], broken)
        if layer is not None:
            layers.append(layer)


def _lstm_layer(prefix: str, index: int, parts: dict[str, tuple[str, np.ndarray]],
                broken: list[str]) -> LSTMLayer | None:
    names = {key: name for key, (name, _) in parts.items()}
    some_name = next(iter(names.values()))
    for needed in ("weight_ih", "weight_hh"):
        if needed not in parts:
            broken.append(f"'{some_name}' has no matching {needed} tensor")
            return None
    w_ih, w_hh = parts["weight_ih"][1], parts["weight_hh"][1]
    if w_hh.ndim != 2 or w_hh.shape[0] != GATES * w_hh.shape[1]:
        broken.append(f"'{names['weight_hh']}' has shape {_shape(w_hh)}, not (4·H, H)")
        return None
    hidden = w_hh.shape[1]
    if w_ih.ndim != 2 or w_ih.shape[0] != GATES * hidden:
        broken.append(f"'{names['weight_ih']}' has shape {_shape(w_ih)}, not "
                      f"({GATES * hidden}, inputs) as its weight_hh implies")
        return None
    biases = {}
    for key in ("bias_ih", "bias_hh"):
        if key in parts:
            bias = parts[key][1]
            if bias.shape != (GATES * hidden,):
                broken.append(f"'{names[key]}' has shape {_shape(bias)}, not "
                              f"({GATES * hidden},)")
                return None
            biases[key] = bias
    return LSTMLayer(prefix, w_ih, w_hh, biases.get("bias_ih"), biases.get("bias_hh"), index)


def _linear(prefix: str, leaves, broken: list[str]) -> LinearHead:
    weight = leaves["weight"][1]
    bias = leaves["bias"][1] if "bias" in leaves else None
    if bias is not None and bias.shape != (weight.shape[0],):
        broken.append(f"'{leaves['bias'][0]}' has shape {_shape(bias)}, not "
                      f"({weight.shape[0]},) as its weight implies")
    return LinearHead(prefix, weight, bias)


def _chain(layers: list[LSTMLayer], input_size: int) -> list[LSTMLayer]:
    """Order the layers so each takes what the previous one gives; on a tie, the next layer
    of the same nn.LSTM module, then the first by name."""
    remaining, ordered, size = list(layers), [], input_size
    while remaining:
        fitting = [layer for layer in remaining if layer.input_size == size]
        same_module = [layer for layer in fitting if ordered
                       and (layer.name, layer.index) == (ordered[-1].name, ordered[-1].index + 1)]
        following = (same_module or fitting or remaining)[0]
        ordered.append(following)
        remaining.remove(following)
        size = following.hidden_size
    return ordered


def _compare(layers: list[LSTMLayer], heads: list[LinearHead], spec: Architecture) -> list[str]:
    expected = spec.layer_shapes()
    found = []
    if len(layers) != len(spec.hidden_sizes):
        found.append(f"expected {len(spec.hidden_sizes)} LSTM layers, found {len(layers)}")
    for layer, shapes in zip(layers, expected[:-1], strict=False):
        found.extend(_shape_problems(layer, shapes))
    if len(heads) != 1:
        names = ", ".join(head.tensor_name("weight") for head in heads) or "none"
        found.append(f"expected one linear head, found {len(heads)} ({names})")
    else:
        found.extend(_shape_problems(heads[0], expected[-1]))
    return found


def _shape_problems(module: LSTMLayer | LinearHead,
                    shapes: dict[str, tuple[int, ...]]) -> list[str]:
    """Each of the module's tensors that is missing or has another shape than expected."""
    found = []
    for leaf, shape in shapes.items():
        key = leaf.removesuffix("_l0")  # the spec's LSTM leaves end in _l0, the head's do not
        got = getattr(module, key)
        where = module.tensor_name(key)
        if got is None:
            found.append(f"{where}: missing, expected shape {shape}")
        elif got.shape != shape:
            found.append(f"{where}: expected shape {shape}, got {got.shape}")
    return found


def _blocker(layers, heads, broken, unexpected) -> str | None:
    """Why the model cannot be re-run faithfully, or None when it can."""
    if broken:
        return broken[0]
    if unexpected:
        return "the file holds tensors that stacked LSTMs and a linear head do not have"
    if not layers:
        return "the file holds no LSTM layer"
    for previous, layer in pairwise(layers):
        if layer.input_size != previous.hidden_size:
            return (f"'{layer.tensor_name('weight_ih')}' takes {layer.input_size} inputs but "
                    f"the layer before gives {previous.hidden_size}")
    if len(heads) != 1:
        return f"expected one linear head, found {len(heads)}"
    if heads[0].input_size != layers[-1].hidden_size:
        return (f"the head '{heads[0].tensor_name('weight')}' takes {heads[0].input_size} "
                f"inputs but the last LSTM gives {layers[-1].hidden_size}")
    return None


def _listed(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_LISTED:
        return problems
    return [*problems[:MAX_LISTED], f"and {len(problems) - MAX_LISTED} more"]
