"""The assignment file: what an instructor writes once (YAML), validated at the edge."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.datafiles import read_data_file
from grader.errors import AssignmentError, GraderError, NoFiniteKeyError, ParamError
from grader.family import Family
from grader.tolerance import Tolerance, parse_tolerance

MAX_LINE_TEXT = 500
"""Characters in a title, course name or due date (printed on one line)."""
MAX_INSTRUCTIONS = 10_000
"""Characters in the instructions (printed as one paragraph)."""
QUESTION_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}\Z")
DEFAULT_FOLLOW_THROUGH_CREDIT = 1.0
"""Fraction of a part's points earned when it is right from the student's own earlier values."""
MAX_POINTS = 10_000
"""A question's points at most: more is surely a typo (1e19), and the summary's score
histogram bins whole points."""


@dataclass(frozen=True)
class Question:
    """One question: a family, its points, and either fixed params or randomization settings."""

    id: str
    family: Family
    title: str
    points: float | Mapping[str, float]
    params: Mapping[str, Any] | None
    randomize: Mapping[str, Any]
    tolerance: Tolerance
    part_tolerances: Mapping[str, Tolerance]
    follow_through_credit: float
    path: Path = Path("assignment.yaml")

    def part_points(self, parts: tuple[str, ...]) -> dict[str, float]:
        """Points per part: a total is split evenly, a mapping must name exactly the parts.

        Also checks that `tolerance.parts` names only parts of this question."""
        unknown = sorted(set(self.part_tolerances) - set(parts))
        if unknown:
            raise AssignmentError(f"{self.path}: question '{self.id}' field 'tolerance.parts': "
                                  f"no part(s) {', '.join(unknown)} in this question "
                                  f"(its parts: {', '.join(parts)})")
        if not isinstance(self.points, Mapping):
            return {part: self.points / len(parts) for part in parts}
        missing = [part for part in parts if part not in self.points]
        extra = sorted(set(self.points) - set(parts))
        if missing or extra:
            problems = ([f"no points for part(s) {', '.join(missing)}"] if missing else []) \
                + ([f"no part(s) {', '.join(extra)} in this question"] if extra else [])
            problem = "; ".join(problems)
            raise AssignmentError(f"{self.path}: question '{self.id}' field 'points': {problem} "
                                  f"(its parts: {', '.join(parts)})")
        return {part: float(self.points[part]) for part in parts}

    def tolerance_for(self, part: str) -> Tolerance:
        return self.part_tolerances.get(part, self.tolerance)


@dataclass(frozen=True)
class Assignment:
    """A whole assignment; `path` is where it was read from (relative data files resolve there)."""

    path: Path
    title: str
    course: str
    due: str
    seed: int
    questions: tuple[Question, ...]
    instructions: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    @property
    def max_points(self) -> float:
        return sum(_total(question.points) for question in self.questions)


def _total(points: float | Mapping[str, float]) -> float:
    return float(sum(points.values())) if isinstance(points, Mapping) else float(points)


ASSIGNMENT_KEYS = {"title", "course", "due", "seed", "questions", "tolerance", "instructions",
                   "follow_through_credit", "canvas_assignment_id"}
QUESTION_KEYS = {"id", "family", "title", "points", "params", "randomize", "tolerance",
                 "follow_through_credit"}


def load_assignment(path: Path) -> Assignment:
    """Read and validate an assignment file; AssignmentError names the file, question and field."""
    from problems import get_family

    path = Path(path)
    raw = read_data_file(path)
    where = _Where(path)
    if not isinstance(raw, Mapping):
        raise where.error("the file must be a mapping with title, course, due, seed, questions")
    where.reject_unknown(raw, ASSIGNMENT_KEYS)
    title = where.text(raw, "title")
    course = where.text(raw, "course")
    due = where.date(raw, "due")
    seed = where.seed(raw)
    default_tolerance = where.tolerance(raw.get("tolerance"), Tolerance(), "tolerance")
    default_credit = where.fraction(raw, "follow_through_credit", DEFAULT_FOLLOW_THROUGH_CREDIT)
    questions_raw = raw.get("questions")
    if not isinstance(questions_raw, list) or not questions_raw:
        raise where.error("field 'questions': expected a non-empty list of questions")
    questions = []
    for index, entry in enumerate(questions_raw):
        question = _load_question(entry, index, where, get_family, default_tolerance,
                                  default_credit)
        if any(q.id == question.id for q in questions):
            raise where.error(f"question '{question.id}': the id is used twice")
        alike = next((q.id for q in questions if q.id.lower() == question.id.lower()), None)
        if alike is not None:
            raise where.error(f"question '{question.id}': the id differs from '{alike}' only "
                              "in case, and answers files match question ids in any case")
        questions.append(question)
    instructions = raw.get("instructions") or ""
    if not isinstance(instructions, str):
        raise where.error("field 'instructions': expected text")
    where.short_enough("instructions", instructions, MAX_INSTRUCTIONS)
    canvas_id = raw.get("canvas_assignment_id")
    if canvas_id is not None and not str(canvas_id).isdigit():
        raise where.error(f"field 'canvas_assignment_id': expected Canvas's numeric id, "
                          f"got {canvas_id!r}")
    extra = {"canvas_assignment_id": str(canvas_id)} if canvas_id is not None else {}
    return Assignment(path=path, title=title, course=course, due=due, seed=seed,
                      questions=tuple(questions), instructions=instructions, extra=extra)


def _load_question(entry: Any, index: int, where: _Where, get_family, default_tolerance,
                   default_credit) -> Question:
    if not isinstance(entry, Mapping):
        raise where.error(f"questions[{index}]: expected a mapping with id, family, points")
    question_id = entry.get("id")
    if not isinstance(question_id, str) or not QUESTION_ID.match(question_id):
        raise where.error(f"questions[{index}] field 'id': expected a short name of letters, "
                          f"digits, '_' or '-' starting with a letter, got {question_id!r}")
    q = where.inside(question_id)
    q.reject_unknown(entry, QUESTION_KEYS)
    family_name = q.text(entry, "family")
    try:
        family = get_family(family_name)
    except GraderError as error:
        raise q.error(f"field 'family': {error}") from None
    params, randomize = entry.get("params"), entry.get("randomize") or {}
    if params is not None and entry.get("randomize") is not None:
        raise q.error("give either fixed 'params' or 'randomize' settings, not both")
    if params is not None:
        try:
            family.solve(params)  # valid, and with a finite key to grade against
        except (ParamError, NoFiniteKeyError) as error:
            raise q.error(f"field 'params': {error}") from None
    if not isinstance(randomize, Mapping):
        raise q.error("field 'randomize': expected a mapping of settings")
    unknown = sorted(set(map(str, randomize)) - set(family.sample_settings))
    if unknown:
        known = ", ".join(sorted(family.sample_settings)) or "none"
        raise q.error(f"field 'randomize': unknown setting '{unknown[0]}' for {family.name} "
                      f"(settings: {known})")
    if params is None:
        _try_settings(q, family, randomize)
    tolerance_raw = entry.get("tolerance") or {}
    if not isinstance(tolerance_raw, Mapping):
        raise q.error("field 'tolerance': expected a mapping")
    tolerance = q.tolerance({k: v for k, v in tolerance_raw.items() if k != "parts"},
                            default_tolerance, "tolerance")
    parts_raw = tolerance_raw.get("parts") or {}
    if not isinstance(parts_raw, Mapping):
        raise q.error("field 'tolerance.parts': expected a mapping of part names")
    part_tolerances = {str(part): q.tolerance(setting, tolerance, f"tolerance.parts.{part}")
                       for part, setting in parts_raw.items()}
    return Question(
        id=question_id, family=family,
        title=q.short_enough("title", str(entry.get("title") or family.title), MAX_LINE_TEXT),
        points=q.points(entry.get("points")), params=params, randomize=dict(randomize),
        tolerance=tolerance, part_tolerances=part_tolerances,
        follow_through_credit=q.fraction(entry, "follow_through_credit", default_credit),
        path=where.path,
    )


def _try_settings(q: _Where, family, randomize: Mapping[str, Any]) -> None:
    """Sample once with the randomize settings, so a bad one (a size out of range, text for a
    number, a minimum above the maximum) is named here, with the file and the question."""
    import numpy as np

    try:
        family.parse(family.sample(np.random.default_rng(0), randomize))
    except (GraderError, ValueError, TypeError, ArithmeticError) as error:
        raise q.error(f"field 'randomize': {error}") from None


class _Where:
    """Builds AssignmentError messages that name the file, the question and the field."""

    def __init__(self, path: Path, question: str | None = None):
        self.path = path
        self.question = question

    def inside(self, question_id: str) -> _Where:
        return _Where(self.path, question_id)

    def error(self, problem: str) -> AssignmentError:
        prefix = f"question '{self.question}' " if self.question else ""
        return AssignmentError(f"{self.path}: {prefix}{problem}")

    def reject_unknown(self, raw: Mapping, known: set[str]) -> None:
        unknown = sorted(set(map(str, raw)) - known)
        if unknown:
            raise self.error(f"unknown field '{unknown[0]}' (known: {', '.join(sorted(known))})")

    def text(self, raw: Mapping, key: str, limit: int = MAX_LINE_TEXT) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"field '{key}': expected text, got {_short(value)}")
        return self.short_enough(key, value.strip(), limit)

    def short_enough(self, key: str, value: str, limit: int) -> str:
        """Text the documents print on one line or in one paragraph, which TeX reads as one
        line of at most 200,000 characters (escaping makes some characters 17)."""
        if len(value) > limit:
            raise self.error(f"field '{key}': {len(value):,} characters; at most {limit:,}")
        return value

    def date(self, raw: Mapping, key: str) -> str:
        value = raw.get(key)
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return self.text(raw, key)

    def seed(self, raw: Mapping) -> int:
        value = raw.get("seed")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(f"field 'seed': expected a whole number >= 0, got {value!r}")
        return value

    def fraction(self, raw: Mapping, key: str, default: float) -> float:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise self.error(f"field '{key}': expected a number from 0 to 1, got {value!r}")
        return float(value)

    def points(self, value: Any) -> float | dict[str, float]:
        if isinstance(value, Mapping):
            points = {}
            for part, each in value.items():
                if isinstance(each, bool) or not isinstance(each, int | float) \
                        or not 0 <= each <= MAX_POINTS:
                    raise self.error(f"field 'points.{part}': expected a number from 0 to "
                                     f"{MAX_POINTS:,}, got {_short(each)}")
                points[str(part)] = float(each)
            if not 0 < sum(points.values()) <= MAX_POINTS:
                raise self.error(f"field 'points': the parts' points must add up to more "
                                 f"than 0 (as a question's points must) and at most "
                                 f"{MAX_POINTS:,}")
            return points
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not 0 < value <= MAX_POINTS:
            raise self.error(f"field 'points': expected a number above 0 and at most "
                             f"{MAX_POINTS:,}, or a mapping of part names to points, "
                             f"got {_short(value)}")
        return float(value)

    def tolerance(self, raw: Any, inherited: Tolerance, key: str) -> Tolerance:
        try:
            return parse_tolerance(raw, inherited)
        except ValueError as error:
            raise self.error(f"field '{key}': {error}") from None


def _short(value: Any) -> str:
    """A field's value for a message: numbers as %g (never 400 digits), the rest cut short."""
    if value is None:
        return "nothing"
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return f"{float(value):g}"
        except OverflowError:
            return "a number beyond 1.8e308"
    return repr(value)[:40]
