"""forecaster: the programming task (stacked LSTMs and a linear head), checked without PyTorch.

Only the parameter count follows from the params alone; it is the answer key here, computed by
the param_count family's stacked-LSTM graph so the formula, its worked solution and its
catalogued mistakes live in one place. The trained model itself is checked by
grader.forecaster (architecture, re-run MSE and L1, predictions, naive baseline).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from grader.family import Family, FileCheck
from grader.forecaster.check import (
    DEFAULT_CLAIM_ATOL,
    DEFAULT_METRIC_RTOL,
    DEFAULT_PREDICTIONS_ATOL,
    DEFAULT_PREDICTIONS_RTOL,
    PARTS,
)
from grader.forecaster.spec import Architecture
from grader.graph import Graph
from grader.params import Dims, Field, Params, ParamSpec, Real
from problems import param_count

ARCHITECTURE_KEYS = ("input_size", "hidden_sizes", "output_size")
COUNT_MISTAKES = ("no_biases", "bias_convention", "gate_factor", "forgot_recurrent")
"""The param_count mistakes that a stack of LSTMs with a linear head can show."""


def _describe(raw: Any) -> str:
    if isinstance(raw, str):
        return f"text {raw[:40]!r}"
    if isinstance(raw, Mapping):
        return "a mapping"
    if isinstance(raw, list | tuple):
        return f"the list {str(list(raw))[:40]}"
    return "nothing (null)" if raw is None else repr(raw)[:40]


@dataclass(frozen=True, kw_only=True)
class ArchitectureField(Field):
    """A mapping of input_size, hidden_sizes (one per LSTM layer) and output_size."""

    def describe(self) -> str:
        return "mapping of " + ", ".join(ARCHITECTURE_KEYS)

    def parse(self, raw: Any, dims: Dims) -> Architecture:
        if isinstance(raw, Architecture):
            return raw
        if not isinstance(raw, Mapping):
            raise self.fail(f"expected a mapping of {', '.join(ARCHITECTURE_KEYS)}, "
                            f"got {_describe(raw)}")
        unknown = sorted(str(key) for key in raw if key not in ARCHITECTURE_KEYS)
        if unknown:
            raise self.fail(f"unknown key '{unknown[0]}'; expected {', '.join(ARCHITECTURE_KEYS)}")
        default = Architecture()
        hidden = raw.get("hidden_sizes", list(default.hidden_sizes))
        if not isinstance(hidden, list | tuple) or not hidden:
            raise self.fail(f"hidden_sizes: expected a non-empty list of sizes, got "
                            f"{_describe(hidden)}")
        return Architecture(
            input_size=self._size("input_size", raw.get("input_size", default.input_size)),
            hidden_sizes=tuple(self._size(f"hidden_sizes[{k}]", size)
                               for k, size in enumerate(hidden)),
            output_size=self._size("output_size", raw.get("output_size", default.output_size)))

    def _size(self, label: str, raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise self.fail(f"{label}: expected a positive whole number, got {_describe(raw)}")
        return raw


@dataclass(frozen=True, kw_only=True)
class FileName(Field):
    """A file name with one of the given suffixes; ``inside`` keeps it inside its folder."""

    suffixes: tuple[str, ...]
    inside: bool = True

    def describe(self) -> str:
        return "file name (" + ", ".join(self.suffixes) + ")"

    def parse(self, raw: Any, dims: Dims) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(f"expected a file name, got {_describe(raw)}")
        path = PurePosixPath(raw.replace("\\", "/"))
        if path.suffix.lower() not in self.suffixes:
            raise self.fail(f"expected a {' or '.join(self.suffixes)} file, got {raw!r}")
        if self.inside and (path.is_absolute() or ".." in path.parts or ":" in raw):
            raise self.fail(f"must name a file inside the student's folder, got {raw!r}")
        return raw


def _tolerance(name: str, default: float, doc: str) -> Real:
    return Real(name=name, minimum=0.0, default=default, doc=doc)


PARAMS = ParamSpec(
    fields=(
        ArchitectureField(name="architecture", default=Architecture(),
                          doc="the specified model: LSTM sizes and the linear head"),
        FileName(name="test_data", suffixes=(".npz",), inside=False, default=None,
                 doc="instructor's test windows (X: N x L x F, y: N x F), relative to the "
                     "assignment file; needed to grade, not to solve"),
        FileName(name="weights", suffixes=(".safetensors", ".npz"), default="model.safetensors",
                 doc="the trained state_dict in the student's folder"),
        FileName(name="predictions", suffixes=(".csv",), default=None,
                 doc="the student's test predictions (N rows of F values), when asked for"),
        _tolerance("mse_rtol", DEFAULT_METRIC_RTOL, "relative tolerance on the claimed MSE"),
        _tolerance("l1_rtol", DEFAULT_METRIC_RTOL, "relative tolerance on the claimed L1"),
        _tolerance("claim_atol", DEFAULT_CLAIM_ATOL,
                   "absolute tolerance on claimed metrics (4-decimal rounding)"),
        _tolerance("predictions_atol", DEFAULT_PREDICTIONS_ATOL,
                   "absolute tolerance on each predicted value"),
        _tolerance("predictions_rtol", DEFAULT_PREDICTIONS_RTOL,
                   "relative tolerance on each predicted value"),
    )
)

CANONICAL = {"architecture": {"input_size": 17, "hidden_sizes": [128, 256, 512],
                              "output_size": 17}}


def _stack_params(architecture: Architecture) -> Params:
    return param_count.FAMILY.parse({
        "kind": "stacked_rnn", "cell": "lstm", "input_size": architecture.input_size,
        "hidden_sizes": list(architecture.hidden_sizes),
        "output_size": architecture.output_size, "bias_convention": "pytorch"})


def build(params: Params) -> Graph:
    """The parameter count layer by layer (param_count's stacked-LSTM graph), then the total."""
    graph = param_count.build(_stack_params(params["architecture"]))
    steps = []
    for step in graph.steps:
        if step.name == "total":
            step = replace(step, name="param_count",
                           label="trainable parameters of the specified model (PyTorch "
                                 "convention: two bias vectors per gate block)")
        elif step.part:
            step = replace(step, part=False)
        steps.append(step)
    return Graph(graph.constants, tuple(steps))


MISTAKES = tuple(replace(mistake, when={}) for mistake in param_count.MISTAKES
                 if mistake.id in COUNT_MISTAKES)


def sample(rng: np.random.Generator, settings: Mapping[str, Any]) -> dict:
    """The course's task as set (one test set for the class), with any sizes the settings give.

    Nothing is drawn: every student trains the same model on the instructor's data.
    """
    architecture = dict(CANONICAL["architecture"])
    architecture.update({key: settings[key] for key in ARCHITECTURE_KEYS if key in settings})
    raw: dict[str, Any] = {"architecture": architecture}
    raw.update({key: settings[key] for key in ("test_data", "weights", "predictions")
                if key in settings})
    return raw


def check_submission(family: Family, params: Params, student_dir, assignment_dir,
                     answers: Mapping[str, Any]) -> dict:
    """Grade the files in the student's folder and their claims (see grader.forecaster)."""
    from grader.forecaster.question import check_submission as check

    return check(family, params, student_dir, assignment_dir, answers,
                 test_data=cached_test_data(params, assignment_dir))


def cached_test_data(params: Params, assignment_dir):
    """The class's test windows, read once per process whatever the class size."""
    from grader.forecaster.question import locate_test_data

    path = Path(locate_test_data(params, assignment_dir))
    stamp = path.stat().st_mtime_ns if path.exists() else None
    return _test_data(str(path), stamp)


@functools.lru_cache(maxsize=4)
def _test_data(path: str, stamp: int | None):
    from grader.forecaster.question import load_test_data

    return load_test_data(Path(path))


FAMILY = Family(
    name="forecaster",
    title="LSTM forecaster programming task",
    params=PARAMS,
    build=build,
    sample=sample,
    canonical=CANONICAL,
    template="forecaster.tex.j2",
    mistakes=MISTAKES,
    sample_settings={
        "input_size": "features per time step (17)",
        "hidden_sizes": "LSTM sizes, one per layer ([128, 256, 512])",
        "output_size": "features predicted (17)",
        "test_data": "the test windows .npz, relative to the assignment file",
        "weights": "the weights file name in each student's folder (model.safetensors)",
        "predictions": "the predictions CSV name, when asked for",
    },
    file_check=FileCheck(
        run=check_submission,
        parts=lambda params: tuple(part for part in PARTS
                                   if part != "predictions" or params.get("predictions")),
        labels={
            "architecture": "architecture read off the weights' shapes",
            "param_count": "your parameter count, against a recount of the weights",
            "test_mse": "your test MSE, against a re-run of your model",
            "test_l1": "your test L1 (mean absolute error), against the re-run",
            "predictions": "your predictions file, against the re-run",
            "baseline": "the re-run beats repeating the last observed step",
        },
        claims=("param_count", "test_mse", "test_l1"),
    ),
)
