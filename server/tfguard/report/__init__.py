"""Output formats for ``tfguard check``: text for people, JSON for scripts, SARIF for code-scanning services.

Every format takes the same input, a sequence of :class:`FileReport` (a path as the user should see it and
the :class:`~tfguard.engine.Analysis` of that file, or the reason the file could not be read), in the order
the files should be shown, and returns the whole document as one string. The engine never formats anything;
the formats never analyse anything.

A finding may point at places in other files of its module (a variable's ``default`` in ``variables.tf``, a
value in ``terraform.tfvars``): :class:`FileReport` carries those files' texts in ``others`` so every format
can give their lines and columns. Suppressed findings (hidden by a suppression comment) are kept apart in
``suppressed``; text and JSON show them only when asked (``--show-suppressed``), SARIF always carries them
with a ``suppressions`` entry.

Positions are 1-based lines and 1-based columns counted in Unicode code points. A byte-order mark at the start
of a file is not counted as a column (editors hide it), so line 1 of a file with a BOM numbers its columns as
the same file without one would.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tfguard.engine import Analysis
from tfguard.engine.findings import Finding, Problem, Related

__all__ = ["FORMATS", "FileReport", "Position", "Span", "column", "render", "span"]

BOM = "\ufeff"


@dataclass(frozen=True)
class FileReport:
    """One input file: its path as shown to the user and its analysis, or why it could not be read.

    ``error`` is set (and ``analysis`` is ``None``) when the file could not be read or decoded, or when a
    path given on the command line does not exist. ``fixed`` counts the findings ``--fix`` repaired in it;
    ``fix_error`` says why the fixed text could not be written (the analysis is then of the unchanged file).
    ``others`` maps the absolute path of another file a related location points into (``Related.path``) to
    the text its offsets index.
    """

    path: str
    analysis: Analysis | None = None
    error: str | None = None
    fixed: int = 0
    fix_error: str | None = None
    others: Mapping[str, str] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return (
            sorted(self.analysis.findings, key=lambda f: (f.start, f.end, f.rule_id)) if self.analysis else []
        )

    @property
    def suppressed(self) -> list[Finding]:
        """Findings a suppression comment hides; each has ``.suppressed == (Suppression(kind, comment, line),)``."""
        return (
            sorted(self.analysis.suppressed, key=lambda f: (f.start, f.end, f.rule_id))
            if self.analysis
            else []
        )

    def locate(self, related: Related) -> tuple[str, Span] | None:
        """Where a related location is: the path to show and its span; None when its file's text is missing."""
        assert self.analysis is not None
        if related.path is None:
            return self.path, span(self.analysis, related.start, related.end)
        text = self.others.get(related.path)
        if text is None:
            return None
        return self.related_path(related.path), span(_analysis_of(text), related.start, related.end)

    def related_path(self, path: str) -> str:
        """How to show another file: beside this one as this one is shown (``infra/variables.tf`` next to
        ``infra/main.tf``), else relative to the current folder when under it, else absolute."""
        here = os.path.dirname(self.path)
        if os.path.dirname(os.path.abspath(self.path)) == os.path.dirname(path):
            return os.path.join(here, os.path.basename(path)) if here else os.path.basename(path)
        if os.path.isabs(self.path):
            return path
        rel = os.path.relpath(path)
        return path if rel.startswith(os.pardir) else rel

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


_ANALYSES: dict[str, Analysis] = {}


def _analysis_of(text: str) -> Analysis:
    """An empty analysis of ``text``, for its line index (kept per text: many findings point at one file)."""
    found = _ANALYSES.get(text)
    if found is None:
        if len(_ANALYSES) > 256:
            _ANALYSES.clear()
        found = _ANALYSES[text] = Analysis(text, [], [])
    return found


def render(fmt: str, reports: Sequence[FileReport], *, show_suppressed: bool = False) -> str:
    """The document for ``fmt`` (``text``, ``json`` or ``sarif``). ``show_suppressed`` adds the suppressed
    findings to text and JSON; SARIF always carries them."""
    return FORMATS[fmt](reports, show_suppressed)


def _text(reports: Sequence[FileReport], show_suppressed: bool = False) -> str:
    from tfguard.report import text

    return text.render(reports, show_suppressed=show_suppressed)


def _json(reports: Sequence[FileReport], show_suppressed: bool = False) -> str:
    from tfguard.report import json as json_report

    return json_report.render(reports, show_suppressed=show_suppressed)


def _sarif(reports: Sequence[FileReport], show_suppressed: bool = False) -> str:
    from tfguard.report import sarif

    return sarif.render(reports)


FORMATS = {"text": _text, "json": _json, "sarif": _sarif}
