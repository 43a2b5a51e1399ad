"""Benchmark: re-run the course-size forecaster with NumPy and with torch CPU on the same weights.

The model is the course's (LSTM 17→128→256→512, linear 512→17) with torch's random
initialisation, saved as safetensors and read back by the checker. Both run on the same 1,000
windows of length 24; the runs alternate so both see the same machine load. Prints the best
and median seconds of each, their ratio (goal: NumPy <= 1.5 × torch) and the largest
difference between the two predictions. Needs torch (the test extra).
    .venv/bin/python benchmarks/bench_forecaster.py [--windows 1000] [--length 24] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.forecaster.matching import match_model  # noqa: E402
from grader.forecaster.model import forward  # noqa: E402
from grader.forecaster.spec import Architecture  # noqa: E402
from grader.forecaster.weights import load_tensors  # noqa: E402
from tests.grader.forecaster_models import Stacked  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=1000)
    parser.add_argument("--length", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    architecture = Architecture()
    torch.manual_seed(0)
    net = Stacked(architecture.input_size, architecture.hidden_sizes,
                  architecture.output_size).eval()
    X = np.random.default_rng(0).standard_normal(
        (args.windows, args.length, architecture.input_size)).astype(np.float32)
    with tempfile.TemporaryDirectory() as temporary:
        path = Path(temporary) / "model.safetensors"
        save_file(net.state_dict(), str(path))
        started = time.perf_counter()
        matched = match_model(load_tensors(path), architecture)
        load_seconds = time.perf_counter() - started

    def run_numpy():
        return forward(list(matched.layers), matched.head, X)

    def run_torch():
        with torch.no_grad():
            return net(torch.from_numpy(X)).numpy()

    gap = float(np.max(np.abs(run_numpy() - run_torch())))
    times: dict[str, list[float]] = {"numpy": [], "torch": []}
    for _ in range(args.repeats):
        for name, run in (("numpy", run_numpy), ("torch", run_torch)):
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    best = {name: min(values) for name, values in times.items()}
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"course-size model ({architecture}) on {args.windows} windows of length "
          f"{args.length}; torch {torch.__version__} with {torch.get_num_threads()} threads, "
          f"numpy {np.__version__}")
    print(f"reading and matching the safetensors file: {load_seconds:.3f} s")
    for name in ("numpy", "torch"):
        print(f"{name:<6} best {best[name]:.3f} s, median {median[name]:.3f} s "
              f"({args.repeats} runs)")
    print(f"ratio numpy/torch: best {best['numpy'] / best['torch']:.2f}, median "
          f"{median['numpy'] / median['torch']:.2f} (goal <= 1.5)")
    print(f"largest difference between the predictions: {gap:.2e}")


if __name__ == "__main__":
    main()
