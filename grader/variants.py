"""Per-student variants: drawn from (assignment seed, question id, student id), kept in a manifest.

The manifest `OUT/variants/<student_id>.json` is written by `generate` and is the source of
truth for `grade`: once issued, a student's numbers never change, whatever the code does later.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.assignment import Assignment, Question
from grader.datafiles import parser_error_words
from grader.errors import GraderError, InputFileError, NoFiniteKeyError, ParamError
from grader.fairness import hidden_mistakes
from grader.files import write_text_atomic
from grader.values import significant, to_jsonable

MAX_RESAMPLES = 200
"""Draws per question before giving up on finding a fair variant (a few are usually enough)."""


@dataclass(frozen=True)
class QuestionVariant:
    """One student's instance of one question: its raw params and the reference answers."""

    family: str
    params: Mapping[str, Any]
    answers: Mapping[str, Any]


def variant_rng(seed: int, question_id: str, student_id: str) -> np.random.Generator:
    """A generator fed by a stable hash of the three keys (never Python's salted hash())."""
    key = f"{seed}\x1f{question_id}\x1f{student_id}".encode()
    words = np.frombuffer(hashlib.sha256(key).digest(), dtype="<u4")
    return np.random.default_rng(np.random.SeedSequence(words.tolist()))


def draw_question(assignment: Assignment, question: Question, student_id: str) -> QuestionVariant:
    """The student's variant of a question: fixed params, or a fair draw from the family."""
    family = question.family
    if question.params is not None:
        raw = to_jsonable(dict(question.params))
        return QuestionVariant(family.name, raw, to_jsonable(family.solve(raw)))
    rng = variant_rng(assignment.seed, question.id, student_id)
    hidden: Counter[str] = Counter()
    for _ in range(MAX_RESAMPLES):
        raw = to_jsonable(family.sample(rng, question.randomize))
        params = family.parse(raw)
        unseen = hidden_mistakes(family, params, question)
        if not unseen:
            return QuestionVariant(family.name, raw,
                                   to_jsonable(family.graph(params).key_answers()))
        hidden.update(unseen)
    common = ", ".join(name for name, _ in hidden.most_common(3))
    raise GraderError(f"{assignment.path}: question '{question.id}': no fair {family.name} "
                      f"variant in {MAX_RESAMPLES} draws (in each, some catalogued mistake "
                      f"lands within the grading tolerance; most often {common}); widen its "
                      "randomize settings, or tighten its tolerance (rounding_decimals: 5 asks "
                      "students for 6 decimal places)")


def draw_student(assignment: Assignment, student_id: str) -> dict[str, QuestionVariant]:
    """Every question's variant for one student, in assignment order."""
    return {q.id: draw_question(assignment, q, student_id) for q in assignment.questions}


def manifest_path(out_dir: Path, student_id: str) -> Path:
    return Path(out_dir) / "variants" / f"{student_id}.json"


def manifest_text(variants: Mapping[str, QuestionVariant]) -> str:
    """The manifest as canonical JSON text (stable key order, so reruns are byte-identical)."""
    document = {qid: {"family": v.family, "params": v.params,
                      "answers": significant(dict(v.answers))}
                for qid, v in variants.items()}
    return json.dumps(document, indent=1, sort_keys=False, allow_nan=False) + "\n"


def write_manifest(out_dir: Path, student_id: str, variants: Mapping[str, QuestionVariant]) -> Path:
    path = manifest_path(out_dir, student_id)
    write_text_atomic(path, manifest_text(variants))
    return path


def read_manifest(path: Path, assignment: Assignment) -> dict[str, QuestionVariant]:
    """A student's issued variants; InputFileError names the file and what does not fit."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        problem = ("is empty" if not text.strip() else f"malformed JSON at line {error.lineno}: "
                   f"{error.msg}")
        raise _unreadable(path, problem) from None
    except (RecursionError, ValueError) as error:  # also NaN, Infinity, 4,300 digits
        problem = str(error) if isinstance(error, _NonFinite) else parser_error_words(error)
        raise _unreadable(path, problem) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(path, f"unreadable variants manifest ({error})") from None
    if not isinstance(document, dict):
        raise InputFileError(path, "a variants manifest must be a mapping of question ids")
    variants = {}
    for question in assignment.questions:
        entry = document.get(question.id)
        if entry is None:
            raise InputFileError(path, f"no question '{question.id}': the assignment has it, "
                                       "the variants issued before do not; generate into a new "
                                       "folder, or delete this file to draw again (the same "
                                       "numbers for questions whose settings are unchanged)")
        if not isinstance(entry, dict) or entry.get("family") != question.family.name \
                or not isinstance(entry.get("params"), dict):
            raise InputFileError(path, f"question '{question.id}' is missing or is not a "
                                       f"{question.family.name} variant")
        # The params themselves are validated where they are used (grade_student names
        # this file when they do not parse), so a class is not parsed twice.
        variants[question.id] = QuestionVariant(entry["family"], entry["params"],
                                                entry.get("answers") or {})
    return variants


class _NonFinite(ValueError):
    """NaN or Infinity in a manifest, which generate never writes."""


def _refuse_constant(name: str):
    raise _NonFinite(f"it holds {name}, which generate never writes")


def _unreadable(path: Path, problem: str) -> InputFileError:
    return InputFileError(path, f"unreadable variants manifest: {problem}; delete it to draw "
                                "that student's numbers again")


@contextlib.contextmanager
def numbers_named(assignment: Assignment, out_dir: Path | None, student_id: str
                  ) -> Iterator[None]:
    """A student's numbers that do not parse or have no finite key, while the block uses
    them: an InputFileError naming where they came from (the manifest, when one was read, else
    the assignment that drew them) and the student."""
    try:
        yield
    except (ParamError, NoFiniteKeyError) as error:
        path = manifest_path(out_dir, student_id) if out_dir is not None else None
        source = path if path is not None and path.exists() else assignment.path
        raise InputFileError(source, f"student {student_id}: {error}") from None


def load_or_draw(assignment: Assignment, out_dir: Path | None,
                 student_id: str) -> dict[str, QuestionVariant]:
    """The issued variants when a manifest exists, otherwise the same draw from the seed."""
    if out_dir is not None:
        path = manifest_path(out_dir, student_id)
        if path.exists():
            return read_manifest(path, assignment)
    return draw_student(assignment, student_id)
