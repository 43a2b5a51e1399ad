"""The forecaster family: its params, its parameter-count key and its catalogued mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from grader.errors import ParamError
from grader.forecaster.spec import Architecture
from problems import get_family
from problems.param_count import stacked_layer_sizes

FAMILY = get_family("forecaster")


def test_defaults_are_the_courses_model():
    """Do empty params give the course's model, file names and tolerances?"""
    params = FAMILY.parse({})
    assert params["architecture"] == Architecture(17, (128, 256, 512), 17)
    assert params["weights"] == "model.safetensors"
    assert params["test_data"] is None and params["predictions"] is None
    assert FAMILY.solve({}) == {"param_count": 2056209}


def test_partial_architecture_fills_the_rest():
    """Does giving only hidden_sizes keep the course's input and output sizes?"""
    params = FAMILY.parse({"architecture": {"hidden_sizes": [64, 32]}})
    assert params["architecture"] == Architecture(17, (64, 32), 17)
    assert int(FAMILY.solve({"architecture": {"hidden_sizes": [64, 32]}})["param_count"]) == \
        sum(stacked_layer_sizes("lstm", 17, [64, 32], 17, "pytorch"))


@pytest.mark.parametrize(("raw", "name", "problem"), [
    ({"architecture": [17, 128]}, "architecture", "expected a mapping"),
    ({"architecture": {"layers": 3}}, "architecture", "unknown key 'layers'"),
    ({"architecture": {"hidden_sizes": []}}, "architecture", "non-empty list"),
    ({"architecture": {"hidden_sizes": [128, 2.5]}}, "architecture", "hidden_sizes[1]"),
    ({"architecture": {"input_size": True}}, "architecture", "input_size"),
    ({"weights": "model.pt"}, "weights", "expected a .safetensors or .npz file"),
    ({"weights": "../other/model.safetensors"}, "weights", "inside the student's folder"),
    ({"weights": "/abs/model.safetensors"}, "weights", "inside the student's folder"),
    ({"predictions": "pred.txt"}, "predictions", "expected a .csv file"),
    ({"test_data": ""}, "test_data", "expected a file name"),
    ({"mse_rtol": -0.1}, "mse_rtol", "at least 0"),
])
def test_bad_params_name_the_parameter(raw, name, problem):
    """Does each bad parameter fail with its name and what was expected?"""
    with pytest.raises(ParamError) as caught:
        FAMILY.parse(raw)
    assert caught.value.name == name and problem in caught.value.problem


def test_test_data_may_live_outside_the_assignment_folder():
    """Is a test_data path relative to the assignment allowed to climb out of its folder?"""
    assert FAMILY.parse({"test_data": "../data/test.npz"})["test_data"] == "../data/test.npz"


@pytest.mark.parametrize(("mistake", "count"), [
    ("bias_convention", 2052625),
    ("no_biases", 2049024),
])
def test_count_mistakes_give_the_expected_wrong_totals(mistake, count):
    """Do the catalogued count mistakes give the totals a student would claim?"""
    assert int(FAMILY.solve(FAMILY.canonical, mistake)["param_count"]) == count


def test_worked_solution_shows_each_layer():
    """Does the worked solution count each LSTM layer and the head before the total?"""
    worked = FAMILY.build(FAMILY.parse({})).worked()
    results = {line.name: line.result for line in worked}
    assert [results[f"layer_{k}"] for k in (1, 2, 3)] == ["75264", "395264", "1576960"]
    assert results["head"] == "8721" and results["param_count"] == "2056209"


def test_sample_uses_the_settings():
    """Does sampling give the course's task, changed only where settings say so?"""
    rng = np.random.default_rng(0)
    assert FAMILY.parse(FAMILY.sample(rng, {}))["architecture"] == Architecture()
    raw = FAMILY.sample(rng, {"hidden_sizes": [32], "test_data": "t.npz"})
    assert FAMILY.parse(raw)["architecture"].hidden_sizes == (32,)
    assert raw["test_data"] == "t.npz"
