"""The SARIF 2.1.0 format, for code-scanning services (GitHub code scanning, Azure DevOps, SARIF viewers).

One run, ``tool.driver`` named ``tfguard`` with every rule's metadata (id, name, short and full description,
help URI, default level, and properties: category, provider, platform, CWE, KICS id, tags and GitHub's
``security-severity``). Each finding is a result with ``ruleId``/``ruleIndex``, its level, message, a location
(``artifactLocation`` relative to ``%SRCROOT%``, the current folder, when the file lies under it; an absolute
``file:`` URI otherwise), a region with start and end lines and columns, the related ``status`` attribute as a
related location, the resource as a logical location, and the fix as a ``fixes`` entry (not on a suppressed
result) whose replacements use line/column regions too. Related locations in other files of the module (a variable's ``default`` in
``variables.tf``) carry that file's artifact location.

Suppressed findings (hidden by a suppression comment in the source) are results too, always, each with one
``suppressions`` entry: ``kind`` ``inSource``, ``status`` ``accepted``, ``justification`` the comment's text
and ``location`` the comment's line. Other results have an empty ``suppressions`` array, which SARIF defines
as "not suppressed" (tfguard always knows), so consumers such as GitHub code scanning show the suppressed ones
as closed and the rest as open.

Regions: lines and columns are 1-based, columns count Unicode code points (``run.columnKind`` is
``unicodeCodePoints``), a leading byte-order mark is not counted, and ``endColumn`` is the column just after
the range, as SARIF defines it. An insertion is a replacement whose ``deletedRegion`` is empty
(``endColumn == startColumn``).

Inputs tfguard could not read or parse are not results (they are not security findings and must not open
alerts): each is a ``toolExecutionNotification`` of the run's invocation, level ``error``, whose
``descriptor`` names one of the ``tool.driver.notifications``: ``syntax`` (text that does not parse, with its
location), ``attribute-redefined`` (an attribute set twice in a block, with its location) or ``unreadable`` (a
file that could not be read or decoded, with its artifact location and no region).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tfguard import __version__
from tfguard.engine import Analysis
from tfguard.engine.findings import Severity
from tfguard.report import FileReport, span
from tfguard.rules import ALL_RULES, RuleMeta

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"

LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "note",
    Severity.HINT: "note",
}

# GitHub code scanning ranks security alerts by this score (critical >= 9.0, high >= 7.0, medium >= 4.0).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}

NOTIFICATIONS = {
    "syntax": ("SyntaxError", "The text does not parse as Terraform; that part of the file was not checked."),
    "attribute-redefined": (
        "AttributeRedefined",
        "An attribute is set more than once in a block, which Terraform rejects.",
    ),
    "unreadable": ("UnreadableFile", "The file could not be read or is not UTF-8 text; it was not checked."),
}


def information_uri() -> str | None:
    """The project's home page from the installed package metadata, if it declares one."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        meta = metadata("tfguard")
    except PackageNotFoundError:  # not installed: run from a source tree
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            return url.strip()
    home = meta.get("Home-page")
    return home.strip() if home else None


def rule_metas() -> list[RuleMeta]:
    return [getattr(rule, "meta", rule) for rule in ALL_RULES]


def _pascal(title: str) -> str:
    return "".join(word[:1].upper() + word[1:].lower() for word in title.replace("-", " ").split())


def rule_descriptor(meta: RuleMeta) -> dict[str, Any]:
    tags = ["security", "terraform"]
    if meta.provider:
        tags.append(meta.provider.lower())
    if meta.cwe:
        tags.append("external/cwe/" + meta.cwe.lower())
    properties: dict[str, Any] = {
        "tags": tags,
        "category": meta.category,
        "provider": meta.provider,
        "platform": meta.platform,
        "severity": meta.severity_label,
        "cwe": meta.cwe,
        "kics_id": meta.kics_id,
    }
    score = SECURITY_SEVERITY.get(str(meta.severity_label).lower())
    if score is not None:
        properties["security-severity"] = score
    return {
        "id": meta.id,
        "name": _pascal(meta.title),
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.description},
        "helpUri": meta.help_uri,
        "help": {"text": f"{meta.description}\n\nReference: {meta.help_uri}"},
        "defaultConfiguration": {"level": LEVELS[meta.severity]},
        "properties": properties,
    }


def artifact_location(path: str) -> dict[str, str]:
    """``path`` relative to ``%SRCROOT%`` (the current folder) when it lies under it, else a ``file:`` URI."""
    absolute = os.path.abspath(path)
    root = os.getcwd()
    if os.path.commonpath([absolute, root]) == root:
        return {
            "uri": quote(Path(os.path.relpath(absolute, root)).as_posix(), safe="/"),
            "uriBaseId": SRCROOT,
        }
    return {"uri": Path(absolute).as_uri()}


def _region(analysis: Analysis, start: int, end: int) -> dict[str, int]:
    line, col, end_line, end_col = span(analysis, start, end)
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def document(reports: Sequence[FileReport]) -> dict[str, Any]:
    metas = rule_metas()
    rule_index = {meta.id: i for i, meta in enumerate(metas)}
    rules = [rule_descriptor(meta) for meta in metas]
    notification_ids = list(NOTIFICATIONS)
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []

    def notify(code: str, message: str, location: dict[str, Any]) -> None:
        if code not in notification_ids:
            notification_ids.append(code)
        notifications.append(
            {
                "level": "error",
                "message": {"text": message},
                "descriptor": {"id": code, "index": notification_ids.index(code)},
                "locations": [{"physicalLocation": location}],
            }
        )

    for report in reports:
        artifact = artifact_location(report.path)
        if report.error is not None:
            notify("unreadable", report.error, {"artifactLocation": artifact})
            continue
        analysis = report.analysis
        assert analysis is not None
        every = sorted(report.findings + report.suppressed, key=lambda f: (f.start, f.end, f.rule_id))
        for f in every:
            result: dict[str, Any] = {
                "ruleId": f.rule_id,
                "level": LEVELS[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": artifact,
                            "region": _region(analysis, f.start, f.end),
                        }
                    }
                ],
            }
            if f.rule_id in rule_index:
                result["ruleIndex"] = rule_index[f.rule_id]
            if f.resource:
                result["locations"][0]["logicalLocations"] = [
                    {
                        "fullyQualifiedName": f.resource,
                        "name": f.resource.rpartition(".")[2],
                        "kind": "resource",
                    }
                ]
            related = []
            for rel in f.related:
                where = report.locate(rel)
                if where is None:
                    continue
                line, col, end_line, end_col = where[1]
                related.append(
                    {
                        "id": len(related) + 1,
                        "message": {"text": rel.message},
                        "physicalLocation": {
                            "artifactLocation": artifact if rel.path is None else artifact_location(rel.path),
                            "region": {
                                "startLine": line,
                                "startColumn": col,
                                "endLine": end_line,
                                "endColumn": end_col,
                            },
                        },
                    }
                )
            if related:
                result["relatedLocations"] = related
            if f.fix is not None and not f.suppressed:  # a suppressed finding is accepted as it is
                result["fixes"] = [
                    {
                        "description": {"text": f.fix.title},
                        "artifactChanges": [
                            {
                                "artifactLocation": artifact,
                                "replacements": [
                                    {
                                        "deletedRegion": _region(analysis, e.start, e.end),
                                        "insertedContent": {"text": e.new_text},
                                    }
                                    for e in sorted(f.fix.edits, key=lambda e: (e.start, e.end))
                                ],
                            }
                        ],
                    }
                ]
            result["suppressions"] = [
                {
                    "kind": "inSource",
                    "status": "accepted",
                    "justification": how.comment,
                    "location": {
                        "physicalLocation": {
                            "artifactLocation": artifact,
                            "region": {"startLine": how.line + 1},
                        }
                    },
                    "properties": {"tool": how.kind},
                }
                for how in f.suppressed
            ]
            results.append(result)
        for p in report.problems:
            notify(
                p.code, p.message, {"artifactLocation": artifact, "region": _region(analysis, p.start, p.end)}
            )

    driver: dict[str, Any] = {"name": "tfguard", "version": __version__, "semanticVersion": __version__}
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = rules
    driver["notifications"] = [
        {
            "id": code,
            "name": NOTIFICATIONS.get(code, (code, ""))[0],
            "shortDescription": {"text": NOTIFICATIONS.get(code, ("", code))[1]},
            "defaultConfiguration": {"level": "error"},
        }
        for code in notification_ids
    ]
    run = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {SRCROOT: {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(reports: Sequence[FileReport]) -> str:
    return json.dumps(document(reports), indent=2) + "\n"
