"""`grader problems` and `grader solve` through click's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from problems import FAMILIES


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_problems_lists_every_family_with_parts_and_mistakes(runner):
    """Does `grader problems` name every family, its parameters, parts and mistake ids?"""
    result = runner.invoke(main, ["problems"])
    assert result.exit_code == 0
    for family in FAMILIES.values():
        assert f"{family.name}: {family.title}" in result.output
        for field in family.params.fields:
            assert f"    {field.name} (" in result.output
        for mistake in family.mistakes:
            assert mistake.id in result.output


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".toml"])
def test_solve_prints_the_reference_answers(runner, tmp_path, suffix):
    """Does `grader solve` print the engine's answers for YAML, JSON and TOML params?"""
    family = FAMILIES["adam_update"]
    path = tmp_path / f"params{suffix}"
    if suffix == ".toml":
        rows = lambda m: "[" + ", ".join("[" + ", ".join(map(str, r)) + "]" for r in m) + "]"  # noqa: E731
        path.write_text("\n".join(
            f"{k} = {rows(v) if isinstance(v, list) else v}" for k, v in family.canonical.items()))
    else:
        path.write_text(json.dumps(family.canonical) if suffix == ".json"
                        else yaml.safe_dump(dict(family.canonical)))
    result = runner.invoke(main, ["solve", "adam_update", "--params", str(path)])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    for part, value in family.solve(family.canonical).items():
        np.testing.assert_allclose(printed[part], value, rtol=1e-15)


def test_solve_steps_gives_the_worked_solution(runner, tmp_path):
    """Does --steps add one worked line per part with formula, numbers and result?"""
    path = tmp_path / "p.json"
    path.write_text(json.dumps(FAMILIES["adam_update"].canonical))
    result = runner.invoke(main, ["solve", "adam_update", "--params", str(path), "--steps"])
    assert result.exit_code == 0
    printed = json.loads(result.output)
    assert set(printed) == {"answers", "steps"}
    assert [line["name"] for line in printed["steps"]] == ["V", "S", "V_hat", "S_hat", "W"]
    assert r"\beta_1" in printed["steps"][0]["formula"]
    assert "0.9" in printed["steps"][0]["substituted"]


def test_solve_with_a_mistake(runner, tmp_path):
    """Does --mistake print the answers a student making that mistake would give?"""
    path = tmp_path / "p.json"
    path.write_text(json.dumps(FAMILIES["adam_update"].canonical))
    result = runner.invoke(main, ["solve", "adam_update", "--params", str(path),
                                  "--mistake", "update_sign"])
    assert result.exit_code == 0
    correct = FAMILIES["adam_update"].solve(FAMILIES["adam_update"].canonical)
    assert not np.allclose(json.loads(result.stdout)["W"], correct["W"])
    assert result.stderr == ""


def test_solve_steps_with_a_mistake_never_pair_the_correct_rule_with_a_mistaken_result(
        runner, tmp_path):
    """update_sign adds the step to W: its W line must not print the correct rule (which
    subtracts) beside the added result, but the mistake's sentence; the lines it does not
    change keep their formulas."""
    path = tmp_path / "p.json"
    path.write_text(json.dumps(FAMILIES["adam_update"].canonical))
    result = runner.invoke(main, ["solve", "adam_update", "--params", str(path),
                                  "--mistake", "update_sign", "--steps"])
    assert result.exit_code == 0, result.output
    steps = {line["name"]: line for line in json.loads(result.stdout)["steps"]}
    assert steps["W"]["formula"] is None and steps["W"]["substituted"] is None
    assert steps["W"]["mistake"] == "Added the step to W instead of subtracting it."
    assert steps["V"]["formula"] and "mistake" not in steps["V"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("", "file is empty"),
    ("W: [[1, 2], [3]\n", "malformed YAML"),
    ("- 1\n- 2\n", "expected a mapping"),
    ("W: [[1, 2], [3]]\n", "parameter 'W': rows must all have the same length"),
    ("W: [[1, 2]]\ngrad: [[1, 2, 3]]\nV_prev: [[0, 0]]\nS_prev: [[0, 0]]\nt: 1\nalpha: 0.1\n",
     "parameter 'grad': expected shape (m=1, n=2)"),
    ("family: backprop\nparams: {x1: 1, x2: 0, w1: 1, w2: 2, y: 5}\n",
     "holds a backprop question, not adam_update"),
])
def test_bad_params_file_is_one_clear_line(runner, tmp_path, content, message):
    """Does a bad params file give exit 1 and one line naming the file and the problem?"""
    path = tmp_path / "params.yaml"
    if content is not None:
        path.write_text(content)
    result = runner.invoke(main, ["solve", "adam_update", "--params", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0] and message in lines[0]
    assert "Traceback" not in result.output


def test_unknown_family_and_mistake(runner, tmp_path):
    """Are an unknown family and an unknown mistake id clear one-line errors?"""
    path = tmp_path / "p.json"
    path.write_text(json.dumps(FAMILIES["adam_update"].canonical))
    result = runner.invoke(main, ["solve", "adamw", "--params", str(path)])
    assert result.exit_code == 1 and "unknown family 'adamw'" in result.output
    result = runner.invoke(main, ["solve", "adam_update", "--params", str(path),
                                  "--mistake", "typo"])
    assert result.exit_code == 1 and "has no mistake 'typo'" in result.output
    result = runner.invoke(main, ["problems", ""])  # an empty name is no family, not all
    assert result.exit_code == 1 and "unknown family ''" in result.output


def test_every_command_has_help(runner):
    """Does every command answer --help with a description?"""
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        summary = " ".join(command.help.split()[:5])
        assert summary in " ".join(result.output.split()), name


@pytest.mark.parametrize("module", ["grader", "grader.cli"])
def test_python_dash_m_runs_the_command(module):
    """`python -m grader problems` (and `-m grader.cli`) does what `grader problems` does."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", module, "problems"], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == CliRunner().invoke(main, ["problems"]).output


def test_a_mistake_that_cannot_show_is_warned_about(runner, tmp_path):
    """--mistake no_biases on a count with no biases gives the key's answers: is that said on
    stderr (stdout still the JSON), rather than looking like the mistake's answers?"""
    path = tmp_path / "p.yaml"
    path.write_text("{kind: rnn_lm, vocab: 8, embedding: 6, hidden: 5, biases: false}\n")
    result = runner.invoke(main, ["solve", "param_count", "--params", str(path),
                                  "--mistake", "no_biases"])
    assert result.exit_code == 0
    assert "warning: no_biases changes no answer of this instance" in result.stderr
    assert json.loads(result.stdout)["total"] == 143
