"""The server's own store of open documents: text, version and line index, updated in place.

pygls keeps a copy of every open document too, but it re-splits the whole text into lines on every access
(and splits on ``\\f`` and ``\\u2028``, which LSP does not count as line breaks). This store keeps the text and
its line starts (a :class:`~tfguard.hcl.text.LineIndex`) and, for an incremental change, re-scans only the
lines around the edit, so applying a keystroke does not cost a pass over the whole document.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tfguard.hcl.text import Encoding, LineIndex

log = logging.getLogger(__name__)

# The three line endings LSP recognises; the same pattern LineIndex uses.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def edit_index(index: LineIndex, start: int, end: int, new_text: str) -> LineIndex:
    """The LineIndex of ``index.text`` with ``text[start:end]`` replaced by ``new_text``.

    Line starts before the edited region are kept, those after it are shifted, and only the region from the
    line before the edit to the first line break safely past it is re-scanned (a ``\\r`` and ``\\n`` that an
    edit joins or separates are inside that region).
    """
    old = index.text
    text = old[:start] + new_text + old[end:]
    delta = len(new_text) - (end - start)
    starts = index.line_starts
    # Re-scan from the start of the line before the edit ...
    first = max(bisect_right(starts, start) - 2, 0)
    lo = starts[first]
    # ... to the first line start in the old text strictly after end + 1. The break that produces it lies
    # wholly after ``end`` and so is unchanged by the edit.
    k = bisect_right(starts, end + 1)
    if k < len(starts):
        hi_new = starts[k] + delta
        tail = [s + delta for s in starts[k + 1 :]]
    else:
        hi_new = len(text)
        tail = []
    middle = [m.end() for m in _LINE_BREAK.finditer(text, lo, hi_new)]
    return LineIndex.from_line_starts(text, starts[: first + 1] + middle + tail)


@dataclass(eq=False)
class Document:
    """One open document. The object lives from didOpen to didClose; a reopened document is a new object."""

    uri: str
    language_id: str
    version: int
    index: LineIndex

    @property
    def text(self) -> str:
        return self.index.text


class DocumentStore:
    """Open documents by URI."""

    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def __contains__(self, uri: str) -> bool:
        return uri in self._docs

    def __len__(self) -> int:
        return len(self._docs)

    def uris(self) -> list[str]:
        return list(self._docs)

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def open(self, uri: str, text: str, version: int, language_id: str = "") -> Document:
        doc = Document(uri, language_id, version, LineIndex(text))
        self._docs[uri] = doc
        return doc

    def close(self, uri: str) -> Document | None:
        return self._docs.pop(uri, None)

    def change(self, uri: str, version: int, changes: Iterable[Any], encoding: Encoding) -> Document | None:
        """Apply ``contentChanges`` in order. A change with a ``range`` replaces that range (positions in
        ``encoding`` units, relative to the text after the previous change); one without replaces the whole
        text. Returns the document, or None when it is not open."""
        doc = self._docs.get(uri)
        if doc is None:
            log.warning("change for a document that is not open: %s", uri)
            return None
        index = doc.index
        for change in changes:
            rng = getattr(change, "range", None)
            if rng is None:
                index = LineIndex(change.text)
                continue
            start = index.offset(rng.start.line, rng.start.character, encoding)
            end = index.offset(rng.end.line, rng.end.character, encoding)
            if end < start:
                start, end = end, start
            index = edit_index(index, start, end, change.text)
        doc.index = index
        doc.version = version
        return doc
