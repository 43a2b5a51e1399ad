"""Print the table of characters our LaTeX documents can typeset (grader/latex_text.py).

Which non-ASCII characters does pdflatex, with the preamble in templates/preamble.tex.j2
(``[T1]{fontenc}``, ``[utf8]{inputenc}``, ``lmodern``), typeset? The candidates are the
characters that LaTeX's UTF-8 definition files declare (``\\DeclareUnicodeCharacter`` in
``utf8.def``, ``utf8enc.dfu`` and the files of the encodings a document loads: T1, TS1, OT1,
OMS). A declaration is not enough (``utf8enc.dfu`` declares Cyrillic for every document, but
its ``\\CYRA`` needs a Cyrillic font encoding we do not load), so each candidate is then
typeset, in a real compile with the project's preamble, in every font the templates use
(roman, bold, italic, bold italic, typewriter, a section title, ``\\text{}`` in math), with
``\\tracinglostchars=3`` so that a glyph missing from a font is an error too. The characters
that pass everywhere are printed as code-point ranges, ready to paste into
``grader/latex_text.py`` (the table is baked in: grader never reads TeX files at run time).

    .venv/bin/python scripts/make_latex_charset.py          # print the table
    .venv/bin/python scripts/make_latex_charset.py --check  # compare it with the committed one

Rerun it after changing the preamble's fonts or encodings.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFINITION_FILES = ("utf8.def", "utf8enc.dfu", "t1enc.dfu", "ts1enc.dfu", "ot1enc.dfu",
                    "omsenc.dfu")
DECLARATION = re.compile(r"\\DeclareUnicodeCharacter\{([0-9A-Fa-f]+)\}")
CONTEXTS = (
    "X{c}X",
    r"\textbf{{X{c}X}}",
    r"\textit{{X{c}X}}",
    r"\textbf{{\textit{{X{c}X}}}}",
    r"\texttt{{X{c}X}}",
    r"\section*{{X{c}X}}",
    r"\(\text{{X{c}X}}\)",
)


def declared() -> list[int]:
    """Every code point above ASCII that the UTF-8 definition files declare."""
    codes: set[int] = set()
    for name in DEFINITION_FILES:
        path = subprocess.run(["kpsewhich", name], capture_output=True, text=True,
                              check=True).stdout.strip()
        codes.update(int(code, 16) for code in
                     DECLARATION.findall(Path(path).read_text(encoding="latin-1")))
    return sorted(code for code in codes if code > 0x7F)


def failing(codes: list[int]) -> set[int]:
    """The code points whose line, in any context, makes pdflatex report an error."""
    preamble = (ROOT / "templates" / "preamble.tex.j2").read_text(encoding="utf-8")
    lines = [preamble, r"\tracinglostchars=3", r"\begin{document}"]
    first = len(lines[0].splitlines()) + 3  # the line number of the first character's line
    owners: list[int] = []
    for code in codes:
        for context in CONTEXTS:
            lines.append(context.format(c=chr(code)) + r"\par")
            owners.append(code)
    lines.append(r"\end{document}")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "charset.tex").write_text("\n".join(lines) + "\n", encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-no-shell-escape",
                        "charset.tex"], cwd=tmp, capture_output=True, check=False)
        log = Path(tmp, "charset.log").read_text(encoding="utf-8", errors="replace")
    bad: set[int] = set()
    for found in re.finditer(r"^l\.(\d+) ", log, flags=re.MULTILINE):
        index = int(found.group(1)) - first
        if not 0 <= index < len(owners):
            raise SystemExit(f"an error outside the characters' lines:\n{log[-3000:]}")
        bad.add(owners[index])
    if any("Missing character" in line and not line.startswith("!")
           for line in log.splitlines()):
        raise SystemExit("a missing glyph was not reported as an error (\\tracinglostchars)")
    return bad


def ranges(codes: list[int]) -> list[tuple[int, int]]:
    """Sorted code points as inclusive (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and runs[-1][1] == code - 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


def table(runs: list[tuple[int, int]]) -> str:
    cells = [f"(0x{a:04X}, 0x{b:04X})," for a, b in runs]
    rows = [" ".join(cells[start:start + 5]) for start in range(0, len(cells), 5)]
    return "TYPESET_RANGES = (\n" + "\n".join(f"    {row}" for row in rows) + "\n)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the committed table differs from this TeX's")
    args = parser.parse_args()
    candidates = declared()
    bad = failing(candidates)
    kept = [code for code in candidates if code not in bad]
    print(f"# {len(candidates)} declared, {len(kept)} typeset in every font, "
          f"{len(bad)} left out", file=sys.stderr)
    if args.check:
        from grader.latex_text import TYPESET_RANGES

        if tuple(ranges(kept)) != TYPESET_RANGES:
            print("grader/latex_text.py's TYPESET_RANGES differs from this TeX's:",
                  file=sys.stderr)
            print(table(ranges(kept)))
            sys.exit(1)
        return
    print(table(ranges(kept)))


if __name__ == "__main__":
    main()
