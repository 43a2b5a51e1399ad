"""`grader demo`: generate and grade the bundled sample assignment, roster and submissions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.generate import GenerateReport, generate
from grader.grade_run import GradeReport, run_grading

REPO = Path(__file__).resolve().parent.parent
DEMO_ASSIGNMENT = REPO / "demo" / "assignment.yaml"
DEMO_ROSTER = REPO / "demo" / "roster.csv"
DEMO_SUBMISSIONS = REPO / "submissions"
DEFAULT_DEMO_OUT = Path("demo-out")


@dataclass(frozen=True)
class DemoReport:
    generated: GenerateReport
    graded: GradeReport
    out_dir: Path


def run_demo(out_dir: Path = DEFAULT_DEMO_OUT, *, pdf: bool = True, progress=None) -> DemoReport:
    """Generate into OUT/generated, then grade the sample submissions into OUT/graded."""
    out_dir = Path(out_dir)
    generated = generate(DEMO_ASSIGNMENT, DEMO_ROSTER, out_dir / "generated", pdf=pdf,
                         progress=progress)
    graded = run_grading(DEMO_ASSIGNMENT, DEMO_SUBMISSIONS, out_dir / "graded",
                         roster_path=DEMO_ROSTER, variants_dir=out_dir / "generated",
                         progress=progress)
    return DemoReport(generated, graded, out_dir)
