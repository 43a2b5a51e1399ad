"""The solution of an exercise as a small graph of named steps.

One graph serves every use: the reference answers (evaluate it), follow-through (re-run one
step from a student's own values of its inputs), the catalogued mistakes (rewrite steps and
evaluate again, also from the student's values) and the worked solution (each step's formula,
the formula with numbers, the result).
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from grader.errors import NoFiniteKeyError
from grader.values import latex_value


@dataclass(frozen=True)
class Step:
    """One named node: how a value follows from earlier values.

    ``formula`` is the rule in LaTeX with symbols; ``substitution`` is the same rule as a
    string.Template over the input names (``${V_prev}``), filled with the numbers.
    ``kind`` groups the steps that one rule makes (``f_1``, ``f_2`` are kind ``f``), which is
    what mistakes target. Steps with ``part=False`` are intermediate values, not graded.
    """

    name: str
    inputs: tuple[str, ...]
    fn: Callable[..., Any]
    formula: str
    substitution: str = ""
    kind: str = ""
    label: str = ""
    part: bool = True

    def run(self, env: Mapping[str, Any]) -> Any:
        return self.fn(*(env[name] for name in self.inputs))


Rewrite = Callable[[Step], Step]
"""Turns a correct step into a mistaken one (or returns it unchanged)."""


@dataclass(frozen=True)
class Variant:
    """One concrete way of making a catalogued mistake."""

    name: str
    rewrite: Rewrite


@dataclass(frozen=True)
class Mistake:
    """A catalogued student mistake: an id, one sentence for feedback, and its variants.

    ``when`` holds the sampler settings under which an exercise exposes the mistake at all
    (a threshold convention only shows when some z is exactly 0); empty means always.
    """

    id: str
    description: str
    variants: tuple[Variant, ...]
    when: Mapping[str, Any] = field(default_factory=dict)

    def variant(self, name: str | None) -> Variant:
        if name is None:
            return self.variants[0]
        for variant in self.variants:
            if variant.name == name:
                return variant
        names = ", ".join(v.name for v in self.variants)
        raise KeyError(f"mistake '{self.id}' has no variant '{name}' (variants: {names})")


@dataclass(frozen=True)
class WorkedStep:
    """One line of a worked solution, ready for LaTeX or HTML (MathML) rendering."""

    name: str
    label: str
    formula: str
    substituted: str
    result: str


@dataclass(frozen=True)
class Graph:
    """Given values (from the params) and the steps computed from them, in solving order."""

    constants: Mapping[str, Any]
    steps: tuple[Step, ...]

    def parts(self) -> tuple[str, ...]:
        """The graded parts in the order a student computes them."""
        return tuple(step.name for step in self.steps if step.part)

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def evaluate(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every node's value; a node named in ``given`` takes that value instead."""
        env = dict(self.constants)
        # A mistaken rule may leave the domain (sqrt of a negative moment): NaN, not a warning.
        with np.errstate(all="ignore"):
            for step in self.steps:
                if given is not None and step.name in given:
                    env[step.name] = given[step.name]
                else:
                    env[step.name] = step.run(env)
        return env

    def key(self) -> dict[str, Any]:
        """Every node's value for the reference answers, each one checked finite.

        NoFiniteKeyError names the first step, in solving order, whose value is NaN or
        infinite (the origin: later steps only inherit it), the entry and its inputs.
        """
        env = self.evaluate()
        for step in self.steps:
            entry = non_finite_entry(env[step.name])
            if entry is not None:
                inputs = ", ".join(step.inputs)
                raise NoFiniteKeyError(step.name, f"comes out {entry} from {inputs} (a "
                                                  "division by zero or an overflow); change "
                                                  "the params")
        return env

    def key_answers(self) -> dict[str, Any]:
        """The reference answers, in order, each one checked finite (see ``key``)."""
        env = self.key()
        return {name: env[name] for name in self.parts()}

    def answers(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The parts' values, in order."""
        env = self.evaluate(given)
        return {name: env[name] for name in self.parts()}

    def recompute(self, name: str, given: Mapping[str, Any]) -> Any:
        """The value of one node computed from ``given`` values of everything before it."""
        others = {key: value for key, value in given.items() if key != name}
        return self.evaluate(others)[name]

    def rewritten(self, rewrite: Rewrite) -> Graph:
        """The same graph with each step passed through a mistake's rewrite."""
        return Graph(self.constants, tuple(rewrite(step) for step in self.steps))

    def reached_parts(self, rewrite: Rewrite) -> tuple[str, ...]:
        """The parts a rewrite can change: the steps it rewrites and every step after them.

        Empty when the rewrite touches no step this instance poses, or only steps no part
        depends on: a loss convention cannot show when no loss is asked.
        """
        reached: set[str] = set()
        for step in self.steps:
            if rewrite(step) != step or not reached.isdisjoint(step.inputs):
                reached.add(step.name)
        return tuple(name for name in self.parts() if name in reached)

    def worked(self) -> list[WorkedStep]:
        """The worked solution: for each part, its rule, the rule with numbers, the result."""
        env = self.evaluate()
        lines = []
        for step in self.steps:
            numbers = {name: latex_value(env[name]) for name in step.inputs}
            substituted = filled(step.substitution, numbers)
            lines.append(WorkedStep(step.name, step.label, step.formula, substituted,
                                    latex_value(env[step.name])))
        return lines


_OPENS = ("(", "{", "[", "|", "=", ",", "&", "\\\\", "\\lvert")
"""What may stand before a negative number without parentheses (besides nothing): an opening
bracket or bar, =, a comma, a matrix column or row break (as mathml's operands)."""


@functools.lru_cache(maxsize=4096)
def substitution_plan(template: str, inputs: tuple[str, ...]
                      ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[bool, ...]]:
    """`string.Template(template).safe_substitute` over the inputs, as literal chunks, the
    names whose values go between them, and per value whether a negative number there needs
    parentheses: after an operator or a product sign (0.2 \\cdot (-1.1), x - (-0.2)), not
    at the start or after an opening bracket."""
    chunks, names, buffer, start = [], [], [], 0
    for match in string.Template.pattern.finditer(template):
        buffer.append(template[start:match.start()])
        start = match.end()
        name = match.group("named") or match.group("braced")
        if name is not None and name in inputs:
            chunks.append("".join(buffer))
            buffer = []
            names.append(name)
        elif name is None and match.group("escaped") is not None:
            buffer.append("$")
        else:
            buffer.append(match.group())
    buffer.append(template[start:])
    chunks.append("".join(buffer))
    operands, before = [], ""
    for chunk in chunks[:-1]:
        before = (before + chunk).rstrip()
        operands.append(bool(before) and not before.endswith(_OPENS))
        before += "0"  # a value stands here now
    return tuple(chunks), tuple(names), tuple(operands)


def as_operand(latex: str) -> str:
    """A value's LaTeX where an operator precedes it: a negative number in parentheses."""
    return f"({latex})" if latex.startswith("-") else latex


def filled(template: str, numbers: Mapping[str, str]) -> str:
    """The substitution with each input's LaTeX in place (substitution_plan)."""
    chunks, names, operands = substitution_plan(template, tuple(numbers))
    pieces = [chunks[0]]
    for name, operand, chunk in zip(names, operands, chunks[1:], strict=True):
        pieces += [as_operand(numbers[name]) if operand else numbers[name], chunk]
    return "".join(pieces)


def non_finite_entry(value: Any) -> str | None:
    """Where a value is not a finite number ("nan", "inf at entry [0, 1]"); None when it is
    finite or not a number at all (a word, a truth value)."""
    if isinstance(value, float):
        return None if math.isfinite(value) else str(value)
    if isinstance(value, str | bool | int):
        return None
    array = np.asarray(value)
    if array.dtype.kind not in "fc":
        return None
    finite = np.isfinite(array)
    if finite.all():  # the common case, settled without listing the bad entries
        return None
    bad = np.argwhere(~finite)
    first = tuple(int(i) for i in bad[0])
    where = f" at entry [{', '.join(map(str, first))}]" if first else ""
    return f"{array[first]}{where}"


def on_kinds(kinds: Iterable[str], change: Callable[[Step], Step]) -> Rewrite:
    """A rewrite that changes only the steps of the given kinds."""
    targets = frozenset(kinds)

    def rewrite(step: Step) -> Step:
        return change(step) if step.kind in targets else step

    return rewrite


def swap_fn(kinds: Iterable[str], fn: Callable[..., Any]) -> Rewrite:
    """Mistake: the steps of these kinds use another function of the same inputs."""
    return on_kinds(kinds, lambda step: replace(step, fn=fn))


def rename_inputs(kinds: Iterable[str], renames: Mapping[str, str]) -> Rewrite:
    """Mistake: the steps of these kinds read another value in place of an input."""

    def change(step: Step) -> Step:
        return replace(step, inputs=tuple(renames.get(name, name) for name in step.inputs))

    return on_kinds(kinds, change)


def chain(*rewrites: Rewrite) -> Rewrite:
    """One mistake made of several rewrites applied in turn."""

    def rewrite(step: Step) -> Step:
        for each in rewrites:
            step = each(step)
        return step

    return rewrite
