"""The forecaster's checks as parts: architecture, counts, re-run metrics, predictions, baseline."""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import InputFileError, ParamError
from grader.forecaster.check import Tolerances, check_forecaster
from grader.forecaster.data import TestData, load_test_data, read_predictions
from grader.forecaster.question import check_submission, count_mistakes
from grader.forecaster.spec import Architecture
from grader.forecaster.synthetic import make_splits, write_windows
from problems import get_family
from tests.grader.forecaster_models import (
    SCORE_REL,
    model,
    predict,
    save_arrays,
    save_safetensors,
    state_arrays,
    windows,
    write_data,
)

pytestmark = pytest.mark.torch

SMALL = Architecture(5, (8, 12), 5)


@pytest.fixture
def setup(tmp_path):
    """A small trained-shape model, its test windows, and the true scores."""
    net = model(5, (8, 12), 5)
    X, y = windows(30, 6, 5)
    predictions = predict(net, X).astype(np.float64)
    error = predictions - y
    return {
        "weights": save_safetensors(net, tmp_path / "model.safetensors"),
        "data": write_data(tmp_path / "test.npz", X, y),
        "predictions": predictions,
        "mse": float(np.mean(error ** 2)), "l1": float(np.mean(np.abs(error))),
        "naive": float(np.mean((X[:, -1].astype(np.float64) - y) ** 2)),
        "count": sum(p.numel() for p in net.parameters()),
        "dir": tmp_path,
    }


def _check(setup, claims, **options):
    return check_forecaster(setup["weights"], setup["data"], claims, architecture=SMALL,
                            **options)


def _write_csv(path, values, header=True, index=False):
    rows = [",".join(f"c{j}" for j in range(values.shape[1]))] if header else []
    for k, row in enumerate(values):
        cells = [f"{v:.6f}" for v in row]
        rows.append(",".join(([str(k)] if index else []) + cells))
    path.write_text("\n".join(rows) + "\n")
    return path


def test_honest_submission_passes_every_check(setup):
    """Do true claims rounded to 4 decimals and exact predictions pass every part?"""
    csv = _write_csv(setup["dir"] / "pred.csv", setup["predictions"])
    claims = {"param_count": setup["count"], "test_mse": round(setup["mse"], 4),
              "test_l1": round(setup["l1"], 4)}
    results = _check(setup, claims, predictions_path=csv)
    assert {part: r.status for part, r in results.items()} == dict.fromkeys(results, "correct")
    assert results["test_mse"].expected == pytest.approx(setup["mse"], rel=SCORE_REL)
    assert results["test_l1"].expected == pytest.approx(setup["l1"], rel=SCORE_REL)
    assert results["baseline"].expected == pytest.approx(setup["naive"], rel=1e-6)
    assert all(r.fraction == 1.0 for r in results.values())


def test_parts_come_in_solving_order(setup):
    """Are the parts listed as a student works: architecture first, baseline last?"""
    csv = _write_csv(setup["dir"] / "pred.csv", setup["predictions"])
    assert list(_check(setup, {}, predictions_path=csv)) == [
        "architecture", "param_count", "test_mse", "test_l1", "predictions", "baseline"]
    assert "predictions" not in _check(setup, {})


def test_wrong_and_missing_claims(setup):
    """Are far-off claims incorrect, absent ones missing, and text ones invalid?"""
    results = _check(setup, {"param_count": setup["count"] + 1,
                             "test_mse": setup["mse"] * 1.5, "test_l1": "about a half"})
    assert results["param_count"].status == "incorrect"
    assert results["test_mse"].status == "incorrect"
    assert "re-run on the test windows gives" in results["test_mse"].message
    assert results["test_l1"].status == "invalid"
    missing = _check(setup, {})
    assert {missing[p].status for p in ("param_count", "test_mse", "test_l1")} == {"missing"}
    assert missing["param_count"].expected == setup["count"]


def test_claims_within_tolerance(setup):
    """Does a claim 1% off pass at the default 2% and fail at a 0.5% tolerance?"""
    claims = {"test_mse": setup["mse"] * 1.01, "test_l1": setup["l1"] * 0.99}
    assert _check(setup, claims)["test_mse"].status == "correct"
    strict = Tolerances(mse_rtol=0.005, l1_rtol=0.005, claim_atol=0.0)
    results = _check(setup, claims, tolerances=strict)
    assert results["test_mse"].status == results["test_l1"].status == "incorrect"


def test_metric_claims_are_read_as_any_answer(setup):
    """A fraction ("1/8") or a Unicode minus is a number as in every other question, and a
    decimal comma ("0,0123"), which once lost its comma and read as 123, asks for a point."""
    top = round(setup["mse"] * 1e6)
    results = _check(setup, {"test_mse": f"{top}/1000000", "test_l1": "0,5"})
    assert results["test_mse"].status == "correct"
    assert results["test_l1"].status == "invalid"
    assert "write the decimal point as a point (0.5)" in results["test_l1"].message
    assert _check(setup, {"param_count": "143.5"})["param_count"].message == (
        "a parameter count is a whole number, got 143.5")


@pytest.mark.parametrize("text", ["2,056,209", "2056209", " 2_056_209 ", 2056209.0])
def test_param_count_claims_as_written(tmp_path, text):
    """Is a parameter count accepted as a student writes it (commas, underscores)?"""
    from tests.grader.forecaster_models import Stacked

    path = save_safetensors(Stacked(17, (128, 256, 512), 17), tmp_path / "m.safetensors")
    data = TestData(np.zeros((2, 3, 17), np.float32), np.zeros((2, 17), np.float32))
    result = check_forecaster(path, data, {"param_count": text})["param_count"]
    assert result.status == "correct" and result.given == 2056209


def test_a_catalogued_count_mistake_is_named(tmp_path):
    """Is the Keras-convention count 2052625 diagnosed as bias_convention?"""
    from tests.grader.forecaster_models import Stacked

    family = get_family("forecaster")
    params = family.parse(family.canonical)
    path = save_safetensors(Stacked(17, (128, 256, 512), 17), tmp_path / "m.safetensors")
    data = TestData(np.zeros((2, 3, 17), np.float32), np.zeros((2, 17), np.float32))
    result = check_forecaster(path, data, {"param_count": 2052625},
                              count_mistakes=count_mistakes(family, params))["param_count"]
    assert result.status == "incorrect" and result.mistake == "bias_convention"
    assert "one bias vector" in result.message


NOT_FINITE = "NaN, infinity and numbers beyond 1.8e308 are not answers"


@pytest.mark.parametrize(("part", "claim", "shown"), [
    ("test_mse", float("nan"), "nan"),
    ("test_l1", float("inf"), "inf"),
    ("param_count", float("inf"), "inf"),
    ("param_count", float("-inf"), "-inf"),
    ("test_mse", "1e400", "1e400"),
    ("test_l1", 10 ** 400, 10 ** 400),
], ids=["nan", "inf", "count-inf", "count-minus-inf", "text-1e400", "int-10**400"])
def test_nan_and_infinite_claims_are_invalid_and_json_safe(setup, part, claim, shown):
    """Is a .nan or .inf claim (or one beyond float's range) invalid, as for any question,
    with a given value results.json can hold (its encoder refuses NaN and infinity)?"""
    result = _check(setup, {part: claim})[part]
    assert result.status == "invalid" and result.fraction == 0.0
    assert result.message == NOT_FINITE
    assert result.given == shown
    json.dumps(asdict(result), allow_nan=False)


def test_nan_claims_are_json_safe_without_a_model(setup):
    """Does a NaN claim stay JSON-safe when the weights are missing or cannot be re-run?"""
    claims = {"param_count": float("nan"), "test_mse": float("nan"),
              "test_l1": float("-inf")}
    setup["weights"].write_bytes(b"\x00" * 20)
    unreadable = _check(setup, claims)
    setup["weights"].unlink()
    for results in (unreadable, _check(setup, claims)):
        assert results["param_count"].status == "invalid"
        assert results["test_mse"].given == "nan" and results["test_l1"].given == "-inf"
        json.dumps({part: asdict(r) for part, r in results.items()}, allow_nan=False)


FLOATS = "weights must be floating point (float32, float16 or float64)"


@pytest.mark.parametrize(("change", "suffix", "message"), [
    ("all_int32", ".safetensors",
     "tensor 'fc.bias' is int32 (9 more tensors are not floating point either); " + FLOATS),
    ("int64_weight_ih", ".safetensors", "tensor 'lstm1.weight_ih_l0' is int64; " + FLOATS),
    ("int64_weight_ih", ".npz", "tensor 'lstm1.weight_ih_l0' is int64; " + FLOATS),
    ("bool_fc_bias", ".safetensors", "tensor 'fc.bias' is bool; " + FLOATS),
], ids=["all-int32", "int64-safetensors", "int64-npz", "bool-bias"])
def test_tensors_that_are_not_floats_are_named_with_their_dtype(setup, change, suffix,
                                                                 message):
    """Is an int or bool weight named once with its dtype, without a cascade of shape
    mismatches or of 'unexpected' float tensors beside it, and is the re-run refused for it?"""
    arrays = state_arrays(model(5, (8, 12), 5))
    if change == "all_int32":
        arrays = {name: array.astype(np.int32) for name, array in arrays.items()}
    elif change == "int64_weight_ih":
        arrays["lstm1.weight_ih_l0"] = arrays["lstm1.weight_ih_l0"].astype(np.int64)
    else:
        arrays["fc.bias"] = arrays["fc.bias"] > 0
    setup["weights"] = save_arrays(arrays, setup["dir"] / f"model{suffix}")
    results = _check(setup, {"param_count": setup["count"], "test_mse": setup["mse"]})
    architecture = results["architecture"]
    assert architecture.status == "incorrect"
    assert architecture.message == message
    assert architecture.given == "LSTM 5→8→12, linear 12→5"
    assert results["param_count"].status == "correct"  # the shapes, hence the count, are right
    for part in ("test_mse", "test_l1", "baseline"):
        assert results[part].message == f"cannot re-run the model: {message}"
    assert results["test_mse"].status == results["baseline"].status == "invalid"


def test_overflowing_weights_are_invalid_without_warnings(setup):
    """Do weights of 3e38 (float32 overflow in the re-run) make the re-run invalid, with no
    NumPy RuntimeWarning, which would only reach the grader's stderr?"""
    arrays = state_arrays(model(5, (8, 12), 5))
    # The last LSTM saturated (every gate open, h near 1), so that 12 · 3e38 overflows.
    for leaf in ("weight_ih_l0", "weight_hh_l0"):
        arrays[f"lstm2.{leaf}"][:] = 0.0
    arrays["lstm2.bias_ih_l0"][:] = 100.0
    arrays["fc.weight"] = np.full_like(arrays["fc.weight"], 3e38)
    setup["weights"] = save_arrays(arrays, setup["dir"] / "model.safetensors")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = _check(setup, {"test_mse": 0.1})
    assert results["architecture"].status == "correct"
    assert results["test_mse"].status == "invalid"
    assert results["test_mse"].message == ("cannot re-run the model: the re-run gives NaN or "
                                           "infinite predictions")


def test_missing_weights(setup):
    """Does a missing weights file make the model's parts missing, and still grade the count?"""
    setup["weights"].unlink()
    results = _check(setup, {"param_count": SMALL.parameter_count(), "test_mse": 0.1})
    assert results["architecture"].status == "missing"
    assert "no weights file model.safetensors" in results["architecture"].message
    assert results["param_count"].status == "correct"
    assert results["test_mse"].status == "missing"
    assert results["test_l1"].status == "missing"
    assert results["baseline"].status == "missing"


def test_unreadable_weights_are_invalid(setup):
    """Does a broken weights file make the model's parts invalid with the file's problem?"""
    setup["weights"].write_bytes(b"\x00" * 20)
    results = _check(setup, {"test_mse": 0.1})
    assert results["architecture"].status == "invalid"
    assert "model.safetensors: " in results["architecture"].message
    assert results["test_mse"].status == "invalid"
    assert results["test_l1"].status == "missing"


def test_wrong_architecture_is_named_and_rerun(tmp_path):
    """Is a model of other sizes incorrect in architecture but still re-run and scored?"""
    net = model(5, (8, 6), 5)
    X, y = windows(10, 4, 5)
    path = save_safetensors(net, tmp_path / "model.safetensors")
    mse = float(np.mean((predict(net, X).astype(np.float64) - y) ** 2))
    results = check_forecaster(path, TestData(X, y), {"test_mse": mse}, architecture=SMALL)
    assert results["architecture"].status == "incorrect"
    assert "lstm2.weight_ih_l0: expected shape (48, 8), got (24, 8)" in \
        results["architecture"].message
    assert results["architecture"].given == "LSTM 5→8→6, linear 6→5"
    assert results["test_mse"].status == "correct"


def test_features_that_do_not_fit_the_data(setup):
    """Does a model taking another number of features give a clear invalid re-run?"""
    X, y = windows(4, 3, 7)
    results = check_forecaster(setup["weights"], TestData(X, y), {"test_mse": 0.1},
                               architecture=SMALL)
    assert results["test_mse"].status == "invalid"
    assert "takes 5 features per step, the test windows have 7" in results["test_mse"].message


def test_predictions_csv(setup):
    """Are right, shifted, mis-shaped and missing predictions files told apart?"""
    reference = setup["predictions"]
    cases = {
        "indexed.csv": (_write_csv(setup["dir"] / "indexed.csv", reference, index=True),
                        "correct"),
        "bare.csv": (_write_csv(setup["dir"] / "bare.csv", reference + 0.004, header=False),
                     "correct"),
        "off.csv": (_write_csv(setup["dir"] / "off.csv", reference + 0.5), "incorrect"),
        "short.csv": (_write_csv(setup["dir"] / "short.csv", reference[:-1]), "invalid"),
        "absent.csv": (setup["dir"] / "absent.csv", "missing"),
    }
    for name, (path, status) in cases.items():
        result = _check(setup, {}, predictions_path=path)["predictions"]
        assert result.status == status, (name, result.message)
    off = _check(setup, {}, predictions_path=cases["off.csv"][0])["predictions"]
    assert f"{reference.size} of {reference.size} values differ" in off.message


@pytest.mark.parametrize(("text", "message"), [
    ("a,b,c\n1,2,3\n1,2,x\n4,5,6\n", "row 2 holds something other than finite numbers"),
    ("\x80\x81", "not UTF-8"),
    ("1,2\n3,4\n", "expected 3 rows"),
    ("1,2,3\n4,5,6\n7,8,nan\n", "row 3 holds"),
])
def test_read_predictions_errors(tmp_path, text, message):
    """Does a malformed predictions CSV give a message naming the row or the problem?"""
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputFileError, match=message):
        read_predictions(path, 3, 3)


def test_baseline_fails_for_a_poor_model(tmp_path):
    """Does a model worse than repeating the last step fail the baseline check?"""
    net = model(5, (8, 12), 5)
    X = np.repeat(windows(10, 1, 5)[0], 4, axis=1)
    y = X[:, -1, :] + np.float32(0.01)
    results = check_forecaster(save_safetensors(net, tmp_path / "m.safetensors"),
                               TestData(X, y), {}, architecture=SMALL)
    assert results["baseline"].status == "incorrect"
    assert "does not beat" in results["baseline"].message


@pytest.mark.parametrize(("arrays", "message"), [
    ({"y": np.zeros((2, 5))}, "no array X"),
    ({"X": np.zeros((2, 3)), "y": np.zeros((2, 5))}, "expected 3 axes"),
    ({"X": np.zeros((2, 3, 5)), "y": np.zeros((3, 5))}, "same number"),
    ({"X": np.full((2, 3, 5), np.nan), "y": np.zeros((2, 5))}, "NaN"),
    ({"X": np.array([["a"]]), "y": np.zeros((2, 5))}, "expected numbers"),
])
def test_bad_test_data_is_the_instructors_error(tmp_path, arrays, message):
    """Is unusable test data an InputFileError naming the file, not a student's fault?"""
    path = tmp_path / "test.npz"
    np.savez(path, **arrays)
    with pytest.raises(InputFileError, match=message):
        load_test_data(path)


def test_symlink_out_of_the_folder_is_refused(tmp_path, setup):
    """Is a weights file that points outside the student's folder refused?"""
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "model.safetensors").symlink_to(setup["weights"])
    results = check_forecaster(folder / "model.safetensors", setup["data"], {},
                               architecture=SMALL, folder=folder)
    assert results["architecture"].status == "invalid"
    assert "outside the submission folder" in results["architecture"].message


def test_a_dangling_symlink_out_of_the_folder_is_refused_not_missing(tmp_path, setup):
    """Is a symlink to a file outside that does not exist refused, not taken for no file?

    (Grading skips resolving the paths where nothing is at all; a dangling link is there.)
    """
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "model.safetensors").symlink_to(tmp_path / "elsewhere" / "gone.safetensors")
    (folder / "pred.csv").symlink_to(tmp_path / "gone.csv")
    results = check_forecaster(folder / "model.safetensors", setup["data"], {},
                               predictions_path=folder / "pred.csv", architecture=SMALL,
                               folder=folder)
    for part in ("architecture", "predictions"):
        assert results[part].status == "invalid"
        assert "outside the submission folder" in results[part].message
    (folder / "model.safetensors").unlink()
    (folder / "pred.csv").unlink()
    results = check_forecaster(folder / "model.safetensors", setup["data"], {},
                               predictions_path=folder / "pred.csv", architecture=SMALL,
                               folder=folder)
    assert results["architecture"].message == "no weights file model.safetensors"
    assert results["predictions"].message == "no predictions file pred.csv"


def test_check_submission_reads_the_family_params(tmp_path):
    """Does grading a folder use the params' file names, architecture and test data?"""
    net = model(5, (8, 12), 5)
    X, y = windows(12, 5, 5)
    (tmp_path / "data").mkdir()
    write_data(tmp_path / "data" / "test.npz", X, y)
    student = tmp_path / "s1"
    student.mkdir()
    save_safetensors(net, student / "weights.safetensors")
    family = get_family("forecaster")
    params = family.parse({"architecture": {"input_size": 5, "hidden_sizes": [8, 12],
                                            "output_size": 5},
                           "test_data": "data/test.npz", "weights": "weights.safetensors",
                           "predictions": "pred.csv"})
    mse = float(np.mean((predict(net, X).astype(np.float64) - y) ** 2))
    results = check_submission(family, params, student, tmp_path,
                               {"test_mse": mse, "param_count": SMALL.parameter_count()})
    assert results["architecture"].status == "correct"
    assert results["test_mse"].status == "correct"
    assert results["param_count"].status == "correct"
    assert results["predictions"].status == "missing"
    with pytest.raises(ParamError, match="test_data"):
        check_submission(family, family.parse({}), student, tmp_path, {})


def test_synthetic_data_is_seeded_and_byte_stable(tmp_path):
    """Does a seed give the same windows and the same .npz bytes, and the test split last?"""
    first, second = make_splits(3, 50, 10), make_splits(3, 50, 10)
    np.testing.assert_array_equal(first.test_X, second.test_X)
    assert not np.array_equal(first.test_X, make_splits(4, 50, 10).test_X)
    assert first.train_X.shape == (50, 24, 17) and first.test_y.shape == (10, 17)
    np.testing.assert_array_equal(first.train_X[1:, -1], first.train_y[:-1])
    write_windows(tmp_path / "a.npz", first.test_X, first.test_y)
    write_windows(tmp_path / "b.npz", second.test_X, second.test_y)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = load_test_data(tmp_path / "a.npz")
    np.testing.assert_array_equal(loaded.y, first.test_y)


def test_demo_files_pass_every_check_without_torch(repo):
    """Do the committed demo files pass every check, in a process that never imports torch?"""
    import subprocess
    import sys

    demo = repo / "demo" / "forecaster"
    code = (
        "import sys, yaml\n"
        "from grader.forecaster import check_forecaster\n"
        f"d = {str(demo)!r}\n"
        "claims = yaml.safe_load(open(d + '/claims.yaml'))\n"
        "r = check_forecaster(d + '/model.safetensors', d + '/test.npz', claims,\n"
        "                     predictions_path=d + '/predictions.csv')\n"
        "assert all(p.status == 'correct' for p in r.values()), r\n"
        "assert 'torch' not in sys.modules\n"
        "print(len(r))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=repo, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "6"


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_predictions_parser_never_crashes(tmp_path, data):
    """Does any byte string read as a predictions CSV give an array or an InputFileError?"""
    path = tmp_path / "p.csv"
    path.write_bytes(data)
    try:
        values = read_predictions(path, 2, 3)
    except InputFileError as error:
        assert error.problem
    else:
        assert values.shape == (2, 3) and np.all(np.isfinite(values))


def test_weights_sent_as_npz_under_the_same_name_are_read(setup, tmp_path):
    """The question names model.safetensors; a student who sent model.npz (the handout offers
    both) is graded from it, not told there are no weights."""
    from grader.forecaster.weights import load_tensors

    folder = tmp_path / "student"
    folder.mkdir()
    np.savez(folder / "model.npz", **load_tensors(setup["weights"]))
    results = _check({**setup, "weights": folder / "model.safetensors"},
                     {"param_count": setup["count"]}, folder=folder)
    assert results["architecture"].status == "correct", results["architecture"].message
    assert results["param_count"].status == "correct"
    empty = tmp_path / "empty"
    empty.mkdir()
    none = _check({**setup, "weights": empty / "model.safetensors"}, {}, folder=empty)
    assert none["architecture"].message == "no weights file model.safetensors"
