"""What every exercise family in the problem bank provides, and the operations on it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.errors import UnknownMistakeError
from grader.graph import Graph, Mistake, Rewrite, Variant
from grader.params import Params, ParamSpec

Sampler = Callable[[np.random.Generator, Mapping[str, Any]], dict]
"""Draws raw params of a fair randomized variant from a generator and the question's settings."""


@dataclass(frozen=True)
class FileCheck:
    """How a family graded from the files a student hands in is checked.

    ``run(family, params, student_dir, assignment_dir, claims)`` returns {part: PartResult};
    ``parts(params)`` names the graded parts in order, ``labels`` says what each one checks,
    and ``claims`` are the keys the student writes in the answers file.
    """

    run: Callable[..., Mapping[str, Any]]
    parts: Callable[[Params], tuple[str, ...]]
    labels: Mapping[str, str]
    claims: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    """A part answered true or false: the statement posed and why it is true or false.

    Plain text; templates escape it. The question's template prints ``text``, the answer key
    gives ``truth`` and ``reason`` as the worked solution.
    """

    text: str
    truth: bool
    reason: str


@dataclass(frozen=True)
class Family:
    """An exercise family: its parameters, its step graph, its mistakes and its sampler."""

    name: str
    title: str
    params: ParamSpec
    build: Callable[[Params], Graph]
    sample: Sampler
    canonical: Mapping[str, Any]
    template: str
    mistakes: tuple[Mistake, ...] = field(default=())
    sample_settings: Mapping[str, str] = field(default_factory=dict)
    words: Mapping[str, str] = field(default_factory=dict)
    """For parts answered with a word: each accepted spelling (lower case) -> canonical word."""
    claims: Callable[[Params], Mapping[str, Claim]] | None = None
    """For true-or-false parts: each part's statement, truth value and reason (lstm_concepts)."""
    file_check: FileCheck | None = None
    """For a family graded from files in the student's folder (the forecaster's weights)."""

    def parse(self, raw: Any) -> Params:
        """Validate raw params (as read from YAML or JSON)."""
        return self.params.parse(raw)

    def graph(self, params: Params, mistake: str | None = None) -> Graph:
        """The step graph of an instance; with a mistake (``id`` or ``id:variant``), rewritten."""
        graph = self.build(params)
        return graph if mistake is None else graph.rewritten(self.rewrite(mistake))

    def rewrite(self, mistake: str) -> Rewrite:
        """The rewrite of a mistake given as ``id`` or ``id:variant`` (the first variant)."""
        return self.mistake_variant(mistake)[1].rewrite

    def mistake_variant(self, mistake: str) -> tuple[Mistake, Variant]:
        """The mistake and variant named ``id`` or ``id:variant`` (the first variant)."""
        mistake_id, _, variant_name = mistake.partition(":")
        found = self.mistake(mistake_id)
        try:
            return found, found.variant(variant_name or None)
        except KeyError as error:
            raise UnknownMistakeError(str(error.args[0])) from None

    def mistake(self, mistake_id: str) -> Mistake:
        for mistake in self.mistakes:
            if mistake.id == mistake_id:
                return mistake
        known = ", ".join(m.id for m in self.mistakes) or "none"
        raise UnknownMistakeError(
            f"family '{self.name}' has no mistake '{mistake_id}' (its mistakes: {known})"
        )

    def possible_mistakes(self, graph: Graph) -> list[tuple[Mistake, Variant]]:
        """Each mistake variant that can change some part of this instance's graph.

        A variant whose rewrite reaches no posed part (a loss convention when no loss is
        asked) cannot be made here: fairness does not ask for it, diagnosis does not name it.
        """
        return [(mistake, variant) for mistake in self.mistakes for variant in mistake.variants
                if graph.reached_parts(variant.rewrite)]

    def mistaken_graphs(self, params: Params) -> list[tuple[str, str, Graph]]:
        """Every (mistake id, variant name, rewritten graph) that can show in an instance."""
        graph = self.build(params)
        return [(mistake.id, variant.name, graph.rewritten(variant.rewrite))
                for mistake, variant in self.possible_mistakes(graph)]

    def solve(self, raw: Any, mistake: str | None = None) -> dict[str, Any]:
        """Reference answers of an instance given as raw params (the key's checked finite:
        NoFiniteKeyError; a mistake's answers may leave the finite numbers)."""
        graph = self.graph(self.parse(raw), mistake)
        return graph.answers() if mistake is not None else graph.key_answers()
