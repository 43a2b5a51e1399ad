"""The class roster: a plain `id,name` CSV or a Canvas gradebook export, as it is.

Which column holds the student id (the name of each submission folder):
- a plain roster: `id` (or `student_id`, `Student ID`), with `name` (or `Name`, `Student`);
- a Canvas export (columns Student, ID, SIS User ID, SIS Login ID, Section, ...): `SIS User ID`
  when every student has one, otherwise Canvas's own `ID`; its "Points Possible" row, the Test
  Student and any other meta row (such as a posting-policy row: Student and ID both empty) are
  skipped, and its Canvas columns are kept as exported so the gradebook echoes them.
`id_column` overrides the choice. Ids must be usable as folder names (letters, digits, `.`, `_`,
`-`, `@`); names may hold any text (they are escaped wherever they are printed).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from grader.datafiles import decode_text
from grader.errors import InputFileError, RosterError

MAX_ROSTER_BYTES = 20_000_000
MAX_ID = 64
STUDENT_ID = re.compile(rf"^[A-Za-z0-9_@-][A-Za-z0-9._@-]{{0,{MAX_ID - 1}}}\Z")
MAX_NAME = 200
"""Characters in a student's name: it prints on one line of each document."""
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
PLAIN_ID_COLUMNS = ("id", "student_id", "Student ID", "ID")
PLAIN_NAME_COLUMNS = ("name", "Name", "student_name", "Student")


@dataclass(frozen=True)
class Student:
    """One student; the Canvas fields are kept so the gradebook can be imported back."""

    id: str
    name: str
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    canvas: bool = False
    """From a Canvas export: the Canvas fields above are echoed in grades.csv exactly."""


@dataclass(frozen=True)
class Roster:
    """The students in file order, and whether the file was a Canvas export."""

    students: tuple[Student, ...]
    canvas: bool
    id_column: str

    def by_id(self) -> dict[str, Student]:
        return {student.id: student for student in self.students}


def load_roster(path: Path, id_column: str | None = None) -> Roster:
    """Read a roster CSV; RosterError names the file and the row or column that is wrong."""
    path = Path(path)
    rows = _read_rows(path)
    header = [cell.strip() for cell in rows[0]]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise RosterError(f"{path}: column '{repeated[0]}' appears twice in the header; "
                          "which one holds the students cannot be told")
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        raise RosterError(f"{path}: the header is one column '{header[0][:60]}': the file "
                          f"separates its columns with {separator}; save it as CSV with commas")
    canvas = all(column in header for column in CANVAS_COLUMNS[:3])
    numbered = [(number, row) for number, row in enumerate(rows[1:], start=2)
                if any(cell.strip() for cell in row)]
    if canvas:
        numbered = [(number, row) for number, row in numbered
                    if not _is_canvas_meta_row(header, row)]
    body = [row for _, row in numbered]
    column = id_column or _default_id_column(path, header, body, canvas)
    if column not in header:
        raise RosterError(f"{path}: no column '{column}' (columns: {', '.join(header)})")
    name_column = "Student" if canvas else _first_present(header, PLAIN_NAME_COLUMNS)
    if name_column is None:
        raise RosterError(f"{path}: no name column (expected one of "
                          f"{', '.join(PLAIN_NAME_COLUMNS)})")
    students, seen = [], {}
    for number, row in numbered:
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            raise RosterError(f"{path}: row {number}: {len(row)} cells under {len(header)} "
                              "columns (a name with a comma must be in double quotes)")
        record = dict(zip(header, (cell.strip() for cell in row), strict=False))
        student_id = record.get(column, "")
        if not STUDENT_ID.match(student_id):
            raise RosterError(f"{path}: row {number}: student id {_short(student_id)} in "
                              f"column '{column}' {_id_problem(student_id)}")
        name = record.get(name_column, "")
        if len(name) > MAX_NAME:
            raise RosterError(f"{path}: row {number}: the name has {len(name):,} characters; "
                              f"at most {MAX_NAME}")
        alike = seen.get(student_id.lower())
        if alike == student_id:
            raise RosterError(f"{path}: row {number}: student id '{student_id}' appears twice")
        if alike is not None:
            raise RosterError(f"{path}: row {number}: student id '{student_id}' differs from "
                              f"'{alike}' only in case; their folders would be one folder on "
                              "Windows and macOS")
        seen[student_id.lower()] = student_id
        students.append(Student(
            id=student_id, name=name or student_id,
            canvas_id=record.get("ID", ""), sis_user_id=record.get("SIS User ID", ""),
            sis_login_id=record.get("SIS Login ID", ""), section=record.get("Section", ""),
            canvas=canvas,
        ))
    if not students:
        raise RosterError(f"{path}: no students in the roster")
    return Roster(tuple(students), canvas, column)


def _unclosed_quote_line(text: str) -> int:
    """The line where the double quote that is never closed opens (csv's own line number is
    where reading stopped: the end of the file). A doubled quote inside a quoted cell turns
    the state twice, so counting every quote finds it."""
    quoted, opened = False, 1
    for number, line in enumerate(text.splitlines(), start=1):
        for character in line:
            if character == '"':
                quoted = not quoted
                if quoted:
                    opened = number
    return opened


def _read_rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise RosterError(f"{path}: {'not a regular file' if path.exists() else 'no such file'}")
    if path.stat().st_size > MAX_ROSTER_BYTES:
        raise RosterError(f"{path}: file is too large for a roster")
    try:
        text = decode_text(path.read_bytes(), path)
    except InputFileError as error:
        raise RosterError(str(error)) from None
    reader = csv.reader(io.StringIO(text), strict=True)  # an unclosed quote is an error too
    try:
        rows = list(reader)
    except csv.Error as error:
        if "end of data" in str(error):
            raise RosterError(f"{path}: malformed CSV at line {_unclosed_quote_line(text)}: "
                              f"a double quote opened there is never closed") from None
        raise RosterError(f"{path}: malformed CSV at line {reader.line_num}: {error}") \
            from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RosterError(f"{path}: file is empty (expected a header row such as 'id,name')")
    return rows


def _is_canvas_meta_row(header: list[str], row: list[str]) -> bool:
    """Points Possible, the Test Student, or a row with no student (Student and ID both empty,
    as the posting-policy row "Manual Posting" of newer exports)."""
    first = row[0].strip() if row else ""
    if first in ("Points Possible", "Student, Test") or first.startswith("Points Possible"):
        return True
    student, canvas_id = (_cell(row, header.index(name)) for name in ("Student", "ID"))
    return not student and not canvas_id


def _cell(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def _default_id_column(path: Path, header: list[str], body: list[list[str]], canvas: bool) -> str:
    if canvas:
        sis = header.index("SIS User ID")
        has_sis = all(len(row) > sis and row[sis].strip() for row in body)
        return "SIS User ID" if has_sis else "ID"
    column = _first_present(header, PLAIN_ID_COLUMNS)
    if column is None:
        raise RosterError(f"{path}: no student id column (expected one of "
                          f"{', '.join(PLAIN_ID_COLUMNS)}, or pass --id-column)")
    return column


def _id_problem(student_id: str) -> str:
    """Why an id cannot name a student's folder, in words."""
    if len(student_id) > MAX_ID:
        return f"is {len(student_id):,} characters long; at most {MAX_ID}"
    if student_id.startswith("."):
        return "must not start with '.' (a hidden folder, or '.' and '..' themselves)"
    return "must be letters, digits, '.', '_', '-' or '@'"


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:40]) + "..."


def _first_present(header: list[str], candidates: tuple[str, ...]) -> str | None:
    return next((name for name in candidates if name in header), None)
