"""Line index and position conversion between offsets and (line, character) pairs.

Offsets are ``str`` indices (code points). Lines are 0-based and end at ``\\n``, ``\\r\\n`` or a lone ``\\r``,
the three line endings LSP recognises (not ``\\f`` or ``\\u2028``). Characters are counted in one of the three
LSP position encodings: ``utf-16`` (the default), ``utf-8`` or ``utf-32`` (code points).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]
ENCODINGS: tuple[Encoding, ...] = ("utf-16", "utf-8", "utf-32")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Characters outside the Basic Multilingual Plane take two UTF-16 code units.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def line_start_at(text: str, pos: int) -> int:
    """Offset where the line holding ``pos`` starts (after ``\n``, ``\r\n`` or a lone ``\r``)."""
    return max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1


def line_end_at(text: str, pos: int) -> int:
    """Offset of the first line break at or after ``pos`` (the end of the text when there is none)."""
    ends = [i for i in (text.find("\n", pos), text.find("\r", pos)) if i >= 0]
    return min(ends) if ends else len(text)


def _units(segment: str, encoding: Encoding) -> int:
    """Length of ``segment`` in the code units of ``encoding``."""
    if encoding == "utf-32" or segment.isascii():
        return len(segment)
    if encoding == "utf-16":
        return len(segment) + len(_ASTRAL.findall(segment))
    return len(segment.encode("utf-8", "surrogatepass"))


class LineIndex:
    """Maps offsets to positions and back for one text. Build once per text version."""

    __slots__ = ("text", "line_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        starts.extend(m.end() for m in _LINE_BREAK.finditer(text))
        self.line_starts = starts

    @classmethod
    def from_line_starts(cls, text: str, line_starts: list[int]) -> LineIndex:
        """An index from line starts the caller already maintains (an editor's document store updates them
        around each edit instead of rescanning the text); they must be exactly what ``LineIndex(text)``
        would compute."""
        index = cls.__new__(cls)
        index.text = text
        index.line_starts = line_starts
        return index

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        """0-based line holding ``offset`` (an offset on a line break belongs to the line it ends)."""
        offset = max(0, min(offset, len(self.text)))
        return bisect_right(self.line_starts, offset) - 1

    def line_end(self, line: int, *, include_break: bool = False) -> int:
        """Offset just before the line break of ``line`` (or after it with ``include_break``)."""
        if line + 1 < len(self.line_starts):
            nxt = self.line_starts[line + 1]
            if include_break:
                return nxt
            if self.text.startswith("\r\n", nxt - 2):
                return nxt - 2
            return nxt - 1
        return len(self.text)

    def line_text(self, line: int) -> str:
        return self.text[self.line_starts[line] : self.line_end(line)]

    def position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """(line, character) of ``offset``, both 0-based, characters in ``encoding`` units."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self.line_starts[line]
        return line, _units(self.text[start:offset], encoding)

    def offset(self, line: int, character: int, encoding: Encoding = "utf-16") -> int:
        """Offset of an LSP position. Out-of-range lines and characters clamp to the text and to the line,
        as the LSP specification asks; a position inside a surrogate pair or a UTF-8 sequence snaps to
        the start of that character."""
        if line < 0:
            return 0
        if line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[line]
        end = self.line_end(line)
        if character <= 0:
            return start
        segment = self.text[start:end]
        if encoding == "utf-32" or segment.isascii():
            return start + min(character, len(segment))
        used = 0
        for i, ch in enumerate(segment):
            width = _units(ch, encoding)
            if used + width > character:
                return start + i
            used += width
        return end

    def column(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) with columns counted in code points, as the CLI reports them."""
        line, char = self.position(offset, "utf-32")
        return line + 1, char + 1
