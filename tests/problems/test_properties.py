"""Property tests over the whole registry (hypothesis draws the variants' seeds)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from problems import FAMILIES

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


@pytest.mark.parametrize("name", sorted(FAMILIES))
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_solving_is_deterministic(name, seed):
    """Does solving the same instance twice give identical answers?"""
    family = FAMILIES[name]
    raw = family.sample(np.random.default_rng(seed), {})
    first, second = family.solve(raw), family.solve(raw)
    assert first.keys() == second.keys()
    for part in first:
        np.testing.assert_array_equal(np.asarray(first[part]), np.asarray(second[part]))


@pytest.mark.parametrize("name", sorted(FAMILIES))
@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_each_mistake_changes_some_part(name, seed):
    """On a sampled variant, does every mistake variant change at least one part?"""
    family = FAMILIES[name]
    for mistake in family.mistakes:
        raw = family.sample(np.random.default_rng(seed), mistake.when)
        params = family.parse(raw)
        correct = family.graph(params).answers()
        for variant in mistake.variants:
            wrong = family.graph(params, f"{mistake.id}:{variant.name}").answers()
            changed = [part for part in correct if not _same(correct[part], wrong[part])]
            assert changed, f"{mistake.id}:{variant.name} changes nothing on {raw}"
