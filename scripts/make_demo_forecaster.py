"""Train the course's forecaster for a few epochs on synthetic data and export the demo files.

Needs torch (the test extra); the demo and the checker do not. The model is the course's own,
LSTM 17→128→256→512 and a linear head 512→17 (8.2 MB in float32), trained with the course's
optimiser and loss (Adam lr 0.001, MSE, StepLR gamma 0.1 every 25 epochs) but for 8 epochs
in batches of 32 instead of 50 epochs of 256: the small batches give enough optimiser steps to
beat the naive forecast (test MSE about 0.12 against 0.18) in a few CPU minutes, where 8
epochs of 256 leave the model worse than naive.

Writes into --out (default demo/forecaster): model.safetensors (the state_dict), test.npz (the
instructor's test windows), predictions.csv (the model's test predictions) and claims.yaml (the
parameter count and test MSE and L1 as a student reports them, to 4 decimals); with
--train-data PATH also the training windows a course would hand out.

    .venv/bin/python scripts/make_demo_forecaster.py [--epochs 8] [--batch 32] [--seed 2024]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from grader.forecaster.synthetic import make_splits, write_windows

REPO = Path(__file__).resolve().parent.parent
LEARNING_RATE = 0.001


class Forecaster(nn.Module):
    """The course's model: three nn.LSTM layers in turn, a linear head on the last step."""

    def __init__(self, features: int = 17, hidden: tuple[int, ...] = (128, 256, 512)):
        super().__init__()
        self.lstm1 = nn.LSTM(features, hidden[0], batch_first=True)
        self.lstm2 = nn.LSTM(hidden[0], hidden[1], batch_first=True)
        self.lstm3 = nn.LSTM(hidden[1], hidden[2], batch_first=True)
        self.fc = nn.Linear(hidden[2], features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, _ = self.lstm1(x)
        x, _ = self.lstm2(x)
        x, _ = self.lstm3(x)
        return self.fc(x[:, -1, :])


def train(model: Forecaster, X: torch.Tensor, y: torch.Tensor, epochs: int, batch_size: int,
          generator: torch.Generator) -> None:
    """The course's training loop: Adam, MSE, shuffled batches, StepLR(25, 0.1)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=25, gamma=0.1)
    loss_fn = nn.MSELoss()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(X.shape[0], generator=generator)
        total = 0.0
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * batch.numel()
        schedule.step()
        print(f"epoch {epoch + 1}/{epochs}: train MSE {total / X.shape[0]:.4f}")


def write_predictions(path: Path, predictions: torch.Tensor) -> None:
    """A CSV with a header line and one row of F values per test window."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([f"feature_{j + 1}" for j in range(predictions.shape[1])])
        writer.writerows([[f"{value:.6f}" for value in row] for row in predictions.tolist()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "demo" / "forecaster")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--train-windows", type=int, default=4000)
    parser.add_argument("--test-windows", type=int, default=64)
    parser.add_argument("--train-data", type=Path, help="also write the training windows here")
    args = parser.parse_args()

    splits = make_splits(args.seed, args.train_windows, args.test_windows)
    torch.manual_seed(args.seed)
    model = Forecaster()
    train(model, torch.from_numpy(splits.train_X), torch.from_numpy(splits.train_y),
          args.epochs, args.batch, torch.Generator().manual_seed(args.seed))
    model.eval()
    test_X, test_y = torch.from_numpy(splits.test_X), torch.from_numpy(splits.test_y)
    with torch.no_grad():
        predictions = model(test_X)
        mse = nn.MSELoss()(predictions, test_y).item()
        l1 = nn.L1Loss()(predictions, test_y).item()
        naive = nn.MSELoss()(test_X[:, -1, :], test_y).item()
    count = sum(parameter.numel() for parameter in model.parameters())

    args.out.mkdir(parents=True, exist_ok=True)
    save_file(model.state_dict(), str(args.out / "model.safetensors"))
    write_windows(args.out / "test.npz", splits.test_X, splits.test_y)
    write_predictions(args.out / "predictions.csv", predictions)
    (args.out / "claims.yaml").write_text(
        "# What a student reports for the forecaster (scripts/make_demo_forecaster.py).\n"
        f"param_count: {count}\ntest_mse: {mse:.4f}\ntest_l1: {l1:.4f}\n")
    if args.train_data is not None:
        write_windows(args.train_data, splits.train_X, splits.train_y)
    print(f"test MSE {mse:.4f} (naive forecast {naive:.4f}), L1 {l1:.4f}, {count} parameters; "
          f"wrote {args.out}")


if __name__ == "__main__":
    main()
