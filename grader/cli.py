"""The `grader` command line: each command parses options and calls one library function."""

from __future__ import annotations

import functools
import json
import signal
import sys
from pathlib import Path

import click

from grader import __version__
from grader.errors import GraderError, debugging
from grader.values import counted


def reports_errors(command):
    """Turn the library's own errors into one clear line on stderr and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GraderError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(1)
        except Exception as error:
            # A bug, not the user's input: one line by default, the traceback on request.
            if debugging():
                raise
            click.echo(f"internal error: {type(error).__name__}: {error} (please report it; "
                       "GRADER_DEBUG=1 shows the traceback)", err=True)
            sys.exit(1)

    return wrapper


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Write and grade the numeric homework of a deep-learning course."""
    # A plain kill (SIGTERM) unwinds like Ctrl-C, so half-written staging folders are removed.
    signal.signal(signal.SIGTERM, _terminated)


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
    """A progress bar on stderr for long runs, shown only on a terminal (stdout stays clean
    for results, and logs and pipes get no bar)."""

    def __init__(self, label: str, total: int):
        self._bar = (click.progressbar(length=total, label=label, file=sys.stderr)
                     if sys.stderr.isatty() else None)

    def __enter__(self):
        if self._bar is None:
            return lambda _item=None: None
        self._bar.__enter__()
        return lambda _item=None: self._bar.update(1)

    def __exit__(self, *exc):
        return self._bar.__exit__(*exc) if self._bar is not None else None


@main.command("problems")
@click.argument("family", required=False)
@reports_errors
def problems_command(family: str | None) -> None:
    """List the exercise families: parameters, parts and mistake ids."""
    from grader.catalog import describe_family
    from problems import FAMILIES, get_family

    chosen = [get_family(family)] if family is not None else list(FAMILIES.values())
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
    from grader.catalog import parse_params_file, solve_params
    from problems import get_family

    chosen = get_family(family)
    params = parse_params_file(chosen, params_path)
    result = solve_params(chosen, params, steps=steps, mistake=mistake)
    answers = result["answers"] if steps else result
    if mistake and solve_params(chosen, params) == answers:
        click.echo(f"warning: {mistake} changes no answer of this instance (it cannot show "
                   "with these params); the answers are the key's", err=True)
    for part in (name for name, value in answers.items() if _holds_null(value)):
        click.echo(f"warning: with {mistake}, part '{part}' leaves the finite numbers "
                   "(written null)", err=True)
    click.echo(json.dumps(result, indent=2) if steps else _one_key_per_line(result))


def _holds_null(value) -> bool:
    return value is None or (isinstance(value, list) and any(map(_holds_null, value)))


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

    count = len(set(students)) or len(load_roster(roster_path, id_column).students)
    with StderrProgress("generating", count) as progress:
        report = generate(assignment_path, roster_path, out_dir, pdf=not no_pdf,
                          students=students, id_column=id_column, progress=progress)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for failure in report.failures:
        click.echo(f"error: {failure}", err=True)
    click.echo(f"{counted(len(report.students), 'student')}, "
               f"{counted(len(report.pdfs), 'PDF')} written to {out_dir}")
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
    from grader.grade_run import class_roster, output_folder_name, run_grading

    ignored = output_folder_name(submissions, out_dir)
    roster = class_roster(roster_path, id_column, variants_dir, submissions, ignored)
    with StderrProgress("grading", len(roster.students)) as progress:
        report = run_grading(assignment_path, submissions, out_dir, roster_path=roster_path,
                             id_column=id_column, variants_dir=variants_dir, progress=progress,
                             roster=roster)
    click.echo(grading_summary(report))


def grading_summary(report) -> str:
    """The closing lines of a grade run: counts, strays, missing folders, flags, outputs."""
    from grader.grade import grader_failures

    students = report.result.students
    lines = [f"graded {counted(len(students), 'student')} into {report.out_dir}"]
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
    lines.extend(f"warning: question '{question}': the assignment no longer gives the numbers "
                 "issued in --variants (its params, randomize settings or seed changed after "
                 "generate); students are graded on the numbers issued to them"
                 for question in report.changed_questions)
    lines.extend(leftover_warning(folder, report.out_dir) for folder in report.leftovers)
    lines.extend(f"grader bug on {student.student.id} question {question} (graded invalid; "
                 f"grade it by hand and please report it): {failure}"
                 for student, question, failure in grader_failures(report.result))
    return "\n".join(lines)


def leftover_warning(folder: Path, out_dir: Path) -> str:
    """What to do with a hidden folder beside OUT that an earlier run left behind."""
    from grader.files import leftover_kind

    if leftover_kind(out_dir, folder) == "previous":
        return (f"warning: {folder} holds the outputs of {out_dir} before a run that was "
                "killed mid-swap (kill -9); if they are not needed, delete it")
    return (f"warning: {folder} is the unfinished output of a grade run that was killed "
            f"(kill -9) or is still running; once no run is writing {out_dir}, delete it")


@main.command("check-forecaster")
@click.argument("weights", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--data", "data_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Test windows: an .npz with X (N x L x F) and y (N x F) "
                   "(default: the test_data of --params).")
@click.option("--claims", "claims_path", type=click.Path(path_type=Path, dir_okay=False),
              help="YAML, JSON or TOML with param_count, test_mse and test_l1, at the top "
                   "or under a question id (an answers file).")
@click.option("--question", metavar="ID", help="The question id holding the claims.")
@click.option("--predictions", "predictions_path",
              type=click.Path(path_type=Path, dir_okay=False),
              help="A predictions CSV (N rows of F values) to compare with the re-run.")
@click.option("--params", "params_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The forecaster question's params: architecture, tolerances, test_data "
                   "(default: the course's model).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@reports_errors
def check_forecaster_command(weights: Path, data_path: Path | None, claims_path: Path | None,
                             question: str | None, predictions_path: Path | None,
                             params_path: Path | None, as_json: bool) -> None:
    """Check a trained forecaster (.safetensors or .npz) without PyTorch."""
    from grader.forecaster.question import check_files
    from grader.forecaster.report import format_report, results_json
    from problems import get_family

    results, data = check_files(get_family("forecaster"), weights, data_path, claims_path,
                                predictions_path, params_path, question)
    click.echo(json.dumps(results_json(results, str(weights), data), indent=2) if as_json
               else format_report(results, str(weights), data))


@main.command("demo")
@out_option(default="demo-out")
@click.option("--no-pdf", is_flag=True, help="Skip the LaTeX compiles.")
@reports_errors
def demo_command(out_dir: Path, no_pdf: bool) -> None:
    """Generate and grade the bundled sample assignment, roster and submissions."""
    from grader.demo import DEMO_ROSTER, run_demo
    from grader.roster import load_roster

    count = 2 * len(load_roster(DEMO_ROSTER).students)
    with StderrProgress("demo", count) as progress:
        report = run_demo(out_dir, pdf=not no_pdf, progress=progress)
    generated = report.generated
    for warning in generated.warnings:
        click.echo(f"warning: {warning}", err=True)
    for failure in generated.failures:
        click.echo(f"error: {failure}", err=True)
    click.echo(f"generated {counted(len(generated.students), 'assignment')} and "
               f"{counted(len(generated.pdfs), 'PDF')} in {out_dir / 'generated'}")
    click.echo(grading_summary(report.graded))
    click.echo(f"open {out_dir / 'graded' / 'summary.html'} and "
               f"{out_dir / 'graded' / 'feedback'}/<student>.html")
    if generated.failures:
        sys.exit(1)


if __name__ == "__main__":  # python -m grader.cli ...
    main(prog_name="grader")
