"""Minimal text edits that set an attribute in a block, keeping comments and ``terraform fmt`` alignment.

Edits are (start, end, new_text) triples with offsets into ``Source.text``. They touch only what must change:
the value of an existing attribute, or one inserted line (plus the spaces before the ``=`` signs and trailing
comments of neighbouring lines, where the insertion changes what ``terraform fmt`` would align, and only where
those lines were aligned to begin with). A block written on one line is expanded.
"""

from __future__ import annotations

from tfguard.hcl import layout
from tfguard.hcl.model import Attribute, Block, Source
from tfguard.hcl.text import line_end_at, line_start_at

Edit = tuple[int, int, str]
INDENT = "  "


def set_attribute(source: Source, block: Block, name: str, value: str, after: Attribute | None = None) -> list[Edit]:
    """Edits that make ``block`` set ``name = value`` (``value`` is HCL source text).

    An existing attribute (the last one of that name) gets its value replaced. Otherwise a line is inserted
    after ``after`` (or at the end of the body), with the indentation of its neighbours.
    """
    existing = block.attribute(name)
    if existing is not None:
        return _replace_value(source, existing, value)
    if source.syntax == "json":
        return _json_insert(source, block, name, value, after)
    text = source.text
    if not _has_break(text, block.open_brace, block.close_brace):
        return _expand_one_line_block(source, block, name, value)
    if after is not None and _owns_its_lines(text, after):
        return _insert_after(source, block, after, name, value)
    return _insert_before_close(source, block, name, value)


def _replace_value(source: Source, attr: Attribute, value: str) -> list[Edit]:
    """Replace the attribute's value; a value of another width moves the trailing comments ``terraform fmt``
    aligns with the one on its line (a chain of consecutive lines with comments, which can include the block's
    header and closing lines), where they were aligned."""
    edits: list[Edit] = [(attr.expr.start, attr.expr.end, value)]
    text = source.text
    delta = len(value) - (attr.expr.end - attr.expr.start)
    if delta == 0 or source.syntax == "json" or _has_break(text, attr.expr.start, attr.expr.end):
        return edits
    lines = layout.lines(source, 0, len(text))
    before = [layout.Widths.of(line) for line in lines]
    after = list(before)
    for k, line in enumerate(lines):
        if line.start <= attr.expr.start <= line.end:
            w = before[k]
            after[k] = layout.Widths(w.lead, w.assign + delta if w.assign >= 0 else -1, w.content + delta, w.comment)
            break
    wanted_before, wanted_after = layout.spacing(before), layout.spacing(after)
    for i, line in enumerate(lines):
        if line.has_comment and layout.actual_spacing(line)[1] == wanted_before[i][1] != wanted_after[i][1]:
            edits.append((line.assign_end, line.comment, " " * wanted_after[i][1]))
    return edits


def _has_break(text: str, start: int, end: int) -> bool:
    return "\n" in text[start:end] or "\r" in text[start:end]


def _newline_at(text: str, pos: int) -> str:
    """The line break that ends the line holding ``pos`` (``\\n`` when the text has none there)."""
    end = line_end_at(text, pos)
    if text.startswith("\r\n", end):
        return "\r\n"
    if text.startswith("\r", end):
        return "\r"
    return "\n"


def _indent_of(text: str, pos: int) -> str:
    start = line_start_at(text, pos)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def _owns_its_lines(text: str, attr: Attribute) -> bool:
    """True when only blanks precede the attribute on its first line and only blanks or a comment follow it."""
    start = line_start_at(text, attr.start)
    if text[start : attr.start].strip(" \t\ufeff"):
        return False
    rest = text[attr.end : line_end_at(text, attr.end)].strip(" \t")
    return rest == "" or rest.startswith("#") or rest.startswith("//") or rest.startswith("/*")


def _insert_after(source: Source, block: Block, after: Attribute, name: str, value: str) -> list[Edit]:
    text = source.text
    indent = _indent_of(text, after.start)
    newline = _newline_at(text, after.end)
    at = line_end_at(text, after.end) + len(newline)
    return _aligned_insertion(source, block, at, indent, name, value, newline)


def _insert_before_close(source: Source, block: Block, name: str, value: str) -> list[Edit]:
    text = source.text
    close = block.close_brace
    close_line = line_start_at(text, close)
    newline = _newline_at(text, block.open_brace)
    if not text[close_line:close].strip(" \t"):
        indent = text[close_line:close] + INDENT
        return _aligned_insertion(source, block, close_line, indent, name, value, newline)
    # '}' follows other text on its line: put the attribute and the brace on lines of their own
    body_end = close
    while body_end > block.open_brace + 1 and text[body_end - 1] in " \t":
        body_end -= 1
    outer = _indent_of(text, block.start)
    return [(body_end, close, f"{newline}{outer}{INDENT}{name} = {value}{newline}{outer}")]


def _aligned_insertion(
    source: Source, block: Block, at: int, indent: str, name: str, value: str, newline: str
) -> list[Edit]:
    """Insert ``indent name = value`` as a whole line at ``at`` (a line start inside the block) and keep
    ``terraform fmt``'s alignment of the lines around it where they were aligned."""
    text = source.text
    # every line of the chunk: comment chains run through the block's header and closing lines too
    lines = layout.lines(source, 0, len(text))
    before = [layout.Widths.of(line) for line in lines]
    index = sum(1 for line in lines if line.start < at)
    new = layout.Widths(lead=len(indent) + len(name), assign=len(f"= {value}"), content=0, comment=False)
    after = before[:index] + [new] + before[index:]
    wanted_before = layout.spacing(before)
    wanted_after = layout.spacing(after)
    edits: list[Edit] = []
    new_eq = 1
    # the '=' of the new line follows its chain when any old line of that chain was aligned
    chain = _chain(after, index)
    if any(
        layout.actual_spacing(lines[j if j < index else j - 1])[0] == wanted_before[j if j < index else j - 1][0]
        for j in chain
        if j != index
    ):
        new_eq = wanted_after[index][0]
    for old_i, line in enumerate(lines):
        new_i = old_i if old_i < index else old_i + 1
        actual_eq, actual_comment = layout.actual_spacing(line)
        if line.has_assign and actual_eq == wanted_before[old_i][0] != wanted_after[new_i][0]:
            edits.append((line.lead_end, line.eq, " " * wanted_after[new_i][0]))
        if line.has_comment and actual_comment == wanted_before[old_i][1] != wanted_after[new_i][1]:
            edits.append((line.assign_end, line.comment, " " * wanted_after[new_i][1]))
    edits.append((at, at, f"{indent}{name}{' ' * new_eq}= {value}{newline}"))
    return edits


def _chain(widths: list[layout.Widths], index: int) -> list[int]:
    lo = index
    while lo > 0 and widths[lo - 1].assign >= 0:
        lo -= 1
    hi = index
    while hi + 1 < len(widths) and widths[hi + 1].assign >= 0:
        hi += 1
    return list(range(lo, hi + 1))


def _expand_one_line_block(source: Source, block: Block, name: str, value: str) -> list[Edit]:
    """``x "a" "b" { user = "root" }`` becomes a block with one attribute a line, aligned."""
    text = source.text
    outer = _indent_of(text, block.start)
    newline = _newline_at(text, block.start)
    inner = INDENT if not outer.startswith("\t") else "\t"
    body = text[block.open_brace + 1 : block.close_brace].strip(" \t")
    items: list[tuple[str, str]] = []  # (name, rest starting at '=')
    for attr in block.attributes:
        items.append((attr.name, text[attr.equals : attr.end]))
    if len(items) != len(block.attributes) or (body and not block.attributes) or block.blocks:
        return [(block.close_brace, block.close_brace, f"{newline}{outer}{inner}{name} = {value}{newline}{outer}")]
    # keep whatever followed the attribute inside the braces (a comment)
    tail = text[block.attributes[-1].end : block.close_brace].strip(" \t") if block.attributes else ""
    items.append((name, f"= {value}"))
    width = max(len(n) for n, _ in items)
    out = [newline]
    for i, (n, rest) in enumerate(items):
        rest = "= " + rest[1:].lstrip(" \t")
        line = f"{outer}{inner}{n}{' ' * (width - len(n) + 1)}{rest}"
        if i == len(block.attributes) - 1 and tail:
            line += " " + tail
        out.append(line + newline)
    out.append(outer)
    return [(block.open_brace + 1, block.close_brace, "".join(out))]


def _json_insert(source: Source, block: Block, name: str, value: str, after: Attribute | None) -> list[Edit]:
    """Add a member to a JSON object: after ``after`` (or first in the object), on a line of its own when the
    object is written one member a line. ``value`` is JSON text."""
    text = source.text
    member = f'"{name}": {value}'
    if after is not None:
        if _owns_its_lines(text, after):
            indent = _indent_of(text, after.start)
            return [(after.end, after.end, f",{_newline_at(text, after.end)}{indent}{member}")]
        return [(after.end, after.end, f", {member}")]
    separator = "," if block.attributes else ""
    return [(block.open_brace + 1, block.open_brace + 1, f" {member}{separator}")]
