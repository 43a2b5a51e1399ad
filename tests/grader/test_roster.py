"""Rosters: plain id,name files and Canvas gradebook exports as they are."""

from __future__ import annotations

import pytest

from grader.errors import RosterError
from grader.roster import load_roster

CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (1234),Current Score\n"
    "    Points Possible,,,,,10,\n"
    '"Lovelace, Ada",101,A001,ada,DL 01,9,90\n'
    '"Turing, Alan",102,A002,alan,DL 02,,\n'
    '"Student, Test",999,,test,DL 01,,\n'
)


def test_plain_roster(tmp_path):
    """Is a plain id,name file read in order, with names kept as given?"""
    path = tmp_path / "roster.csv"
    path.write_text("id,name\n1001,Ada Lovelace\n1002,\"O'Brien & Co_1\"\n\n")
    roster = load_roster(path)
    assert [s.id for s in roster.students] == ["1001", "1002"]
    assert roster.students[1].name == "O'Brien & Co_1"
    assert not roster.canvas and roster.id_column == "id"


def test_canvas_export_as_it_is(tmp_path):
    """Is a Canvas export read with SIS User ID as the id, skipping Points Possible and the
    Test Student?"""
    path = tmp_path / "canvas.csv"
    path.write_text("\ufeff" + CANVAS_EXPORT)
    roster = load_roster(path)
    assert roster.canvas and roster.id_column == "SIS User ID"
    ada = roster.students[0]
    assert (ada.id, ada.name, ada.canvas_id, ada.sis_login_id, ada.section) == (
        "A001", "Lovelace, Ada", "101", "ada", "DL 01")
    assert len(roster.students) == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_exports_with_a_byte_order_mark(tmp_path, encoding):
    """Is a Canvas export re-saved by Excel (UTF-8 with a byte-order mark) or as UTF-16 read
    with its first header intact?"""
    path = tmp_path / "roster.csv"
    path.write_bytes(CANVAS_EXPORT.encode(encoding))
    roster = load_roster(path)
    assert roster.canvas and [s.name for s in roster.students] == ["Lovelace, Ada",
                                                                    "Turing, Alan"]


def test_canvas_without_sis_ids_falls_back_to_canvas_id(tmp_path):
    """When some student lacks an SIS User ID, is Canvas's own ID the student id?"""
    path = tmp_path / "canvas.csv"
    path.write_text(CANVAS_EXPORT.replace("102,A002,", "102,,"))
    roster = load_roster(path)
    assert roster.id_column == "ID"
    assert [s.id for s in roster.students] == ["101", "102"]


def test_id_column_can_be_chosen(tmp_path):
    """Does --id-column pick another column, e.g. SIS Login ID?"""
    path = tmp_path / "canvas.csv"
    path.write_text(CANVAS_EXPORT)
    assert [s.id for s in load_roster(path, "SIS Login ID").students][:2] == ["ada", "alan"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("", "file is empty"),
    ("name\nAda\n", "no student id column"),
    ("id,name\n../etc,Eve\n", "row 2: student id '../etc'"),
    ("id,name\n7,A\n7,B\n", "row 3: student id '7' appears twice"),
    ("id,name\n", "no students"),
    ("id,name\nS1,A\ns1,B\n", "row 3: student id 's1' differs from 'S1' only in case"),
    ("id,name\nS1,Smith, Ada\nS2,B\n",
     "row 2: 3 cells under 2 columns (a name with a comma must be in double quotes)"),
    ('id,name\nS1,"Smith, Ada\nS2,B\n',
     "malformed CSV at line 2: a double quote opened there is never closed"),
    ('id,name\nS1,"Ada ""the"" Countess"\nS2,"Smith, Ada\nS3,B\nS4,C\nS5,D\n',
     "malformed CSV at line 3: a double quote opened there is never closed"),
    ("id,id,name\nS1,S2,A\n", "column 'id' appears twice in the header"),
    ("id;name\nS1;A\n", "the file separates its columns with semicolons; save it as CSV"),
    ("id\tname\nS1\tA\n", "the file separates its columns with tabs; save it as CSV"),
    ("id,name\nS1\n,A\n", "row 3: student id ''"),
    ("id,name\n" + "a" * 300 + ",A\n", "is 300 characters long; at most 64"),
    ("id,name\n.,A\n", "row 2: student id '.' in column 'id' must not start with '.'"),
    ("id,name\nS1," + "&" * 201 + "\n", "row 2: the name has 201 characters; at most 200"),
])
def test_bad_rosters_are_named(tmp_path, content, message):
    """Does a bad roster give an error naming the file and the row or column?"""
    path = tmp_path / "roster.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(RosterError) as caught:
        load_roster(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_unknown_id_column(tmp_path):
    """Is a --id-column that is not in the file an error listing the columns?"""
    path = tmp_path / "roster.csv"
    path.write_text("id,name\n1,A\n")
    with pytest.raises(RosterError, match="no column 'netid'"):
        load_roster(path, "netid")


POSTING_POLICY_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Homework 3 (123456)\n"
    ",,,,,Manual Posting\n"
    "    Points Possible,,,,,72\n"
    '"Exact, Stu",1001,st_exact,st@u.edu,Sec 1,\n'
    '"Other, Stu",1002,st_other,ot@u.edu,Sec 1,\n'
)


def test_canvas_posting_policy_row_is_skipped(tmp_path):
    """Is a Canvas export with a posting-policy row (Student and ID empty) read as it is, the
    row skipped like Points Possible, and SIS User ID still the id column?"""
    path = tmp_path / "canvas.csv"
    path.write_text(POSTING_POLICY_EXPORT)
    roster = load_roster(path)
    assert roster.canvas and roster.id_column == "SIS User ID"
    assert [(s.id, s.name, s.canvas_id) for s in roster.students] == [
        ("st_exact", "Exact, Stu", "1001"), ("st_other", "Other, Stu", "1002")]


def test_canvas_student_without_any_id_is_an_error(tmp_path):
    """Is a real student (a name) with no ID and no SIS User ID still an error naming the
    row as it is numbered in the file?"""
    path = tmp_path / "canvas.csv"
    path.write_text(POSTING_POLICY_EXPORT.replace("1002,st_other,", ",,"))
    with pytest.raises(RosterError) as caught:
        load_roster(path)
    assert str(path) in str(caught.value)
    assert "row 5: student id '' in column 'ID'" in str(caught.value)


def test_empty_trailing_cells_are_no_extra_columns(tmp_path):
    """Spreadsheets pad rows with empty cells ("S1,Ada,,"): still one student per row."""
    path = tmp_path / "roster.csv"
    path.write_text('id,name\nS1,Ada,,\nS2,"Smith, Alan",\n')
    assert [(s.id, s.name) for s in load_roster(path).students] == [
        ("S1", "Ada"), ("S2", "Smith, Alan")]


def test_a_folder_given_as_roster_is_not_a_regular_file(tmp_path):
    with pytest.raises(RosterError) as caught:
        load_roster(tmp_path)
    assert str(caught.value) == f"{tmp_path}: not a regular file"
