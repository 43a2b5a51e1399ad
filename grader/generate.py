"""`grader generate`: one personalised assignment, answer key and answers template per student."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment, load_assignment
from grader.documents import answer_key_tex, answers_template, assignment_tex, views
from grader.errors import GraderError
from grader.files import refusals_named, write_text_atomic
from grader.latex_text import Transcription, recording
from grader.roster import Roster, Student, load_roster
from grader.values import latex_escape
from grader.variants import draw_question, load_or_draw, numbers_named, write_manifest

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Layout:
    """Where generate writes each student's files below OUT."""

    out: Path

    def manifest(self, student_id: str) -> Path:
        return self.out / "variants" / f"{student_id}.json"

    def tex(self, student_id: str, key: bool = False) -> Path:
        return self.out / "tex" / f"{student_id}{'-key' if key else ''}.tex"

    def pdf(self, student_id: str, key: bool = False) -> Path:
        return self.out / ("keys" if key else "pdf") / f"{student_id}{'-key' if key else ''}.pdf"

    def answers(self, student_id: str) -> Path:
        return self.out / "answers" / f"{student_id}.yaml"


@dataclass
class GenerateReport:
    """What a generate run wrote, which PDFs failed (named by student), and warnings: text
    with characters the PDF fonts lack, printed with stand-ins (one line for the assignment,
    one per affected student)."""

    students: list[str] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def select_students(roster: Roster, wanted: Sequence[str] | None, roster_path: Path
                    ) -> list[Student]:
    """The roster's students, or only the wanted ids, each once, in the order first given
    (an unknown id is an error)."""
    if not wanted:
        return list(roster.students)
    known = roster.by_id()
    missing = [student_id for student_id in wanted if student_id not in known]
    if missing:
        raise GraderError(f"{roster_path}: no student with id {', '.join(missing)}")
    return [known[student_id] for student_id in dict.fromkeys(wanted)]


def _refuse_key_name_clashes(roster: Roster, roster_path: Path) -> None:
    """tex/ holds `<id>.tex` and `<id>-key.tex`: a student whose id is another's plus `-key`
    would overwrite that student's answer key source with their own assignment."""
    ids = {student.id for student in roster.students}
    clashes = sorted(i for i in ids if i.endswith("-key") and i.removesuffix("-key") in ids)
    if clashes:
        clash = clashes[0]
        raise GraderError(f"{roster_path}: student ids {clash.removesuffix('-key')} and {clash} "
                          f"would both write tex/{clash}.tex (the first one's answer key); "
                          "give one of them another id")


def generate(assignment_path: Path, roster_path: Path, out_dir: Path, *, pdf: bool = True,
             students: Sequence[str] | None = None, id_column: str | None = None,
             progress: Progress | None = None) -> GenerateReport:
    """Write manifests, LaTeX, answers templates and (unless pdf=False) PDFs for the class."""
    assignment = load_assignment(assignment_path)
    roster = load_roster(roster_path, id_column)
    _refuse_key_name_clashes(roster, roster_path)
    chosen = select_students(roster, students, roster_path)
    layout = Layout(Path(out_dir))
    report = GenerateReport()
    documents = []
    shared = _assignment_text_replaced(assignment)
    if shared:
        report.warnings.append(f"{assignment.path}: " + "; ".join(
            f"{where} {transcription.summary(text)}" for where, text, transcription in shared))
    shared_texts = {text for _, text, _ in shared}
    kept: dict[str, list[str]] = {}
    for student in chosen:
        with recording() as replaced, refusals_named(layout.out):
            documents.append(_write_student(assignment, student, layout, kept))
        warning = _student_warning(student, replaced, shared_texts)
        if warning:
            report.warnings.append(warning)
        report.students.append(student.id)
        if progress:
            progress(student.id)
    if kept:
        report.warnings.append(_kept_warning(kept, layout))
    if pdf:
        from grader.latex_build import build_class_pdfs

        jobs = []
        for student, assignment_source, key_source in documents:
            label = f"student {student.id} ({student.name})"
            jobs.append((label, *split_document(assignment_source), layout.pdf(student.id)))
            jobs.append((f"{label} answer key", *split_document(key_source),
                         layout.pdf(student.id, key=True)))
        failures = build_class_pdfs(jobs)
        report.failures.extend(str(error) for error in failures)
        failed = {error.label for error in failures}  # an earlier PDF there is not this run's
        report.pdfs.extend(job[-1] for job in jobs if job[0] not in failed)
    return report


BEGIN_DOCUMENT = "\\begin{document}"
END_DOCUMENT = "\\end{document}"


def split_document(source: str) -> tuple[str, str]:
    """A rendered document as (preamble, body), the form the class PDF build combines."""
    preamble, _, rest = source.partition(BEGIN_DOCUMENT)
    body, _, _ = rest.rpartition(END_DOCUMENT)
    return preamble, body


def _assignment_text_replaced(assignment: Assignment) -> list[tuple[str, str, Transcription]]:
    """The assignment's own texts (the same in every student's documents) that have characters
    the PDF fonts lack: ``(field, text, transcription)``."""
    fields = [("title", assignment.title), ("course", assignment.course),
              ("due", assignment.due), ("instructions", assignment.instructions)]
    fields += [(f"question {question.id} title", question.title)
               for question in assignment.questions]
    found = []
    for where, text in fields:
        with recording() as replaced:
            latex_escape(text)
        found += [(where, text, transcription) for text, transcription in replaced]
    return found


def _student_warning(student: Student, replaced: list[tuple[str, Transcription]],
                     shared_texts: set[str]) -> str:
    """One line naming the student and each text of their documents that prints with
    stand-ins (their name, and any other text but the assignment's own), or ""."""
    texts = dict(replaced)
    own = [(text, transcription) for text, transcription in texts.items()
           if text == student.name or text not in shared_texts]
    if not own:
        return ""
    parts = [f"{'name' if text == student.name else 'text'} {transcription.summary(text)}"
             for text, transcription in own]
    return f"student {student.id}: " + "; ".join(parts)


def _kept_warning(kept: dict[str, list[str]], layout: Layout) -> str:
    questions = ", ".join(sorted(kept))
    students = sorted({student for ids in kept.values() for student in ids})
    return (f"{layout.out / 'variants'}: {len(students)} student(s) keep the numbers issued "
            f"before for question(s) {questions}, which the assignment now sets differently "
            "(the manifests are the truth; delete them to issue new numbers)")


def _write_student(assignment: Assignment, student: Student, layout: Layout,
                   kept: dict[str, list[str]]) -> tuple[Student, str, str]:
    """Write one student's documents; `kept` gathers, per question, the students whose issued
    numbers differ from what the assignment's settings give now."""
    variants = load_or_draw(assignment, layout.out, student.id)
    if layout.manifest(student.id).exists():
        for question in assignment.questions:
            if variants[question.id].params != draw_question(assignment, question,
                                                             student.id).params:
                kept.setdefault(question.id, []).append(student.id)
    with numbers_named(assignment, layout.out, student.id):
        questions = views(assignment, variants)
    write_manifest(layout.out, student.id, variants)
    assignment_source = assignment_tex(assignment, student, questions)
    key_source = answer_key_tex(assignment, student, questions)
    write_text_atomic(layout.tex(student.id), assignment_source)
    write_text_atomic(layout.tex(student.id, key=True), key_source)
    write_text_atomic(layout.answers(student.id), answers_template(assignment, student, questions))
    return student, assignment_source, key_source
