"""Sampling helpers the family modules share: hand-computable numbers and size settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.errors import GraderError


def decimals(rng: np.random.Generator, low: float, high: float, shape=None,
             places: int = 1) -> Any:
    """Uniform multiples of 10^-places in [low, high]: a float, or nested lists for a shape."""
    scale = 10 ** places
    return (rng.integers(round(low * scale), round(high * scale) + 1, size=shape)
            / scale).tolist()


def size_setting(settings: Mapping[str, Any], name: str, default: int, low: int,
                 high: int) -> int:
    """A whole-number sampler setting in [low, high], or GraderError naming it."""
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GraderError(f"setting '{name}': expected a whole number from {low} to {high}, "
                          f"got {value!r}")
    return value
