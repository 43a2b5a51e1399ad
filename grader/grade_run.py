"""The whole `grader grade` run: who is graded, against what, and every output it writes."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import Assignment, load_assignment
from grader.errors import GraderError
from grader.files import leftover_folders, replace_directory
from grader.grade import (
    AfterGrading,
    ClassResult,
    Progress,
    StudentResult,
    grade_class,
    submission_folders,
)
from grader.gradebook import canvas_csv, plain_csv
from grader.integrity import Flag, find_flags
from grader.parallel import few_collections, in_background
from grader.results_file import results_text
from grader.roster import STUDENT_ID, Roster, Student, load_roster
from grader.summary import Charts, PartStats, part_statistics, summary_charts, summary_html
from grader.variants import draw_question, manifest_path

RESULTS_NAME = "results.json"


@dataclass(frozen=True)
class GradeReport:
    """What a run graded and wrote, for the command's closing lines."""

    result: ClassResult
    flags: list[Flag]
    out_dir: Path
    missing_folders: tuple[str, ...]
    changed_questions: tuple[str, ...] = ()
    """Questions whose issued numbers (--variants) the assignment no longer gives."""
    leftovers: tuple[Path, ...] = ()
    """Staging or previous-output folders beside OUT that an earlier run left (kill -9)."""


def class_roster(roster_path: Path | None, id_column: str | None, variants_dir: Path | None,
                 submissions: Path, ignored: frozenset[str] = frozenset()) -> Roster:
    """The roster if given; else the students with issued variants; else the folders (but
    the `ignored` ones)."""
    if variants_dir is not None:
        check_variants_dir(variants_dir)
    if roster_path is not None:
        return load_roster(roster_path, id_column)
    if variants_dir is not None:
        ids = sorted(path.stem for path in (variants_dir / "variants").glob("*.json"))
        source = "variants manifests"
    else:
        ids = submission_folders(submissions, ignored)
        source = "submission folders"
    students = tuple(Student(id=i, name=i) for i in ids if STUDENT_ID.match(i))
    if not students:
        raise GraderError(f"{submissions}: no students found (give --roster)")
    return Roster(students, canvas=False, id_column=source)


def check_variants_dir(variants_dir: Path) -> None:
    """A --variants folder must hold what `generate` wrote: grading a class against numbers
    drawn again from the seed, because the path was mistyped, would be silently wrong."""
    manifests = variants_dir / "variants"
    if manifests.is_dir() and any(manifests.glob("*.json")):
        return
    if variants_dir.is_dir() and any(variants_dir.glob("*.json")):
        hint = f"; give the folder above it, {variants_dir.parent}"
    else:
        hint = " (give the --out folder of `grader generate`)"
    raise GraderError(f"{variants_dir}: no variants manifests in {manifests}{hint}")


def refuse_inputs_inside(out_dir: Path, inputs: dict[str, Path | None]) -> None:
    """Grading replaces the --out folder whole: an input kept inside it would be lost."""
    try:
        out = Path(out_dir).resolve()
        for label, path in inputs.items():
            if path is not None and Path(path).resolve().is_relative_to(out):
                raise GraderError(f"{path}: {label} lies inside the output folder {out_dir}, "
                                  "which grading replaces whole; choose another --out")
    except (OSError, RuntimeError):
        return


def output_folder_name(submissions: Path, out_dir: Path) -> frozenset[str]:
    """The name of the output folder when it sits in SUBMISSIONS: never a student's."""
    try:
        out, folder = Path(out_dir).resolve(), submissions.resolve()
    except (OSError, RuntimeError):
        return frozenset()
    return frozenset({out.name}) if out.parent == folder else frozenset()


def run_grading(assignment_path: Path, submissions: Path, out_dir: Path, *,
                roster_path: Path | None = None, id_column: str | None = None,
                variants_dir: Path | None = None, progress: Progress | None = None,
                roster: Roster | None = None) -> GradeReport:
    """Grade every student and write results, gradebooks, feedback and the summary.

    ``roster`` is the class as `class_roster` reads it from the same options, when the
    caller has read it already (to size a progress bar); otherwise it is read here.
    """
    submissions = Path(submissions)
    refuse_inputs_inside(out_dir, {"ASSIGNMENT": assignment_path, "SUBMISSIONS": submissions,
                                   "--roster": roster_path, "--variants": variants_dir})
    assignment = load_assignment(assignment_path)
    ignored = output_folder_name(submissions, out_dir)
    if roster is None:
        roster = class_roster(roster_path, id_column, variants_dir, submissions, ignored)
    graded: list[tuple[ClassResult, list[Flag]]] = []
    leftovers = tuple(leftover_folders(out_dir))  # before this run makes its own

    def grade_into(staging: Path) -> None:
        feedback = staging / "feedback"
        feedback.mkdir()
        result = grade_class(assignment, roster, submissions, variants_dir, progress,
                             after=feedback_writer(assignment, feedback), ignored=ignored)
        # The summary's figures (matplotlib, the slowest output) are drawn on another core
        # while this one checks integrity and writes the rest; both use one item analysis.
        stats = part_statistics(result)
        with in_background(functools.partial(summary_charts, result, stats)) as charts:
            flags = find_flags(result)
            write_outputs(result, flags, staging, charts, stats)
        graded.append((result, flags))

    with few_collections():
        replace_directory(Path(out_dir), grade_into, RESULTS_NAME)
    result, flags = graded[0]
    missing = tuple(s.student.id for s in result.students if s.student.id not in result.folders)
    changed = changed_since_issued(assignment, result, variants_dir)
    return GradeReport(result, flags, Path(out_dir), missing, changed, leftovers)


def changed_since_issued(assignment: Assignment, result: ClassResult,
                         variants_dir: Path | None) -> tuple[str, ...]:
    """The questions whose params, randomize settings or seed changed after `generate`: the
    first student with a manifest is drawn again and compared (one draw per question)."""
    if variants_dir is None:
        return ()
    issued = next((student for student in result.students
                   if manifest_path(variants_dir, student.student.id).exists()), None)
    if issued is None:
        return ()
    return tuple(question.id for question in assignment.questions
                 if draw_question(assignment, question, issued.student.id).params
                 != issued.variants[question.id].params)


def feedback_writer(assignment: Assignment, folder: Path) -> AfterGrading:
    """Writes one graded student's feedback/<id>.html and <id>.md into `folder`."""
    from grader.feedback import render_feedback

    solved: dict = {}

    def write(student: StudentResult) -> None:
        student_id = student.student.id
        if Path(student_id).name != student_id or student_id in (".", ".."):
            raise ValueError(f"student id {student_id!r} cannot name a file")
        html, markdown = render_feedback(assignment, student, solved)
        (folder / f"{student_id}.html").write_text(html, encoding="utf-8")
        (folder / f"{student_id}.md").write_text(markdown, encoding="utf-8")

    return write


def write_outputs(result: ClassResult, flags: list[Flag], out: Path,
                  charts: Callable[[], Charts] | None = None,
                  stats: Sequence[PartStats] | None = None) -> None:
    """results.json, grades.csv (Canvas), grades-plain.csv, integrity.json and the summary
    (the feedback pages are written as each student is graded); `charts` gives the
    summary's figures when they are drawn elsewhere, `stats` its item analysis when at hand."""

    (out / RESULTS_NAME).write_text(results_text(result), encoding="utf-8")
    (out / "grades.csv").write_text(canvas_csv(result), encoding="utf-8")
    (out / "grades-plain.csv").write_text(plain_csv(result), encoding="utf-8")
    integrity = {"flags": [{"student": f.student, "question": f.question, "other": f.other,
                            "parts": list(f.parts)} for f in flags],
                 "unknown_folders": result.unknown_folders}
    (out / "integrity.json").write_text(json.dumps(integrity, indent=1) + "\n", encoding="utf-8")
    figures = charts() if charts is not None else None
    (out / "summary.html").write_text(summary_html(result, flags, figures, stats), encoding="utf-8")
