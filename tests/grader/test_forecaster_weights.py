"""Reading weights files: only safetensors and .npz, with clear messages for everything else."""

from __future__ import annotations

import json
import pickle
import warnings
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import save_file

from grader.errors import InputFileError
from grader.forecaster.weights import MAX_WEIGHTS_BYTES, load_tensors
from tests.grader.forecaster_models import model, save_safetensors, state_arrays

pytestmark = pytest.mark.torch


class Trap:
    """Unpickling this object writes a marker file: proof that a pickle was loaded."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _problem(path) -> str:
    with pytest.raises(InputFileError) as caught:
        load_tensors(path)
    assert str(path) in str(caught.value)
    return caught.value.problem


def test_safetensors_and_npz_give_the_state_dict(tmp_path):
    """Do a safetensors file and an .npz of the state_dict give the same float32 tensors?"""
    net = model()
    expected = state_arrays(net)
    from_safetensors = load_tensors(save_safetensors(net, tmp_path / "model.safetensors"))
    np.savez(tmp_path / "model.npz", **expected)
    from_npz = load_tensors(tmp_path / "model.npz")
    for loaded in (from_safetensors, from_npz):
        assert loaded.keys() == expected.keys()
        for name, array in expected.items():
            assert loaded[name].dtype == np.float32
            np.testing.assert_array_equal(loaded[name], array)


def test_float64_and_float16_are_read_as_float32(tmp_path):
    """Are double and half precision weights accepted and converted to float32?"""
    net = model()
    for dtype in (torch.float64, torch.float16):
        path = tmp_path / f"{dtype}.safetensors".replace("torch.", "")
        save_file({k: v.to(dtype) for k, v in net.state_dict().items()}, str(path))
        loaded = load_tensors(path)
        assert all(array.dtype == np.float32 for array in loaded.values())


def test_float64_beyond_float32_range_is_clear_and_quiet(tmp_path):
    """Is a float64 weight too large for float32 (1e300, which the cast makes infinite)
    refused by name, with no NumPy overflow warning?"""
    arrays = {name: array.astype(np.float64) for name, array in state_arrays(model()).items()}
    arrays["fc.weight"][0, 0] = 1e300
    path = tmp_path / "model.npz"
    np.savez(path, **arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        problem = _problem(path)
    assert problem == "tensor 'fc.weight' holds values beyond float32's range (±3.4e38)"


def test_integer_and_bool_tensors_are_loaded_for_the_architecture_check(tmp_path):
    """Are int and bool tensors read as they are (the architecture check names their dtype),
    not converted to float32 as if they were weights?"""
    arrays = state_arrays(model())
    arrays["fc.bias"] = arrays["fc.bias"] > 0
    arrays["lstm1.weight_ih_l0"] = arrays["lstm1.weight_ih_l0"].astype(np.int64)
    path = tmp_path / "model.npz"
    np.savez(path, **arrays)
    loaded = load_tensors(path)
    assert loaded["fc.bias"].dtype == np.bool_
    assert loaded["lstm1.weight_ih_l0"].dtype == np.int64
    assert loaded["fc.weight"].dtype == np.float32


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".pkl", ".PT", ".ckpt", ".bin"])
def test_pickles_are_refused_without_being_opened(tmp_path, suffix):
    """Is a pickled checkpoint refused by its name, never unpickled, with the export line?"""
    marker = tmp_path / "unpickled"
    path = tmp_path / f"model{suffix}"
    path.write_bytes(pickle.dumps(Trap(marker)))
    problem = _problem(path)
    assert "never loaded" in problem
    assert 'safetensors.torch.save_file(model.state_dict(), "model.safetensors")' in problem
    assert not marker.exists()


def test_a_torch_checkpoint_renamed_is_recognised(tmp_path):
    """Is torch.save's zip, renamed to .safetensors or .npz, refused with the export line?"""
    for name in ("model.safetensors", "model.npz"):
        path = tmp_path / name
        torch.save(model().state_dict(), path)
        problem = _problem(path)
        assert "torch.save" in problem and "save_file" in problem


def test_pickled_npz_members_are_never_loaded(tmp_path):
    """Is an .npz holding an object array refused without unpickling it?"""
    marker = tmp_path / "unpickled"
    path = tmp_path / "model.npz"
    np.savez(path, w=np.array([Trap(marker)], dtype=object))
    assert "never loaded" in _problem(path)
    assert not marker.exists()


def test_bf16_gets_a_clear_message(tmp_path):
    """Is a bfloat16 tensor named, with how to export float32?"""
    path = tmp_path / "model.safetensors"
    save_file({k: v.bfloat16() for k, v in model().state_dict().items()}, str(path))
    problem = _problem(path)
    assert "is bfloat16, which NumPy cannot read" in problem and "v.float()" in problem


def _header_file(path, header: dict, data: bytes = b"") -> None:
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + data)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_bytes(b""), "file is empty"),
    (lambda p: p.write_bytes(b"abc"), "too short for a safetensors file"),
    (lambda p: p.write_bytes(b"\xff" * 64), "its header claims"),
    (lambda p: p.write_bytes((5).to_bytes(8, "little") + b"{nope"), "header is not JSON"),
    (lambda p: p.write_bytes((4).to_bytes(8, "little") + b"[1] "), "not a mapping"),
    (lambda p: _header_file(p, {"w": {"dtype": "F32", "shape": [2],
                                      "data_offsets": [0, 8]}}, b"\0" * 4),
     "lies beyond the end of the file"),
    (lambda p: _header_file(p, {"w": {"dtype": "F32", "shape": [3],
                                      "data_offsets": [0, 8]}}, b"\0" * 8),
     "does not match its shape"),
    (lambda p: _header_file(p, {"w": {"dtype": "Q9", "shape": [2],
                                      "data_offsets": [0, 8]}}, b"\0" * 8), "unknown dtype"),
    (lambda p: _header_file(p, {"w": "x"}), "malformed safetensors header"),
    (lambda p: _header_file(p, {"w": {"dtype": "F32", "shape": [-1],
                                      "data_offsets": [0, 8]}}), "malformed"),
    (lambda p: _header_file(p, {}), "holds no tensors"),
    (lambda p: _header_file(p, {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                "b": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}},
                            b"\0" * 8), "tensor 'b' overlaps the tensor before it"),
    (lambda p: _header_file(p, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}},
                            b"\0" * 8), "tensor 'a' leaves a gap before it"),
    (lambda p: _header_file(p, {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
                            b"\0" * 8), "4 bytes after the last tensor's data"),
    (lambda p: _header_file(p, {"__metadata__": {"epochs": 30},
                                "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}},
                            b"\0" * 4), "its __metadata__ must map names to text"),
    (lambda p: _header_file(p, {"w": {"dtype": "F32", "shape": [2],
                                      "data_offsets": [0, 8]}},
                            np.array([1.0, np.nan], np.float32).tobytes()), "NaN"),
])
def test_malformed_safetensors_are_clear(tmp_path, make, message):
    """Does every malformed safetensors file give a message naming what is wrong?"""
    path = tmp_path / "model.safetensors"
    make(path)
    assert message in _problem(path)


def test_truncated_files_are_clear(tmp_path):
    """Does a file cut short (a failed upload) give a clear message, for both formats?"""
    net = model()
    good = save_safetensors(net, tmp_path / "good.safetensors").read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good[: len(good) // 2])
    assert "truncated" in _problem(cut)
    np.savez(tmp_path / "good.npz", **state_arrays(net))
    data = (tmp_path / "good.npz").read_bytes()
    for keep in (len(data) // 2, len(data) - 30, 10):
        short = tmp_path / "cut.npz"
        short.write_bytes(data[:keep])
        assert _problem(short)


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: np.save(p.with_suffix(".npy"), np.zeros(3)) or
     p.with_suffix(".npy").rename(p), "a single .npy array"),
    (lambda p: p.write_text("weights,1,2\n"), "not an .npz file"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("notes.txt", "hi"), "is not a .npy array"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("w.npy", b"hello, not an array"),
     "member 'w.npy' is not a .npy array"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("w.npy", _npy_header((100_000, 100_000))),
     "member 'w.npy' declares 40000000000 bytes (at most 200000000)"),
])
def test_malformed_npz_is_clear(tmp_path, make, message):
    """Does every malformed .npz give a message naming what is wrong?"""
    path = tmp_path / "model.npz"
    make(path)
    assert message in _problem(path)


def _npy_header(shape: tuple[int, ...]) -> bytes:
    """The header of a float32 .npy of this shape, without its data (a crafted file)."""
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def test_missing_unknown_and_huge_files(tmp_path):
    """Are a missing file, an unknown suffix and an oversized file refused unread?"""
    assert _problem(tmp_path / "model.safetensors") == "no such file"
    (tmp_path / "model.h5").write_bytes(b"x")
    assert "expected a .safetensors or .npz file" in _problem(tmp_path / "model.h5")
    (tmp_path / "dir.safetensors").mkdir()
    assert _problem(tmp_path / "dir.safetensors") == "not a regular file"
    huge = tmp_path / "huge.safetensors"
    with huge.open("wb") as handle:
        handle.truncate(MAX_WEIGHTS_BYTES + 1)
    assert "too large" in _problem(huge)


@pytest.mark.parametrize("seed", range(40))
def test_random_bytes_never_crash(tmp_path, seed):
    """Do arbitrary bytes, or a good file with bytes flipped, always end as InputFileError?"""
    rng = np.random.default_rng(seed)
    good = save_safetensors(model(), tmp_path / "good.safetensors").read_bytes()
    data = bytearray(good) if seed % 2 else bytearray(rng.bytes(int(rng.integers(1, 400))))
    for _ in range(int(rng.integers(1, 6))):
        data[int(rng.integers(0, min(len(data), 300)))] = int(rng.integers(0, 256))
    for suffix in (".safetensors", ".npz"):
        path = tmp_path / f"bad{suffix}"
        path.write_bytes(bytes(data))
        try:
            tensors = load_tensors(path)
        except InputFileError as error:
            assert error.problem
            assert "deserializ" not in error.problem  # in our words, not the library's
        else:
            assert all(isinstance(array, np.ndarray) for array in tensors.values())


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".safetensors", ".npz"]))
def test_arbitrary_bytes_never_crash(tmp_path, data, suffix):
    """Does any byte string end as tensors or an InputFileError, never another exception?"""
    path = tmp_path / f"model{suffix}"
    path.write_bytes(data)
    try:
        load_tensors(path)
    except InputFileError as error:
        assert error.problem


@pytest.mark.parametrize("length", [640, 896, 1152, 1408, 1144])
def test_a_header_length_that_starts_like_a_pickle_is_still_safetensors(tmp_path, length):
    """A header of 1152 bytes (the course model with its head named `linear`) is written
    as 80 04 00 00...: a pickle's first two bytes. Is the file read, not refused unopened?"""
    from safetensors.numpy import load_file

    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})
    text = header.encode().ljust(length)  # safetensors pads its header with spaces
    path = tmp_path / "model.safetensors"
    path.write_bytes(len(text).to_bytes(8, "little") + text
                     + np.array([1.5, -2.0], np.float32).tobytes())
    assert load_file(path)["w"].tolist() == [1.5, -2.0]  # a valid file, as the library says
    assert load_tensors(path)["w"].tolist() == [1.5, -2.0]


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickled_data_renamed_to_safetensors_is_named_and_never_loaded(tmp_path, protocol):
    import pickle

    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps({"w": [1.0, 2.0]}, protocol=protocol))
    assert _problem(path).startswith("this is pickled data (a checkpoint renamed?), not "
                                     "safetensors; it is never loaded")
