"""Shared fixtures and helpers for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CANONICAL_DIR = REPO / "tests" / "problems" / "canonical"


def canonical_cases(family_name: str) -> list[dict]:
    """The course's instances of a family with the answers PROBLEMS.md publishes."""
    return yaml.safe_load((CANONICAL_DIR / f"{family_name}.yaml").read_text())


@pytest.fixture
def repo() -> Path:
    return REPO
