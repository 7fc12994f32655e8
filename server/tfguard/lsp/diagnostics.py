"""Engine results (offsets into the analysed text) -> lsprotocol Diagnostics in the negotiated encoding."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from lsprotocol import types

from tfguard.engine.findings import Finding, Problem, Related, Severity, TextEdit
from tfguard.hcl.text import Encoding, LineIndex

from .capabilities import ClientFeatures

log = logging.getLogger(__name__)

SOURCE = "tfguard"
INTERNAL_ERROR_CODE = "internal-error"


def to_range(index: LineIndex, start: int, end: int, encoding: Encoding) -> types.Range:
    sl, sc = index.position(start, encoding)
    el, ec = index.position(end, encoding)
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def to_text_edits(index: LineIndex, edits: Iterable[TextEdit], encoding: Encoding) -> list[types.TextEdit]:
    return [types.TextEdit(to_range(index, e.start, e.end, encoding), e.new_text) for e in edits]


@cache
def help_uri(rule_id: str) -> str | None:
    """The rule's documentation link, or None for an unknown rule."""
    try:
        from tfguard.rules import ALL_RULES
    except ImportError:  # pragma: no cover - the rules package is always there once the engine is
        return None
    for rule in ALL_RULES:
        meta = getattr(rule, "meta", rule)
        if getattr(meta, "id", None) == rule_id:
            return getattr(meta, "help_uri", None) or None
    return None


TextOf = Callable[[str], "str | None"]  # the text the engine analysed for a path (its open buffer, else disk)


def _other_file(
    path: str, cache: dict[str, tuple[str, LineIndex] | None], text_of: TextOf | None = None
) -> tuple[str, LineIndex] | None:
    """(uri, LineIndex) of a file a Related entry points into, read as the engine reads it; None if unreadable."""
    if path not in cache:
        try:
            from tfguard.engine import read_source

            text = text_of(path) if text_of is not None else read_source(path)
            if text is None:
                raise ValueError("unreadable")
            cache[path] = (Path(path).absolute().as_uri(), LineIndex(text))
        except (OSError, ValueError, ImportError):
            log.info("related location in %s cannot be read; left out", path)
            cache[path] = None
    return cache[path]


def _related(
    uri: str,
    index: LineIndex,
    related: Iterable[Related],
    encoding: Encoding,
    features: ClientFeatures,
    text_of: TextOf | None = None,
    others: dict[str, tuple[str, LineIndex] | None] | None = None,
) -> list[types.DiagnosticRelatedInformation] | None:
    if not features.related_information:
        return None
    items = []
    others = {} if others is None else others
    for r in related:
        target_uri, target_index = uri, index
        path = getattr(r, "path", None)
        if path is not None:  # a place in another file (offsets index that file's text)
            other = _other_file(path, others, text_of)
            if other is None:
                continue
            target_uri, target_index = other
        items.append(
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=target_uri, range=to_range(target_index, r.start, r.end, encoding)
                ),
                message=r.message,
            )
        )
    return items or None


def _severity(value: Severity | int) -> types.DiagnosticSeverity:
    try:
        return types.DiagnosticSeverity(int(value))
    except ValueError:
        return types.DiagnosticSeverity.Warning


def finding_data(index: LineIndex, finding: Finding, encoding: Encoding) -> dict[str, Any]:
    """What goes into Diagnostic.data (as ruff does): the rule and its fix. Code actions never use the
    ranges in here; they recompute the edits from the current text."""
    data: dict[str, Any] = {"rule": finding.rule_id, "fix": None}
    if finding.fix is not None:
        data["fix"] = {
            "title": finding.fix.title,
            "edits": [
                {
                    "range": {
                        "start": {"line": r.start.line, "character": r.start.character},
                        "end": {"line": r.end.line, "character": r.end.character},
                    },
                    "newText": e.new_text,
                }
                for e in finding.fix.edits
                for r in [to_range(index, e.start, e.end, encoding)]
            ],
        }
    return data


def finding_to_diagnostic(
    uri: str,
    index: LineIndex,
    finding: Finding,
    encoding: Encoding,
    features: ClientFeatures,
    text_of: TextOf | None = None,
    others: dict[str, tuple[str, LineIndex] | None] | None = None,
) -> types.Diagnostic:
    href = help_uri(finding.rule_id) if features.code_description else None
    return types.Diagnostic(
        range=to_range(index, finding.start, finding.end, encoding),
        message=finding.message,
        severity=_severity(finding.severity),
        code=finding.rule_id,
        code_description=types.CodeDescription(href) if href else None,
        source=SOURCE,
        related_information=_related(uri, index, finding.related, encoding, features, text_of, others),
        data=finding_data(index, finding, encoding),
    )


def problem_to_diagnostic(
    uri: str, index: LineIndex, problem: Problem, encoding: Encoding, features: ClientFeatures
) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(index, problem.start, problem.end, encoding),
        message=problem.message,
        severity=_severity(problem.severity),
        code=problem.code,
        source=SOURCE,
        related_information=_related(uri, index, problem.related, encoding, features),
    )


def internal_error_diagnostic(message: str) -> types.Diagnostic:
    """Shown instead of results when the engine failed on this text, so the user is not left with stale or
    silently missing diagnostics."""
    return types.Diagnostic(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        message=f"tfguard could not check this file (internal error: {message}). "
        "The details are in the tfguard server log.",
        severity=types.DiagnosticSeverity.Error,
        code=INTERNAL_ERROR_CODE,
        source=SOURCE,
    )


def to_diagnostics(
    uri: str,
    analysis: Any,
    encoding: Encoding,
    features: ClientFeatures,
    error: str | None = None,
    *,
    index: LineIndex | None = None,
    text_of: TextOf | None = None,
) -> list[types.Diagnostic]:
    """The one converter from an engine Analysis (findings and problems) to the diagnostics a client sees.
    ``index`` is a LineIndex of ``analysis.text`` the caller already has; ``text_of`` gives the text of
    other files that related locations point into."""
    if error is not None or analysis is None:
        return [internal_error_diagnostic(error or "no result")]
    if index is None or index.text is not analysis.text:
        index = analysis.index
    others: dict[str, tuple[str, LineIndex] | None] = {}
    items: list[tuple[int, int, types.Diagnostic]] = []
    for finding in analysis.findings:
        items.append(
            (
                finding.start,
                finding.end,
                finding_to_diagnostic(uri, index, finding, encoding, features, text_of, others),
            )
        )
    for problem in analysis.problems:
        items.append(
            (problem.start, problem.end, problem_to_diagnostic(uri, index, problem, encoding, features))
        )
    items.sort(key=lambda item: (item[0], item[1]))
    return [d for _, _, d in items]
