"""Library functions behind `grader problems` and `grader solve`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.datafiles import read_data_file
from grader.errors import InputFileError, NoFiniteKeyError, ParamError
from grader.family import Family
from grader.params import REQUIRED, Params
from grader.values import null_if_not_finite, to_jsonable


def describe_family(family: Family) -> str:
    """A plain-text description: parameters, parts, mistakes and sampling settings."""
    lines = [f"{family.name}: {family.title}", "  parameters:"]
    for field in family.params.fields:
        default = "" if field.default is REQUIRED else f", default {_default_text(field.default)}"
        lines.append(f"    {field.name} ({field.describe()}{default}): {field.doc}")
    parts = family.build(family.parse(family.canonical)).parts()
    lines.append("  parts (canonical instance): " + ", ".join(parts))
    if family.mistakes:
        lines.append("  mistakes:")
        for mistake in family.mistakes:
            variants = ", ".join(variant.name for variant in mistake.variants)
            lines.append(f"    {mistake.id} [{variants}]: {mistake.description}")
    if family.sample_settings:
        lines.append("  randomization settings:")
        lines.extend(f"    {name}: {doc}" for name, doc in family.sample_settings.items())
    return "\n".join(lines)


def _default_text(default: Any) -> str:
    if callable(default):
        return "zeros"
    if default is None:
        return "none"
    return str(default).lower() if isinstance(default, bool) else str(default)


def parse_params_file(family: Family, params_path: Path) -> Params:
    """The family's params from a file of bare params or of one assignment entry
    ({family, params}); invalid params, or params without a finite key, are an
    InputFileError naming the file."""
    raw = read_data_file(params_path)
    if isinstance(raw, dict) and isinstance(raw.get("params"), dict) and "family" in raw:
        if raw["family"] != family.name:
            raise InputFileError(params_path, f"holds a {str(raw['family'])[:40]} question, "
                                              f"not {family.name}")
        raw = raw["params"]
    try:
        params = family.parse(raw)
        family.build(params).key()
    except (ParamError, NoFiniteKeyError) as error:
        raise InputFileError(params_path, str(error)) from None
    return params


def solve_file(family: Family, params_path: Path, steps: bool = False,
               mistake: str | None = None) -> dict[str, Any]:
    """Reference answers (and the worked solution) for the instance in a params file."""
    return solve_params(family, parse_params_file(family, params_path), steps, mistake)


def solve_params(family: Family, params: Params, steps: bool = False,
                 mistake: str | None = None) -> dict[str, Any]:
    """Reference answers (and the worked solution) for an instance's validated params.

    A mistaken rule can leave the finite numbers (0/0 when t-1 is 0): such a value is null.
    With a mistake, each step whose rule it changes has no formula (the steps keep the
    correct rule's) but the mistake's sentence; the steps after it show the mistaken numbers
    going through the correct rules.
    """
    correct = graph = family.build(params)
    if mistake is not None:
        made, variant = family.mistake_variant(mistake)
        graph = correct.rewritten(variant.rewrite)
    answers = null_if_not_finite(to_jsonable(graph.answers()))
    if not steps:
        return answers
    lines = [asdict(line) for line in graph.worked()]
    if mistake is not None:
        description = made.description
        for line, before, after in zip(lines, correct.steps, graph.steps, strict=True):
            if after is not before:  # a rewrite returns the steps it leaves as they were
                line.update(formula=None, substituted=None, mistake=description)
    return {"answers": answers, "steps": lines}
