"""`grader check-forecaster` through click's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from tests.grader import forecaster_models as models

pytestmark = pytest.mark.torch

SMALL_PARAMS = {"architecture": {"input_size": 5, "hidden_sizes": [8, 12], "output_size": 5}}


@pytest.fixture
def files(tmp_path):
    """A small model, its test windows, a params file for its sizes, and its true scores."""
    net = models.model(5, (8, 12), 5)
    X, y = models.windows(16, 5, 5)
    error = models.predict(net, X).astype(np.float64) - y
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({**SMALL_PARAMS, "test_data": "test.npz"}))
    return {"weights": models.save_safetensors(net, tmp_path / "model.safetensors"),
            "data": models.write_data(tmp_path / "test.npz", X, y), "params": params,
            "mse": float(np.mean(error ** 2)), "l1": float(np.mean(np.abs(error))),
            "count": sum(p.numel() for p in net.parameters()), "dir": tmp_path}


def _run(*args):
    return CliRunner().invoke(main, ["check-forecaster", *map(str, args)])


def test_good_model_with_claims_under_a_question(files):
    """Does a good model with true claims (nested under a question id) pass every check?"""
    claims = files["dir"] / "answers.yaml"
    claims.write_text(yaml.safe_dump({"q1": {"x": 1}, "forecast": {
        "param_count": files["count"], "test_mse": round(files["mse"], 4),
        "test_l1": round(files["l1"], 4)}}))
    result = _run(files["weights"], "--data", files["data"], "--claims", claims,
                  "--params", files["params"])
    assert result.exit_code == 0, result.output
    assert "5 of 5 checks passed" in result.output
    assert "16 windows of length 5, 5 features" in result.output
    for part in ("architecture", "param_count", "test_mse", "test_l1", "baseline"):
        assert f"  {part}" in result.output


def test_json_output_and_data_from_params(files):
    """Does --json give results.json-shaped parts, with the test data taken from --params?"""
    claims = files["dir"] / "claims.json"
    claims.write_text(json.dumps({"test_mse": files["mse"] * 3}))
    result = _run(files["weights"], "--claims", claims, "--params", files["params"], "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["test_data"]["windows"] == 16
    parts = printed["parts"]
    assert parts["test_mse"]["status"] == "incorrect"
    assert parts["test_mse"]["expected"] == pytest.approx(files["mse"], rel=models.SCORE_REL)
    assert parts["param_count"]["status"] == "missing"
    assert set(parts["architecture"]) == {"status", "fraction", "expected", "given",
                                          "message", "mistake"}


def test_failing_checks_still_exit_zero(files):
    """Is a model of the wrong architecture feedback (exit 0), not an error?"""
    result = _run(files["weights"], "--data", files["data"])
    assert result.exit_code == 0, result.output
    assert "WRONG" in result.output
    assert "expected 3 LSTM layers, found 2" in result.output


@pytest.mark.parametrize(("name", "content", "message"), [
    ("model.pt", b"\x80\x04K\x01.", "pickled checkpoints are never loaded"),
    ("model.safetensors", b"", "file is empty"),
    ("model.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{", "header claims"),
    ("missing.safetensors", None, "no such file"),
])
def test_bad_weights_file_is_one_clear_line(files, name, content, message):
    """Does an unusable weights file exit 1 with one line naming the file?"""
    path = files["dir"] / name
    if content is not None:
        path.write_bytes(content)
    result = _run(path, "--data", files["data"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("option", "name", "content", "message"), [
    ("--claims", "claims.yaml", "a: [1\n", "malformed YAML"),
    ("--claims", "claims.yaml", "- 1\n", "expected a mapping of claims"),
    ("--claims", "claims.yaml", "a: {test_mse: 1}\nb: {test_l1: 2}\n", "--question"),
    ("--params", "params.yaml", "architecture: {hidden_sizes: []}\n", "hidden_sizes"),
    ("--data", "test.npz", None, "no such file"),
])
def test_bad_claims_params_or_data_is_one_clear_line(files, option, name, content, message):
    """Do bad claims, params or test data files exit 1 with one line naming the file?"""
    path = files["dir"] / "other" / name
    path.parent.mkdir()
    if content is not None:
        path.write_text(content)
    args = [files["weights"], option, path]
    if option != "--data":
        args += ["--data", files["data"]]
    result = _run(*args)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0]


def test_no_data_anywhere_is_a_clear_error(files):
    """Without --data and without test_data in --params, is the user told to give --data?"""
    result = _run(files["weights"])
    assert result.exit_code == 1 and "give --data" in result.output
