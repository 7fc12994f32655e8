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
from tfguard.hcl.text import LineIndex

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


def _leading_comments(index: LineIndex) -> list[tuple[int, str]]:
    out = []
    for line in range(index.line_count):
        text = index.line_text(line).strip().lstrip("\ufeff")
        if not text:
            continue
        if text.startswith("#") or text.startswith("//"):
            out.append((line, text.lstrip("#/ ").strip()))
            continue
        break
    return out


def _ids(raw: str | None) -> set[str]:
    return {part.strip().lower() for part in (raw or "").split(",") if part.strip()}


def apply_suppressions(
    findings: Iterable[Finding], index: LineIndex, aliases: Callable[[str], dict[str, tuple[str, ...]]]
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
    today = datetime.date.today()
    for finding in findings:
        names = aliases(finding.rule_id)
        own = {finding.rule_id.lower()} | {i.lower() for i in names.get("kics", ())}
        line = index.line_of(finding.start)
        block_line = index.line_of(finding.scope[0]) if finding.scope else line
        block_end_line = index.line_of(finding.scope[1]) if finding.scope else line
        found: Suppression | None = None

        def check(comment_line: int, kinds: tuple[str, ...]) -> Suppression | None:
            if comment_line < 0:
                return None
            for comment in _comments(index.line_text(comment_line)):
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
        found = check(line, ("tfguard", "kics", "tfsec")) or check(line - 1, ("tfguard", "kics", "tfsec", "block"))
        # the line above the resource
        if found is None and block_line != line:
            found = check(block_line - 1, ("tfguard", "kics", "tfsec", "block")) or check(
                block_line, ("tfguard", "tfsec")
            )
        # Checkov: anywhere inside the resource
        if found is None and names.get("checkov"):
            wanted = {i.lower() for i in names["checkov"]}
            for inner in range(block_line, block_end_line + 1):
                for comment in _comments(index.line_text(inner)):
                    m = _CHECKOV.search(comment)
                    if m and m.group(1).lower() in wanted:
                        found = Suppression("checkov", comment, inner)
                        break
                if found:
                    break
        # KICS / Datadog file-level commands in the leading comments
        if found is None:
            if leading is None:
                leading = _leading_comments(index)
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
            hidden.append(replace(finding, suppressed=(found,)))
    return shown, hidden


def ignore_edit(text: str, finding: Finding) -> tuple[int, int, str] | None:
    """The edit that writes ``# tfguard:ignore:RULE-ID`` on a line of its own above the finding, indented like
    the finding's line (None for JSON, which has no comments)."""
    if text.lstrip("\ufeff \t\r\n").startswith("{"):
        return None
    index = LineIndex(text)
    line = index.line_of(finding.start)
    start = index.line_starts[line]
    line_text = index.line_text(line)
    indent = line_text[: len(line_text) - len(line_text.lstrip(" \t\ufeff"))].replace("\ufeff", "")
    end = index.line_end(line)
    newline = text[end : index.line_end(line, include_break=True)] or "\n"
    at = start + (1 if text.startswith("\ufeff", start) else 0)
    return (at, at, f"{indent}# tfguard:ignore:{finding.rule_id}{newline}")
