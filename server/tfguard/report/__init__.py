"""Output formats for ``tfguard check``: text for people, JSON for scripts, SARIF for code-scanning services.

Every format takes the same input, a sequence of :class:`FileReport` (a path as the user should see it and
the :class:`~tfguard.engine.Analysis` of that file, or the reason the file could not be read), in the order
the files should be shown, and returns the whole document as one string. The engine never formats anything;
the formats never analyse anything.

Positions are 1-based lines and 1-based columns counted in Unicode code points. A byte-order mark at the start
of a file is not counted as a column (editors hide it), so line 1 of a file with a BOM numbers its columns as
the same file without one would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tfguard.engine import Analysis
from tfguard.engine.findings import Finding, Problem

__all__ = ["FORMATS", "FileReport", "Position", "Span", "column", "render", "span"]

BOM = "\ufeff"


@dataclass(frozen=True)
class FileReport:
    """One input file: its path as shown to the user and its analysis, or why it could not be read.

    ``error`` is set (and ``analysis`` is ``None``) when the file could not be read or decoded, or when a
    path given on the command line does not exist. ``fixed`` counts the findings ``--fix`` repaired in it;
    ``fix_error`` says why the fixed text could not be written (the analysis is then of the unchanged file).
    """

    path: str
    analysis: Analysis | None = None
    error: str | None = None
    fixed: int = 0
    fix_error: str | None = None

    @property
    def findings(self) -> list[Finding]:
        return (
            sorted(self.analysis.findings, key=lambda f: (f.start, f.end, f.rule_id)) if self.analysis else []
        )

    @property
    def problems(self) -> list[Problem]:
        return sorted(self.analysis.problems, key=lambda p: (p.start, p.end)) if self.analysis else []


Position = tuple[int, int]
Span = tuple[int, int, int, int]


def column(analysis: Analysis, offset: int) -> Position:
    """1-based (line, column) of ``offset``, columns in code points, a leading BOM not counted."""
    line, col = analysis.index.column(offset)
    if line == 1 and col > 1 and analysis.text.startswith(BOM):
        col -= 1
    return line, col


def span(analysis: Analysis, start: int, end: int) -> Span:
    """(line, column, end_line, end_column); the end column is that of the first character after the range."""
    return (*column(analysis, start), *column(analysis, end))


def render(fmt: str, reports: Sequence[FileReport]) -> str:
    """The document for ``fmt`` (``text``, ``json`` or ``sarif``)."""
    return FORMATS[fmt](reports)


def _text(reports: Sequence[FileReport]) -> str:
    from tfguard.report import text

    return text.render(reports)


def _json(reports: Sequence[FileReport]) -> str:
    from tfguard.report import json as json_report

    return json_report.render(reports)


def _sarif(reports: Sequence[FileReport]) -> str:
    from tfguard.report import sarif

    return sarif.render(reports)


FORMATS = {"text": _text, "json": _json, "sarif": _sarif}
