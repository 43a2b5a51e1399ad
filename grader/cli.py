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
