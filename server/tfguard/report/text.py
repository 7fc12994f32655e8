"""The text format: what a person reads in a terminal or a CI log.

For each file, in order: one line per finding, ``FILE:LINE:COL: SEVERITY RULE-ID MESSAGE``, followed by the
source line with a caret under the start of the range and tildes to its end (as compilers print them); then
the file's errors in the same shape (severity ``error``, code ``syntax`` or ``attribute-redefined``); a file that
could not be read gives ``FILE: error unreadable MESSAGE``. A related location (where a value came from, in
this file or another file of the module) is a ``= note: FILE:LINE:COL: MESSAGE`` line under its finding.

Suppressed findings are left out; with ``--show-suppressed`` they are shown in place, their heading ending in
``(suppressed by KIND: COMMENT)``. The last line sums everything up, for example
``2 files checked: 2 findings in 1 file (2 fixable with --fix), 0 errors``, followed by
``, N suppressed`` when suppression comments hid findings.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from tfguard.engine import Analysis
from tfguard.engine.findings import Finding
from tfguard.report import BOM, FileReport, column

GUTTER_MIN = 4


def suppression_note(finding: Finding) -> str:
    """``suppressed by tfguard: tfguard:ignore`` for a suppressed finding."""
    (how, *_) = finding.suppressed
    return f"suppressed by {how.kind}: {how.comment}"


def render(reports: Sequence[FileReport], *, show_suppressed: bool = False) -> str:
    out: list[str] = []
    findings = fixable = errors = suppressed = 0
    files_with_findings = 0
    for report in reports:
        if report.error is not None:
            out.append(f"{report.path}: error unreadable {report.error}")
            errors += 1
            continue
        analysis = report.analysis
        assert analysis is not None
        file_findings = report.findings
        hidden = report.suppressed
        suppressed += len(hidden)
        files_with_findings += bool(file_findings)
        shown = [(f, False) for f in file_findings]
        if show_suppressed:
            shown.extend((f, True) for f in hidden)
            shown.sort(key=lambda item: (item[0].start, item[0].end, item[0].rule_id))
        for f, is_suppressed in shown:
            notes = []
            for rel in f.related:
                where = report.locate(rel)
                if where is not None:
                    path, (line, col, _, _) = where
                    notes.append(f"note: {path}:{line}:{col}: {rel.message}")
            message = f.message
            if is_suppressed:
                message += f" ({suppression_note(f)})"
            else:
                findings += 1
                fixable += f.fix is not None
                if f.fix is not None:
                    notes.append(f"fix: {f.fix.title} (tfguard check --fix)")
            out.extend(
                _entry(report.path, analysis, f.start, f.end, f.severity.label, f.rule_id, message, notes)
            )
        for p in report.problems:
            errors += 1
            out.extend(_entry(report.path, analysis, p.start, p.end, p.severity.label, p.code, p.message, []))
    out.append(_summary(len(reports), findings, files_with_findings, fixable, errors, suppressed))
    return "\n".join(out) + "\n"


def _entry(
    path: str,
    analysis: Analysis,
    start: int,
    end: int,
    severity: str,
    code: str,
    message: str,
    notes: list[str],
) -> list[str]:
    """The heading line, the source line with its caret line, and notes in the same margin."""
    line, col = column(analysis, start)
    index = analysis.index
    line0 = index.line_of(start)
    line_start = index.line_starts[line0]
    source = index.line_text(line0)
    skip = 1 if line0 == 0 and source.startswith(BOM) else 0
    stop = min(max(end, start + 1), line_start + len(source))
    before = source[skip : start - line_start]
    marked = source[start - line_start : stop - line_start] or " "
    underline = "^" + "~" * max(0, _width(marked) - 1)
    width = max(GUTTER_MIN, len(str(line)) + 1)
    blank = " " * width
    out = [
        f"{path}:{line}:{col}: {severity} {code} {message}",
        f"{str(line).rjust(width)} | {source[skip:]}".rstrip(),
        f"{blank} | {''.join(_blank(ch) for ch in before)}{underline}",
    ]
    out.extend(f"{blank} = {note}" for note in notes)
    return out


def _blank(ch: str) -> str:
    """What goes under ``ch`` so the caret lines up: a tab stays a tab, a wide character takes two spaces."""
    if ch == "\t":
        return "\t"
    return " " * _char_width(ch)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _width(s: str) -> int:
    return sum(1 if ch == "\t" else _char_width(ch) for ch in s)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _summary(checked: int, findings: int, files: int, fixable: int, errors: int, suppressed: int = 0) -> str:
    head = f"{_plural(checked, 'file')} checked: "
    if findings:
        body = f"{_plural(findings, 'finding')} in {_plural(files, 'file')}"
        if fixable:
            body += f" ({fixable} fixable with --fix)"
    else:
        body = "no findings"
    tail = f", {suppressed} suppressed" if suppressed else ""
    return f"{head}{body}, {_plural(errors, 'error')}{tail}"
