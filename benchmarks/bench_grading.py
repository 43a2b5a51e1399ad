"""Benchmark: grade 1,000 simulated students on the demo assignment.

Prints the seconds to merely read and parse their answer files (one process), the seconds to
grade them (read, parse and grade every part on every core, results in memory), each the
least of three passes taken in turn, the seconds of one whole `grade` run (grading plus every
output: feedback pages, summary, gradebooks), and each against the parse time (goal: <= 3).
    .venv/bin/python benchmarks/bench_grading.py [--students N] [--passes N] [--class-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.answers import read_answers  # noqa: E402
from grader.assignment import load_assignment  # noqa: E402
from grader.demo import DEMO_ASSIGNMENT  # noqa: E402
from grader.grade import grade_class  # noqa: E402
from grader.grade_run import run_grading  # noqa: E402
from grader.roster import load_roster  # noqa: E402
from grader.simulate import simulated_answers, to_decimals  # noqa: E402
from grader.variants import draw_student, write_manifest  # noqa: E402


def write_class(root: Path, count: int) -> tuple[Path, Path, Path]:
    """Issued variants, a roster and submissions: honest, rounded and mistaken students."""
    assignment = load_assignment(DEMO_ASSIGNMENT)
    subs = root / "subs"
    roster_lines = ["id,name"]
    for index in range(count):
        student = f"b{index:05d}"
        roster_lines.append(f"{student},Student {index}")
        variants = draw_student(assignment, student)
        write_manifest(root / "generated", student, variants)
        answers = {}
        for question in assignment.questions:
            family = question.family
            if family.name == "forecaster":
                continue
            mistakes = [f"{m.id}:{v.name}" for m in family.mistakes for v in m.variants]
            mistake = mistakes[index % len(mistakes)] if mistakes and index % 3 == 2 else None
            rounding = to_decimals(3 + index % 2)
            answers[question.id] = simulated_answers(family, variants[question.id].params,
                                                     mistake, rounding)
        (subs / student).mkdir(parents=True)
        (subs / student / "answers.yaml").write_text(yaml.safe_dump(answers))
    roster = root / "roster.csv"
    roster.write_text("\n".join(roster_lines) + "\n")
    return roster, subs, root / "generated"


def _parse_seconds(subs: Path) -> float:
    started = time.perf_counter()
    for folder in sorted(subs.iterdir()):
        read_answers(folder, subs)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--passes", type=int, default=3,
                        help="passes of parsing and of grading in memory (the least counts)")
    parser.add_argument("--class-dir", type=Path,
                        help="keep the simulated class here and reuse it on later runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = args.class_dir or Path(temporary)
        started = time.perf_counter()
        if (root / "roster.csv").exists():
            roster, subs, generated = root / "roster.csv", root / "subs", root / "generated"
            args.students = len(list(subs.iterdir()))
        else:
            roster, subs, generated = write_class(root, args.students)
            print(f"wrote {args.students} submissions in {time.perf_counter() - started:.1f} s")
        out = Path(temporary) / "out"

        # The least of three passes of each, parsing and grading taken in turn: the first
        # parse may read the files from disk while grading finds them cached, and this
        # machine's speed drifts by tens of percent within a minute, which a single pass
        # of each would put into the ratio.
        parse = graded = float("inf")
        assignment, students = load_assignment(DEMO_ASSIGNMENT), load_roster(roster)
        for _ in range(args.passes):
            parse = min(parse, _parse_seconds(subs))
            started = time.perf_counter()
            grade_class(assignment, students, subs, generated)
            graded = min(graded, time.perf_counter() - started)

        started = time.perf_counter()
        run_grading(DEMO_ASSIGNMENT, subs, out, roster_path=roster,
                    variants_dir=generated)
        whole = time.perf_counter() - started
    print(f"read and parse {args.students} answer files:  {parse:.2f} s")
    print(f"grade {args.students} students (in memory):    {graded:.2f} s  "
          f"ratio {graded / parse:.2f} (goal <= 3)")
    print(f"grade {args.students} students (all outputs):  {whole:.2f} s  "
          f"ratio {whole / parse:.2f} (goal <= 3)")


if __name__ == "__main__":
    main()
