"""PyTorch reference models and files for the forecaster tests (torch is a test extra only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from grader.forecaster.check import RERUN_DIGITS
from grader.forecaster.synthetic import write_windows

SCORE_REL = 1e-5 + 0.5 * 10 ** (1 - RERUN_DIGITS)
"""How far a re-run score may be from torch's: float32 agreement, then the rounding to
RERUN_DIGITS significant digits that keeps results the same on every CPU."""


class Stacked(nn.Module):
    """nn.LSTM layers named lstm1, lstm2, ... applied in turn, then nn.Linear ``fc``."""

    def __init__(self, input_size: int, hidden_sizes, output_size: int):
        super().__init__()
        previous = input_size
        self.names = []
        for k, hidden in enumerate(hidden_sizes, start=1):
            setattr(self, f"lstm{k}", nn.LSTM(previous, hidden, batch_first=True))
            self.names.append(f"lstm{k}")
            previous = hidden
        self.fc = nn.Linear(previous, output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in self.names:
            x, _ = getattr(self, name)(x)
        return self.fc(x[:, -1, :])


def model(input_size=5, hidden_sizes=(8, 12), output_size=5, seed=0, scale=1.0) -> Stacked:
    """A randomly initialised model; ``scale`` multiplies every weight (saturating gates)."""
    torch.manual_seed(seed)
    net = Stacked(input_size, hidden_sizes, output_size).eval()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.mul_(scale)
    return net


def predict(net: nn.Module, X: np.ndarray) -> np.ndarray:
    """The reference predictions of a torch model on float32 windows."""
    with torch.no_grad():
        return net(torch.from_numpy(np.asarray(X, dtype=np.float32))).numpy()


def state_arrays(net: nn.Module) -> dict[str, np.ndarray]:
    return {name: tensor.detach().numpy().copy() for name, tensor in net.state_dict().items()}


def save_safetensors(net: nn.Module, path: Path) -> Path:
    save_file(net.state_dict(), str(path))
    return path


def save_arrays(arrays: dict[str, np.ndarray], path: Path) -> Path:
    """Write NumPy tensors of any dtype as a .safetensors file or an .npz, by the suffix."""
    if path.suffix == ".npz":
        np.savez(path, **arrays)
    else:
        from safetensors.numpy import save_file as save_numpy

        save_numpy(arrays, str(path))
    return path


def windows(n=20, length=6, features=5, seed=1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, length, features)).astype(np.float32),
            rng.standard_normal((n, features)).astype(np.float32))


def write_data(path: Path, X: np.ndarray, y: np.ndarray) -> Path:
    write_windows(path, X, y)
    return path
