"""Checking the forecaster programming task (stacked nn.LSTM + nn.Linear) without PyTorch.

Weights come only from files that cannot run code (safetensors, .npz); the model is re-run in
float32 NumPy on the instructor's test windows.
"""

from grader.forecaster.check import Tolerances, check_forecaster
from grader.forecaster.data import TestData, load_test_data
from grader.forecaster.question import check_files, check_submission
from grader.forecaster.spec import Architecture

__all__ = ["Architecture", "TestData", "Tolerances", "check_files", "check_forecaster",
           "check_submission", "load_test_data"]
