"""Tolerance settings: how close a given number must be to the expected one.

Modes (any level: assignment, question, part; a lower level overrides the keys it names):

- ``propagated`` (default): the allowance of each entry is derived from the computation. A
  student may round every intermediate value to ``rounding_decimals`` decimals or to
  ``rounding_sig_figs`` significant figures, whichever is coarser; that rounding is propagated
  through the step graph (first-order, entry by entry), multiplied by ``safety`` and never
  smaller than the rounding of the answer itself.
- ``rel_abs``: |given - expected| <= atol + rtol * |expected|.
- ``decimals``: |given - expected| <= 0.5 * 10**-decimals (the answer rounded to that many places).
- ``sig_figs``: |given - expected| <= half a unit in the sig_figs-th significant figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

MODES = ("propagated", "rel_abs", "decimals", "sig_figs")
DEFAULT_ROUNDING_DECIMALS = 3
DEFAULT_ROUNDING_SIG_FIGS = 3
DEFAULT_SAFETY = 2.0
DEFAULT_RTOL = 1e-2
DEFAULT_ATOL = 1e-3


@dataclass(frozen=True)
class Tolerance:
    """One level's tolerance settings (see the module docstring for the modes)."""

    mode: str = "propagated"
    rounding_decimals: int = DEFAULT_ROUNDING_DECIMALS
    rounding_sig_figs: int = DEFAULT_ROUNDING_SIG_FIGS
    safety: float = DEFAULT_SAFETY
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    decimals: int = 4
    sig_figs: int = 3


_INTEGER_KEYS = {"rounding_decimals", "rounding_sig_figs", "decimals", "sig_figs"}
RANGES = {
    "rounding_decimals": (0, 12), "decimals": (0, 12),
    "rounding_sig_figs": (1, 15), "sig_figs": (1, 15),
    "safety": (0.1, 100), "rtol": (0, 0.5),
}
"""Each setting's bounds, both included (atol: any finite number >= 0). Finer than 12
decimals or 15 significant figures is below a double's own precision, where even the exact
key can fail; an rtol above 0.5 or a safety above 100 lets every catalogued mistake pass (no
variant could be fair)."""
MODE_SETTINGS = {
    "propagated": {"rounding_decimals", "rounding_sig_figs", "safety"},
    "rel_abs": {"rtol", "atol"},
    "decimals": {"decimals"},
    "sig_figs": {"sig_figs"},
}
"""The settings each mode uses; one set at a level whose mode does not use it is an error.
A setting of another mode than `propagated` chooses its mode (`{rtol: 0.01}` is rel_abs);
propagated's own tune the default and choose nothing."""


def _mode_of(key: str) -> str:
    return next(mode for mode, keys in MODE_SETTINGS.items() if key in keys)


def parse_tolerance(raw: Any, inherited: Tolerance) -> Tolerance:
    """Settings from an assignment file over the inherited ones; ValueError says what is wrong."""
    if raw is None:
        return inherited
    if not isinstance(raw, Mapping):
        raise ValueError("expected a mapping such as {rtol: 0.01, atol: 0.001} or {decimals: 3}")
    known = {f.name for f in fields(Tolerance)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ValueError(f"unknown setting '{key}' (known: {', '.join(sorted(known))})")
        if key == "mode":
            if value not in MODES:
                raise ValueError(f"mode must be one of {', '.join(MODES)}, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int | float) \
                or not 0 <= value < math.inf:  # NaN fails this too
            raise ValueError(f"'{key}' must be a finite number >= 0, got {value!r}")
        elif key in _INTEGER_KEYS and value != int(value):
            raise ValueError(f"'{key}' must be a whole number, got {value!r}")
        elif key in RANGES and not RANGES[key][0] <= value <= RANGES[key][1]:
            low, high = RANGES[key]
            raise ValueError(f"'{key}' must be from {low:g} to {high:g}, got {value:g}")
        changes[key] = int(value) if key in _INTEGER_KEYS else value
    implied: dict[str, str] = {}  # each mode the settings choose: the first key choosing it
    for key in changes:
        if key != "mode" and _mode_of(key) != "propagated":
            implied.setdefault(_mode_of(key), key)
    if "mode" not in changes and len(implied) > 1:
        keys = " and ".join(f"'{key}'" for key in implied.values())
        raise ValueError(f"{keys} choose different modes ({', '.join(implied)}): give the "
                         f"settings of one mode, or name the mode (mode: {next(iter(implied))})")
    mode = changes.get("mode") or next(iter(implied), None) or inherited.mode
    changes["mode"] = mode
    for key in changes:
        if key != "mode" and key not in MODE_SETTINGS[mode]:
            raise ValueError(f"'{key}' has no effect in mode {mode} (set here or inherited "
                             f"from the level above); it belongs to mode "
                             f"{_mode_of(key)}: add mode: {_mode_of(key)} to use it")
    return replace(inherited, **changes)
