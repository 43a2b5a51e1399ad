"""The NumPy forward pass and the state_dict matching against PyTorch's nn.LSTM and nn.Linear."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from grader.forecaster.matching import match_model
from grader.forecaster.model import forward
from grader.forecaster.spec import Architecture
from problems.param_count import stacked_layer_sizes
from tests.grader.forecaster_models import Stacked, model, predict, state_arrays, windows

pytestmark = pytest.mark.torch

CASES = [
    # (input, hidden sizes, output, windows, length, weight scale)
    (17, (128, 256, 512), 17, 8, 24, 1.0),
    (5, (8, 12), 5, 20, 6, 1.0),
    (3, (4,), 2, 7, 1, 1.0),
    (6, (16, 16, 16), 6, 33, 50, 1.0),
    (4, (10, 7), 3, 12, 9, 6.0),
]


def _run(net: nn.Module, architecture: Architecture, X: np.ndarray) -> np.ndarray:
    matched = match_model(state_arrays(net), architecture)
    assert matched.runnable, matched.blocker
    return forward(list(matched.layers), matched.head, X)


@pytest.mark.parametrize(("inputs", "hidden", "outputs", "n", "length", "scale"), CASES)
def test_numpy_forward_matches_torch(inputs, hidden, outputs, n, length, scale):
    """Does the float32 NumPy re-run agree with nn.LSTM + nn.Linear to 1e-5?"""
    net = model(inputs, hidden, outputs, seed=len(hidden) + n, scale=scale)
    X = windows(n, length, inputs, seed=n)[0] * np.float32(scale)
    got = _run(net, Architecture(inputs, hidden, outputs), X)
    assert got.dtype == np.float32 and got.shape == (n, outputs)
    np.testing.assert_allclose(got, predict(net, X), rtol=0, atol=1e-5)


def test_saturated_gates_raise_no_warning():
    """Do huge pre-activations (exp overflow) give nn.LSTM's outputs without a warning?"""
    net = model(3, (5,), 2, seed=3, scale=200.0)
    X = windows(4, 5, 3)[0] * np.float32(50)
    with np.errstate(all="raise"):
        got = _run(net, Architecture(3, (5,), 2), X)
    np.testing.assert_allclose(got, predict(net, X), rtol=0, atol=1e-5)


def test_multi_layer_lstm_module_and_free_names():
    """Are a two-layer nn.LSTM and freely named modules read in the right order?"""

    class Renamed(nn.Module):
        def __init__(self):
            super().__init__()
            self.zeta = nn.LSTM(4, 6, num_layers=2, batch_first=True)
            self.alpha = nn.LSTM(6, 9, batch_first=True)
            self.out = nn.Linear(9, 4)

        def forward(self, x):
            x, _ = self.zeta(x)
            x, _ = self.alpha(x)
            return self.out(x[:, -1])

    torch.manual_seed(0)
    net = Renamed().eval()
    X = windows(6, 7, 4)[0]
    got = _run(net, Architecture(4, (6, 6, 9), 4), X)
    np.testing.assert_allclose(got, predict(net, X), rtol=0, atol=1e-5)
    assert not match_model(state_arrays(net), Architecture(4, (6, 6, 9), 4)).mismatches


@pytest.mark.parametrize(("inputs", "hidden", "outputs"),
                         [(17, (128, 256, 512), 17), (5, (8, 12), 5), (1, (3,), 1)])
def test_recount_matches_torch_numel(inputs, hidden, outputs):
    """Do the file recount, the spec count and param_count's formula equal sum(p.numel())?"""
    net = Stacked(inputs, hidden, outputs)
    expected = sum(p.numel() for p in net.parameters())
    architecture = Architecture(inputs, hidden, outputs)
    assert match_model(state_arrays(net), architecture).parameter_count == expected
    assert architecture.parameter_count() == expected
    assert sum(stacked_layer_sizes("lstm", inputs, hidden, outputs, "pytorch")) == expected


def test_course_count_is_problems_md():
    """Is the course's forecaster 2056209 parameters, as PROBLEMS.md says?"""
    assert Architecture().parameter_count() == 2056209
    assert sum(p.numel() for p in Stacked(17, (128, 256, 512), 17).parameters()) == 2056209


def test_wrong_sizes_are_named_but_still_run():
    """Is a model of other sizes reported tensor by tensor, and still re-run?"""
    net = model(5, (8, 6), 5)
    matched = match_model(state_arrays(net), Architecture(5, (8, 12), 5))
    assert matched.runnable
    text = "; ".join(matched.mismatches)
    assert "lstm2.weight_hh_l0: expected shape (48, 12), got (24, 6)" in text
    assert "fc.weight: expected shape (5, 12), got (5, 6)" in text
    assert "lstm1" not in text
    assert matched.describe() == "LSTM 5→8→6, linear 6→5"


def test_missing_layer_and_extra_head_block_the_rerun():
    """Are a missing LSTM layer and a second linear layer named, and the re-run refused?"""
    arrays = state_arrays(model(5, (8,), 5))
    arrays["fc2.weight"] = np.zeros((5, 5), np.float32)
    arrays["fc2.bias"] = np.zeros(5, np.float32)
    matched = match_model(arrays, Architecture(5, (8, 12), 5))
    assert "expected 2 LSTM layers, found 1" in matched.mismatches
    assert any("expected one linear head, found 2" in m for m in matched.mismatches)
    assert not matched.runnable


def test_broken_shapes_and_unexpected_tensors():
    """Are inconsistent LSTM tensors and foreign tensors named, never a crash?"""
    arrays = state_arrays(model(5, (8,), 5))
    arrays["lstm1.weight_hh_l0"] = np.zeros((30, 8), np.float32)
    arrays["norm.running_mean"] = np.zeros(8, np.float32)
    arrays["norm.num_batches_tracked"] = np.array(3)
    matched = match_model(arrays, Architecture(5, (8,), 5))
    assert not matched.runnable
    text = "; ".join(matched.mismatches)
    assert "'lstm1.weight_hh_l0' has shape (30, 8), not (4·H, H)" in text
    assert "unexpected tensor 'norm.num_batches_tracked'" in text


def test_bidirectional_lstm_is_not_the_model():
    """Is a bidirectional LSTM reported as such and not re-run?"""
    torch.manual_seed(0)
    arrays = {f"lstm1.{k}": v.numpy() for k, v in
              nn.LSTM(5, 8, batch_first=True, bidirectional=True).state_dict().items()}
    arrays.update({f"fc.{k}": v.numpy() for k, v in nn.Linear(16, 5).state_dict().items()})
    matched = match_model(arrays, Architecture(5, (8,), 5))
    assert not matched.runnable
    assert any("bidirectional" in m for m in matched.mismatches)


def test_chunked_rerun_equals_one_pass(monkeypatch):
    """Do windows re-run in chunks give exactly the predictions of one pass?"""
    import grader.forecaster.model as numpy_model

    net = model(5, (8, 12), 5)
    X = windows(11, 4, 5)[0]
    whole = _run(net, Architecture(5, (8, 12), 5), X)
    monkeypatch.setattr(numpy_model, "CHUNK_WINDOWS", 4)
    chunked = _run(net, Architecture(5, (8, 12), 5), X)
    assert chunked.shape == (11, 5)
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-6)
