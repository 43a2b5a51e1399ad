"""How far a hand-computed number may honestly be from the exact one, entry by entry.

In the default `propagated` mode the allowance is derived from the step graph: every value a
student computes (each step's output, graded or not) carries the error of rounding it (to 3
decimals or to 3 significant figures, whichever is coarser for that value), and a
step's error also inherits its inputs' errors through the step's own function (first order:
each input entry is nudged by its error and the output's change is added up). The given
numbers of the exercise are exact. The allowance of a part is `safety` times its accumulated
error; an answer rounded as the course asks is always inside it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from grader.graph import Graph
from grader.tolerance import Tolerance


def is_numeric(value: Any) -> bool:
    """True for float-valued answers (compared with a tolerance); ints and words are exact."""
    if isinstance(value, float):
        return True
    if isinstance(value, str | int):
        return False
    return np.asarray(value).dtype.kind == "f"


def rounding_error(value: np.ndarray, tolerance: Tolerance) -> np.ndarray:
    """Half a unit of a student's rounding: to N decimals or to M significant figures, whichever
    is coarser for this value (both are honest hand work, so both must pass)."""
    magnitude = np.abs(np.asarray(value, dtype=float))
    decimals_unit = 10.0 ** -tolerance.rounding_decimals
    with np.errstate(divide="ignore"):
        exponent = np.floor(np.log10(np.where(magnitude > 0, magnitude, 1.0)))
    sig_unit = 10.0 ** (exponent - (tolerance.rounding_sig_figs - 1))
    unit = np.where(magnitude > 0, np.maximum(decimals_unit, sig_unit), decimals_unit)
    return unit / 2


def rounding_errors(values: Mapping[str, np.ndarray], tolerance: Tolerance
                    ) -> dict[str, np.ndarray]:
    """`rounding_error` of several float values: single numbers (most) one by one without
    numpy's per-call cost, the arrays in one numpy pass."""
    result: dict[str, np.ndarray] = {}
    arrays = {}
    for name, value in values.items():
        if np.ndim(value):
            arrays[name] = value
        else:
            result[name] = np.float64(_half_unit(abs(float(value)), tolerance))
    if arrays:
        flat = rounding_error(np.concatenate([np.ravel(v) for v in arrays.values()]),
                              tolerance)
        start = 0
        for name, value in arrays.items():
            size = np.size(value)
            result[name] = flat[start:start + size].reshape(np.shape(value))
            start += size
    return {name: result[name] for name in values}  # in the order given


def _half_unit(magnitude: float, tolerance: Tolerance) -> float:
    """`rounding_error` of one magnitude, bit for bit: the same floor of log10 and the power
    of ten that numpy's own power gives (which Python's ** does not always match: 1e-05)."""
    unit = 10.0 ** -tolerance.rounding_decimals
    if magnitude > 0:  # NaN is not
        if magnitude == math.inf:
            return math.inf
        exponent = _floor_log10(magnitude) - (tolerance.rounding_sig_figs - 1)
        unit = max(unit, _power_of_ten(exponent))
    return unit / 2


def _floor_log10(magnitude: float) -> int:
    """floor(log10(magnitude)) as numpy's log10 gives it. math's log10 differs from numpy's
    in the last bits, which matters only within a few bits of an integer (just below a
    power of ten: 9.999999999999673e+235); there numpy decides."""
    log = math.log10(magnitude)
    exponent = math.floor(log)
    if log - exponent < 1e-9 or exponent + 1 - log < 1e-9:
        exponent = int(np.floor(np.log10(magnitude)))
    return exponent


_POWERS_OF_TEN_FROM = -360
_POWERS_OF_TEN = (10.0 ** np.arange(_POWERS_OF_TEN_FROM, 309, dtype=float)).tolist()


def _power_of_ten(exponent: int) -> float:
    """10.0 ** exponent as numpy's power computes it."""
    index = exponent - _POWERS_OF_TEN_FROM
    if 0 <= index < len(_POWERS_OF_TEN):
        return _POWERS_OF_TEN[index]
    return float(10.0 ** np.array(float(exponent)))


def propagated_errors(graph: Graph, tolerance: Tolerance,
                      env: Mapping[str, Any] | None = None,
                      supplied: Collection[str] = ()) -> dict[str, np.ndarray]:
    """Accumulated hand-rounding error of every numeric step of the graph (not yet * safety).

    ``supplied`` names the steps whose value in ``env`` was put there (a student's own answer)
    rather than computed by the graph from the values before it.
    """
    env = dict(env) if env is not None else graph.evaluate()
    values = {step.name: np.asarray(env[step.name], dtype=float) for step in graph.steps
              if is_numeric(env[step.name])}
    own_rounding = rounding_errors(values, tolerance)
    errors: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        for step in graph.steps:
            if step.name not in values:
                continue
            value = values[step.name]
            arguments = [env[name] for name in step.inputs]
            # The base is what the step gives from these inputs, not the value in env, which
            # may be a student's own (wrong) answer.
            computed = np.asarray(step.fn(*arguments) if step.name in supplied else value,
                                  dtype=float)
            inherited = 0.0 if not computed.ndim else np.zeros_like(computed)
            for position, name in enumerate(step.inputs):
                if name not in errors:
                    continue
                inherited += _sensitivity(step.fn, arguments, position, errors[name], computed)
            errors[step.name] = inherited + own_rounding[step.name]
    return errors


def _sensitivity(fn, arguments: list, position: int, error: np.ndarray,
                 value: np.ndarray) -> np.ndarray:
    """Sum over the input's entries of |f(input + its error) - f(input)|."""
    if not np.ndim(value) and not np.ndim(arguments[position]):
        change = _scalar_sensitivity(fn, arguments, position, float(error), value)
        if change is not None:
            return change
    nudged = np.array(arguments[position], dtype=float)  # a copy: each entry moved in turn
    entries = nudged.reshape(-1)  # a view of it
    moved = list(arguments)
    total = np.zeros_like(value)
    for index, entry_error in enumerate(np.ravel(error).tolist()):
        if entry_error == 0:
            continue
        exact = entries[index]
        entries[index] = exact + entry_error
        moved[position] = nudged if nudged.ndim else float(entries[0])
        try:
            change = np.abs(np.asarray(fn(*moved), dtype=float) - value)
        except (TypeError, ValueError):
            continue
        finally:
            entries[index] = exact
        total += np.where(np.isfinite(change), change, 0.0)
    return total


def _scalar_sensitivity(fn, arguments: list, position: int, error: float,
                        value) -> np.float64 | None:
    """`_sensitivity` of one number on one number, without numpy's per-call cost (most
    steps); None when the step does not give one number, for the general path to handle."""
    if error == 0:
        return np.float64(0.0)
    moved = list(arguments)
    moved[position] = float(arguments[position]) + error
    try:
        result = fn(*moved)
    except (TypeError, ValueError):
        return np.float64(0.0)
    if not isinstance(result, float):
        if np.ndim(result):
            return None
        try:
            result = float(result)
        except (TypeError, ValueError):
            return None
    change = abs(result - float(value))
    return np.float64(change if math.isfinite(change) else 0.0)


def allowances(graph: Graph, tolerance_for, env: Mapping[str, Any] | None = None,
               supplied: Collection[str] = ()) -> dict[str, np.ndarray]:
    """The absolute allowance of every numeric part; `tolerance_for(part)` gives its settings.

    ``env`` is the graph evaluated with the ``supplied`` values in place (see
    `propagated_errors`); by default the graph's own exact evaluation.
    """
    env = dict(env) if env is not None else graph.evaluate()
    result: dict[str, np.ndarray] = {}
    propagated: dict[Tolerance, dict[str, np.ndarray]] = {}
    for part in graph.parts():
        value = env[part]
        if not is_numeric(value):
            continue
        tolerance = tolerance_for(part)
        if tolerance.mode == "propagated":
            if tolerance not in propagated:
                propagated[tolerance] = propagated_errors(graph, tolerance, env, supplied)
            result[part] = tolerance.safety * propagated[tolerance][part]
        else:
            result[part] = least_allowance(value, tolerance)
    return result


def least_allowances(env: Mapping[str, Any], parts, tolerance_for) -> dict[str, np.ndarray]:
    """`least_allowance` of every numeric part, the propagated ones in one numpy pass."""
    result: dict[str, np.ndarray] = {}
    batches: dict[Tolerance, dict[str, np.ndarray]] = {}
    for part in parts:
        value = env[part]
        if not is_numeric(value):
            continue
        tolerance = tolerance_for(part)
        if tolerance.mode == "propagated":
            batches.setdefault(tolerance, {})[part] = np.asarray(value, dtype=float)
        else:
            result[part] = least_allowance(value, tolerance)
    for tolerance, values in batches.items():
        for part, error in rounding_errors(values, tolerance).items():
            result[part] = tolerance.safety * error
    return result


def least_allowance(value: Any, tolerance: Tolerance) -> np.ndarray:
    """An allowance no larger than the part's real one, computed without the graph.

    For the fixed modes it is the allowance itself; for `propagated` it leaves out what the
    inputs pass on, so a given value within it is right whatever they pass on. Grading tries
    this first and propagates only for the values it does not settle.
    """
    expected = np.abs(np.asarray(value, dtype=float))
    if tolerance.mode == "propagated":
        return tolerance.safety * rounding_error(expected, tolerance)
    if tolerance.mode == "rel_abs":
        return tolerance.atol + tolerance.rtol * expected
    if tolerance.mode == "decimals":
        return np.full_like(expected, 0.5 * 10.0 ** -tolerance.decimals)
    return _sig_fig_half_unit(expected, tolerance.sig_figs)


def _sig_fig_half_unit(magnitude: np.ndarray, sig_figs: int) -> np.ndarray:
    safe = np.where(magnitude > 0, magnitude, 1.0)
    return 0.5 * 10.0 ** (np.floor(np.log10(safe)) - (sig_figs - 1))
