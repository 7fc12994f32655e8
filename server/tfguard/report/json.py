"""The JSON format, for scripts.

One object, printed whatever the exit code::

    {"findings": [{"rule", "severity", "file", "line", "column", "end_line", "end_column",
                   "resource", "message", "fixable"}],
     "errors":   [{"file", "line", "column", "message"}]}

- Lines and columns are 1-based; columns count characters (Unicode code points), a leading byte-order mark
  not counted. ``end_line``/``end_column`` give the position just after the range (exclusive end), as SARIF's
  ``endColumn`` does.
- ``severity`` is the lower-case label (``"warning"``); ``resource`` is ``"TYPE.NAME"`` or ``null``;
  ``fixable`` tells whether ``tfguard check --fix`` can repair the finding.
- ``errors`` holds syntax errors (and repeated attributes) at their position, and files that could not be
  read at all, with ``line`` and ``column`` ``null`` ("no position").
- Files appear in the order they were checked, and entries of one file in text order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tfguard.report import FileReport, column, span


def document(reports: Sequence[FileReport]) -> dict[str, list[dict[str, Any]]]:
    findings: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for report in reports:
        if report.error is not None:
            errors.append({"file": report.path, "line": None, "column": None, "message": report.error})
            continue
        analysis = report.analysis
        assert analysis is not None
        for f in report.findings:
            line, col, end_line, end_col = span(analysis, f.start, f.end)
            findings.append(
                {
                    "rule": f.rule_id,
                    "severity": f.severity.label,
                    "file": report.path,
                    "line": line,
                    "column": col,
                    "end_line": end_line,
                    "end_column": end_col,
                    "resource": f.resource,
                    "message": f.message,
                    "fixable": f.fix is not None,
                }
            )
        for p in report.problems:
            line, col = column(analysis, p.start)
            errors.append({"file": report.path, "line": line, "column": col, "message": p.message})
    return {"findings": findings, "errors": errors}


def render(reports: Sequence[FileReport]) -> str:
    return json.dumps(document(reports), indent=2) + "\n"
