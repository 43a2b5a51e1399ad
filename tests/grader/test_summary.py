"""The instructor's summary: item analysis, status and mistake counts, flags, strays."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import yaml

from grader.assignment import load_assignment
from grader.grade import ClassResult, StudentResult
from grader.integrity import Flag
from grader.results import PartResult, QuestionResult
from grader.roster import Student
from grader.summary import discrimination, part_statistics, summary_html, unusable_students
from grader.values import to_jsonable
from problems import get_family

LOGIC_POINTS = {"truth_table": 4.0, "gate": 2.0}


def _part(status: str, fraction: float, mistake: str | None = None) -> PartResult:
    return PartResult(status, fraction, 1.0, None if status in ("missing", "invalid") else 0.0,
                      status, mistake)


def _student(student_id: str, name: str, truth_table: PartResult, gate: PartResult,
             total: PartResult, problem: str | None = None) -> StudentResult:
    return StudentResult(
        Student(student_id, name), {},
        {"logic": QuestionResult({"truth_table": truth_table, "gate": gate}, LOGIC_POINTS),
         "count": QuestionResult({"total": total}, {"total": 1.0})},
        problem)


@pytest.fixture
def tiny(tmp_path) -> ClassResult:
    """Four readable submissions with known scores, one missing folder, one empty file."""
    questions = [{"id": "logic", "family": "logic_net", "points": LOGIC_POINTS,
                  "params": to_jsonable(dict(get_family("logic_net").canonical))},
                 {"id": "count", "family": "param_count", "points": 1,
                  "params": to_jsonable(dict(get_family("param_count").canonical))}]
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({"title": "Tiny", "course": "DL", "due": "2026-12-01",
                                    "seed": 1, "questions": questions}))
    right = _part("correct", 1.0)
    students = [
        _student("A", "Ada", right, right, right),
        _student("B", "<b>Bee</b>", right, _part("incorrect", 0.0, "negated_output"), right),
        _student("C", "Cee", _part("incorrect", 0.5), right, right),
        _student("D", "Dee", _part("incorrect", 0.0, "negated_output"),
                 _part("incorrect", 0.0), right),
        _student("E", "O'Brien & Co_1", _part("invalid", 0.0), _part("invalid", 0.0),
                 _part("invalid", 0.0), problem="no submission folder E/"),
        _student("F", "Eff", _part("missing", 0.0), _part("missing", 0.0),
                 _part("missing", 0.0)),
    ]
    return ClassResult(load_assignment(path), students, ["<i>stray</i>", "zz"])


def test_difficulty_and_discrimination_on_a_tiny_class(tiny):
    """Are difficulty and the corrected item-total correlation right over readable files?"""
    stats = {s.part: s for s in part_statistics(tiny)}
    # Readable: A, B, C, D and F (F's file was read; it answered nothing).
    assert stats["truth_table"].difficulty == pytest.approx((1 + 1 + 0.5 + 0 + 0) / 5)
    assert stats["gate"].difficulty == pytest.approx((1 + 0 + 1 + 0 + 0) / 5)
    truth_table = [4, 4, 2, 0, 0]
    gate = [2, 0, 2, 0, 0]
    count = [1, 1, 1, 1, 0]
    totals = np.add(np.add(truth_table, gate), count)
    expected = np.corrcoef(truth_table, totals - truth_table)[0, 1]
    assert stats["truth_table"].discrimination == pytest.approx(expected)
    # By hand: part (4, 4, 2, 0, 0) against rest (3, 1, 3, 1, 0).
    assert expected == pytest.approx(6.0 / math.sqrt(16 * 7.2))
    assert stats["gate"].discrimination == pytest.approx(
        np.corrcoef(gate, totals - gate)[0, 1])
    assert stats["total"].difficulty == pytest.approx(0.8)


def test_a_part_absent_from_a_readable_student_counts_as_zero(tiny):
    """A readable student whose result lacks a question: 0 of its points, not left out."""
    students = list(tiny.students)
    only_logic = StudentResult(Student("G", "Gee"), {},
                               {"logic": students[0].questions["logic"]}, None)
    partial = ClassResult(tiny.assignment, [only_logic, *students], [])
    stats = part_statistics(partial)
    assert [(s.question, s.part) for s in stats] == [
        ("logic", "truth_table"), ("logic", "gate"), ("count", "total")]
    total = stats[-1]
    # Readable: G (no count result: 0), A, B, C, D and F (missing: 0).
    assert total.fractions == (0.0, 1.0, 1.0, 1.0, 1.0, 0.0)
    assert total.difficulty == pytest.approx(4 / 6)
    assert sum(total.statuses.values()) == 6  # G has no outcome to count; E's is invalid
    assert stats[0].fractions[0] == 1.0


def test_no_variance_gives_no_discrimination():
    """Is discrimination undefined when the part or the rest of the test does not vary?"""
    assert discrimination([1, 1, 1], [2, 3, 4]) is None
    assert discrimination([0, 1, 2], [3, 4, 5]) is None
    assert discrimination([1], [1]) is None
    assert discrimination([0, 1], [0, 3]) == pytest.approx(1.0)


def test_status_and_mistake_counts_cover_every_student(tiny):
    """Are statuses counted over the whole roster and named mistakes counted per part?"""
    stats = {s.part: s for s in part_statistics(tiny)}
    assert stats["truth_table"].statuses == {"correct": 2, "follow_through": 0,
                                             "incorrect": 2, "missing": 1, "invalid": 1}
    description = get_family("logic_net").mistake("negated_output").description
    assert stats["truth_table"].mistakes == (("negated_output", description, 1),)
    assert stats["truth_table"].unexplained == 1
    assert stats["gate"].mistakes == (("negated_output", description, 1),)
    assert stats["gate"].unexplained == 1


def test_summary_lists_flags_strays_and_unusable_students(tiny):
    """Does the page list integrity flags, unknown folders and students with nothing usable?"""
    flags = [Flag(student="B", question="logic", other="A", parts=("truth_table", "gate"))]
    html = summary_html(tiny, flags)
    flag_rows = re.search(r"<h2>Integrity flags</h2>(.*?)<h2>", html, re.S).group(1)
    assert "<code>B</code> <bdi>&lt;b&gt;Bee&lt;/b&gt;</bdi>" in flag_rows  # escaped, isolated
    assert "<code>truth_table</code>, <code>gate</code>" in flag_rows
    assert "<code>A</code> <bdi>Ada</bdi>" in flag_rows
    assert "<code>&lt;i&gt;stray&lt;/i&gt;</code>" in html and "<code>zz</code>" in html
    assert [s.student.id for s, _ in unusable_students(tiny)] == ["E", "F"]
    assert "no submission folder E/" in html and "O&#39;Brien &amp; Co_1" in html
    assert "every answer is missing or unreadable" in html
    assert "<b>" not in html and "<i>" not in html
    assert description_in(html)
    assert "No flags." in summary_html(tiny, [])


def description_in(html: str) -> bool:
    return get_family("logic_net").mistake("negated_output").description in html


def test_summary_prints_the_statistics(tiny):
    """Does the parts table print difficulty, discrimination and the status counts?"""
    html = summary_html(tiny, [])
    stats = {s.part: s for s in part_statistics(tiny)}
    row = re.search(r"<tr><td><code>logic</code></td><td><code>truth_table</code>.*?</tr>",
                    html).group(0)
    cells = re.findall(r'<td class="num">(?:<span[^>]*>)?([^<]*)', row)
    assert cells == ["4", "0.50", f"{stats['truth_table'].discrimination:.2f}",
                     "2", "0", "2", "1", "1"]
    assert "6 students on the roster, 5 with a readable answers file" in html


def test_summary_is_deterministic_and_self_contained(tiny):
    """Are two renders byte-identical, with inline SVG figures and nothing fetched?"""
    first, second = summary_html(tiny, []), summary_html(tiny, [])
    assert first == second
    assert first.count("<svg") == 2 and "<?xml" not in first
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", first, re.I)
    assert not re.search(r"<(script|link|iframe|img)\b", first, re.I)



def test_rows_that_pool_each_students_own_statements_say_so(tmp_path, tiny):
    """A sampled true-or-false question gives each student their own statements: is the
    summary's note there for it, and for no fixed question?"""
    from grader.demo import DEMO_ASSIGNMENT
    from grader.summary import pooled_questions

    assert pooled_questions(load_assignment(DEMO_ASSIGNMENT).questions) == ["concepts"]
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(yaml.safe_dump({
        "title": "T", "course": "DL", "due": "x", "seed": 1,
        "questions": [{"id": "tf", "family": "lstm_concepts", "points": 4,
                       "params": to_jsonable(dict(get_family("lstm_concepts").canonical))},
                      {"id": "tf2", "family": "lstm_concepts", "points": 4}]}))
    assert pooled_questions(load_assignment(fixed).questions) == ["tf2"]
    assert "pools different statements" not in summary_html(tiny, [])
    pooled = ClassResult(load_assignment(fixed), [], [])
    assert "draws their own statements in <code>tf2</code>:" in summary_html(pooled, [])
