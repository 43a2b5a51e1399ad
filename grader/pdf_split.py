"""One combined LaTeX document for many students, and its split into one PDF per student.

The combined document is the shared preamble followed by every student's body, each in its
own TeX group starting on a fresh page with a named PDF destination (``grader-student-<i>``) on
its first page. After one compile, pypdf reads where each destination landed, and
:func:`split_pdf` writes that student's pages (and only the objects they use) into a PDF of its
own.

Each student's body must come out exactly as it would in a document of its own, so every body
starts from the state LaTeX has at ``\\begin{document}``: the LaTeX counters (page, section,
equation, …) are restored to their values there, ``\\maketitle`` and ``\\title`` & co. (which
LaTeX's classes disable after one use) are restored, and local definitions end with the body's
group. The body's pages are shipped out inside that group, so a ``\\pagestyle`` it sets still
applies to its last page.

What cannot be shared this way is anything that needs a second LaTeX pass (``\\label`` and
``\\ref`` would also collide between students; page totals, longtable widths, hyperref
bookmarks): documents that use it are not combinable (:func:`is_combinable`) and are compiled
one by one, where latexmk reruns as often as needed.

So the combined document is single-pass by construction, and says ``\\nofiles``: LaTeX writes
no .aux, so latexmk sees nothing change and runs pdflatex once (instead of twice). Should some
package still ask for a rerun, :func:`needs_rerun` sees it in the log and the caller falls back
to per-student compiles.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject, NameObject

DEST_PREFIX = "grader-student-"
# Page attributes a page may take from its ancestors in the page tree (PDF 32000, 7.7.3.4).
INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")

# What makes a document's output depend on a second LaTeX pass (cross-references, page totals,
# table widths, bookmarks) or on labels that students would share in a combined document.
MULTI_PASS = re.compile(
    r"\\(?:label|ref|pageref|eqref|autoref|nameref|cref|Cref|vref|cite|nocite|bibliography"
    r"|tableofcontents|listoffigures|listoftables|printindex|printbibliography)(?![A-Za-z@])"
    r"|\\externaldocument|(?i:lastpage|longtable|supertabular|hyperref|cleveref|varioref|zref"
    r"|biblatex|glossaries|totcount|tikzmark|remember picture)"
)

# How LaTeX and its packages ask for another pass ("Rerun to get cross-references right.").
RERUN = re.compile(r"\bRerun (?:to get|LaTeX)\b")

COMBINED_SETUP = r"""
\nofiles
\makeatletter
\def\grader@snapshot{\begingroup
  \def\@elt##1{\global\csname c@##1\endcsname=\the\csname c@##1\endcsname\relax}%
  \xdef\grader@counters{\cl@@ckpt}%
  \def\do##1{\global\expandafter\let\csname grader@saved\string##1\endcsname##1}%
  \grader@titlemacros\endgroup}
\def\grader@restore{\grader@counters
  \def\do##1{\global\expandafter\let\expandafter##1\csname grader@saved\string##1\endcsname}%
  \grader@titlemacros}
\def\grader@titlemacros{\do\maketitle\do\@maketitle\do\title\do\author\do\date\do\and
  \do\thanks\do\@title\do\@author\do\@date\do\@thanks}
\AtBeginDocument{\grader@snapshot}
\newcommand\graderbeginstudent[1]{\clearpage\begingroup\grader@restore
  \pdfdest name{#1} xyz\relax}
\newcommand\graderendstudent{\clearpage\endgroup}
\makeatother
"""


def is_combinable(preamble: str, body: str) -> bool:
    """Whether a student's document can share one combined compile with others."""
    return MULTI_PASS.search(preamble) is None and MULTI_PASS.search(body) is None


def needs_rerun(log: str) -> bool:
    """Whether a LaTeX log asks for another pass (a package's "Rerun" warning)."""
    return RERUN.search(log) is not None


def standalone_source(preamble: str, body: str) -> str:
    """The complete LaTeX document of one student."""
    return f"{preamble.rstrip()}\n\\begin{{document}}\n{body.rstrip()}\n\\end{{document}}\n"


def combined_source(preamble: str, bodies: Sequence[str]) -> str:
    """One LaTeX document holding every body, each marked for :func:`split_pdf`."""
    parts = [preamble.rstrip(), COMBINED_SETUP.strip(), r"\begin{document}"]
    for index, body in enumerate(bodies):
        parts += [rf"\graderbeginstudent{{{DEST_PREFIX}{index}}}", body.rstrip(),
                  r"\graderendstudent"]
    parts.append(r"\end{document}")
    return "\n".join(parts) + "\n"


def page_ranges(reader: PdfReader, count: int) -> list[range]:
    """The pages of each of ``count`` students, from the destinations the document placed."""
    destinations = reader.named_destinations
    starts = []
    for index in range(count):
        destination = destinations.get(f"{DEST_PREFIX}{index}")
        if destination is None:
            raise ValueError(f"the combined PDF has no start marker for body {index}")
        starts.append(reader.get_destination_page_number(destination))
    ends = [*starts[1:], len(reader.pages)]
    ranges = [range(start, end) for start, end in zip(starts, ends, strict=True)]
    for index, pages in enumerate(ranges):
        if not pages:
            raise ValueError(f"body {index} produced no page of its own in the combined PDF")
    return ranges


def split_pdf(pdf: bytes, count: int) -> list[bytes]:
    """Split a compiled :func:`combined_source` document into one PDF per body, deterministically.

    pypdf parses the combined PDF and serializes its objects; each student's file is assembled
    from the objects its pages reach, under their original numbers, so an object the students
    share (a font) is serialized once for the whole class instead of once per student (which
    is what pypdf's PdfWriter does, at a third of the class's whole build time). Every file gets
    a fresh page tree and catalog, and no /ID or dates, so the same input gives the same bytes.
    """
    reader = PdfReader(io.BytesIO(pdf))
    ranges = page_ranges(reader, count)
    pages_id = int(reader.trailer["/Size"])
    serialized: dict[int, bytes] = {}
    page_ids = {reader.pages[n].indirect_reference.idnum for pages in ranges for n in pages}
    outputs = []
    for pages in ranges:
        objects: dict[int, bytes] = {}
        pending: list[IndirectObject] = []
        for number in pages:
            page = reader.pages[number]
            standalone = own_page(page, pages_id, reader)
            objects[page.indirect_reference.idnum] = serialize(page.indirect_reference.idnum,
                                                               standalone)
            pending += references(standalone)
        while pending:
            reference = pending.pop()
            if reference.idnum in objects:
                continue
            if reference.idnum in page_ids:
                raise ValueError("a page refers to another student's page")
            if reference.idnum not in serialized:
                serialized[reference.idnum] = serialize(reference.idnum, reference.get_object())
            objects[reference.idnum] = serialized[reference.idnum]
            pending += references(reference.get_object())
        kids = " ".join(f"{reader.pages[n].indirect_reference.idnum} 0 R" for n in pages)
        objects[pages_id] = (f"{pages_id} 0 obj\n<< /Type /Pages /Kids [ {kids} ] "
                             f"/Count {len(pages)} >>\nendobj\n").encode()
        objects[pages_id + 1] = (f"{pages_id + 1} 0 obj\n<< /Type /Catalog /Pages {pages_id} 0 R"
                                 " >>\nendobj\n").encode()
        outputs.append(assemble(reader.pdf_header, objects, root=pages_id + 1))
    return outputs


def own_page(page: DictionaryObject, pages_id: int, reader: PdfReader) -> DictionaryObject:
    """A copy of ``page`` whose parent is the new page tree, with what it inherited spelt out."""
    standalone = DictionaryObject({key: value for key, value in page.items() if key != "/Parent"})
    ancestor = page.get("/Parent")
    while ancestor is not None:
        for key in INHERITABLE:
            if key in ancestor and key not in standalone:
                standalone[NameObject(key)] = ancestor.raw_get(key)
        ancestor = ancestor.get("/Parent")
    standalone[NameObject("/Parent")] = IndirectObject(pages_id, 0, reader)
    return standalone


def references(item) -> list[IndirectObject]:
    """The indirect references directly inside a PDF object (not through ``/Parent``)."""
    found, stack = [], [item]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            found.append(item)
        elif isinstance(item, dict):
            stack += [value for key, value in item.items() if key != "/Parent"]
        elif isinstance(item, list):
            stack += item
    return found


def serialize(idnum: int, item) -> bytes:
    """One numbered PDF object as the bytes of ``<n> 0 obj ... endobj``."""
    buffer = io.BytesIO()
    buffer.write(f"{idnum} 0 obj\n".encode())
    item.write_to_stream(buffer)
    buffer.write(b"\nendobj\n")
    return buffer.getvalue()


def assemble(header: str, objects: dict[int, bytes], *, root: int) -> bytes:
    """A whole PDF file from numbered objects: body, cross-reference table, trailer."""
    output = io.BytesIO()
    output.write(header.encode() + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for idnum in sorted(objects):
        offsets[idnum] = output.tell()
        output.write(objects[idnum])
    xref = output.tell()
    output.write(b"xref\n0 1\n0000000000 65535 f \n")
    numbers = sorted(offsets)
    start = 0
    for index in range(1, len(numbers) + 1):
        if index == len(numbers) or numbers[index] != numbers[index - 1] + 1:
            run = numbers[start:index]
            output.write(f"{run[0]} {len(run)}\n".encode())
            output.write(b"".join(f"{offsets[n]:010d} 00000 n \n".encode() for n in run))
            start = index
    output.write(f"trailer\n<< /Size {max(numbers) + 1} /Root {root} 0 R >>\n"
                 f"startxref\n{xref}\n%%EOF\n".encode())
    return output.getvalue()

