"""The instructor's test windows, a student's predictions CSV and a student's claims."""

from __future__ import annotations

import csv
import io
import math
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.datafiles import decode_text
from grader.errors import InputFileError

MAX_TEST_DATA_BYTES = 1_000_000_000
MAX_PREDICTIONS_BYTES = 50_000_000
CLAIM_PARTS = ("param_count", "test_mse", "test_l1")


@dataclass(frozen=True)
class TestData:
    """Input windows X (N, L, F) and the next steps y (N, F) to predict, float32."""

    __test__ = False  # not a pytest test class, despite the name

    X: np.ndarray
    y: np.ndarray
    source: str = ""

    def describe(self) -> str:
        n, steps, features = self.X.shape
        return f"{n} windows of length {steps}, {features} features"


def load_test_data(path: Path) -> TestData:
    """Read an .npz holding X (N×L×F) and y (N×F); InputFileError names the file and why."""
    path = Path(path)
    if path.suffix.lower() != ".npz":
        raise InputFileError(path, "expected an .npz file with arrays X (N×L×F) and y (N×F)")
    if not path.is_file():
        raise InputFileError(path, "no such file" if not path.exists() else "not a regular file")
    if path.stat().st_size > MAX_TEST_DATA_BYTES:
        raise InputFileError(path, f"file is too large (at most {MAX_TEST_DATA_BYTES} bytes)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files"):
                raise InputFileError(path, "a single array, expected an .npz with X and y")
            missing = [key for key in ("X", "y") if key not in archive.files]
            if missing:
                found = ", ".join(archive.files) or "nothing"
                raise InputFileError(path, f"no array {' or '.join(missing)} (found {found})")
            windows, targets = archive["X"], archive["y"]
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError,
            NotImplementedError, RuntimeError) as error:
        raise InputFileError(path, f"not a readable .npz file ({error})") from None
    return TestData(*_checked_arrays(path, windows, targets), source=str(path))


def _checked_arrays(path: Path, windows: np.ndarray, targets: np.ndarray):
    for name, array, ndim in (("X", windows, 3), ("y", targets, 2)):
        if array.dtype.kind not in "fiu":
            raise InputFileError(path, f"{name} holds {array.dtype} values, expected numbers")
        if array.ndim != ndim:
            raise InputFileError(path, f"{name} has shape {array.shape}, expected {ndim} axes")
        if not np.all(np.isfinite(array)):
            raise InputFileError(path, f"{name} holds NaN or infinite values")
    if windows.shape[0] != targets.shape[0] or windows.shape[0] == 0 or windows.shape[1] == 0:
        raise InputFileError(path, f"X {windows.shape} and y {targets.shape} must hold the same "
                                   "number (at least 1) of non-empty windows")
    return (np.ascontiguousarray(windows, dtype=np.float32),
            np.ascontiguousarray(targets, dtype=np.float32))


def read_predictions(path: Path, rows: int, columns: int) -> np.ndarray:
    """A student's predictions CSV as a rows×columns array.

    Accepted: an optional header line, and an optional first column holding the row index
    0..rows-1 (what pandas' to_csv writes by default).
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "no such file" if not path.exists() else "not a regular file")
    if path.stat().st_size > MAX_PREDICTIONS_BYTES:
        raise InputFileError(path, f"file is too large (at most {MAX_PREDICTIONS_BYTES} bytes)")
    text = decode_text(path.read_bytes(), path)
    try:
        lines = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    except csv.Error as error:
        raise InputFileError(path, f"malformed CSV ({error})") from None
    if lines and not _numbers(lines[0]):
        lines = lines[1:]
    if len(lines) != rows:
        raise InputFileError(path, f"expected {rows} rows of predictions, got {len(lines)}")
    values = []
    for number, row in enumerate(lines, start=1):
        parsed = _numbers(row)
        if parsed is None:
            raise InputFileError(path, f"row {number} holds something other than finite numbers")
        if len(parsed) == columns + 1 and parsed[0] == number - 1:
            parsed = parsed[1:]
        if len(parsed) != columns:
            raise InputFileError(path, f"row {number} has {len(parsed)} values, expected "
                                       f"{columns}")
        values.append(parsed)
    return np.array(values, dtype=np.float64)


def _numbers(row: list[str]) -> list[float] | None:
    try:
        values = [float(cell) for cell in row]
    except ValueError:
        return None
    return values if all(math.isfinite(v) for v in values) else None


def claims_for(raw: Any, question: str | None = None) -> dict[str, Any]:
    """The claims mapping out of an answers file: at the top or under a question id."""
    if not isinstance(raw, Mapping):
        raise ValueError("expected a mapping of claims (param_count, test_mse, test_l1)")
    if question is not None:
        if not isinstance(raw.get(question), Mapping):
            raise ValueError(f"no question '{question}' holding claims")
        return dict(raw[question])
    if any(key in raw for key in CLAIM_PARTS):
        return dict(raw)
    nested = [key for key, value in raw.items()
              if isinstance(value, Mapping) and any(part in value for part in CLAIM_PARTS)]
    if len(nested) == 1:
        return dict(raw[nested[0]])
    if nested:
        raise ValueError(f"several questions hold claims ({', '.join(map(str, nested))}); "
                         "choose one with --question")
    raise ValueError("no claims found (expected param_count, test_mse or test_l1)")
