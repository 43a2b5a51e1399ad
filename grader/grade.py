"""`grader grade`: every student folder against the student's issued variants."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.answers import AnswersFile, read_answers
from grader.assignment import Assignment
from grader.errors import GraderError, debugging
from grader.grading import InstanceCache, as_shown, grade_question
from grader.parallel import ordered_map
from grader.results import PartResult, QuestionResult
from grader.results_file import student_results_text
from grader.roster import Roster, Student
from grader.variants import QuestionVariant, load_or_draw, numbers_named

Progress = Callable[[str], None]
AfterGrading = Callable[["StudentResult"], None]


@dataclass(frozen=True)
class StudentResult:
    """One student's graded submission, with the variants it was graded against."""

    student: Student
    variants: Mapping[str, QuestionVariant]
    questions: Mapping[str, QuestionResult]
    problem: str | None = None
    note: str | None = None
    """About the submission though it was graded (a second answers file, not read)."""
    results_text: str = field(default="", compare=False, repr=False)
    """This student's entry of results.json, encoded in the process that graded them."""

    @property
    def total(self) -> float:
        return sum(question.score for question in self.questions.values())

    @property
    def max(self) -> float:
        return sum(question.max for question in self.questions.values())


@dataclass
class ClassResult:
    """The whole run: students in roster order, and folders that match no student."""

    assignment: Assignment
    students: list[StudentResult] = field(default_factory=list)
    unknown_folders: list[str] = field(default_factory=list)
    folders: dict[str, str] = field(default_factory=dict)
    """Each roster student's submission folder, by id (`student_folders`); absent: none."""


def grade_student(assignment: Assignment, student: Student, submissions: Path,
                  variants_dir: Path | None, instances: InstanceCache | None = None,
                  folder: str | None = None) -> StudentResult:
    """Grade one student's folder; a bad submission becomes messages, never an exception.

    ``instances`` shares solved instances between the students of one run; ``folder`` is the
    folder's name when it is the id in another case (`student_folders`).
    """
    variants = load_or_draw(assignment, variants_dir, student.id)
    submission = read_answers(submissions / (folder or student.id), submissions)
    with numbers_named(assignment, variants_dir, student.id):
        questions = _grade_questions(assignment, student, variants, submission, submissions,
                                     instances, folder)
    note = submission.note
    if folder is not None and folder != student.id:
        found = f"graded from the folder {folder}/, your id {student.id} in another case"
        note = f"{found}; {note}" if note else found
    return StudentResult(student, variants, questions, submission.problem, note)


def student_folders(roster: Roster, folders: Collection[str]) -> dict[str, str]:
    """Each roster student's folder: the one named by their id, else the only folder that is
    their id in another case (S01/ for s01) and no student's own. Ids that differ only in
    case are refused in rosters, so such a match is never another student's."""
    ids = {student.id for student in roster.students}
    by_case: dict[str, list[str]] = {}
    for name in folders:
        if name not in ids:
            by_case.setdefault(name.casefold(), []).append(name)
    matched = {}
    for student in roster.students:
        if student.id in folders:
            matched[student.id] = student.id
        elif len(by_case.get(student.id.casefold(), ())) == 1:
            matched[student.id] = by_case[student.id.casefold()][0]
    return matched


def _grade_questions(assignment: Assignment, student: Student,
                     variants: Mapping[str, QuestionVariant], submission: AnswersFile,
                     submissions: Path, instances: InstanceCache | None,
                     folder: str | None = None) -> dict[str, QuestionResult]:
    questions = {}
    keys = _question_keys(assignment, submission)
    for question in assignment.questions:
        variant = variants[question.id]
        given, problem = _question_answers(submission, keys.get(question.id))
        try:
            if question.family.file_check is not None and submission.refused_folder:
                questions[question.id] = _all_invalid(question, variant, given,
                                                      submission.problem)
            elif question.family.file_check is not None:
                questions[question.id] = _check_files(assignment, question, variant,
                                                      submissions / (folder or student.id),
                                                      given)
            else:
                questions[question.id] = grade_question(question, variant.params, given,
                                                         problem, instances)
        except GraderError:
            raise
        except Exception as error:  # a grader bug: this answer waits, the class goes on
            if debugging():
                raise
            questions[question.id] = _ungraded(question, variant, given, error)
        if question.id not in keys and submission.answers is not None:
            questions[question.id] = _not_found(questions[question.id], question.id,
                                                assignment, submission, keys)
    return questions


def _question_keys(assignment: Assignment, submission: AnswersFile) -> dict[str, str]:
    """The key of the answers file that holds each question's answers: its id, or the id in
    another case (`Adam:` for `adam`) when that is the only one that fits."""
    if submission.answers is None:
        return {}
    keys = {}
    for question in assignment.questions:
        if question.id in submission.answers:
            keys[question.id] = question.id
            continue
        alike = [key for key in submission.answers if key.lower() == question.id.lower()]
        if len(alike) == 1:
            keys[question.id] = alike[0]
    return keys


def _not_found(result: QuestionResult, question_id: str, assignment: Assignment,
               submission: AnswersFile, keys: Mapping[str, str]) -> QuestionResult:
    """A question the answers file does not hold: when the file holds keys that are no
    question's, the message names them, so a student who wrote `hw3:` or `answers:` around
    everything, or a misspelled id, sees why nothing was graded."""
    unused = sorted(set(submission.answers or {}) - set(keys.values()))
    if not unused:
        return result
    ids = ", ".join(question.id for question in assignment.questions)
    message = (f"question not answered: no '{question_id}' in the answers file, which has "
               f"{', '.join(repr(key[:40]) for key in unused[:5])} instead (question ids: {ids})")
    parts = {name: replace(part, message=message) if part.status == "missing" else part
             for name, part in result.parts.items()}
    return replace(result, parts=parts)


def _ungraded(question, variant: QuestionVariant, given, error: Exception) -> QuestionResult:
    """The question's parts marked invalid after a grader bug, with the bug for the report
    and each given value kept for the instructor who grades it by hand."""
    message = ("the grader failed on this answer (not your mistake); your instructor will "
               "grade it by hand")
    return replace(_all_invalid(question, variant, given, message),
                   failure=f"{type(error).__name__}: {error}")


def _all_invalid(question, variant: QuestionVariant, given, message: str) -> QuestionResult:
    """Every part of the question invalid with one message, each given value kept."""
    names = _part_names(question, variant)
    given = given if isinstance(given, Mapping) else {}
    parts = {name: PartResult("invalid", 0.0, variant.answers.get(name),
                              as_shown(given.get(name)), message) for name in names}
    return QuestionResult(parts, question.part_points(names))


def _part_names(question, variant: QuestionVariant) -> tuple[str, ...]:
    """The question's parts, found without solving it (solving may be what failed): from its
    graph or file check, else from the parts the variants manifest holds keys for."""
    family = question.family
    try:
        params = family.parse(variant.params)
        if family.file_check is not None:
            return tuple(family.file_check.parts(params))
        return family.build(params).parts()
    except Exception:  # the bug is in building the question itself
        if debugging():
            raise
        return tuple(map(str, variant.answers))


def _check_files(assignment: Assignment, question, variant: QuestionVariant, folder: Path,
                 given) -> QuestionResult:
    """A question graded from the files in the student's folder and their claims."""
    family = question.family
    claims = given if isinstance(given, Mapping) else {}
    parts = family.file_check.run(family, family.parse(variant.params), folder,
                                  assignment.base_dir, claims)
    return QuestionResult(dict(parts), question.part_points(tuple(parts)))


def _question_answers(submission: AnswersFile, key: str | None):
    if submission.answers is None:
        return None, submission.problem
    if key is None:
        return None, None
    return submission.answers[key], None


ARCHIVE_LEFTOVERS = frozenset({"__MACOSX"})
"""Folders that unzipping on a Mac leaves beside the students' own: never a student."""


def submission_folders(submissions: Path, ignored: Collection[str] = ()) -> list[str]:
    """The folders in SUBMISSIONS that can be students', by name (hidden folders, archive
    leftovers such as __MACOSX, and the `ignored` ones, the run's own output, left out)."""
    if not submissions.is_dir():
        raise GraderError(f"{submissions}: no such submissions folder")
    return sorted(entry.name for entry in submissions.iterdir()
                  if entry.is_dir() and not entry.name.startswith(".")
                  and entry.name not in ARCHIVE_LEFTOVERS and entry.name not in ignored)


def stray_folders(folders: Collection[str], matched: Mapping[str, str]) -> list[str]:
    """The folders that belong to no roster student (`matched`: student_folders), by
    printable name (a name that is not UTF-8, from an archive made on another system, shows
    its bytes escaped)."""
    known = set(matched.values())
    return [printable_name(name) for name in folders if name not in known]


def printable_name(name: str) -> str:
    """A file name as text that can be printed and written anywhere: undecodable bytes, which
    Python keeps as lone surrogates, become \\xNN escapes, and so do characters that do not
    print (a newline, ESC, a zero-width space), which would move or recolour the terminal."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def grade_class(assignment: Assignment, roster: Roster, submissions: Path,
                variants_dir: Path | None, progress: Progress | None = None,
                after: AfterGrading | None = None, ignored: Collection[str] = ()
                ) -> ClassResult:
    """Grade every roster student's folder (missing folders included) and list strays.

    ``after`` runs on each student's result in the process that graded it, so per-student
    outputs (feedback pages) are written while the result is at hand, on every core.
    ``ignored`` names folders that are neither students nor strays (the run's own output).
    """
    folders = submission_folders(submissions, ignored)
    matched = student_folders(roster, folders)
    result = ClassResult(assignment, unknown_folders=stray_folders(folders, matched),
                         folders=matched)
    instances = InstanceCache()  # each worker process fills its own copy

    def grade_one(student: Student) -> StudentResult:
        graded = grade_student(assignment, student, submissions, variants_dir, instances,
                               matched.get(student.id))
        if after is not None:
            after(graded)
        return replace(graded, results_text=student_results_text(graded))

    for graded in ordered_map(grade_one, roster.students):
        result.students.append(graded)
        if progress:
            progress(graded.student.id)
    return result


def grader_failures(result: ClassResult) -> list[tuple[StudentResult, str, str]]:
    """(student, question id, error) for each question a grader bug left to grade by hand."""
    return [(student, question_id, question.failure) for student in result.students
            for question_id, question in student.questions.items() if question.failure]


def part_counts(result: ClassResult) -> dict[str, dict[str, int]]:
    """How many parts ended in each status, per question (for the run's closing line)."""
    counts: dict[str, dict[str, int]] = {}
    for student in result.students:
        for question_id, question in student.questions.items():
            bucket = counts.setdefault(question_id, {})
            for part in question.parts.values():
                bucket[part.status] = bucket.get(part.status, 0) + 1
    return counts
