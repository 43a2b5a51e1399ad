"""The forecaster checks: architecture, parameter count, re-run metrics, predictions, baseline."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.answers import to_number
from grader.errors import InputFileError
from grader.forecaster.data import TestData, load_test_data, read_predictions
from grader.forecaster.matching import MatchedModel, match_model
from grader.forecaster.model import forward
from grader.forecaster.spec import Architecture
from grader.forecaster.weights import (
    EXPORT_HINT,
    PICKLE_SUFFIXES,
    WEIGHTS_SUFFIXES,
    load_tensors,
)
from grader.grading import as_shown
from grader.graph import Mistake
from grader.results import PartResult
from grader.values import significant

DEFAULT_METRIC_RTOL = 0.02
"""Claimed test MSE and L1 may differ from the re-run by 2%: GPU runs (TF32 in cuDNN) and
averaging batch losses instead of all windows move the last digits."""
DEFAULT_CLAIM_ATOL = 5e-5
"""Half a unit in the 4th decimal: the course asks for 4 decimal places."""
DEFAULT_PREDICTIONS_ATOL = 1e-2
DEFAULT_PREDICTIONS_RTOL = 1e-2
"""Each predicted value may differ from the re-run by atol + rtol·|value| (GPU and rounding)."""
RERUN_DIGITS = 5
"""Significant digits kept of the re-run's scores (and shown of its predictions): float32
arithmetic differs between CPUs from about the 7th digit (NumPy's exp kernels with and without
AVX-512, BLAS blocking), and the same submission must get the same results on any machine."""
PARTS = ("architecture", "param_count", "test_mse", "test_l1", "predictions", "baseline")


@dataclass(frozen=True)
class Tolerances:
    """How far a student's claims and predictions may be from the re-run."""

    mse_rtol: float = DEFAULT_METRIC_RTOL
    l1_rtol: float = DEFAULT_METRIC_RTOL
    claim_atol: float = DEFAULT_CLAIM_ATOL
    predictions_atol: float = DEFAULT_PREDICTIONS_ATOL
    predictions_rtol: float = DEFAULT_PREDICTIONS_RTOL


@dataclass(frozen=True)
class Rerun:
    """The model's predictions on the test windows and their scores."""

    predictions: np.ndarray
    mse: float
    l1: float
    naive_mse: float


def rerun(model: MatchedModel, data: TestData) -> Rerun:
    """Run a runnable model on the test windows; ValueError when the sizes do not fit."""
    features, outputs = data.X.shape[2], data.y.shape[1]
    if model.layers[0].input_size != features:
        raise ValueError(f"the model takes {model.layers[0].input_size} features per step, "
                         f"the test windows have {features}")
    if model.head.output_size != outputs:
        raise ValueError(f"the model predicts {model.head.output_size} values, the test "
                         f"targets have {outputs}")
    predictions = forward(list(model.layers), model.head, data.X)
    if not np.all(np.isfinite(predictions)):
        raise ValueError("the re-run gives NaN or infinite predictions")
    # Scores in float64 over every window and feature, as nn.MSELoss and nn.L1Loss average.
    error = predictions.astype(np.float64) - data.y
    naive_mse = math.nan
    if features == outputs:
        naive_mse = float(np.mean((data.X[:, -1, :].astype(np.float64) - data.y) ** 2))
    return Rerun(predictions, significant(float(np.mean(error ** 2)), RERUN_DIGITS),
                 significant(float(np.mean(np.abs(error))), RERUN_DIGITS), naive_mse)


def check_forecaster(weights_path: Path, test_data: Path | TestData, claims: Mapping[str, Any],
                     predictions_path: Path | None = None,
                     architecture: Architecture | None = None,
                     tolerances: Tolerances | None = None,
                     count_mistakes: Mapping[int, Mistake] | None = None,
                     folder: Path | None = None) -> dict[str, PartResult]:
    """Check one trained model against the spec, its claims and the test windows.

    Parts: architecture, param_count, test_mse, test_l1, predictions (only when
    ``predictions_path`` is given) and baseline. ``count_mistakes`` maps a wrong parameter
    count to the catalogued mistake that gives it; ``folder``, when given, is where the
    student's files must stay (a symlink out of it is refused). Bad test data is the
    instructor's to fix and raises InputFileError; everything wrong on the student's side
    becomes a part's status and message.
    """
    spec = architecture or Architecture()
    tolerance = tolerances or Tolerances()
    data = test_data if isinstance(test_data, TestData) else load_test_data(test_data)
    model, unavailable = _load(Path(weights_path), spec, folder)
    results = {"architecture": _architecture(model, unavailable, spec)}
    results["param_count"] = _param_count(claims.get("param_count"), model, spec,
                                          count_mistakes or {})
    outcome: Rerun | PartResult
    if model is None:
        outcome = unavailable
    elif not model.runnable:
        outcome = _unusable("invalid", f"cannot re-run the model: {model.blocker}")
    else:
        try:
            outcome = rerun(model, data)
        except ValueError as error:
            outcome = _unusable("invalid", f"cannot re-run the model: {error}")
    for part, rtol in (("test_mse", tolerance.mse_rtol), ("test_l1", tolerance.l1_rtol)):
        results[part] = _metric(part, claims.get(part), outcome, rtol, tolerance.claim_atol)
    if predictions_path is not None:
        results["predictions"] = _predictions(Path(predictions_path), outcome, tolerance,
                                              folder)
    results["baseline"] = _baseline(outcome)
    return results


def _unusable(status: str, message: str) -> PartResult:
    return PartResult(status, 0.0, None, None, message)


def _load(path: Path, spec: Architecture, folder: Path | None, twin: bool = True):
    """The matched model, or None and the result every model-dependent part gets.

    A student who sent the other accepted format under the same name (model.npz for
    model.safetensors) is read from that file: the handout offers both.
    """
    absent, escape = _where(path, folder)
    if escape:
        return None, _unusable("invalid", f"{path.name}: {escape}")
    if absent or not path.exists():
        other = path.with_suffix(".npz" if path.suffix.lower() == ".safetensors"
                                 else ".safetensors")
        if twin and path.suffix.lower() in WEIGHTS_SUFFIXES and not _where(other, folder)[0] \
                and (other.exists() or other.is_symlink()):
            return _load(other, spec, folder, twin=False)
        pickled = sorted(p.name for p in path.parent.glob("*")
                         if p.suffix.lower() in PICKLE_SUFFIXES) if path.parent.is_dir() else []
        if pickled:
            return None, _unusable("invalid", f"no {path.name}, but {pickled[0]}: pickled "
                                           f"checkpoints are never loaded (they can run code); "
                                           f"{EXPORT_HINT}")
        return None, _unusable("missing", f"no weights file {path.name}")
    try:
        tensors = load_tensors(path)
    except InputFileError as error:
        return None, _unusable("invalid", f"{path.name}: {error.problem}")
    return match_model(tensors, spec), None


def _where(path: Path, folder: Path | None) -> tuple[bool, str | None]:
    """Whether nothing is at the path (settled by one lstat), and else why it may not be
    used (it leads out of the student's folder)."""
    absent = _nothing_at(path, folder)
    return absent, None if absent else _escapes(path, folder)


def _escapes(path: Path, folder: Path | None) -> str | None:
    """Why a path may not be used: it leads out of the student's folder (or nowhere)."""
    if folder is None:
        return None
    try:
        inside = path.resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError):
        return "cannot be resolved (a symlink loop?)"
    return None if inside else "points outside the submission folder"


def _nothing_at(path: Path, folder: Path | None) -> bool:
    """Is there no entry (not even a dangling symlink) at a path directly in the folder?

    Then the path resolves to the folder's own resolution and cannot leave it, and does not
    exist: the common case (a student who sent no file) needs one lstat, not two
    resolutions of every component of both paths and a stat.
    """
    if folder is None or path.name == ".." or path.parent != Path(folder):
        return False
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:  # a loop or a non-folder on the way: let resolve() explain it
        return False
    return False


def _architecture(model: MatchedModel | None, unavailable: PartResult | None,
                  spec: Architecture) -> PartResult:
    if model is None:
        return PartResult(unavailable.status, 0.0, str(spec), None, unavailable.message)
    if not model.mismatches:
        return PartResult("correct", 1.0, str(spec), model.describe(),
                          f"{model.describe()}: every tensor has the specified shape")
    return PartResult("incorrect", 0.0, str(spec), model.describe(),
                      "; ".join(model.mismatches))


def _claimed(raw: Any, integer: bool) -> float | int:
    """A claimed number read as any other answer (2056209, "2,056,209" for a count, 0.0123,
    "1/8"); ValueError (an AnswerError) says why it is not one."""
    value = to_number(raw, integer)
    if not integer:
        return value
    if not value.is_integer():
        raise ValueError(f"a parameter count is a whole number, got {str(raw)[:40]}")
    return int(value)


def _param_count(raw: Any, model: MatchedModel | None, spec: Architecture,
                 count_mistakes: Mapping[int, Mistake]) -> PartResult:
    specified = spec.parameter_count()
    expected = model.parameter_count if model is not None else specified
    source = ("counted in the weights file" if model is not None
              else "of the specified architecture (the weights could not be read)")
    if raw is None:
        return PartResult("missing", 0.0, expected, None, f"no parameter count claimed; "
                                                          f"{expected} {source}")
    try:
        claim = _claimed(raw, integer=True)
    except ValueError as error:
        return PartResult("invalid", 0.0, expected, as_shown(raw), str(error))
    if claim == expected:
        return PartResult("correct", 1.0, expected, claim, f"{claim} parameters, {source}")
    mistake = count_mistakes.get(claim) if expected == specified else None
    message = f"claimed {claim}, but there are {expected} parameters ({source})"
    if mistake is not None:
        message += f". {mistake.description}"
    return PartResult("incorrect", 0.0, expected, claim, message,
                      mistake.id if mistake is not None else None)


def _metric(part: str, raw: Any, outcome: Rerun | PartResult, rtol: float,
            atol: float) -> PartResult:
    label = {"test_mse": "MSE", "test_l1": "L1 (mean absolute error)"}[part]
    if isinstance(outcome, PartResult):
        status = "missing" if raw is None else outcome.status
        return PartResult(status, 0.0, None, as_shown(raw), outcome.message)
    value = outcome.mse if part == "test_mse" else outcome.l1
    if raw is None:
        return PartResult("missing", 0.0, value, None,
                          f"no test {label} claimed; the re-run gives {value:.6g}")
    try:
        claim = _claimed(raw, integer=False)
    except ValueError as error:
        return PartResult("invalid", 0.0, value, as_shown(raw), str(error))
    allowed = max(rtol * abs(value), atol)
    if abs(claim - value) <= allowed:
        return PartResult("correct", 1.0, value, claim,
                          f"claimed {claim:.6g}; the re-run gives {value:.6g}")
    return PartResult("incorrect", 0.0, value, claim,
                      f"claimed {claim:.6g}, but the re-run on the test windows gives "
                      f"{value:.6g} (allowed difference {allowed:.2g})")


def _predictions(path: Path, outcome: Rerun | PartResult, tolerance: Tolerances,
                 folder: Path | None) -> PartResult:
    absent, escape = _where(path, folder)
    if escape:
        return _unusable("invalid", f"{path.name}: {escape}")
    if absent or not path.exists():
        return _unusable("missing", f"no predictions file {path.name}")
    if isinstance(outcome, PartResult):
        return PartResult("invalid", 0.0, None, path.name, outcome.message)
    reference = outcome.predictions.astype(np.float64)
    try:
        given = read_predictions(path, *reference.shape)
    except InputFileError as error:
        return _unusable("invalid", f"{path.name}: {error.problem}")
    gap = np.abs(given - reference)
    off = gap > tolerance.predictions_atol + tolerance.predictions_rtol * np.abs(reference)
    summary = f"{reference.shape[0]} rows of {reference.shape[1]} values"
    if not off.any():
        return PartResult("correct", 1.0, summary, path.name,
                          f"{path.name}: all {summary} agree with the re-run (within "
                          f"{tolerance.predictions_atol:g} + {100 * tolerance.predictions_rtol:g}% "
                          "of each value)")
    row, column = np.unravel_index(int(np.argmax(np.where(off, gap, -1.0))), gap.shape)
    return PartResult("incorrect", 0.0, summary, path.name,
                      f"{path.name}: {int(off.sum())} of {off.size} values differ from the "
                      f"re-run; e.g. row {row + 1}, column {column + 1}: "
                      f"{given[row, column]:.6g} instead of "
                      f"{reference[row, column]:.{RERUN_DIGITS}g}")


def _baseline(outcome: Rerun | PartResult) -> PartResult:
    if isinstance(outcome, PartResult):
        return outcome
    if math.isnan(outcome.naive_mse):
        return _unusable("invalid", "no naive forecast: the inputs and targets have different "
                                    "features")
    mse, naive = outcome.mse, outcome.naive_mse
    if mse < naive:
        return PartResult("correct", 1.0, naive, mse,
                          f"test MSE {mse:.6g} beats {naive:.6g}, the MSE of repeating the "
                          f"last observed step")
    return PartResult("incorrect", 0.0, naive, mse,
                      f"test MSE {mse:.6g} does not beat {naive:.6g}, the MSE of repeating "
                      f"the last observed step")
