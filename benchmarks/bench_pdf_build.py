"""How long a class's PDFs take: per-student compiles against combined compiles split by pypdf.

Builds representative per-student handouts (2–3 pages: sections, amsmath bmatrix, aligned
equations, booktabs tables, a header with the student's name) and prints the seconds for

- per-student: every document compiled alone with latexmk, in parallel over the cores;
- combined: ``build_class_pdfs``' default, one combined document per chunk of students,
  chunks in parallel, each split per student with pypdf;
- combined, one document: the whole class as one document, compiled once and split;
- bare: one plain ``pdflatex`` run of the class-sized document (the floor to compare with),

and the ratio of the fastest strategy to the bare time (the goal is at most 1.5).

    .venv/bin/python benchmarks/bench_pdf_build.py [--students 200] [--workers N]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from pylatex import Matrix, Tabular

from grader.latex_build import DEFAULT_STRATEGY, build_class_pdfs, compile_combined
from grader.pdf_split import combined_source
from grader.values import latex_escape

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2.5cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{enumitem}
\usepackage{fancyhdr}
\pagestyle{fancy}
\fancyfoot[C]{\thepage}"""

FIRST_NAMES = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John",
               "Margaret", "Claude", "Sophie", "Kurt", "O'Brien & Co_1", "Zoë")
LAST_NAMES = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen",
              "Backus", "Hamilton", "Shannon", "Wilson", "Gödel", "100% $5 #1 {x}")


def bmatrix(values: np.ndarray) -> str:
    """A numpy array as an amsmath bmatrix (pylatex writes the LaTeX)."""
    return Matrix(values, mtype="b").dumps()


def parameter_table(rng: np.random.Generator) -> str:
    """A booktabs table of hyperparameters, as a template would print them."""
    table = Tabular("lrr", booktabs=True)
    table.add_row(("parameter", "value", "step"))
    table.add_hline()
    for name in ("learning rate", "beta1", "beta2", "epsilon"):
        table.add_row((name, round(float(rng.uniform(0.01, 0.99)), 2), int(rng.integers(1, 9))))
    return table.dumps()


def question(rng: np.random.Generator, number: int) -> str:
    """One exercise: prose, a weight matrix and input vector, a table, and its parts."""
    weights = np.round(rng.uniform(-2, 2, size=(3, 3)), 1) + 0.0  # no "-0.0"
    inputs = np.round(rng.uniform(-1, 1, size=(3, 1)), 2) + 0.0
    return rf"""
\section{{Question {number} ({int(rng.integers(4, 12))} points)}}
A recurrent cell with weight matrix and input
\[
  W = {bmatrix(weights)}, \qquad x_t = {bmatrix(inputs)}, \qquad
  h_{{t-1}} = {bmatrix(np.round(rng.uniform(-1, 1, size=(3, 1)), 2) + 0.0)}
\]
is trained with the hyperparameters of Table~{number}.
\begin{{center}}
{parameter_table(rng)}
\end{{center}}
\begin{{align}}
  z_t &= W x_t + U h_{{t-1}} + b, \\
  h_t &= \tanh(z_t) \odot o_t + (1 - o_t) \odot h_{{t-1}}.
\end{{align}}
\begin{{enumerate}}[label=(\alph*)]
  \item Compute $z_t$ to four decimals.
  \item Compute $h_t$ and $\partial h_t / \partial z_t$.
  \item Give the number of trainable parameters of the cell.
\end{{enumerate}}
\vspace{{3cm}}
"""


def student_body(rng: np.random.Generator, student_id: int, name: str) -> str:
    """The body of one student's handout, between \\begin{document} and \\end{document}."""
    header = latex_escape(f"{name} ({student_id})")
    questions = "".join(question(rng, number) for number in range(1, 5))
    return rf"""\fancyhead[L]{{Deep Learning, Homework 3}}
\fancyhead[R]{{{header}}}
\begin{{center}}
  {{\Large Homework 3: Recurrent Networks and Optimisers}}\\[1ex]
  {header} \quad Due 2025-03-14
\end{{center}}
Answer every part to four decimals; show your work.
{questions}"""


def class_documents(count: int, out: Path) -> list[tuple[str, str, str, Path]]:
    """``count`` students' ``(label, preamble, body, out_pdf)``, the same every run."""
    rng = np.random.default_rng(2025)
    documents = []
    for index in range(count):
        student_id = 1000 + index
        name = f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[index % len(LAST_NAMES)]}"
        documents.append((f"student {student_id} ({name})", PREAMBLE,
                          student_body(rng, student_id, name), out / f"{student_id}.pdf"))
    return documents


def timed(action, repeat: int = 1) -> float:
    """Best seconds of ``repeat`` runs of ``action()``; exits when it reports failed documents."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        failures = action()
        best = min(best, time.perf_counter() - start)
        if failures:
            sys.exit(f"benchmark documents failed to compile:\n{failures[0]}")
    return best


def bare_pdflatex(documents) -> tuple[float, int]:
    """Seconds of one plain pdflatex run of the class-sized document, and its page count."""
    source = combined_source(PREAMBLE, [body for _, _, body, _ in documents])
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "class.tex").write_text(source, encoding="utf-8")
        seconds = timed(lambda: subprocess.run(
            ["pdflatex", "-interaction=batchmode", "-halt-on-error", "class.tex"],
            cwd=tmp, check=True, stdout=subprocess.DEVNULL) and None)
        log = Path(tmp, "class.log").read_text(encoding="utf-8", errors="replace")
    pages = int(log.split("Output written on class.pdf (")[1].split(" page")[0])
    return seconds, pages


def main() -> None:
    """Run the strategies and the bare compile; print seconds and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=3,
                        help="best of this many runs (per-student, being slow, runs once)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        documents = class_documents(args.students, Path(tmp))
        students = [(label, body, out) for label, _, body, out in documents]
        bare, combined, one_document = math.inf, math.inf, math.inf
        for _ in range(args.repeat):
            # Interleaved, so that load from elsewhere on the machine hits every strategy alike.
            seconds, pages = bare_pdflatex(documents)
            bare = min(bare, seconds)
            combined = min(combined, timed(lambda: build_class_pdfs(documents,
                                                                     workers=args.workers)))
            one_document = min(one_document, timed(lambda: compile_combined(students, PREAMBLE)))
        per_student = timed(lambda: build_class_pdfs(documents, strategy="per-student",
                                                     workers=args.workers))
    print(f"{args.students} students, {pages} pages, {args.workers} workers, "
          f"best of {args.repeat}")
    print(f"bare pdflatex, one class-sized document:       {bare:7.2f} s")
    print(f"per-student latexmk, in parallel:              {per_student:7.2f} s")
    print(f"combined in chunks, in parallel, pypdf split:  {combined:7.2f} s  (default)")
    print(f"combined as one document, pypdf split:         {one_document:7.2f} s")
    fastest = min(per_student, combined, one_document)
    print(f"fastest / bare: {fastest / bare:.2f} (goal <= 1.5); default strategy: "
          f"{DEFAULT_STRATEGY}")


if __name__ == "__main__":
    main()
