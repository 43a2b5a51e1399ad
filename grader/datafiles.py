"""Reading the YAML, JSON and TOML files that users hand to grader, with clear errors."""

from __future__ import annotations

import codecs
import itertools
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
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(path, f"cannot be read ({error.strerror})") from None
    text = decode_text(data, path)
    if not text.strip():
        raise InputFileError(path, "file is empty")
    return parse_data_text(text, suffix, path)


def decode_text(data: bytes, path: Path | str) -> str:
    """UTF-8 text, with or without a byte-order mark (Windows Notepad writes one), or UTF-16
    that starts with its byte-order mark (Windows PowerShell's `>` writes it)."""
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) \
        else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        words = "UTF-16" if encoding == "utf-16" else "UTF-8"
        raise InputFileError(path, f"not {words} text (byte {error.start})") from None


def parse_data_text(text: str, suffix: str, path: Path | str) -> Any:
    """Parse already-read text as YAML, JSON or TOML, naming ``path`` in errors."""
    if suffix == ".json":
        return _parse_json(text, path)
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError, ValueError) as error:
            raise InputFileError(path, f"malformed TOML: {str(error)[:200]}") from None
    return _parse_yaml(text, path)


def _parse_json(text: str, path: Path | str) -> Any:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        problem = f"malformed JSON at line {error.lineno}: {error.msg}"
        raise InputFileError(path, problem) from None
    except RecursionError:
        raise InputFileError(path, "malformed JSON: nested too deeply") from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise InputFileError(path, f"malformed JSON: {str(error)[:120]}") from None
    try:  # "\ud800" alone is valid JSON but no text: it could not be written anywhere
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputFileError(path, "malformed JSON: a \\u escape of half a character "
                                   "(a lone surrogate)") from None
    return document


def _parse_yaml(text: str, path: Path | str) -> Any:
    import yaml  # imported here: only commands that read YAML pay for it

    loader = _safe_loader(yaml, text)
    try:
        document = yaml.load(text, Loader=loader)  # always a SafeLoader, never the full one
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputFileError(path, f"malformed YAML{where}: {error.problem}") from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as error:
        # PyYAML raises plain ValueError for impossible dates such as 2001-13-45.
        raise InputFileError(path, f"malformed YAML: {str(error)[:200]}") from None
    if _more_values_than(document, 2 * len(text) + 16):
        raise InputFileError(path, "YAML aliases (*name) repeat its content far beyond the "
                                   "file's own size; write the values out instead")
    return document


def _more_values_than(document: Any, limit: int) -> bool:
    """Whether the document holds more than `limit` values, counting each use of an alias.

    Every value written out takes at least one character, so only aliases that repeat other
    aliases (a few lines growing to millions of values, "billion laughs") exceed twice the
    text's length; grading such a file would walk every copy. Counts at most `limit` values,
    depth first, holding one iterator per level.
    """
    count = 0
    levels = [iter((document,))]
    while levels:
        for value in levels[-1]:
            count += 1
            if count > limit:
                return True
            if isinstance(value, dict):
                levels.append(itertools.chain(value.keys(), value.values()))
            elif isinstance(value, list):
                levels.append(iter(value))
            break
        else:
            levels.pop()
    return False


C_LOADER_MAX_DEPTH = 200
"""Above this bound on nesting, the pure-Python loader is used (see _safe_loader)."""


def _safe_loader(yaml, text: str):
    """libyaml's C SafeLoader (same safe constructors, several times faster) for ordinary text.

    The C composer recurses without a limit, so a deeply nested document (`[[[[...`) would
    crash the whole process; such text goes to the pure-Python SafeLoader, which stops with a
    RecursionError that becomes a message. The bound over-estimates the depth: every flow
    bracket counts, plus the deepest line's indentation and block markers.
    """
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is None:
        return yaml.SafeLoader
    brackets = text.count("[") + text.count("{")
    if brackets > C_LOADER_MAX_DEPTH:
        return yaml.SafeLoader
    deepest = max((len(line) - len(line.lstrip(" -?:")) + line.count("- ") + line.count(": ")
                   for line in text.splitlines()), default=0)
    return c_loader if brackets + deepest <= C_LOADER_MAX_DEPTH else yaml.SafeLoader
