"""The forecaster as a question: a student's folder graded against the family's params."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader.catalog import parse_params_file
from grader.datafiles import read_data_file
from grader.errors import InputFileError, ParamError
from grader.family import Family
from grader.forecaster.check import Tolerances, check_forecaster
from grader.forecaster.data import TestData, claims_for, load_test_data
from grader.forecaster.spec import Architecture
from grader.forecaster.weights import load_tensors
from grader.graph import Mistake
from grader.params import Params
from grader.results import PartResult

TOLERANCE_PARAMS = ("mse_rtol", "l1_rtol", "claim_atol", "predictions_atol", "predictions_rtol")


def tolerances_of(params: Params) -> Tolerances:
    """The claim and prediction tolerances an instance's params set."""
    return Tolerances(**{name: params[name] for name in TOLERANCE_PARAMS})


_COUNTED: dict[tuple[str, Architecture], dict[int, Mistake]] = {}


def count_mistakes(family: Family, params: Params) -> dict[int, Mistake]:
    """Each wrong parameter count a catalogued mistake gives, mapped to that mistake.

    It depends only on the architecture, the same for the whole class: worked out once.
    """
    key = (family.name, params["architecture"])
    if key not in _COUNTED:
        _COUNTED[key] = _count_mistakes(family, params)
    return _COUNTED[key]


def _count_mistakes(family: Family, params: Params) -> dict[int, Mistake]:
    correct = family.graph(params).answers()["param_count"]
    found: dict[int, Mistake] = {}
    for mistake_id, _, graph in family.mistaken_graphs(params):
        count = int(graph.answers()["param_count"])
        if count != int(correct):
            found.setdefault(count, family.mistake(mistake_id))
    return found


def locate_test_data(params: Params, assignment_dir: Path) -> Path:
    """Where the instance's test windows are: ``test_data`` relative to the assignment file."""
    if params.get("test_data") is None:
        raise ParamError("test_data", "is required to check the forecaster (an .npz with X, y)")
    return Path(assignment_dir) / params["test_data"]


def check_submission(family: Family, params: Params, student_dir: Path, assignment_dir: Path,
                     answers: Mapping[str, Any],
                     test_data: TestData | None = None) -> dict[str, PartResult]:
    """Grade one student's forecaster: the files in their folder and their claimed answers.

    ``test_data`` may be passed in loaded, so a class is graded with one read of the file.
    """
    student_dir = Path(student_dir)
    data = test_data or load_test_data(locate_test_data(params, assignment_dir))
    predictions = params.get("predictions")
    return check_forecaster(
        student_dir / params["weights"], data, answers,
        predictions_path=student_dir / predictions if predictions else None,
        architecture=params["architecture"], tolerances=tolerances_of(params),
        count_mistakes=count_mistakes(family, params), folder=student_dir)


def check_files(family: Family, weights: Path, data: Path | None, claims: Path | None = None,
                predictions: Path | None = None, params: Path | None = None,
                question: str | None = None) -> tuple[dict[str, PartResult], TestData]:
    """What `grader check-forecaster` runs: one model file, optional claims and params files.

    Unlike grading, an unreadable weights file is the user's input error (InputFileError).
    """
    load_tensors(weights)
    parsed = family.parse({}) if params is None else parse_params_file(family, params)
    if data is None:
        if params is None or parsed.get("test_data") is None:
            raise InputFileError(weights, "no test data: give --data TEST.npz")
        data = locate_test_data(parsed, Path(params).parent)
    claimed: dict[str, Any] = {}
    if claims is not None:
        try:
            claimed = claims_for(read_data_file(claims), question)
        except ValueError as error:
            raise InputFileError(claims, str(error)) from None
    loaded = load_test_data(data)
    results = check_forecaster(weights, loaded, claimed, predictions_path=predictions,
                               architecture=parsed["architecture"],
                               tolerances=tolerances_of(parsed),
                               count_mistakes=count_mistakes(family, parsed))
    return results, loaded
