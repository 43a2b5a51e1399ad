"""Contract tests over the whole problem bank, one parametrized case per family."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import problems
from grader.family import Family
from problems import FAMILIES, MODULES
from tests.conftest import CANONICAL_DIR, canonical_cases

ANSWER_DIGITS_ATOL = 5.01e-7
"""PROBLEMS.md prints answers to 6 decimals: the engine must agree to that rounding."""

FAMILY_NAMES = sorted(FAMILIES)


def test_every_module_in_problems_is_registered():
    """Is every family module in problems/ listed in the registry's literal tuple?"""
    found = {info.name for info in pkgutil.iter_modules(problems.__path__)}
    registered = {module.__name__.rsplit(".", 1)[1] for module in MODULES}
    helpers = {name for name in found if name.startswith("_")}
    assert found - helpers == registered


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_registry_names_match_modules(name):
    """Does each registered family live in the module of the same name?"""
    module = importlib.import_module(f"problems.{name}")
    assert isinstance(module.FAMILY, Family)
    assert module.FAMILY.name == name


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_canonical_instances_reproduce_problems_md(name):
    """Does the engine reproduce every published answer of the course's instances?"""
    family = FAMILIES[name]
    assert (CANONICAL_DIR / f"{name}.yaml").exists(), "no canonical answers file"
    for case in canonical_cases(name):
        answers = family.solve(case["params"])
        for part, expected in case["answers"].items():
            assert part in answers, f"{name}: part {part} missing"
            got = answers[part]
            if isinstance(expected, str):
                assert got == expected, f"{name}.{part}"
            else:
                np.testing.assert_allclose(
                    np.asarray(got, dtype=float), np.asarray(expected),
                    rtol=0, atol=ANSWER_DIGITS_ATOL, err_msg=f"{name}.{part}")


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_family_canonical_params_are_the_courses(name):
    """Is the family's built-in canonical instance the first one PROBLEMS.md gives?"""
    family = FAMILIES[name]
    first = canonical_cases(name)[0]["params"]
    assert family.solve(family.canonical).keys() == family.solve(first).keys()
    for part, value in family.solve(first).items():
        np.testing.assert_array_equal(np.asarray(family.solve(family.canonical)[part]),
                                      np.asarray(value))


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_mistake_ids_are_unique_and_described(name):
    """Is every mistake id unique within its family, with a sentence and a variant?"""
    family = FAMILIES[name]
    ids = [mistake.id for mistake in family.mistakes]
    assert len(ids) == len(set(ids))
    for mistake in family.mistakes:
        assert mistake.id.isidentifier()
        assert mistake.description.endswith(".") and len(mistake.description) > 20
        assert mistake.variants
        assert len({v.name for v in mistake.variants}) == len(mistake.variants)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_sampling_is_deterministic_and_valid(name):
    """Does a seed always give the same variant, and is every variant a valid instance?"""
    family = FAMILIES[name]
    for seed in range(20):
        first = family.sample(np.random.default_rng(seed), {})
        second = family.sample(np.random.default_rng(seed), {})
        assert first == second
        answers = family.solve(first)
        assert answers, "a sampled variant has no parts"


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_every_part_recomputes_from_its_inputs(name):
    """Does re-running any part from the reference values of its inputs give the key?"""
    family = FAMILIES[name]
    graph = family.build(family.parse(family.canonical))
    env = graph.evaluate()
    answers = graph.answers()
    for part in graph.parts():
        np.testing.assert_array_equal(np.asarray(graph.recompute(part, answers)),
                                      np.asarray(env[part]))


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_worked_solution_covers_every_part(name):
    """Does the worked solution give a formula and a result for every part?"""
    family = FAMILIES[name]
    graph = family.build(family.parse(family.canonical))
    worked = {line.name: line for line in graph.worked()}
    for part in graph.parts():
        assert worked[part].formula and worked[part].result
