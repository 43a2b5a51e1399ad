"""Shared fixtures and helpers for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CANONICAL_DIR = REPO / "tests" / "problems" / "canonical"


BILLION_LAUGHS_YAML = b"".join(
    [b"a0: &a0 [" + b",".join([b"1"] * 50) + b"]\n"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 50)}]\n".encode() for i in range(1, 9)]
    + [b"q1: {V: *a8}\n"])
"""An answers file of nine lines that YAML aliases grow to 50**9 numbers."""

def canonical_cases(family_name: str) -> list[dict]:
    """The course's instances of a family with the answers PROBLEMS.md publishes."""
    return yaml.safe_load((CANONICAL_DIR / f"{family_name}.yaml").read_text())


@pytest.fixture
def repo() -> Path:
    return REPO


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite the golden files of rendered output instead of comparing")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files (pytest --update-goldens)."""
    return bool(request.config.getoption("--update-goldens"))



GOLDENS_DIR = REPO / "tests" / "grader" / "goldens"


def assert_matches_golden(path: Path, text: str, update: bool) -> None:
    """Compare text with a golden file (a readable diff), or rewrite it with --update-goldens."""
    import difflib

    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run pytest --update-goldens"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(
            expected.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"{path.name} (golden)", tofile=f"{path.name} (rendered)", n=2))
        pytest.fail(f"output differs from {path} (pytest --update-goldens rewrites it if the "
                    f"change is intended):\n{diff[:8000]}", pytrace=False)
