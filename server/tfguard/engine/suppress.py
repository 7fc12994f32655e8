"""Suppression comments: tfguard's own, and those users of KICS, Datadog, Checkov, tfsec and trivy already have.

- ``# tfguard:ignore`` or ``# tfguard:ignore:RULE-ID[,RULE-ID]`` on the line above a resource or an attribute
  (or at the end of the finding's line).
- KICS (``# kics-scan``) and Datadog (``# dd-iac-scan``): ``ignore-line`` drops results on the comment's line
  and the next one; ``ignore-block`` drops the next block (or the next attribute); in the comments that lead
  the file, ``ignore`` drops the whole file, ``disable=<id>,...`` the listed queries and ``enable=<id>,...``
  every query not listed. Ids match a rule's KICS id or tfguard id; matching ignores case; ``#`` or ``//``.
- Checkov: ``#checkov:skip=<ID>[:reason]`` anywhere inside the resource, with an id the rule lists as
  Checkov's.
- tfsec and trivy: ``#tfsec:ignore:<ID>`` / ``#trivy:ignore:<ID>`` on the line above the resource or the
  finding (or at the end of its line), with an id the rule lists; a ``:exp:YYYY-MM-DD`` suffix ends it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from tfguard.engine.findings import Finding
from tfguard.hcl.text import LineIndex, line_end_at, line_start_at

_COMMENT = re.compile(r"(?:#|//)\s*(.*?)\s*$")
_TFGUARD = re.compile(r"tfguard:ignore(?::([\w.,-]+))?", re.I)
_KICS = re.compile(r"(kics-scan|dd-iac-scan)\s+(ignore-line|ignore-block|ignore|disable|enable)\s*(?:=\s*([\w,.\s-]+))?", re.I)
_CHECKOV = re.compile(r"checkov:skip=([\w-]+)(?::(.*))?", re.I)
_TFSEC = re.compile(r"(tfsec|trivy):ignore:([\w.-]+?)(?::exp:(\d{4}-\d{2}-\d{2}))?(?=$|[\s:])", re.I)


@dataclass(frozen=True)
class Suppression:
    kind: str  # "tfguard", "kics-scan", "dd-iac-scan", "checkov", "tfsec", "trivy"
    comment: str  # the comment's text
    line: int  # 0-based line of the comment


def _comments(line_text: str) -> list[str]:
    """Comment texts on a line: a whole-line comment, or a trailing ``#`` / ``//`` comment after code."""
    out = []
    for marker in ("#", "//"):
        idx = line_text.find(marker)
        while idx >= 0:
            before = line_text[:idx]
            if before.count('"') % 2 == 0:  # not inside a quoted string
                m = _COMMENT.match(line_text, idx)
                if m:
                    out.append(m.group(1))
                break
            idx = line_text.find(marker, idx + 1)
    return out


class _Lines:
    """Lines of a text addressed by their start offsets, found on demand: suppression checks look at a few
    lines around each finding, so building a whole line index (milliseconds on a large file, on every
    keystroke) is not worth it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def start_of(self, offset: int) -> int:
        return line_start_at(self.text, offset)

    def end_of(self, start: int) -> int:
        return line_end_at(self.text, start)

    def previous(self, start: int) -> int:
        """Start of the line before the one starting at ``start``; -1 for the first line."""
        if start <= 0:
            return -1
        end = start - 1
        if self.text.startswith("\r\n", end - 1):
            end -= 1
        return self.start_of(end)

    def following(self, start: int) -> int:
        end = self.end_of(start)
        if end >= len(self.text):
            return -1
        return end + (2 if self.text.startswith("\r\n", end) else 1)

    def line(self, start: int) -> str:
        return self.text[start : self.end_of(start)]

    def number(self, start: int) -> int:
        return LineIndex(self.text[:start]).line_count - 1 if start else 0


def _leading_comments(lines: _Lines) -> list[tuple[int, str]]:
    out = []
    start = 0
    while start >= 0:
        text = lines.line(start).strip().lstrip("\ufeff")
        if text and not (text.startswith("#") or text.startswith("//")):
            break
        if text:
            out.append((start, text.lstrip("#/ ").strip()))
        start = lines.following(start)
    return out


def _ids(raw: str | None) -> set[str]:
    return {part.strip().lower() for part in (raw or "").split(",") if part.strip()}


def apply_suppressions(
    findings: Iterable[Finding], text: str, aliases: Callable[[str], dict[str, tuple[str, ...]]]
) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (shown, suppressed); suppressed findings carry what suppressed them.

    ``aliases(rule_id)`` gives the rule's ids in other tools: {"kics": (...), "checkov": (...), ...}.
    """
    findings = list(findings)
    if not findings:
        return [], []
    shown: list[Finding] = []
    hidden: list[Finding] = []
    leading = None
    lines = _Lines(text)
    today = datetime.date.today()
    for finding in findings:
        names = aliases(finding.rule_id)
        own = {finding.rule_id.lower()} | {i.lower() for i in names.get("kics", ())}
        line = lines.start_of(finding.start)
        block_line = lines.start_of(finding.scope[0]) if finding.scope else line
        block_end = finding.scope[1] if finding.scope else finding.end
        found: Suppression | None = None

        def check(comment_line: int, kinds: tuple[str, ...]) -> Suppression | None:
            if comment_line < 0:
                return None
            for comment in _comments(lines.line(comment_line)):
                if "tfguard" in kinds and (m := _TFGUARD.search(comment)):
                    ids = _ids(m.group(1))
                    if not ids or finding.rule_id.lower() in ids:
                        return Suppression("tfguard", comment, comment_line)
                if "kics" in kinds and (m := _KICS.search(comment)):
                    command = m.group(2).lower()
                    if command == "ignore-line" or (command == "ignore-block" and "block" in kinds):
                        return Suppression(m.group(1).lower(), comment, comment_line)
                if "tfsec" in kinds and (m := _TFSEC.search(comment)):
                    tool, rule, expiry = m.group(1).lower(), m.group(2).lower(), m.group(3)
                    if rule in {i.lower() for i in names.get(tool, ())}:
                        if expiry is None or datetime.date.fromisoformat(expiry) >= today:
                            return Suppression(tool, comment, comment_line)
            return None

        # on the finding's line, or the line above it
        found = check(line, ("tfguard", "kics", "tfsec")) or check(
            lines.previous(line), ("tfguard", "kics", "tfsec", "block")
        )
        # the line above the resource
        if found is None and block_line != line:
            found = check(lines.previous(block_line), ("tfguard", "kics", "tfsec", "block")) or check(
                block_line, ("tfguard", "tfsec")
            )
        # Checkov: anywhere inside the resource
        if found is None and names.get("checkov"):
            wanted = {i.lower() for i in names["checkov"]}
            inner = block_line
            while 0 <= inner < block_end and found is None:
                for comment in _comments(lines.line(inner)):
                    m = _CHECKOV.search(comment)
                    if m and m.group(1).lower() in wanted:
                        found = Suppression("checkov", comment, inner)
                        break
                inner = lines.following(inner)
        # KICS / Datadog file-level commands in the leading comments
        if found is None:
            if leading is None:
                leading = _leading_comments(lines)
            for comment_line, comment in leading:
                m = _KICS.search(comment)
                if not m:
                    continue
                command, ids = m.group(2).lower(), _ids(m.group(3))
                if command == "ignore" or (command == "disable" and ids & own) or (
                    command == "enable" and ids and not ids & own
                ):
                    found = Suppression(m.group(1).lower(), comment, comment_line)
                    break
        if found is None:
            shown.append(finding)
        else:
            found = replace(found, line=lines.number(found.line))  # a line start until here
            hidden.append(replace(finding, suppressed=(found,)))
    return shown, hidden


def ignore_edit(text: str, finding: Finding) -> tuple[int, int, str] | None:
    """The edit that writes ``# tfguard:ignore:RULE-ID`` on a line of its own above the finding, indented like
    the finding's line (None for JSON, which has no comments)."""
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return None
    lines = _Lines(text)
    start = lines.start_of(finding.start)
    line_text = lines.line(start)
    indent = line_text[: len(line_text) - len(line_text.lstrip(" \t\ufeff"))].replace("\ufeff", "")
    end = lines.end_of(start)
    newline = "\r\n" if text.startswith("\r\n", end) else text[end : end + 1] or "\n"
    at = start + (1 if text.startswith("\ufeff", start) else 0)
    return (at, at, f"{indent}# tfguard:ignore:{finding.rule_id}{newline}")
