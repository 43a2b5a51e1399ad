"""A piece of a page that repeats (one part's rows, one worked step), rendered once per shape.

A feedback page holds about a hundred such pieces, each a jinja macro, and jinja spends
several microseconds on every value it prints. A `Frame` renders its macro once per *shape*
of the piece, with the student's values replaced by markers, and keeps the text between the
markers; a student's piece is then that text joined with their values, each escaped as the
template escapes a printed value (`escape`: autoescape for HTML, the finalize for Markdown).

The caller splits a piece's values in two. The `key` holds everything the macro tests,
filters or compares (names, labels, statuses, a rule's MathML): a new key renders the macro
again. The `holes` are the student's values, which the macro only prints as they are
(`{{ p.comment }}`) or tests for truth: an empty hole is passed to the macro as itself and
is part of the shape. A marker printed through a filter, or not printed as plain text, is an
error at the first render (see `_frame`), not wrong output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any

_MARKER = "\x00<{}\x00"
"""A hole's marker: `<` is escaped by both HTML and Markdown, so a marker shows how it was
printed (escaped as a value, or raw through a filter); NUL appears in no template text."""
_MARKERS = re.compile("\x00([^\x00]*)\x00")


class Frame:
    """One macro's pieces by shape: literal text with the holes' values between."""

    def __init__(self, macro: Callable[..., Any], escape: Callable[[Any], str],
                 safe: type[str]) -> None:
        self.macro = macro
        self.escape = escape
        self.safe = safe
        """Values of exactly this type are printed as they are (`escape` leaves them alone)."""
        self.direct = False
        """Render the macro for every piece (no frames): for tests that compare the two."""
        self._frames: dict[Hashable, tuple[list[str | None], tuple[tuple[int, int], ...]]] = {}
        """By shape: the macro's text in pieces, None where a hole goes, and for each of those
        (its place in the pieces, the hole's index)."""

    def render(self, key: Hashable, holes: Sequence[Any],
               arguments: Callable[[Sequence[Any]], tuple]) -> str:
        """The piece: `arguments(values)` are the macro's arguments given the holes' values."""
        if self.direct:
            return str(self.macro(*arguments(holes)))
        shape = (key, None if all(holes) else
                 tuple([value if not value else True for value in holes]))
        frame = self._frames.get(shape)
        if frame is None:
            frame = self._frames[shape] = self._frame(holes, arguments)
        pieces, slots = frame
        out = pieces.copy()
        escape, safe = self.escape, self.safe
        for place, index in slots:
            value = holes[index]
            out[place] = value if type(value) is safe else escape(value)
        return "".join(out)

    def _frame(self, holes: Sequence[Any], arguments: Callable[[Sequence[Any]], tuple]
               ) -> tuple[list[str | None], tuple[tuple[int, int], ...]]:
        markers = [_MARKER.format(k) if value else value for k, value in enumerate(holes)]
        printed = {self.escape(marker)[1:-1]: k
                   for k, marker in enumerate(markers) if marker}
        pieces: list[str | None] = _MARKERS.split(str(self.macro(*arguments(markers))))
        slots = []
        for place in range(1, len(pieces), 2):
            if pieces[place] not in printed:
                raise ValueError(
                    f"{self.macro!r} prints a value through a filter: {pieces[place]!r}")
            slots.append((place, printed[pieces[place]]))
            pieces[place] = None
        return pieces, tuple(slots)
