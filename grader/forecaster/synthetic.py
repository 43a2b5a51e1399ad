"""A seeded synthetic multivariate series standing in for the course's data (17 features).

Feature j at step t is, before mixing,

    a_j sin(2π t / 48 + φ_j) + b_j sin(2π t / P_j + ψ_j) + e_j(t),
    e_j(t) = 0.8 e_j(t-1) + 0.2 ε_j(t),   ε ~ N(0, 1),

a slow cycle shared by all features (period 48 steps, "two days of hourly readings") with
its own phase per feature, a faster cycle of per-feature period P_j in [6, 16], and AR(1)
noise. The features are then coupled by a fixed mixing matrix I + 0.3 M / √F (M standard
normal), so one feature's past helps predict another's, and each is standardised. Windows of
L consecutive steps are the inputs X (N×L×F); the step after each window is its target y
(N×F). The test windows come from the end of the series, after every training target, so
nothing leaks. Everything is drawn from one numpy Generator: a seed gives the same files.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FEATURES = 17
WINDOW = 24
SLOW_PERIOD = 48
FAST_PERIODS = (6, 16)
AR_COEFFICIENT = 0.8
NOISE_SCALE = 0.2
COUPLING = 0.3
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Splits:
    """Train and test windows cut from one series."""

    train_X: np.ndarray
    train_y: np.ndarray
    test_X: np.ndarray
    test_y: np.ndarray


def make_series(rng: np.random.Generator, steps: int, features: int = FEATURES,
                fit_steps: int | None = None) -> np.ndarray:
    """A (steps, features) float32 series as in the module docstring, standardised with the
    mean and spread of its first ``fit_steps`` steps (all by default)."""
    t = np.arange(steps, dtype=np.float64)[:, None]
    slow = rng.uniform(0.5, 1.5, features) * np.sin(
        2 * np.pi * t / SLOW_PERIOD + rng.uniform(0, 2 * np.pi, features))
    periods = rng.uniform(*FAST_PERIODS, features)
    fast = rng.uniform(0.2, 0.8, features) * np.sin(
        2 * np.pi * t / periods + rng.uniform(0, 2 * np.pi, features))
    shocks = NOISE_SCALE * rng.standard_normal((steps, features))
    noise = np.empty_like(shocks)
    noise[0] = shocks[0]
    for step in range(1, steps):
        noise[step] = AR_COEFFICIENT * noise[step - 1] + shocks[step]
    mixing = np.eye(features) + COUPLING * rng.standard_normal((features, features)) / np.sqrt(
        features)
    series = (slow + fast + noise) @ mixing
    fitted = series[:fit_steps]
    series = (series - fitted.mean(axis=0)) / fitted.std(axis=0)
    return series.astype(np.float32)


def windows(series: np.ndarray, length: int = WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """Every window of ``length`` steps (stride 1) and the step that follows it."""
    count = series.shape[0] - length
    index = np.arange(length)[None, :] + np.arange(count)[:, None]
    return np.ascontiguousarray(series[index]), np.ascontiguousarray(series[length:])


def make_splits(seed: int, train_windows: int, test_windows: int, length: int = WINDOW,
                features: int = FEATURES) -> Splits:
    """Train windows from the start of one series, test windows from its end (the
    standardisation uses the training part only)."""
    rng = np.random.default_rng(seed)
    train_steps = train_windows + length
    series = make_series(rng, train_steps + test_windows + length, features, train_steps)
    train_X, train_y = windows(series[:train_steps], length)
    test_X, test_y = windows(series[train_steps:], length)
    return Splits(train_X, train_y, test_X, test_y)


def write_windows(path: Path, X: np.ndarray, y: np.ndarray) -> None:
    """Save windows as the checker reads them: an .npz with arrays X and y, no pickles.

    Written member by member with a fixed timestamp (np.savez stamps the current time), so
    the same windows always give the same bytes.
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in (("X", X), ("y", y)):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array, dtype=np.float32),
                                          allow_pickle=False)
