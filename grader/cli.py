"""The `grader` command line: each command parses options and calls one library function."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from grader import __version__
from grader.errors import GraderError


def reports_errors(command):
    """Turn the library's own errors into one clear line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GraderError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Write and grade the numeric homework of a deep-learning course."""


def out_option(default: str | None = None):
    """The --out folder option that every writing command shares."""
    return click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
                        required=default is None, default=default, show_default=True,
                        help="Folder to write into.")


def roster_options(command):
    """--roster and --id-column, shared by the commands that read a class roster."""
    command = click.option("--id-column", metavar="COLUMN",
                           help="Roster column holding the student id (default: see README).")(
        command)
    return click.option("--roster", "roster_path", required=True,
                        type=click.Path(path_type=Path, dir_okay=False),
                        help="Roster CSV: 'id,name' or a Canvas gradebook export.")(command)


class StderrProgress:
    """A progress bar on stderr for long runs (stdout stays clean for results)."""

    def __init__(self, label: str, total: int):
        self._bar = click.progressbar(length=total, label=label, file=sys.stderr)

    def __enter__(self):
        self._bar.__enter__()
        return lambda _item=None: self._bar.update(1)

    def __exit__(self, *exc):
        return self._bar.__exit__(*exc)


@main.command("problems")
@click.argument("family", required=False)
@reports_errors
def problems_command(family: str | None) -> None:
    """List the exercise families: parameters, parts and mistake ids."""
    from grader.catalog import describe_family
    from problems import FAMILIES, get_family

    chosen = [get_family(family)] if family else list(FAMILIES.values())
    click.echo("\n\n".join(describe_family(each) for each in chosen))


@main.command("solve")
@click.argument("family")
@click.option("--params", "params_path", required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="YAML, JSON or TOML file with the instance's parameters.")
@click.option("--steps", is_flag=True, help="Add the worked solution (LaTeX formulas).")
@click.option("--mistake", metavar="ID[:VARIANT]",
              help="Answers as a student making this catalogued mistake would give them.")
@reports_errors
def solve_command(family: str, params_path: Path, steps: bool, mistake: str | None) -> None:
    """Print the reference answers of one instance as JSON."""
    from grader.catalog import solve_file
    from problems import get_family

    result = solve_file(get_family(family), params_path, steps=steps, mistake=mistake)
    click.echo(json.dumps(result, indent=2) if steps else _one_key_per_line(result))


def _one_key_per_line(answers: dict) -> str:
    """JSON with one part per line: matrices stay on their line, easy to read and to diff."""
    rows = [f"  {json.dumps(key)}: {json.dumps(value)}" for key, value in answers.items()]
    return "{\n" + ",\n".join(rows) + "\n}"


@main.command("generate")
@click.argument("assignment_path", metavar="ASSIGNMENT",
                type=click.Path(path_type=Path, dir_okay=False))
@roster_options
@out_option()
@click.option("--no-pdf", is_flag=True, help="Write LaTeX, manifests and answers files only.")
@click.option("--students", multiple=True, metavar="ID",
              help="Only these students (repeat the option for several).")
@reports_errors
def generate_command(assignment_path: Path, roster_path: Path, id_column: str | None,
                     out_dir: Path, no_pdf: bool, students: tuple[str, ...]) -> None:
    """Write each student's personalised PDF, answer key, answers template and variants."""
    from grader.generate import generate
    from grader.roster import load_roster

    count = len(students) or len(load_roster(roster_path, id_column).students)
    with StderrProgress("generating", count) as progress:
        report = generate(assignment_path, roster_path, out_dir, pdf=not no_pdf,
                          students=students, id_column=id_column, progress=progress)
    for failure in report.failures:
        click.echo(f"error: {failure}", err=True)
    click.echo(f"{len(report.students)} students, {len(report.pdfs)} PDFs written to {out_dir}")
    if report.failures:
        sys.exit(1)


@main.command("grade")
@click.argument("assignment_path", metavar="ASSIGNMENT",
                type=click.Path(path_type=Path, dir_okay=False))
@click.argument("submissions", type=click.Path(path_type=Path, file_okay=False))
@out_option()
@click.option("--roster", "roster_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Roster CSV (default: the students with variants, else the folders).")
@click.option("--id-column", metavar="COLUMN", help="Roster column holding the student id.")
@click.option("--variants", "variants_dir", type=click.Path(path_type=Path, file_okay=False),
              help="The folder `grader generate` wrote (its variants/ are the truth); "
                   "without it, variants are derived from the seed and the student ids.")
@reports_errors
def grade_command(assignment_path: Path, submissions: Path, out_dir: Path,
                  roster_path: Path | None, id_column: str | None,
                  variants_dir: Path | None) -> None:
    """Grade every student folder; write results, feedback, gradebooks and a summary."""
    from grader.grade_run import class_roster, run_grading

    count = len(class_roster(roster_path, id_column, variants_dir, submissions).students)
    with StderrProgress("grading", count) as progress:
        report = run_grading(assignment_path, submissions, out_dir, roster_path=roster_path,
                             id_column=id_column, variants_dir=variants_dir, progress=progress)
    click.echo(grading_summary(report))


def grading_summary(report) -> str:
    """The closing lines of a grade run: counts, strays, missing folders, flags, outputs."""
    students = report.result.students
    lines = [f"graded {len(students)} students into {report.out_dir}"]
    if report.missing_folders:
        lines.append(f"no folder for: {', '.join(report.missing_folders)}")
    if report.result.unknown_folders:
        lines.append(f"folders with no student: {', '.join(report.result.unknown_folders)}")
    unusable = [s.student.id for s in students
                if s.problem and s.student.id not in report.missing_folders]
    if unusable:
        lines.append(f"unusable submissions: {', '.join(unusable)}")
    if report.flags:
        lines.append(f"integrity flags: {len(report.flags)} (see summary.html)")
    return "\n".join(lines)
