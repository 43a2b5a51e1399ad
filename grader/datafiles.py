"""Reading the YAML, JSON and TOML files that users hand to grader, with clear errors."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from grader.errors import InputFileError

MAX_DATA_FILE_BYTES = 2_000_000
"""Larger answers or params files are refused unread (a homework file is a few kB)."""

DATA_SUFFIXES = (".yaml", ".yml", ".json", ".toml")


def read_data_file(path: Path, max_bytes: int = MAX_DATA_FILE_BYTES) -> Any:
    """Parse a YAML, JSON or TOML file by its suffix; InputFileError names the file and why."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise InputFileError(path, f"expected a {', '.join(DATA_SUFFIXES)} file")
    if not path.exists():
        raise InputFileError(path, "no such file")
    if not path.is_file():
        raise InputFileError(path, "not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputFileError(path, f"file is too large ({size} bytes; at most {max_bytes})")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(path, f"not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise InputFileError(path, f"cannot be read ({error.strerror})") from None
    if not text.strip():
        raise InputFileError(path, "file is empty")
    return parse_data_text(text, suffix, path)


def parse_data_text(text: str, suffix: str, path: Path | str) -> Any:
    """Parse already-read text as YAML, JSON or TOML, naming ``path`` in errors."""
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            problem = f"malformed JSON at line {error.lineno}: {error.msg}"
            raise InputFileError(path, problem) from None
        except RecursionError:
            raise InputFileError(path, "malformed JSON: nested too deeply") from None
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InputFileError(path, f"malformed TOML: {error}") from None
    return _parse_yaml(text, path)


def _parse_yaml(text: str, path: Path | str) -> Any:
    import yaml  # imported here: only commands that read YAML pay for it

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputFileError(path, f"malformed YAML{where}: {error.problem}") from None
    except (yaml.YAMLError, RecursionError) as error:
        raise InputFileError(path, f"malformed YAML: {error}") from None
