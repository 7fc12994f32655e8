"""Hover on a flagged attribute or on the header line of a flagged resource: the rule, explained."""

from __future__ import annotations

import inspect
import re
import textwrap
from functools import cache
from typing import Any

from lsprotocol import types

from tfguard.engine.findings import Finding
from tfguard.hcl.text import Encoding, LineIndex

from .diagnostics import to_range


@cache
def compliant_example(rule_id: str) -> str | None:
    """The "Compliant::" example of the rule module's docstring (its documentation)."""
    from tfguard.rules import rule_by_id

    rule = rule_by_id(rule_id)
    if rule is None:
        return None
    doc = inspect.getmodule(type(rule)).__doc__ or ""  # type: ignore[union-attr]
    m = re.search(r"^Compliant::\s*\n((?:[ \t]*\n|[ \t]+\S.*\n?)+)", doc, re.MULTILINE)
    if not m:
        return None
    return textwrap.dedent(m.group(1)).strip("\n") or None


def findings_at(index: LineIndex, findings: list[Finding], offset: int) -> list[Finding]:
    """Findings whose range holds ``offset``, or whose resource's first line does (within the resource)."""
    line = index.line_of(offset)
    out = []
    for finding in findings:
        if finding.start <= offset <= finding.end:
            out.append(finding)
        elif finding.scope is not None:
            start, end = finding.scope
            if start <= offset <= end and index.line_of(start) == line:
                out.append(finding)
    return out


def _section(finding: Finding, markdown: bool) -> str:
    from tfguard.rules import rule_by_id

    rule = rule_by_id(finding.rule_id)
    meta: Any = getattr(rule, "meta", None)
    title = meta.title if meta else finding.rule_id
    level = finding.severity.label if hasattr(finding.severity, "label") else str(finding.severity)
    label = f"{meta.severity_label} ({level})" if meta and meta.severity_label else level
    lines: list[str] = []
    if markdown:
        lines.append(f"**{title}** (`{finding.rule_id}`)")
    else:
        lines.append(f"{title} ({finding.rule_id})")
    lines.append("")
    lines.append(f"Severity: {label}")
    if finding.suppressed:
        how = finding.suppressed[0]
        comment = getattr(how, "comment", str(how))
        where = getattr(how, "line", None)
        place = f" on line {where + 1}" if isinstance(where, int) else ""
        code = f"`{comment}`" if markdown else comment
        lines.append("")
        lines.append(f"This finding is suppressed by {code}{place} ({getattr(how, 'kind', 'comment')}).")
    lines.append("")
    lines.append(finding.message)
    if meta and meta.description:
        lines.append("")
        lines.append(("**Why it matters:** " if markdown else "Why it matters: ") + meta.description)
    example = compliant_example(finding.rule_id)
    if example:
        lines.append("")
        lines.append("**Compliant example:**" if markdown else "Compliant example:")
        lines.append("")
        lines.append(f"```hcl\n{example}\n```" if markdown else textwrap.indent(example, "    "))
    fix_title = finding.fix.title if finding.fix else (meta.fix_title if meta else "")
    if fix_title:
        lines.append("")
        lines.append(("**Fix:** " if markdown else "Fix: ") + fix_title)
    if meta and meta.help_uri:
        lines.append("")
        lines.append(f"[Documentation]({meta.help_uri})" if markdown else f"Documentation: {meta.help_uri}")
    return "\n".join(lines)


def hover(
    index: LineIndex,
    findings: list[Finding],
    suppressed: list[Finding],
    position: types.Position,
    encoding: Encoding,
    markdown: bool,
) -> types.Hover | None:
    offset = index.offset(position.line, position.character, encoding)
    found = findings_at(index, findings, offset) + findings_at(index, suppressed, offset)
    if not found:
        return None
    found.sort(key=lambda f: (f.start, f.rule_id))
    separator = "\n\n---\n\n" if markdown else "\n\n"
    value = separator.join(_section(f, markdown) for f in found)
    first = found[0]
    if first.start <= offset <= first.end:
        rng = to_range(index, first.start, first.end, encoding)
    else:
        line = index.line_of(offset)
        start = max(first.scope[0], index.line_starts[line]) if first.scope else offset
        rng = to_range(index, start, index.line_end(line), encoding)
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=value), range=rng)
