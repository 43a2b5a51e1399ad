"""A float32 NumPy forward pass of stacked nn.LSTM layers and an nn.Linear head."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.forecaster.spec import GATES

CHUNK_WINDOWS = 2048
"""Windows re-run together: big enough for fast matrix products, small enough for memory."""


@dataclass(frozen=True)
class LSTMLayer:
    """One nn.LSTM layer's tensors as PyTorch stores them (gate blocks i, f, g, o)."""

    name: str
    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray | None
    bias_hh: np.ndarray | None
    index: int = 0

    def tensor_name(self, key: str) -> str:
        """The state_dict name of one of its tensors (key ``weight_ih``, ``bias_hh``, ...)."""
        leaf = f"{key}_l{self.index}"
        return f"{self.name}.{leaf}" if self.name else leaf

    @property
    def input_size(self) -> int:
        return self.weight_ih.shape[1]

    @property
    def hidden_size(self) -> int:
        return self.weight_hh.shape[1]


@dataclass(frozen=True)
class LinearHead:
    """The nn.Linear applied to the last LSTM layer's output at the last time step."""

    name: str
    weight: np.ndarray
    bias: np.ndarray | None

    def tensor_name(self, key: str) -> str:
        """The state_dict name of its ``weight`` or ``bias``."""
        return f"{self.name}.{key}" if self.name else key

    @property
    def input_size(self) -> int:
        return self.weight.shape[1]

    @property
    def output_size(self) -> int:
        return self.weight.shape[0]


def _gate_scaled(array: np.ndarray, hidden: int) -> np.ndarray:
    """A float32 copy with the gate rows negated (i, f, o) or doubled and negated (g).

    Then exp, +1 and reciprocal turn every block into a sigmoid at once, and
    tanh(z) = 2·sigma(2z) - 1 recovers the candidate: NumPy's float32 exp is much faster than
    its tanh. Scaling by -1 and -2 is exact, so the gates are those of nn.LSTM.
    """
    scaled = np.array(array, dtype=np.float32, copy=True)
    scaled *= -1.0
    scaled[2 * hidden:3 * hidden] *= 2.0
    return scaled


def _run_lstm(layer: LSTMLayer, inputs: np.ndarray) -> np.ndarray:
    """All hidden states, time-major (L, N, H), from time-major inputs (L, N, I)."""
    steps, batch, _ = inputs.shape
    hidden = layer.hidden_size
    w_ih = _gate_scaled(layer.weight_ih, hidden)
    w_hh_t = np.ascontiguousarray(_gate_scaled(layer.weight_hh, hidden).T)
    bias = np.zeros(GATES * hidden, dtype=np.float32)
    for vector in (layer.bias_ih, layer.bias_hh):
        if vector is not None:
            bias += vector
    # The input projection of every time step at once: one large matmul instead of L small ones.
    projected = inputs.reshape(steps * batch, -1) @ w_ih.T
    projected += _gate_scaled(bias, hidden)
    projected = projected.reshape(steps, batch, GATES * hidden)

    outputs = np.empty((steps, batch, hidden), dtype=np.float32)
    h = np.zeros((batch, hidden), dtype=np.float32)  # h_0; then h_t is outputs[t], in place
    c = np.zeros((batch, hidden), dtype=np.float32)
    gates = np.empty((batch, GATES * hidden), dtype=np.float32)
    i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(GATES))
    scratch = np.empty((batch, hidden), dtype=np.float32)
    # exp overflows to inf (or underflows to 0) for saturated gates: 1 / (1 + inf) = 0 and
    # 1 / (1 + 0) = 1 are the right values, so neither is worth a warning.
    with np.errstate(over="ignore", under="ignore"):
        for t in range(steps):
            np.matmul(h, w_hh_t, out=gates)
            gates += projected[t]
            np.exp(gates, out=gates)
            gates += 1.0
            np.reciprocal(gates, out=gates)
            g *= 2.0
            g -= 1.0
            c *= f
            np.multiply(i, g, out=scratch)
            c += scratch
            np.tanh(c, out=scratch)
            h = outputs[t]
            np.multiply(o, scratch, out=h)
    return outputs


def forward(layers: list[LSTMLayer], head: LinearHead, windows: np.ndarray) -> np.ndarray:
    """Predictions (N, output) for windows (N, L, input): the LSTMs in turn, then the head.

    Windows go through in chunks so that memory stays bounded on large test sets (the input
    projections of a chunk take L × chunk × 4H floats). Weights too large for float32
    arithmetic (a student's 3e38) give infinite or NaN predictions, which the caller refuses,
    and no RuntimeWarning: NumPy's warnings would only reach the grader's stderr.
    """
    windows = np.asarray(windows, dtype=np.float32)
    with np.errstate(all="ignore"):
        chunks = [_forward_chunk(layers, head, windows[start:start + CHUNK_WINDOWS])
                  for start in range(0, windows.shape[0], CHUNK_WINDOWS)]
    return np.concatenate(chunks) if len(chunks) != 1 else chunks[0]


def _forward_chunk(layers: list[LSTMLayer], head: LinearHead, windows: np.ndarray) -> np.ndarray:
    states = np.ascontiguousarray(windows.transpose(1, 0, 2))
    for layer in layers:
        states = _run_lstm(layer, states)
    prediction = states[-1] @ head.weight.astype(np.float32, copy=False).T
    if head.bias is not None:
        prediction += head.bias.astype(np.float32, copy=False)
    return prediction
