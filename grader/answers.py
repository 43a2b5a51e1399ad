"""Reading a student's answers file and turning each given value into a comparable one.

Accepted values: numbers; numeric strings ("0.25", " -1e-3 ", "−0.5" with the minus sign
U+2212 that PDFs and Word write); simple fractions "a/b" (both sides plain numbers: "1/4" is
0.25); integers may carry thousands separators ("2,056,209");
nested lists of those for vectors and matrices (a vector may also be written as a column,
[[a], [b]], and a scalar as [x]); words for gates, regimes and T/F, in any case. NaN and
infinity are never accepted. Nothing submitted is executed: YAML is read with safe_load.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.datafiles import DATA_SUFFIXES, MAX_DATA_FILE_BYTES, read_data_file
from grader.errors import InputFileError
from grader.values import kind_in_words

ANSWERS_NAMES = tuple(f"answers{suffix}" for suffix in DATA_SUFFIXES)
MAX_ANSWERS_BYTES = 1_000_000
NOT_FINITE = "NaN, infinity and numbers beyond 1.8e308 are not answers"
"""The message for a given value such as YAML's .nan or .inf, in every kind of question."""
MAX_NESTING = 4
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_INTEGER = re.compile(r"^[+-]?\d{1,3}([,_ ]\d{3})+$")
MINUS_SIGNS = str.maketrans("\u2212\ufe63\uff0d", "---")
"""The minus sign that PDFs and word processors write (U+2212), and its small and full-width
forms, read as '-' in numeric text. Not the en dash (U+2013): it also joins ranges, 0.2–0.5."""


class AnswerError(ValueError):
    """A given value that cannot be read as the expected kind of answer."""


@dataclass(frozen=True)
class AnswersFile:
    """A student's parsed answers, or why there are none."""

    path: Path | None
    answers: Mapping[str, Any] | None
    problem: str | None = None
    note: str | None = None
    """For the student's feedback: the other answers files found beside it, not graded."""
    refused_folder: bool = False
    """The folder itself may not be read (a link): no file in it is graded, weights neither."""


_RANK = {name: rank for rank, name in enumerate(ANSWERS_NAMES)}


def find_answers_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """The student's answers files, the one graded first (yaml, yml, json, toml in that order
    of preference; its name in any case, `Answers.YAML` is what the student meant, the exact
    name first); with the folder's entries when there is none (for the hints). One listing
    of the folder, which also shows a second answers file beside the first."""
    try:
        names = os.listdir(folder)
    except OSError:
        return [], []
    found = [name for name in names if name.lower() in _RANK]
    if not found:
        return [], sorted(folder / name for name in names)
    if len(found) > 1:
        found.sort(key=lambda name: (_RANK[name.lower()], name not in _RANK, name))
    return [folder / name for name in found], []


def _entries(folder: Path) -> list[Path]:
    """The folder's entries in name order; none when it cannot be listed."""
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


MAX_HINTS = 3


def _misplaced_answers(entries: list[Path]) -> list[str]:
    """Of a folder's entries, or one folder down, those that look like a misnamed or
    misplaced answers file (`answers.yaml.txt`, `answer.json`, `hw3/answers.yaml`)."""
    found = []
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            found.extend(f"{entry.name}/{inner.name}" for inner in _entries(entry)
                         if inner.name.lower().startswith("answer"))
        elif entry.name.lower().startswith("answer"):
            found.append(entry.name)
    return found[:MAX_HINTS]


def read_answers(folder: Path, root: Path) -> AnswersFile:
    """Read SUBMISSIONS/<id>/answers.*; every problem becomes a message, never an exception."""
    if not folder.is_dir():
        return AnswersFile(None, None, f"no submission folder {folder.name}/")
    if not _inside(folder, root):
        return AnswersFile(None, None, f"{folder.name}/ leads outside the submissions folder",
                           refused_folder=True)
    if folder.is_symlink():  # to another student's folder: their work graded twice
        target = folder.resolve().relative_to(root.resolve())
        return AnswersFile(None, None, f"{folder.name}/ is a link to {target}/ in the "
                                       "submissions folder; a student's folder must be their "
                                       "own, not a link", refused_folder=True)
    found, entries = find_answers_files(folder)
    if not found:
        hints = _misplaced_answers(entries)
        found = f"; found {', '.join(hints)}: rename or move it" if hints else ""
        return AnswersFile(None, None, f"no answers file in {folder.name}/ (expected one of "
                                       f"{', '.join(ANSWERS_NAMES)}{found})")
    path = found[0]
    label = f"{folder.name}/{path.name}"
    if path.is_symlink() and not _inside(path, folder):
        return AnswersFile(path, None, f"{label} is a link leading outside the student's folder")
    try:
        raw = read_data_file(path, max_bytes=min(MAX_ANSWERS_BYTES, MAX_DATA_FILE_BYTES))
    except InputFileError as error:
        return AnswersFile(path, None, f"{label}: {error.problem}")
    if raw is None:  # YAML of comments (or `~`); JSON's `null`
        only = "null" if path.suffix.lower() == ".json" else "comments or blank lines"
        return AnswersFile(path, None, f"{label}: the file holds no answers (only {only})")
    if not isinstance(raw, Mapping):
        return AnswersFile(path, None, f"{label}: expected a mapping of question ids to parts, "
                                       f"got {kind_in_words(raw)}")
    return AnswersFile(path, {str(key): value for key, value in raw.items()},
                       note=_ignored_note(folder, found) if len(found) > 1 else None)


def _ignored_note(folder: Path, found: list[Path]) -> str:
    others = " and ".join(path.name for path in found[1:])
    return (f"{folder.name}/ also holds {others}, which {'was' if len(found) == 2 else 'were'} "
            f"not graded: only {found[0].name} was (answers.yaml, .yml, .json, .toml are read "
            f"in that order); keep one answers file")


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def to_number(value: Any, integer: bool = False) -> float:
    """One given number (or numeric text) as a float; AnswerError says why it is not one."""
    if isinstance(value, bool):
        raise AnswerError(f"expected a number, got {str(value).lower()}")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer past float's range, 1.8e308
            raise AnswerError(NOT_FINITE) from None
    elif isinstance(value, str):
        number = _parse_number_text(value.strip(), integer)
    elif value is None:
        raise AnswerError("no value given (null)")
    else:
        raise AnswerError(f"expected a number, got {kind_in_words(value)}")
    if not math.isfinite(number):
        raise AnswerError(NOT_FINITE)
    return number


def _parse_number_text(text: str, integer: bool) -> float:
    plain = text.translate(MINUS_SIGNS)  # messages quote the text as given
    if _NUMBER.match(plain):
        return float(plain)
    if integer and _GROUPED_INTEGER.match(plain):
        return float(re.sub(r"[,_ ]", "", plain))
    if plain.count("/") == 1:
        top, bottom = (side.strip() for side in plain.split("/"))
        if _NUMBER.match(top) and _NUMBER.match(bottom):
            if float(bottom) == 0:
                raise AnswerError(f"'{text[:30]}' divides by zero")
            return float(top) / float(bottom)
    if plain.count(",") == 1 and _NUMBER.match(plain.replace(",", ".")):
        raise AnswerError(f"'{text[:30]}' is not a number: write the decimal point as a "
                          f"point ({plain.replace(',', '.')[:30]})")
    raise AnswerError(f"'{text[:30]}' is not a number")


def to_array(value: Any, shape: tuple[int, ...], integer: bool = False) -> np.ndarray:
    """A given scalar, vector or matrix as an array of the expected shape, or AnswerError."""
    if math.prod(shape) > 1 and isinstance(value, str | Mapping):  # "1, 0, 0, 1": no list
        raise AnswerError(f"expected {_shape_words(shape)} (a YAML or JSON list, [1, 2]), "
                          f"got {kind_in_words(value)}")
    numbers, _ = _nested_numbers(value, integer, depth=0)
    array = np.asarray(numbers, dtype=float)
    if array.shape != shape and array.size == math.prod(shape) and _squeezable(array.shape, shape):
        array = array.reshape(shape)
    if array.shape != shape:
        raise AnswerError(f"expected {_shape_words(shape)}, got {_shape_words(array.shape)}")
    return array


def _nested_numbers(value: Any, integer: bool, depth: int) -> tuple[Any, tuple[int, ...]]:
    """Numbers of a nested list, with its shape; ragged rows are an AnswerError."""
    if isinstance(value, list | tuple):
        if depth >= MAX_NESTING:
            raise AnswerError("lists nested too deeply")
        items = [_nested_numbers(item, integer, depth + 1) for item in value]
        shapes = {shape for _, shape in items}
        if len(shapes) > 1:
            raise AnswerError("rows of different lengths")
        inner = shapes.pop() if shapes else ()
        return [numbers for numbers, _ in items], (len(items), *inner)
    return to_number(value, integer), ()


def _squeezable(given: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
    """Only a difference in size-1 axes: [x] for x, [[a], [b]] for [a, b]."""
    return tuple(d for d in given if d != 1) == tuple(d for d in wanted if d != 1)


def _shape_words(shape: tuple[int, ...]) -> str:
    if len(shape) == 0:
        return "a single number"
    if len(shape) == 1:
        return f"a list of {shape[0]} numbers"
    return f"a {' x '.join(map(str, shape))} matrix"


def to_word(value: Any, aliases: Mapping[str, str]) -> str:
    """A given word in its canonical spelling (case and aliases forgiven), or AnswerError."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = str(value)
    else:
        raise AnswerError(f"expected a word, got {kind_in_words(value)}")
    key = " ".join(text.split()).lower()
    if key in aliases:
        return aliases[key]
    raise AnswerError(f"'{text[:30]}' is not one of {', '.join(sorted(set(aliases.values())))}")
