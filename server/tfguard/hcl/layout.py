"""How ``terraform fmt`` aligns ``=`` signs and trailing comments, so that an inserted line fits in.

``terraform fmt`` (hclwrite) cuts a body into lines at new lines outside strings, heredocs and ``/* */``
comments. A line has an *assign* cell when it has an ``=`` after its first token and the brackets from there
to the end of the line balance; a run of consecutive lines with assign cells is a chain, and the ``=`` of every
line in a chain stands one column after the longest lead (the text before ``=``). A line whose last token is a
``#`` or ``//`` comment, after at least one other token, has a comment cell; consecutive lines with comment
cells are a chain, and their comments stand one column after the longest text before them. Widths count code
points. (Checked against terraform 1.11's ``fmt``.)
"""

from __future__ import annotations

from dataclasses import dataclass

from tfguard.hcl.model import Source

_OPEN = "{[("
_CLOSE = "}])"


@dataclass(frozen=True)
class Line:
    """One formatting line of the text. ``eq`` and ``comment`` are offsets, or -1 when the cell is absent."""

    start: int
    end: int  # end of the content, before the line break
    lead_end: int  # end of the text before '=' (trailing blanks excluded)
    eq: int
    assign_end: int  # end of the text before the trailing comment (blanks excluded), or of the line
    comment: int

    @property
    def has_assign(self) -> bool:
        return self.eq >= 0

    @property
    def has_comment(self) -> bool:
        return self.comment >= 0


@dataclass(frozen=True)
class Widths:
    """What the alignment needs of a line, real or about to be inserted."""

    lead: int
    assign: int  # width from '=' to the end of the assign cell; -1 when there is none
    content: int  # width of everything before the comment (for lines without an assign cell)
    comment: bool

    @staticmethod
    def of(line: Line) -> Widths:
        return Widths(
            lead=line.lead_end - line.start,
            assign=line.assign_end - line.eq if line.has_assign else -1,
            content=line.assign_end - line.start,
            comment=line.has_comment,
        )


def lines(source: Source, start: int, end: int) -> list[Line]:
    """The formatting lines of ``source.text`` that start in ``[start, end)``; ``start`` must be a line start."""
    text = source.text
    opaque = sorted(source.literals + source.comments)
    result: list[Line] = []
    pos = start
    while pos < end:
        line_end, regions = _logical_line(text, pos, opaque)
        result.append(_cells(text, pos, line_end, regions, source.comments))
        nxt = line_end
        if text.startswith("\r\n", nxt):
            nxt += 2
        elif nxt < len(text):
            nxt += 1
        if nxt <= pos:
            break
        pos = nxt
    return result


def _logical_line(text: str, pos: int, opaque: list[tuple[int, int]]) -> tuple[int, list[tuple[int, int]]]:
    """End of the formatting line starting at ``pos`` (new lines inside literals and block comments do not
    end it) and the opaque regions on it."""
    regions = [r for r in opaque if r[1] > pos]
    cursor = pos
    inside: list[tuple[int, int]] = []
    for r_start, r_end in regions:
        nl = _next_break(text, cursor)
        if r_start >= nl:
            break
        inside.append((r_start, r_end))
        cursor = max(cursor, r_end)
    end = _next_break(text, cursor)
    if end > cursor and text[end - 1] == "\r" and text.startswith("\n", end):
        end -= 1
    return end, inside


def _next_break(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    if nl < 0:
        nl = len(text)
    cr = text.find("\r", pos, nl)
    if cr >= 0 and not text.startswith("\n", cr + 1):
        return cr
    if nl > 0 and text[nl - 1 : nl] == "\r" and nl - 1 >= pos:
        return nl - 1
    return nl


def _cells(text: str, start: int, end: int, regions: list[tuple[int, int]], comments) -> Line:
    comment_set = set(comments)
    content_end = end
    while content_end > start and text[content_end - 1] in " \t":
        content_end -= 1
    first = start
    while first < content_end and text[first] in " \t":
        first += 1
    comment = -1
    if regions and regions[-1] in comment_set and regions[-1][1] >= content_end:
        c_start = regions[-1][0]
        is_line_comment = text.startswith("#", c_start) or text.startswith("//", c_start)
        if is_line_comment and c_start > first:
            comment = c_start
    before_comment = comment if comment >= 0 else content_end
    while before_comment > start and text[before_comment - 1] in " \t":
        before_comment -= 1

    def outside(i: int) -> bool:
        return not any(s <= i < e for s, e in regions)

    eq = -1
    i = first + 1
    while i < before_comment:
        if text[i] == "=" and outside(i):
            prev = text[i - 1]
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if prev not in "=!<>" and nxt not in "=>":
                eq = i
            break
        i += 1
    lead_end = -1
    if eq >= 0:
        net = 0
        for j in range(eq, before_comment):
            if not outside(j):
                if text.startswith("<<", j):
                    break
                continue
            ch = text[j]
            if ch in _OPEN:
                net += 1
            elif ch in _CLOSE:
                net -= 1
        if net != 0:
            eq = -1
        else:
            lead_end = eq
            while lead_end > start and text[lead_end - 1] in " \t":
                lead_end -= 1
    return Line(start, end, lead_end, eq, before_comment, comment)


def spacing(widths: list[Widths]) -> list[tuple[int, int]]:
    """The (spaces before '=', spaces before the comment) ``terraform fmt`` gives each line; 0 where the line
    has no such cell."""
    n = len(widths)
    eq_spaces = [0] * n
    chain: list[int] = []
    for i in range(n + 1):
        if i < n and widths[i].assign >= 0:
            chain.append(i)
            continue
        if chain:
            longest = max(widths[j].lead for j in chain)
            for j in chain:
                eq_spaces[j] = longest - widths[j].lead + 1
            chain = []
    prefix = [
        w.lead + eq_spaces[i] + w.assign if w.assign >= 0 else w.content for i, w in enumerate(widths)
    ]
    comment_spaces = [0] * n
    for i in range(n + 1):
        if i < n and widths[i].comment:
            chain.append(i)
            continue
        if chain:
            longest = max(prefix[j] for j in chain)
            for j in chain:
                comment_spaces[j] = longest - prefix[j] + 1
            chain = []
    return list(zip(eq_spaces, comment_spaces))


def actual_spacing(line: Line) -> tuple[int, int]:
    eq = line.eq - line.lead_end if line.has_assign else 0
    comment = line.comment - line.assign_end if line.has_comment else 0
    return eq, comment
