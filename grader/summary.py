"""The instructor's summary page: score distributions, item analysis, mistakes and integrity.

Item analysis is classical test theory over the students whose answers file could be read
(a student with no folder or an unreadable file scores zero on every part, which would inflate
every correlation): a part's difficulty is the mean fraction of its points earned; its
discrimination is the corrected item-total correlation, the Pearson correlation between the
part's points and the total of all other parts (undefined when either does not vary).
Status and mistake counts cover every student on the roster.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grader.assignment import Question
from grader.feedback import STATUS_LABELS, html_environment, points_text
from grader.grade import ClassResult, StudentResult, grader_failures
from grader.integrity import MATCH_RTOL, Flag
from grader.results import STATUSES, PartResult

SVG_SALT = "grader-summary"
"""Fixed salt for the ids matplotlib writes into SVG, so reruns are byte-identical."""
PART_BINS = 10
"""Bins of the per-part histograms (fraction of the part's points, 0 to 100%)."""
MAX_TOTAL_BINS = 20
LOW_DISCRIMINATION = 0.2
"""Parts below this discrimination are marked for the instructor's attention."""


@dataclass(frozen=True)
class PartStats:
    """One part of one question across the class."""

    question: str
    part: str
    points: float
    difficulty: float | None
    discrimination: float | None
    statuses: dict[str, int]
    mistakes: tuple[tuple[str, str, int], ...]
    """(mistake id, description, students), most frequent first."""
    unexplained: int
    """Incorrect answers that no catalogued mistake explains."""
    fractions: tuple[float, ...]
    """Fraction of the points each readable submission earned."""


def discrimination(part_scores: Sequence[float], totals: Sequence[float]) -> float | None:
    """Corrected item-total correlation: the part against the total without the part."""
    part = np.asarray(part_scores, dtype=float)
    rest = np.asarray(totals, dtype=float) - part
    if part.size < 2 or np.ptp(part) == 0 or np.ptp(rest) == 0:
        return None
    part, rest = part - part.mean(), rest - rest.mean()
    return float(np.dot(part, rest) / math.sqrt(np.dot(part, part) * np.dot(rest, rest)))


def readable(student: StudentResult) -> bool:
    """Whether the student's answers file was read (even if some parts were left out)."""
    return student.problem is None


def part_statistics(result: ClassResult) -> list[PartStats]:
    """Every part of every question, in assignment order, with its class statistics.

    One pass over the students gathers each part's outcomes (every student's, in roster
    order) and its fractions (each readable student's, 0 where the part is absent); the
    parts of a question come in the order they are first met, their points from that student.
    """
    takers = sum(1 for student in result.students if readable(student))
    totals: list[float] = []
    gathered: dict[str, dict[str, _PartOutcomes]] = {
        question.id: {} for question in result.assignment.questions}
    for student in result.students:
        taker = len(totals) if readable(student) else None
        if taker is not None:
            totals.append(student.total)
        for question_id, graded in student.questions.items():
            parts = gathered.get(question_id)
            if parts is None:  # not a question of this assignment: not analysed
                continue
            for name, outcome in graded.parts.items():
                part = parts.get(name)
                if part is None:
                    part = parts[name] = _PartOutcomes(graded.points[name], [], [0.0] * takers)
                part.outcomes.append(outcome)
                if taker is not None:
                    part.fractions[taker] = outcome.fraction
    return [_statistics(question, name, part, totals)
            for question in result.assignment.questions
            for name, part in gathered[question.id].items()]


@dataclass
class _PartOutcomes:
    """One part's outcomes (every student's who has it) and fractions (every readable
    student's, 0 where absent), gathered by `part_statistics`."""

    points: float
    outcomes: list[PartResult]
    fractions: list[float]


def _statistics(question: Question, name: str, part: _PartOutcomes, totals: Sequence[float]
                ) -> PartStats:
    outcomes = part.outcomes
    statuses = {status: 0 for status in STATUSES}
    statuses.update(Counter(outcome.status for outcome in outcomes))
    named = Counter(o.mistake for o in outcomes if o.mistake is not None)
    mistakes = tuple((mistake_id, question.family.mistake(mistake_id).description, count)
                     for mistake_id, count in sorted(named.items(),
                                                     key=lambda item: (-item[1], item[0])))
    unexplained = sum(1 for o in outcomes if o.status == "incorrect" and o.mistake is None)
    fractions = part.fractions
    scores = [fraction * part.points for fraction in fractions]
    difficulty = float(np.mean(fractions)) if fractions else None
    return PartStats(question.id, name, part.points, difficulty,
                     discrimination(scores, totals), statuses, mistakes, unexplained,
                     tuple(fractions))


def unusable_students(result: ClassResult) -> list[tuple[StudentResult, str]]:
    """Students with no folder, an unreadable file, or not one part that could be graded."""
    listed = []
    for student in result.students:
        statuses = {part.status for q in student.questions.values() for part in q.parts.values()}
        if student.problem is not None:
            listed.append((student, student.problem))
        elif statuses <= {"missing", "invalid"}:
            listed.append((student, "no part could be graded: every answer is missing or "
                                    "unreadable"))
    return listed


def _charts(totals: Sequence[float], max_points: float, stats: Sequence[PartStats]
            ) -> tuple[str, str]:
    """The score histogram and the per-part histograms as inline SVG (deterministic bytes)."""
    import matplotlib
    from matplotlib.figure import Figure

    rc = {"svg.hashsalt": SVG_SALT, "svg.fonttype": "none", "font.size": 8,
          "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(rc):
        # Bins a whole number of points wide, so that no bar straddles a score.
        width = max(1, math.ceil(max_points / MAX_TOTAL_BINS))
        edges = np.arange(max(1, math.ceil(max_points / width)) + 1) * width
        figure = Figure(figsize=(9, 2.8))
        axes = figure.subplots()
        axes.hist(totals, bins=edges, color="#3b6fb6", edgecolor="white")
        axes.set_xlabel("total points")
        axes.set_ylabel("students")
        axes.yaxis.get_major_locator().set_params(integer=True)
        figure.tight_layout()
        score_svg = _svg(figure)

        # One row per part in a single axes: 50 separate axes take seconds to lay out.
        # Heights grow with the square root of the count, so that 2 students beside 200
        # still show; the count is written at each bar.
        edges = np.linspace(0.0, 1.0, PART_BINS + 1)
        scale = math.sqrt(max(1, max((len(s.fractions) for s in stats), default=1)))
        lefts, heights, bottoms, labels = [], [], [], []
        figure = Figure(figsize=(9, 0.9 + 0.34 * max(1, len(stats))))
        axes = figure.subplots()
        for row, part in enumerate(stats):
            counts, _ = np.histogram(part.fractions, bins=edges)
            bottom = -row - 0.42
            for left, count in zip(edges[:-1] * 100, counts, strict=True):
                if count:
                    height = 0.8 * math.sqrt(count) / scale
                    lefts.append(left)
                    heights.append(height)
                    bottoms.append(bottom)
                    inside = height > 0.45
                    axes.text(left + 50 / PART_BINS, bottom + (height - 0.05 if inside else
                                                               height + 0.04),
                              str(count), ha="center", va="top" if inside else "bottom",
                              fontsize=5.5, color="white" if inside else "#1d2330")
            labels.append(f"{part.question} · {part.part}")
        axes.bar(lefts, heights, width=100 / PART_BINS, bottom=bottoms, align="edge",
                 color="#3b6fb6", edgecolor="white", linewidth=0.5)
        axes.set_yticks([-row for row in range(len(stats))], labels, fontsize=7)
        axes.set_ylim(-len(stats) + 0.45, 0.55)
        axes.set_xlim(0, 100)
        axes.set_xticks(range(0, 101, 10))
        axes.set_xlabel("% of the part's points earned (bar height: square root of the "
                        "number of students)")
        axes.tick_params(axis="y", length=0)
        axes.grid(axis="y", color="#e2e6ee", linewidth=0.5)
        axes.set_axisbelow(True)
        figure.tight_layout()
        parts_svg = _svg(figure)
    return score_svg, parts_svg


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    # Inline SVG in HTML takes neither the XML declaration nor the DOCTYPE; the RDF metadata
    # block says only "a still image" through namespace URLs.
    text = re.sub(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", "", text)
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def pooled_questions(questions: Sequence[Question]) -> list[str]:
    """Ids of the true-or-false questions whose statements each student draws for themselves
    (sampled, not fixed): a part's row there pools different statements."""
    return [question.id for question in questions
            if question.family.claims is not None and question.params is None]


def summary_context(result: ClassResult, flags: Sequence[Flag],
                    stats: Sequence[PartStats] | None = None) -> dict:
    """Everything summary.html prints, figures excepted (`stats`: the result's
    `part_statistics`, when at hand)."""
    stats = part_statistics(result) if stats is None else stats
    totals = [student.total for student in result.students]
    names = {student.student.id: student.student.name for student in result.students}
    takers = sum(1 for student in result.students if readable(student))
    flag_rows = [{"student": flag.student, "name": names.get(flag.student, ""),
                  "question": flag.question, "parts": flag.parts, "other": flag.other,
                  "other_name": names.get(flag.other, "")} for flag in flags]
    return {
        "assignment": result.assignment,
        "students": len(result.students),
        "takers": takers,
        "max_points": points_text(result.assignment.max_points),
        # As the scores themselves are shown (to 4 decimals), so the four read alike.
        "mean": points_text(float(np.mean(totals))) if totals else "–",
        "median": points_text(float(np.median(totals))) if totals else "–",
        "lowest": points_text(min(totals)) if totals else "–",
        "highest": points_text(max(totals)) if totals else "–",
        "parts": [{"stats": s, "points": points_text(s.points),
                   "difficulty": _number(s.difficulty), "discrimination": _number(s.discrimination),
                   "low": s.discrimination is not None and s.discrimination < LOW_DISCRIMINATION}
                  for s in stats],
        "mistake_parts": [s for s in stats if s.mistakes or s.unexplained],
        "pooled": pooled_questions(result.assignment.questions),
        "statuses": [(status, STATUS_LABELS[status]) for status in STATUSES],
        "flags": flag_rows,
        "unusable": unusable_students(result),
        "failures": grader_failures(result),
        "unknown_folders": list(result.unknown_folders),
        "low_discrimination": LOW_DISCRIMINATION,
        "match_percent": f"{100 * MATCH_RTOL:g}%",
    }


Charts = tuple[str, str]
"""The score histogram and the per-part histograms, as inline SVG."""


def summary_charts(result: ClassResult, stats: Sequence[PartStats] | None = None) -> Charts:
    """summary.html's figures, which can be drawn apart from the rest of the page (`stats`:
    the result's `part_statistics`, when at hand)."""
    stats = part_statistics(result) if stats is None else stats
    return _charts([s.total for s in result.students], result.assignment.max_points, stats)


def summary_html(result: ClassResult, flags: list[Flag], charts: Charts | None = None,
                 stats: Sequence[PartStats] | None = None) -> str:
    """The instructor's self-contained summary page (figures are inline SVG); `charts` are
    its figures when drawn already (`summary_charts` of the same result), `stats` its
    `part_statistics` when computed already."""
    from markupsafe import Markup

    context = summary_context(result, flags, stats)
    takers = [student for student in result.students if readable(student)]
    if charts is None:
        charts = summary_charts(result, [row["stats"] for row in context["parts"]])
    score_svg, parts_svg = charts
    # The figures are matplotlib's own SVG: no student text ever reaches them.
    context.update(score_svg=Markup(score_svg), parts_svg=Markup(parts_svg),
                   part_takers=len(takers))
    return html_environment().get_template("summary.html.j2").render(**context)
