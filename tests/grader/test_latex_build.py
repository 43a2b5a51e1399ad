"""The hardened PDF build: real latexmk compiles, hostile sources, failures, combined and split."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from grader import latex_build
from grader.errors import LatexBuildError
from grader.latex_build import (
    build_class_pdfs,
    combinable_chunks,
    compile_combined,
    compile_many,
    compile_tex,
    log_errors,
    write_atomically,
)
from grader.pdf_split import is_combinable, standalone_source

PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\title{Homework 3}"""

LABEL = "student 1001 (Ada Lovelace)"


def document(body: str) -> str:
    return standalone_source(PREAMBLE, body)


def student_body(name: str, pages: int = 1) -> str:
    """A body with a title, numbered sections, a bmatrix and ``pages`` pages."""
    sections = "\n\\clearpage\n".join(
        rf"\section{{Question}} {name} computes $W = \begin{{bmatrix}} 1 & {n} \end{{bmatrix}}$."
        for n in range(pages))
    return rf"\author{{{name}}}\maketitle" + "\n" + sections


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def live_group_members(pgid: int) -> list[str]:
    """Processes of a process group that are still running (zombies excluded)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        state, _, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            members.append(name)
    return members


@pytest.mark.slow
def test_hyphens_and_backticks_print_as_written(tmp_path):
    """`--` is an en dash and `` ` `` a curly quote in TeX: do they print as typed?"""
    from grader.values import latex_escape

    out = tmp_path / "dash.pdf"
    compile_tex(document(student_body(latex_escape("HW--3 `grad` ---x"))), out, label=LABEL)
    assert "HW--3 `grad` ---x" in pdf_text(out)


def test_compile_writes_a_pdf_holding_the_text(tmp_path):
    """Does a real compile produce a PDF whose text pdftotext can read back?"""
    out = tmp_path / "out" / "ada.pdf"
    compile_tex(document(student_body("Ada Lovelace")), out, label=LABEL)
    text = pdf_text(out)
    assert "Ada Lovelace" in text
    assert "Homework 3" in text
    assert [p.name for p in out.parent.iterdir()] == ["ada.pdf"]


@pytest.mark.slow
def test_shell_escape_stays_off(tmp_path):
    """Does \\write18 (or an \\input pipe) in a source run nothing?"""
    marker = tmp_path / "pwned"
    compile_tex(document(rf"\immediate\write18{{touch {marker}}}Harmless."), tmp_path / "a.pdf",
                label=LABEL)
    assert "Harmless." in pdf_text(tmp_path / "a.pdf")
    with pytest.raises(LatexBuildError):
        compile_tex(document(rf'\input{{|"touch {marker}"}}'), tmp_path / "b.pdf", label=LABEL)
    assert not marker.exists()


@pytest.mark.slow
def test_files_outside_the_build_cannot_be_read_or_written(tmp_path):
    """Do \\input{/etc/passwd}, \\openin and \\openout outside the build directory fail?"""
    with pytest.raises(LatexBuildError, match="/etc/passwd"):
        compile_tex(document(r"\input{/etc/passwd}"), tmp_path / "a.pdf", label=LABEL)
    compile_tex(document(r"\newread\r \immediate\openin\r=/etc/passwd "
                         r"\ifeof\r refused\else \read\r to\line \line\fi"),
                tmp_path / "b.pdf", label=LABEL)
    assert "refused" in pdf_text(tmp_path / "b.pdf")
    escape = tmp_path / "escape.txt"
    with pytest.raises(LatexBuildError, match="can't write on file"):
        compile_tex(document(rf"\immediate\openout5={escape} \immediate\write5{{x}}x"),
                    tmp_path / "c.pdf", label=LABEL)
    assert not escape.exists()


@pytest.mark.slow
def test_a_broken_source_names_the_student_and_quotes_the_log(tmp_path):
    """Does a LaTeX error name the label and quote the "!" line with its l.<n> context?"""
    with pytest.raises(LatexBuildError) as caught:
        compile_tex(document("Fine so far.\n\\undefinedmacro{x}"), tmp_path / "a.pdf",
                    label=LABEL)
    message = str(caught.value)
    assert message.startswith(f"{LABEL}: LaTeX failed:")
    assert "! Undefined control sequence." in message
    assert r"l.6 \undefinedmacro" in message
    assert caught.value.label == LABEL
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.slow
def test_a_line_longer_than_texs_buffer_is_named_in_one_line(tmp_path):
    """TeX stops on a source line of more than 200,000 characters before its log says why:
    is its own error quoted, instead of latexmk's chatter?"""
    with pytest.raises(LatexBuildError) as caught:
        compile_tex(document("x" * 250_000), tmp_path / "long.pdf", label=LABEL)
    assert caught.value.log_lines == ("! Unable to read an entire line---bufsize=200000.",)


def test_an_existing_pdf_survives_a_failed_rebuild(tmp_path):
    """Is the earlier PDF left untouched, with no temporary file beside it, when a rebuild fails?"""
    out = tmp_path / "a.pdf"
    compile_tex(document("First version."), out, label=LABEL)
    before = out.read_bytes()
    with pytest.raises(LatexBuildError):
        compile_tex(document(r"\undefinedmacro"), out, label=LABEL)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


@pytest.mark.slow
def test_a_timeout_kills_the_whole_process_group(tmp_path, monkeypatch):
    """Does an endless loop end in a timeout error with latexmk and pdflatex both killed?"""
    started: list[subprocess.Popen] = []

    class Recording(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(latex_build.subprocess, "Popen", Recording)
    begin = time.monotonic()
    with pytest.raises(LatexBuildError, match="did not finish within 3 s") as caught:
        compile_tex(document(r"\def\x{\x}\x"), tmp_path / "a.pdf", label=LABEL, timeout=3)
    assert time.monotonic() - begin < 15
    assert caught.value.label == LABEL
    assert len(started) == 1
    # SIGKILL takes a moment to land; a pdflatex left out of the kill would loop on forever.
    deadline = time.monotonic() + 5
    while live_group_members(started[0].pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_group_members(started[0].pid) == []
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.slow
def test_compile_many_collects_failures_and_builds_the_rest(tmp_path):
    """Does one bad job fail alone, named, while the good ones still get their PDFs?"""
    jobs = [(f"student {n}", document(body), tmp_path / f"{n}.pdf")
            for n, body in [(1, "One."), (2, r"\undefinedmacro"), (3, "Three.")]]
    seen = []
    errors = compile_many(jobs, workers=2, progress=lambda *args: seen.append(args))
    assert [error.label for error in errors] == ["student 2"]
    assert "! Undefined control sequence." in str(errors[0])
    assert "One." in pdf_text(tmp_path / "1.pdf")
    assert "Three." in pdf_text(tmp_path / "3.pdf")
    assert not (tmp_path / "2.pdf").exists()
    assert sorted(done for done, _, _ in seen) == [1, 2, 3]
    assert {total for _, total, _ in seen} == {3}


class Stop(BaseException):
    """What Ctrl-C raises in the calling thread (KeyboardInterrupt would stop pytest)."""


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["per-student", "combined"])
def test_an_interrupted_class_build_stops_at_once(tmp_path, strategy):
    """Ctrl-C after the first PDF: are the builds not started cancelled and the running ones
    killed, instead of every queued build running to its end before the run stops?"""
    names = [f"Student{n}" for n in range(12 if strategy == "per-student" else 40)]
    documents = [(name, PREAMBLE, student_body(name), tmp_path / f"{name}.pdf")
                 for name in names]

    def progress(done, total, label):
        raise Stop

    with pytest.raises(Stop):
        build_class_pdfs(documents, strategy=strategy, workers=2, progress=progress)
    built = len(list(tmp_path.glob("*.pdf")))
    # What had finished when the first was reported: a chunk (or one PDF) per thread.
    assert built <= (2 if strategy == "per-student" else 20), built
    assert not latex_build._BUILDS.running
    time.sleep(0.5)
    assert len(list(tmp_path.glob("*.pdf"))) == built  # nothing goes on in the background
    # The next build is not refused for the stop before it.
    assert build_class_pdfs(documents[:1], strategy=strategy, workers=2) == []


@pytest.mark.slow
def test_combined_and_split_reads_like_each_students_own_compile(tmp_path):
    """Does each split PDF hold its student's pages, reading exactly like a standalone compile?"""
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    pages = [1, 2, 1]
    students = [(name, student_body(name, count), tmp_path / f"{n}.pdf")
                for n, (name, count) in enumerate(zip(names, pages, strict=True))]
    compile_combined(students, PREAMBLE)
    for name, body, out in students:
        alone = tmp_path / f"alone-{out.name}"
        compile_tex(standalone_source(PREAMBLE, body), alone, label=name)
        assert len(PdfReader(out).pages) == len(PdfReader(alone).pages)
        text = pdf_text(out)
        assert text == pdf_text(alone)
        assert "Homework 3" in text
        assert [other for other in names if other in text] == [name]


@pytest.mark.slow
def test_outputs_are_byte_for_byte_reproducible(tmp_path):
    """Do two compiles of the same source, and two combined splits, give identical bytes?"""
    source = document(student_body("Ada Lovelace") + r" \today")
    compile_tex(source, tmp_path / "a.pdf", label=LABEL)
    compile_tex(source, tmp_path / "b.pdf", label=LABEL)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    for run in ("x", "y"):
        compile_combined([(name, student_body(name), tmp_path / run / f"{name}.pdf")
                          for name in ("Ada", "Alan")], PREAMBLE)
    for name in ("Ada", "Alan"):
        assert (tmp_path / "x" / f"{name}.pdf").read_bytes() == \
            (tmp_path / "y" / f"{name}.pdf").read_bytes()
    assert b"/ID" not in (tmp_path / "x" / "Ada.pdf").read_bytes()
    assert b"/CreationDate" not in (tmp_path / "a.pdf").read_bytes()


def test_class_pdfs_are_the_same_bytes_on_one_core_or_two(tmp_path):
    """Does a class built on one core give the same PDFs as on two (the chunks, and so each
    PDF's embedded font subsets, must not follow the machine)?"""
    names = ["Ada", "Alan", "Grace", "Edsger", "Barbara"]
    for workers in (1, 2):
        documents = [(name, PREAMBLE, student_body(name), tmp_path / str(workers) / f"{name}.pdf")
                     for name in names]
        assert build_class_pdfs(documents, workers=workers) == []
    for name in names:
        assert (tmp_path / "1" / f"{name}.pdf").read_bytes() == \
            (tmp_path / "2" / f"{name}.pdf").read_bytes(), name


@pytest.mark.slow
def test_build_class_pdfs_falls_back_per_student_and_names_the_broken_one(tmp_path):
    """When one student breaks the combined compile, do the others still get their PDFs?"""
    names = ["Ada", "Alan", "Grace", "Edsger"]
    documents = [(f"student {name}", PREAMBLE,
                  student_body(name) + (r"\undefinedmacro" if name == "Grace" else ""),
                  tmp_path / f"{name}.pdf") for name in names]
    seen = []
    errors = build_class_pdfs(documents, workers=2, progress=lambda *args: seen.append(args))
    assert [error.label for error in errors] == ["student Grace"]
    assert "! Undefined control sequence." in str(errors[0])
    for name in ("Ada", "Alan", "Edsger"):
        assert name in pdf_text(tmp_path / f"{name}.pdf")
    assert not (tmp_path / "Grace.pdf").exists()
    assert [done for done, _, _ in seen] == [1, 2, 3, 4]


@pytest.mark.slow
def test_cross_references_are_built_per_student_and_resolved(tmp_path):
    """Does a document with \\label/\\ref get its own latexmk runs, with the reference resolved?"""
    body = r"\section{Intro}\label{intro} See Section~\ref{intro}."
    errors = build_class_pdfs([(LABEL, PREAMBLE, body, tmp_path / "a.pdf")])
    assert errors == []
    assert "See Section 1." in pdf_text(tmp_path / "a.pdf")


@pytest.mark.slow
def test_a_combined_log_asking_for_a_rerun_is_refused(tmp_path):
    """Does the combined compile refuse a document whose log asks for a second pass?"""
    body = r"\typeout{Package demo Warning: Rerun to get things right.}Text."
    with pytest.raises(LatexBuildError, match="second LaTeX pass"):
        compile_combined([(LABEL, body, tmp_path / "a.pdf")], PREAMBLE, label="class")
    assert not (tmp_path / "a.pdf").exists()
    assert build_class_pdfs([(LABEL, PREAMBLE, body, tmp_path / "a.pdf")]) == []
    assert "Text." in pdf_text(tmp_path / "a.pdf")


def test_log_errors_quote_each_error_with_its_line_and_stop_at_three():
    """Does the log excerpt keep "!" lines and their l.<n> context, skip noise, and cap?"""
    block = ["! Undefined control sequence.", "<argument> \\foo", "l.7 \\mbox{\\foo",
             "                 }", "", "Help text that should not be quoted."]
    log = "\n".join(["This is pdfTeX", *block * 4, "! Emergency stop.", "l.9 x"])
    quoted = log_errors(log)
    assert quoted == ("! Undefined control sequence.", "l.7 \\mbox{\\foo", "                 }") * 3


def test_missing_tools_say_how_to_install_them(tmp_path, monkeypatch):
    """Without latexmk, does every entry point say to run `bash scripts/setup`?"""
    monkeypatch.setattr(latex_build.shutil, "which", lambda tool: None)
    with pytest.raises(LatexBuildError, match=r"latexmk is not installed.*bash scripts/setup"):
        compile_tex(document("x"), tmp_path / "a.pdf", label=LABEL)
    with pytest.raises(LatexBuildError, match="bash scripts/setup"):
        build_class_pdfs([(LABEL, PREAMBLE, "x", tmp_path / "a.pdf")])
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination_is_a_build_error(tmp_path):
    """Does a destination that cannot be written raise a LatexBuildError, leaving nothing behind?"""
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(LatexBuildError, match="cannot write"):
        write_atomically(tmp_path / "file" / "a.pdf", b"%PDF", LABEL)
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize(("preamble", "body", "combinable"), [
    (PREAMBLE, "Plain $x$ text with \\section{A}", True),
    (PREAMBLE, "See \\ref{a}.", False),
    (PREAMBLE, "\\section{A}\\label{a}", False),
    (PREAMBLE + "\n\\usepackage{lastpage}", "Page \\thepage", False),
    (PREAMBLE + "\n\\usepackage{longtable}", "x", False),
    (PREAMBLE, "\\refstepcounter{section}\\labelsep", True),
])
def test_only_single_pass_documents_are_combinable(preamble, body, combinable):
    """Are documents needing a second LaTeX pass kept out of the combined compile?"""
    assert is_combinable(preamble, body) is combinable


def test_chunks_keep_order_separate_preambles_and_ignore_the_cores():
    """Are combinable documents chunked per preamble, in order, at most COMBINED_CHUNK each,
    in at least COMBINED_CHUNKS_AT_LEAST chunks whatever the machine (a PDF's bytes depend
    on its chunk, so the chunks must not depend on the cores)?"""
    docs = [latex_build.StudentDocument(f"s{n}", "A" if n < 130 else "B",
                                        "See \\ref{x}" if n == 5 else "x", Path(f"{n}.pdf"))
            for n in range(134)]
    chunks = combinable_chunks(docs)
    # 129 combinable "A" documents in 4 even chunks; the 4 "B" documents one each.
    assert latex_build.COMBINED_CHUNKS_AT_LEAST == 4
    assert [len(chunk) for chunk in chunks] == [33, 33, 33, 30, 1, 1, 1, 1]
    assert [i for chunk in chunks for i in chunk] == [n for n in range(134) if n != 5]
    big = [latex_build.StudentDocument(f"s{n}", "A", "x", Path(f"{n}.pdf")) for n in range(450)]
    assert max(len(chunk) for chunk in combinable_chunks(big)) <= latex_build.COMBINED_CHUNK


def test_unknown_strategy_is_refused(tmp_path):
    """Is a misspelled strategy an error rather than a silent default?"""
    with pytest.raises(ValueError, match="unknown strategy"):
        build_class_pdfs([(LABEL, PREAMBLE, "x", tmp_path / "a.pdf")], strategy="combine")
