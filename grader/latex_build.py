"""Compile LaTeX into PDFs safely and fast: per document, in parallel, or combined and split.

API (every function raises :class:`LatexBuildError` when latexmk or pdflatex is missing):

- ``compile_tex(tex_source, out_pdf, *, label, timeout)`` compiles one document.
- ``compile_many(jobs, *, workers, progress, timeout)`` compiles ``(label, tex_source,
  out_pdf)`` jobs in parallel and returns the failures, in job order.
- ``compile_combined(students, preamble, *, label, timeout)`` compiles ``(label, body,
  out_pdf)`` students as one document (see :mod:`grader.pdf_split`) and splits it per student.
- ``build_class_pdfs(documents, *, strategy, workers, progress, timeout)`` is what ``grader
  generate`` calls: ``(label, preamble, body, out_pdf)`` per student, built with the faster
  strategy, ``"combined"`` (:data:`DEFAULT_STRATEGY`, one combined document per
  :data:`COMBINED_CHUNK` students, chunks compiled in parallel) or ``"per-student"``. A chunk
  that fails, because of one student, is rebuilt per student, so the others still get their
  PDFs and the failing student is named. It returns the failures, in document order.

``progress(done, total, label)`` is called in the calling thread after each document.

Every compile runs ``latexmk -norc -pdf`` in a fresh temporary directory, with pdflatex forced
to ``-no-shell-escape -interaction=nonstopmode -halt-on-error``, ``openin_any=p`` and
``openout_any=p`` (no reading or writing outside that directory but TeX's own files),
``shell_escape=f``, no ``TEXMFOUTPUT``, in its own process group that is killed whole on
timeout, and on an interruption of the calling thread (``build_threads``). A finished PDF
is moved into place atomically; a failed build leaves any earlier PDF untouched. Output is
reproducible byte for byte: ``SOURCE_DATE_EPOCH`` (the caller's, else
:data:`DEFAULT_SOURCE_DATE_EPOCH`) with ``FORCE_SOURCE_DATE=1`` fixes TeX's clock, and each
source is prefixed (on its first line, so log line numbers stay right) with pdfTeX's switches
that omit the dates, the trailer /ID and the pdfTeX banner. Templates should print the
assignment's due date rather than ``\\today``, which shows the fixed clock.

pylatex is not used here: its ``generate_pdf`` runs latexmk without a hardened environment, a
timeout or a process-group kill, which is the point of this module.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import NamedTuple

from pypdf.errors import PdfReadError

from grader.errors import LatexBuildError
from grader.pdf_split import (
    combined_source,
    is_combinable,
    needs_rerun,
    split_pdf,
    standalone_source,
)

DEFAULT_TIMEOUT = 60.0
COMBINED_SECONDS_PER_STUDENT = 2.0
COMBINED_CHUNK = 100
COMBINED_CHUNKS_AT_LEAST = 4
"""A class is cut into at least this many combined documents, however many cores there are."""
DEFAULT_SOURCE_DATE_EPOCH = "0"
STRATEGIES = ("combined", "per-student")
DEFAULT_STRATEGY = "combined"
LOG_ERRORS_QUOTED = 3
LOG_CONTEXT_LINES = 12
OUTPUT_TAIL_LINES = 8
QUOTED_LINE_CHARACTERS = 300
TEX_ERROR_IN_OUTPUT = re.compile(r"(?:^|\(\S*)(! .+)")
INSTALL_HINT = "install TeX Live and latexmk with `bash scripts/setup`"

REPRODUCIBLE_PREFIX = r"\pdftrailerid{}\pdfinfoomitdate=1 \pdfsuppressptexinfo=-1 "
PDFLATEX = "pdflatex -no-shell-escape -interaction=nonstopmode -halt-on-error %O %S"
LATEXMK = ("latexmk", "-norc", "-pdf", "-interaction=nonstopmode", "-halt-on-error",
           f"-pdflatex={PDFLATEX}")
JOBNAME = "document"

Progress = Callable[[int, int, str], None]


class StudentDocument(NamedTuple):
    """One student's document for :func:`build_class_pdfs`."""

    label: str
    preamble: str
    body: str
    out_pdf: Path


def require_tools(label: str = "PDF build") -> None:
    """Raise a LatexBuildError saying how to install latexmk or pdflatex when one is missing."""
    for tool in ("latexmk", "pdflatex"):
        if shutil.which(tool) is None:
            raise LatexBuildError(label, f"{tool} is not installed; {INSTALL_HINT}")


def compile_tex(tex_source: str, out_pdf: Path, *, label: str,
                timeout: float = DEFAULT_TIMEOUT) -> None:
    """Compile one LaTeX document into ``out_pdf``; on failure raise LatexBuildError."""
    require_tools(label)
    write_atomically(Path(out_pdf), build_pdf(tex_source, label=label, timeout=timeout).pdf,
                     label)


def compile_many(jobs: Sequence[tuple[str, str, Path]], *, workers: int | None = None,
                 progress: Progress | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> list[LatexBuildError]:
    """Compile ``(label, tex_source, out_pdf)`` jobs in parallel; return the failures in order."""
    require_tools()
    tick = Ticker(len(jobs), progress)
    failures = compile_jobs(dict(enumerate(jobs)), workers or os.cpu_count() or 1, tick, timeout)
    return [failures[index] for index in sorted(failures)]


def compile_combined(students: Sequence[tuple[str, str, Path]], preamble: str, *,
                     label: str | None = None, timeout: float | None = None) -> None:
    """Compile ``(label, body, out_pdf)`` students as one document and split it per student.

    All or nothing for the compile: on failure no student's PDF is touched and the error names
    ``label`` (by default the range of students), not the student who broke it.
    """
    if not students:
        return
    label = label or f"combined document of {students[0][0]} … {students[-1][0]}"
    require_tools(label)
    if timeout is None:
        timeout = DEFAULT_TIMEOUT + COMBINED_SECONDS_PER_STUDENT * len(students)
    source = combined_source(preamble, [body for _, body, _ in students])
    built = build_pdf(source, label=label, timeout=timeout)
    if needs_rerun(built.log):
        raise LatexBuildError(label, "the combined document asks for a second LaTeX pass, "
                                     "which only per-student compiles give")
    try:
        pieces = split_pdf(built.pdf, len(students))
    except (ValueError, PdfReadError) as error:
        raise LatexBuildError(label, f"cannot split the combined PDF: {error}") from error
    for (student, _, out_pdf), piece in zip(students, pieces, strict=True):
        write_atomically(Path(out_pdf), piece, student)


def build_class_pdfs(documents: Sequence[tuple[str, str, str, Path]], *,
                     strategy: str = DEFAULT_STRATEGY, workers: int | None = None,
                     progress: Progress | None = None,
                     timeout: float = DEFAULT_TIMEOUT) -> list[LatexBuildError]:
    """Build every student's PDF with the chosen strategy; return the failures in order."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    require_tools()
    documents = [StudentDocument(*document) for document in documents]
    workers = workers or os.cpu_count() or 1
    tick = Ticker(len(documents), progress)
    chunks = combinable_chunks(documents) if strategy == "combined" else []
    singles = set(range(len(documents))) - {index for chunk in chunks for index in chunk}
    if chunks:
        with build_threads(workers) as pool:
            futures = {pool.submit(compile_chunk, [documents[i] for i in chunk]): chunk
                       for chunk in chunks}
            for future in as_completed(futures):
                chunk = futures[future]
                if not future.result():
                    # Some student broke the shared compile: build each alone to name them.
                    singles.update(chunk)
                    continue
                for index in chunk:
                    tick(documents[index].label)
    jobs = {index: (documents[index].label,
                    standalone_source(documents[index].preamble, documents[index].body),
                    documents[index].out_pdf) for index in sorted(singles)}
    failures = compile_jobs(jobs, workers, tick, timeout)
    return [failures[index] for index in sorted(failures)]


class Ticker:
    """Counts finished documents and reports each to a ``progress(done, total, label)``."""

    def __init__(self, total: int, progress: Progress | None):
        self.total = total
        self.done = 0
        self.progress = progress

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, label)


def compile_jobs(jobs: dict[int, tuple[str, str, Path]], workers: int, tick: Ticker,
                 timeout: float) -> dict[int, LatexBuildError]:
    """Compile indexed ``(label, tex_source, out_pdf)`` jobs in threads; failures by index."""
    failures: dict[int, LatexBuildError] = {}
    if not jobs:
        return failures
    with build_threads(workers) as pool:
        futures = {pool.submit(compile_tex, source, Path(out), label=label, timeout=timeout): index
                   for index, (label, source, out) in jobs.items()}
        for future in as_completed(futures):
            index = futures[future]
            try:
                future.result()
            except LatexBuildError as error:
                failures[index] = error
            tick(jobs[index][0])
    return failures


def combinable_chunks(documents: Sequence[StudentDocument]) -> list[list[int]]:
    """Indices of the documents to combine, grouped by preamble, in at least
    `COMBINED_CHUNKS_AT_LEAST` chunks (so that many cores share the work) of at most
    `COMBINED_CHUNK` documents. A student's PDF holds fonts subset for its whole chunk, so
    the chunks never depend on the machine's cores: the same class gives the same bytes."""
    groups: dict[str, list[int]] = {}
    for index, document in enumerate(documents):
        if is_combinable(document.preamble, document.body):
            groups.setdefault(document.preamble, []).append(index)
    chunks = []
    for members in groups.values():
        count = max(math.ceil(len(members) / COMBINED_CHUNK),
                    min(COMBINED_CHUNKS_AT_LEAST, len(members)))
        size = math.ceil(len(members) / count)
        chunks += [members[start:start + size] for start in range(0, len(members), size)]
    return [chunk for chunk in chunks if chunk]


def compile_chunk(documents: Sequence[StudentDocument]) -> bool:
    """Compile documents sharing a preamble as one combined document; whether it worked."""
    students = [(document.label, document.body, document.out_pdf) for document in documents]
    try:
        compile_combined(students, documents[0].preamble)
    except LatexBuildError:
        return False
    return True


def latex_environment() -> dict[str, str]:
    """The environment for latexmk and pdflatex: paranoid file access, no shell, fixed clock."""
    env = {key: value for key, value in os.environ.items() if key != "TEXMFOUTPUT"}
    env.update(openin_any="p", openout_any="p", shell_escape="f", FORCE_SOURCE_DATE="1",
               max_print_line="1000")
    env.setdefault("SOURCE_DATE_EPOCH", DEFAULT_SOURCE_DATE_EPOCH)
    return env


class Built(NamedTuple):
    """A finished compile: the PDF's bytes and pdflatex's log."""

    pdf: bytes
    log: str


def build_pdf(tex_source: str, *, label: str, timeout: float) -> Built:
    """Run latexmk on ``tex_source`` in a fresh temporary directory; return the PDF and log."""
    with tempfile.TemporaryDirectory(prefix="grader-latex-") as tmp:
        work = Path(tmp)
        (work / f"{JOBNAME}.tex").write_text(REPRODUCIBLE_PREFIX + tex_source, encoding="utf-8")
        with open(work / "latexmk.out", "wb") as output:
            returncode = run_killing_group([*LATEXMK, f"{JOBNAME}.tex"], work, output, timeout)
        if returncode is None:
            raise LatexBuildError(label, f"LaTeX did not finish within {timeout:g} s and was "
                                         "killed (does the document loop forever?)")
        pdf = work / f"{JOBNAME}.pdf"
        if returncode != 0 or not pdf.is_file():
            raise LatexBuildError(label, "LaTeX failed:", failure_lines(work))
        log = work / f"{JOBNAME}.log"
        return Built(pdf.read_bytes(), log.read_text(encoding="utf-8", errors="replace"))


class _Builds:
    """The LaTeX process groups running now, and whether the run is stopping: an
    interruption kills them all, and no build starts once it has."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[subprocess.Popen] = set()
        self.stopping = False

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            for process in self.running:
                _kill_group(process)

    def start(self, *args, **kwargs) -> subprocess.Popen:
        with self.lock:
            if self.stopping:
                raise LatexBuildError("PDF build", "stopped before it started")
            process = subprocess.Popen(*args, **kwargs)
            self.running.add(process)
            return process

    def finished(self, process: subprocess.Popen) -> None:
        with self.lock:
            self.running.discard(process)


_BUILDS = _Builds()


@contextlib.contextmanager
def build_threads(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A pool of threads that run builds, which an interruption (Ctrl-C, SIGTERM, an error in
    the calling thread) stops at once: the builds not started are cancelled and the running
    ones killed, where a plain pool would finish every queued build before letting it on."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _BUILDS.stop()
        raise
    finally:
        pool.shutdown(wait=True)
        _BUILDS.stopping = False


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def run_killing_group(command: Sequence[str], cwd: Path, output, timeout: float) -> int | None:
    """Run ``command`` in a new process group; return its exit status, or None on timeout.

    The whole group (latexmk and the pdflatex it started) is killed on timeout, on any
    exception, and when a `build_threads` pool is interrupted, so nothing keeps running after
    this returns.
    """
    process = _BUILDS.start(command, cwd=cwd, env=latex_environment(),
                            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        if process.returncode is None:
            _kill_group(process)
            process.wait()
        _BUILDS.finished(process)


def failure_lines(work: Path) -> tuple[str, ...]:
    """The lines that explain a failed build: the log's errors, else latexmk's last words;
    each cut to `QUOTED_LINE_CHARACTERS` (TeX echoes the whole source line it stopped on)."""
    log = work / f"{JOBNAME}.log"
    quoted: tuple[str, ...] = ()
    if log.is_file():
        quoted = log_errors(log.read_text(encoding="utf-8", errors="replace"))
    if not quoted:  # TeX stopped before its log said why (a line longer than its buffer)
        output = (work / "latexmk.out").read_text(encoding="utf-8", errors="replace")
        lines = [line for line in output.splitlines() if line.strip()]
        # An error there may follow the name of the file TeX was opening: "(./document.tex! ".
        errors = [found.group(1) for found in map(TEX_ERROR_IN_OUTPUT.search, lines) if found]
        quoted = tuple(errors[:LOG_ERRORS_QUOTED] or lines[-OUTPUT_TAIL_LINES:])
    return tuple(line if len(line) <= QUOTED_LINE_CHARACTERS
                 else f"{line[:QUOTED_LINE_CHARACTERS]}... ({len(line):,} characters)"
                 for line in quoted)


def log_errors(log: str) -> tuple[str, ...]:
    """Each "!" error of a LaTeX log with its "l.<n>" context (the line and where TeX stopped)."""
    lines = log.splitlines()
    quoted: list[str] = []
    errors = 0
    for index, line in enumerate(lines):
        if not line.startswith("!") or line.startswith(("! Emergency stop", "!  ==> Fatal")):
            continue
        if errors == LOG_ERRORS_QUOTED:
            break
        errors += 1
        quoted.append(line)
        for offset in range(index + 1, min(index + 1 + LOG_CONTEXT_LINES, len(lines))):
            if re.match(r"l\.\d+ ", lines[offset]):
                quoted += [context for context in lines[offset:offset + 2] if context.strip()]
                break
            if lines[offset].startswith("!") and not lines[offset].startswith("! Emergency"):
                break
    return tuple(quoted)


def write_atomically(path: Path, data: bytes, label: str) -> None:
    """Replace ``path`` with ``data`` in one step, so it never holds a half-written file."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise LatexBuildError(label, f"cannot write {path}: {error.strerror}") from error
