"""Split a Terraform document into top-level chunks without parsing it.

A light lexical scan (strings, template interpolations, heredocs, comments and brackets) finds where each
top-level block or attribute starts and ends, so that each chunk can be parsed on its own: a syntax error then
stays in its chunk and every other chunk keeps its results, and an edit only invalidates the chunk it touches.

The scan also records where comments, strings and heredocs are (``Region``), which the parser needs to blank
comments and the layout code needs to find trailing comments, and it reports the errors it can describe better
than a parser can (an unclosed string, brace, heredoc or comment) as ``ScanIssue``.

Recovery: a quoted string cannot span lines in HCL, so an unclosed quote ends at the end of its line. An unclosed
brace, heredoc or block comment would swallow the rest of the file; in that case the broken chunk is cut before
the next line that starts, at column 0, with a top-level block header (``resource "..." "..." {``), which is
where ``terraform fmt``-shaped code starts its next block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Container

COMMENT = "comment"
STRING = "string"
HEREDOC = "heredoc"

_CODE = re.compile(r'["#{}\[\]()\n]|//|/\*|<<')
_STRING = re.compile(r'["\\\n]|\$\$\{|%%\{|\$\{|%\{')
_HEREDOC_OPEN = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)[ \t]*(?:\r\n|\n|\r)")
_NOT_BLANK = re.compile(r"[^ \t\r\n\ufeff]")
_TOP_LEVEL_HEADER = re.compile(
    r"^(?:resource|data|module|variable|output|locals|provider|terraform|moved|import|check|removed|ephemeral)"
    r"""(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][A-Za-z0-9_-]*))*[ \t]*\{""",
    re.M,
)
_OPENERS = {"{": "}", "[": "]", "(": ")", "${": "}", "%{": "}"}
_MAX_RECOVERIES = 10_000
# Deeper nesting than this (brackets, braces, interpolations) is reported instead of parsed: the parser and the
# model builder recurse per level, and a pathological file (100,000 levels) would otherwise cost tens of seconds
# and Python's recursion limit. Real configurations stay far below it.
MAX_NESTING = 256
TOO_DEEP = f"This is nested too deeply for tfguard to read (more than {MAX_NESTING} levels)"


@dataclass(frozen=True)
class Region:
    kind: str  # COMMENT, STRING or HEREDOC
    start: int
    end: int


@dataclass(frozen=True)
class ScanIssue:
    start: int
    end: int
    message: str
    unclosed: bool = False  # something opened and never closed (runs to the end of the chunk)


@dataclass
class Chunk:
    """``text[start:end]``; ``significant`` is False for runs of blank lines and comments."""

    start: int
    end: int
    significant: bool = False
    regions: list[Region] = field(default_factory=list)
    issues: list[ScanIssue] = field(default_factory=list)
    broken: bool = False  # ended with something still open (brace, heredoc, comment)


def _describe_open(opener: str) -> str:
    if opener in ("${", "%{"):
        return f"'{opener}' is never closed with '}}'"
    return f"'{opener}' is never closed with '{_OPENERS[opener]}'"


def _scan(text: str, pos: int, stop: int, resync: Container[int] = ()) -> tuple[list[Chunk], int]:
    """Scan ``text[pos:stop]`` (``pos`` at a line start, outside any construct) into chunks.

    When a chunk ends at an offset in ``resync`` the scan stops there and returns that offset (else -1): the
    caller knows the text from there on is unchanged and already split.
    """
    chunks: list[Chunk] = []
    stack: list[tuple[str, int]] = []  # (opener, offset); opener '"' means inside a quoted string
    chunk = Chunk(pos, pos)
    sig_start = -1  # offset of the first significant character of the current chunk
    i = pos

    def mark(at: int) -> None:
        nonlocal sig_start
        if sig_start < 0:
            sig_start = at

    def close_chunk(end: int) -> None:
        nonlocal chunk, sig_start
        if sig_start >= 0:
            line_start = text.rfind("\n", chunk.start, sig_start) + 1
            line_start = max(line_start, text.rfind("\r", chunk.start, sig_start) + 1, chunk.start)
            if line_start > chunk.start:
                # leading blank and comment lines form their own trivia chunk
                lead = Chunk(chunk.start, line_start)
                lead.regions = [r for r in chunk.regions if r.start < line_start]
                chunks.append(lead)
                chunk.regions = [r for r in chunk.regions if r.start >= line_start]
                chunk.start = line_start
            chunk.significant = True
        chunk.end = end
        if chunk.issues:
            chunk.significant = True  # an unclosed comment is an error to report, not a blank run
        if chunk.end > chunk.start:
            if not chunk.significant and chunks and not chunks[-1].significant:
                chunks[-1].end = chunk.end
                chunks[-1].regions.extend(chunk.regions)
            else:
                chunks.append(chunk)
        chunk = Chunk(end, end)
        sig_start = -1

    while i < stop:
        in_string = bool(stack) and stack[-1][0] == '"'
        m = (_STRING if in_string else _CODE).search(text, i, stop)
        if m is None:
            if not stack and sig_start < 0 and _NOT_BLANK.search(text, i, stop):
                mark(i)
            i = stop
            break
        tok = m.group()
        at = m.start()
        if not stack and sig_start < 0 and at > i and _NOT_BLANK.search(text, i, at):
            mark(i)
        if in_string:
            if tok == "\\":
                i = at + 2 if at + 1 < stop and text[at + 1] not in "\r\n" else at + 1
            elif tok == '"':
                _, s = stack.pop()
                chunk.regions.append(Region(STRING, s, at + 1))
                i = at + 1
            elif tok in ("$${", "%%{"):
                i = at + 3
            elif tok in ("${", "%{"):
                stack.append((tok, at))
                if len(stack) == MAX_NESTING + 1:
                    chunk.issues.append(ScanIssue(at, at + 2, TOO_DEEP))
                i = at + 2
            else:  # newline inside a quoted string: HCL strings end on their line
                _, s = stack.pop()
                end = at - 1 if at > s and text[at - 1] == "\r" else at
                chunk.regions.append(Region(STRING, s, end))
                chunk.issues.append(
                    ScanIssue(s, end, "This string is not closed: a quoted string must end on the same line")
                )
                i = at  # the newline is handled in code mode
            continue
        if tok == "\n":
            i = at + 1
            if not stack:
                close_chunk(i)
                if i in resync:
                    return chunks, i
            continue
        if not stack and tok not in ("#", "//", "/*"):
            mark(at)
        if tok == '"':
            stack.append(('"', at))
            i = at + 1
        elif tok in ("#", "//"):
            nl = text.find("\n", at, stop)
            end = stop if nl < 0 else nl
            chunk.regions.append(Region(COMMENT, at, end))
            i = end
        elif tok == "/*":
            close = text.find("*/", at + 2, stop)
            if close < 0:
                chunk.regions.append(Region(COMMENT, at, stop))
                chunk.issues.append(ScanIssue(at, at + 2, "This comment is never closed with '*/'", True))
                chunk.broken = True
                i = stop
            else:
                chunk.regions.append(Region(COMMENT, at, close + 2))
                i = close + 2
        elif tok == "<<":
            hm = _HEREDOC_OPEN.match(text, at, stop)
            if hm is None:
                i = at + 2
                continue
            marker = hm.group(2)
            closing = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*\r?$", re.M).search(text, hm.end(), stop)
            if closing is None:
                chunk.regions.append(Region(HEREDOC, at, stop))
                chunk.issues.append(
                    ScanIssue(at, hm.end(2), f"This heredoc is never closed: no line holds only '{marker}'", True)
                )
                chunk.broken = True
                i = stop
            else:
                end = closing.end()
                if text[end - 1 : end] == "\r":
                    end -= 1
                chunk.regions.append(Region(HEREDOC, at, end))
                i = end
        elif tok in _OPENERS:
            stack.append((tok, at))
            if len(stack) == MAX_NESTING + 1:
                chunk.issues.append(ScanIssue(at, at + 1, TOO_DEEP))
            i = at + 1
        else:  # closing bracket
            if stack and _OPENERS[stack[-1][0]] == tok:
                stack.pop()
            elif stack:
                opener, s = stack.pop()
                chunk.issues.append(
                    ScanIssue(at, at + 1, f"'{tok}' does not match '{opener}' opened before it")
                )
            else:
                chunk.issues.append(ScanIssue(at, at + 1, f"Unexpected '{tok}': nothing is open here to close"))
            i = at + 1
    if stack:
        chunk.broken = True
        for opener, s in stack:
            if opener == '"':
                chunk.regions.append(Region(STRING, s, stop))
                chunk.issues.append(ScanIssue(s, s + 1, "This string is not closed", True))
            else:
                chunk.issues.append(ScanIssue(s, s + len(opener), _describe_open(opener), True))
    close_chunk(stop)
    return chunks, -1


def scan_exact(text: str, start: int, end: int) -> list[Chunk]:
    """Scan ``text[start:end]`` alone, which must be exactly a chunk (or run of chunks) an earlier split found."""
    return _scan(text, start, end)[0]


def split(text: str) -> list[Chunk]:
    """Split ``text`` into consecutive chunks covering it exactly."""
    return split_from(text)[0]


def split_from(text: str, start: int = 0, resync: Container[int] = ()) -> tuple[list[Chunk], int]:
    """Split ``text[start:]`` (``start`` at a chunk boundary) into consecutive chunks covering it exactly.

    With ``resync`` (offsets where chunks of the unchanged rest of the text begin), splitting stops at the
    first chunk end found among them and returns it as the second value; otherwise that value is -1.
    """
    chunks: list[Chunk] = []
    pos = start
    for _ in range(_MAX_RECOVERIES):
        scanned, stopped = _scan(text, pos, len(text), resync)
        if stopped >= 0:
            chunks.extend(scanned)
            return chunks, stopped
        last = scanned[-1] if scanned else None
        if last is None or not last.broken:
            chunks.extend(scanned)
            return chunks, -1
        cut = _TOP_LEVEL_HEADER.search(text, last.start + 1)
        while cut is not None and cut.start() > 0 and text[cut.start() - 1] not in "\r\n":
            cut = _TOP_LEVEL_HEADER.search(text, cut.start() + 1)
        if cut is None:
            chunks.extend(scanned)
            return chunks, -1
        chunks.extend(scanned[:-1])
        chunks.extend(_scan(text, last.start, cut.start())[0])
        pos = cut.start()
    chunks.extend(_scan(text, pos, len(text))[0])
    return chunks, -1
