"""`grader check-forecaster` through click's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys

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


def _strict_json(text: str):
    """JSON as the standard has it: NaN and Infinity are not JSON."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def test_grading_a_class_survives_a_nan_claim(files):
    """Does one student's .nan or .inf claim leave that part invalid and every other student
    graded, instead of stopping results.json's encoder (it refuses NaN) for the class?"""
    base = files["dir"]
    (base / "assignment.yaml").write_text(yaml.safe_dump({
        "title": "HW", "course": "DL", "due": "2026-12-01", "seed": 1,
        "questions": [{"id": "fc", "family": "forecaster",
                       "points": {"architecture": 1, "param_count": 1, "test_mse": 1,
                                  "test_l1": 1, "baseline": 1},
                       "params": {**SMALL_PARAMS, "test_data": "test.npz"}}]}))
    claims = {"nan": "fc: {test_mse: .nan, test_l1: .inf, param_count: -.inf}\n",
              "json": '{"fc": {"test_mse": NaN, "param_count": Infinity}}',
              "honest": yaml.safe_dump({"fc": {"param_count": files["count"],
                                               "test_mse": round(files["mse"], 4),
                                               "test_l1": round(files["l1"], 4)}})}
    for student, text in claims.items():
        folder = base / "submissions" / student
        folder.mkdir(parents=True)
        (folder / ("answers.json" if student == "json" else "answers.yaml")).write_text(text)
        (folder / "model.safetensors").write_bytes(files["weights"].read_bytes())
    result = CliRunner().invoke(main, ["grade", str(base / "assignment.yaml"),
                                       str(base / "submissions"), "--out", str(base / "out")])
    assert result.exit_code == 0, result.output
    students = _strict_json((base / "out" / "results.json").read_text())["students"]
    parts = {student: entry["questions"]["fc"]["parts"] for student, entry in students.items()}
    assert {part: (r["status"], r["given"]) for part, r in parts["nan"].items()
            if part in ("param_count", "test_mse", "test_l1")} == {
        "param_count": ("invalid", "-inf"), "test_mse": ("invalid", "nan"),
        "test_l1": ("invalid", "inf")}
    assert "NaN, infinity and numbers beyond 1.8e308 are not answers" in \
        parts["nan"]["test_mse"]["message"]
    assert parts["json"]["test_mse"]["given"] == "nan"
    assert parts["json"]["param_count"]["status"] == "invalid"
    assert {r["status"] for r in parts["honest"].values()} == {"correct"}


def test_json_output_of_a_nan_claim_is_strict_json(files):
    """Does --json print a NaN claim as text, so that any JSON reader accepts the output?"""
    claims = files["dir"] / "claims.yaml"
    claims.write_text("test_mse: .nan\ntest_l1: .inf\n")
    result = _run(files["weights"], "--claims", claims, "--params", files["params"], "--json")
    assert result.exit_code == 0, result.output
    parts = _strict_json(result.output)["parts"]
    assert parts["test_mse"]["status"] == parts["test_l1"]["status"] == "invalid"
    assert (parts["test_mse"]["given"], parts["test_l1"]["given"]) == ("nan", "inf")


def test_overflowing_weights_print_no_numpy_warning(files):
    """Does a model whose re-run overflows float32 (a head of 3e38 on saturated LSTMs) give
    its invalid parts and nothing on stderr, in a real process where NumPy's RuntimeWarnings
    would be printed with the grader's source line?"""
    arrays = models.state_arrays(models.model(5, (8, 12), 5))
    for leaf in ("weight_ih_l0", "weight_hh_l0"):
        arrays[f"lstm2.{leaf}"][:] = 0.0
    arrays["lstm2.bias_ih_l0"][:] = 100.0
    arrays["fc.weight"] = np.full_like(arrays["fc.weight"], 3e38)
    weights = models.save_arrays(arrays, files["dir"] / "huge.safetensors")
    run = subprocess.run([sys.executable, "-c", "from grader.cli import main; main()",
                          "check-forecaster", str(weights), "--data", str(files["data"]),
                          "--params", str(files["params"])],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert "cannot re-run the model: the re-run gives NaN or infinite predictions" in run.stdout
