"""Simulated-student accuracy of grading, per family, over many fair variants.

Honest students (exact; every intermediate rounded to 3 or 4 decimals or 3 significant
figures) must get full marks; students making each catalogued mistake (exact or rounded to
4 decimals) must lose points, and the mistake should be named.
    .venv/bin/python benchmarks/bench_accuracy.py [--variants N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.assignment import Question
from grader.grading import grade_question
from grader.simulate import simulated_answers, to_decimals, to_sig_figs
from grader.tolerance import Tolerance
from grader.variants import draw_question
from problems import FAMILIES

HONEST = (None, to_decimals(3), to_decimals(4), to_sig_figs(3))


class _Assignment:
    seed = 777
    path = "accuracy.yaml"


def variants(family, settings, count):
    question = Question(id="q", family=family, title=family.title, points=10.0, params=None,
                        randomize=dict(settings), tolerance=Tolerance(), part_tolerances={},
                        follow_through_credit=1.0)
    return question, [draw_question(_Assignment, question, f"s{i}").params for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=50)
    count = parser.parse_args().variants
    totals = {"honest": [0, 0], "flagged": [0, 0], "named": [0, 0]}
    print(f"{'family':14} {'honest full':>12} {'mistake caught':>15} {'mistake named':>14}")
    for name in sorted(set(FAMILIES) - {"forecaster"}):
        family = FAMILIES[name]
        honest = [0, 0]
        question, drawn = variants(family, {}, count)
        for params in drawn:
            for rounding in HONEST:
                result = grade_question(question, params,
                                        simulated_answers(family, params, rounding=rounding))
                honest[0] += result.score == result.max
                honest[1] += 1
        flagged, named = [0, 0], [0, 0]
        for mistake in family.mistakes:
            question, drawn = variants(family, mistake.when, count)
            for variant in mistake.variants:
                for params in drawn:
                    for rounding in (None, to_decimals(4)):
                        answers = simulated_answers(family, params,
                                                    f"{mistake.id}:{variant.name}", rounding)
                        result = grade_question(question, params, answers)
                        wrong = [p for p in result.parts.values() if p.status == "incorrect"]
                        flagged[0] += result.score < result.max
                        flagged[1] += 1
                        named[0] += bool(wrong) and wrong[0].mistake == mistake.id
                        named[1] += 1
        for key, pair in (("honest", honest), ("flagged", flagged), ("named", named)):
            totals[key][0] += pair[0]
            totals[key][1] += pair[1]
        print(f"{name:14} {_pct(honest):>12} {_pct(flagged):>15} {_pct(named):>14}")
    print(f"{'all':14} {_pct(totals['honest']):>12} {_pct(totals['flagged']):>15} "
          f"{_pct(totals['named']):>14}")


def _pct(pair) -> str:
    return f"{100 * pair[0] / pair[1]:.1f}% of {pair[1]}" if pair[1] else "n/a"


if __name__ == "__main__":
    main()
