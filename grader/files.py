"""Writing outputs atomically, so a killed run never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

OUTPUT_MODE = 0o644
"""Outputs are readable by the course staff's other accounts, as an ordinary file would be."""


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, OUTPUT_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def replace_directory(out_dir: Path, write, marker: str) -> None:
    """Build a folder of outputs in a sibling staging folder and swap it in when complete.

    A run killed half-way leaves the previous folder as it was. A folder that exists, is not
    empty and lacks ``marker`` (a file this command writes) holds something else: refused.
    A place the file system will not let us write (read-only, no space, a file in the way) is
    a GraderError naming it.
    """
    from grader.errors import GraderError

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise GraderError(f"{out_dir}: exists and is not a folder")
    above = next((parent for parent in out_dir.parents if parent.exists()), None)
    if above is not None and not above.is_dir():
        raise GraderError(f"{out_dir}: cannot be made, as {above} is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / marker).exists():
        raise GraderError(f"{out_dir}: not empty and holds no {marker}; it was not written by "
                          "this command, so choose a new or empty folder")
    with refusals_named(out_dir):
        _build_and_swap(out_dir, write)


@contextlib.contextmanager
def refusals_named(out_dir: Path) -> Iterator[None]:
    """The file system's refusals while writing outputs under `out_dir` (read-only, no space,
    a file in the way) become one GraderError naming it."""
    from grader.errors import GraderError

    try:
        yield
    except OSError as error:
        if error.errno is None:  # not the file system's refusal: a bug, reported as one
            raise
        # The path refused when it lies in OUT (a file `variants` in the way of OUT/variants/
        # is named, not OUT); a staging folder's path would mean nothing to the user.
        named = Path(os.fsdecode(error.filename)) if error.filename else None
        where = named if named is not None and named.is_relative_to(out_dir) else out_dir
        raise GraderError(f"{where}: cannot write the outputs there ({error.strerror})"
                          ) from None


def _refuse_losing(out_dir: Path, staging: Path) -> None:
    """The folder is replaced whole: entries of it that the new outputs do not hold (notes,
    a late submission kept there) would be lost, so they stop the swap, named."""
    from grader.errors import GraderError

    lost = sorted(set(os.listdir(out_dir)) - set(os.listdir(staging)))
    if lost:
        names = ", ".join(lost[:5]) + (", ..." if len(lost) > 5 else "")
        raise GraderError(f"{out_dir}: holds {names}, which this command does not write; the "
                          "folder is replaced whole, so move them out or choose another folder "
                          "(nothing was changed)")


def _sibling_prefix(out_dir: Path, kind: str) -> str:
    """The name start of the hidden folders beside OUT that a swap uses: kind is "staging"
    (the new outputs being built) or "previous" (the old ones, between the two renames)."""
    return f".{out_dir.name}.{kind}-"


def leftover_folders(out_dir: Path) -> list[Path]:
    """Staging and previous-output folders beside OUT that a run left: one killed with
    SIGKILL (which cannot be caught), or one still running. Never removed here, as the
    second would lose its work; the command names them."""
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        return []
    prefixes = tuple(_sibling_prefix(out_dir, kind) for kind in ("staging", "previous"))
    return sorted(entry for entry in out_dir.parent.iterdir()
                  if entry.name.startswith(prefixes) and entry.is_dir())


def leftover_kind(out_dir: Path, folder: Path) -> str:
    """"previous" for a leftover holding OUT's old outputs, "staging" for unfinished new ones."""
    return "previous" if folder.name.startswith(_sibling_prefix(out_dir, "previous")) \
        else "staging"


def _build_and_swap(out_dir: Path, write) -> None:
    import shutil

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=_sibling_prefix(out_dir, "staging"),
                                    dir=out_dir.parent))
    try:
        os.chmod(staging, 0o755)
        write(staging)
        if out_dir.exists():
            _refuse_losing(out_dir, staging)
            previous = Path(tempfile.mkdtemp(prefix=_sibling_prefix(out_dir, "previous"),
                                             dir=out_dir.parent))
            os.rename(out_dir, previous / "out")
            os.rename(staging, out_dir)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
