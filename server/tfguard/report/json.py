"""The JSON format, for scripts.

One object, printed whatever the exit code::

    {"findings": [{"rule", "severity", "file", "line", "column", "end_line", "end_column",
                   "resource", "message", "fixable",
                   "related": [{"file", "line", "column", "end_line", "end_column", "message"}]}],
     "errors":   [{"file", "line", "column", "message"}]}

With ``--show-suppressed`` a third key, ``"suppressed"``, lists the findings suppression comments hide, each
with the keys of a finding plus ``"suppression": {"kind", "comment", "file", "line"}`` (``kind`` names the
comment's tool: ``tfguard``, ``kics-scan``, ``dd-iac-scan``, ``checkov``, ``tfsec`` or ``trivy``; ``comment``
is the comment's text; ``line`` is its 1-based line). Without the flag the key is absent.

- Lines and columns are 1-based; columns count characters (Unicode code points), a leading byte-order mark
  not counted. ``end_line``/``end_column`` give the position just after the range (exclusive end), as SARIF's
  ``endColumn`` does.
- ``severity`` is the lower-case label (``"warning"``); ``resource`` is ``"TYPE.NAME"`` or ``null``;
  ``fixable`` tells whether ``tfguard check --fix`` can repair the finding.
- ``related`` lists the places that explain a finding (the ``status`` attribute, the ``default`` of a variable
  in ``variables.tf``, a value in ``terraform.tfvars``), each in its own file, possibly another file of the
  module; it is empty when there are none.
- ``errors`` holds syntax errors (and repeated attributes) at their position, and files that could not be
  read at all, with ``line`` and ``column`` ``null`` ("no position").
- Files appear in the order they were checked, and entries of one file in text order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tfguard.engine.findings import Finding
from tfguard.report import FileReport, column, span


def finding_object(report: FileReport, f: Finding) -> dict[str, Any]:
    assert report.analysis is not None
    line, col, end_line, end_col = span(report.analysis, f.start, f.end)
    related = []
    for rel in f.related:
        where = report.locate(rel)
        if where is not None:
            path, (r_line, r_col, r_end_line, r_end_col) = where
            related.append(
                {
                    "file": path,
                    "line": r_line,
                    "column": r_col,
                    "end_line": r_end_line,
                    "end_column": r_end_col,
                    "message": rel.message,
                }
            )
    return {
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
        "related": related,
    }


def document(
    reports: Sequence[FileReport], *, show_suppressed: bool = False
) -> dict[str, list[dict[str, Any]]]:
    findings: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    suppressed: list[dict[str, Any]] = []
    for report in reports:
        if report.error is not None:
            errors.append({"file": report.path, "line": None, "column": None, "message": report.error})
            continue
        analysis = report.analysis
        assert analysis is not None
        findings.extend(finding_object(report, f) for f in report.findings)
        for f in report.suppressed if show_suppressed else ():
            entry = finding_object(report, f)
            (how, *_) = f.suppressed
            entry["suppression"] = {
                "kind": how.kind,
                "comment": how.comment,
                "file": report.path,
                "line": how.line + 1,
            }
            suppressed.append(entry)
        for p in report.problems:
            line, col = column(analysis, p.start)
            errors.append({"file": report.path, "line": line, "column": col, "message": p.message})
    doc = {"findings": findings, "errors": errors}
    if show_suppressed:
        doc["suppressed"] = suppressed
    return doc


def render(reports: Sequence[FileReport], *, show_suppressed: bool = False) -> str:
    return json.dumps(document(reports, show_suppressed=show_suppressed), indent=2) + "\n"
