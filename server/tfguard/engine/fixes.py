"""Applying fixes: one finding's edits, or all of them at once."""

from __future__ import annotations

from typing import Iterable

from tfguard.engine.findings import TextEdit
from tfguard.engine.runner import Analysis, Analyzer

_MAX_ROUNDS = 5


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits (in any order) to ``text``."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    out: list[str] = []
    last = 0
    for edit in ordered:
        if edit.start < last:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        out.append(text[last : edit.start])
        out.append(edit.new_text)
        last = edit.end
    out.append(text[last:])
    return "".join(out)


def fix_all_edits(analysis: Analysis) -> list[TextEdit]:
    """Edits fixing every fixable finding; a fix whose edits overlap an earlier one waits for the next round."""
    taken: list[TextEdit] = []
    for finding in sorted(analysis.findings, key=lambda f: f.start):
        if finding.fix is None:
            continue
        edits = finding.fix.edits
        if any(_overlaps(e, t) for e in edits for t in taken):
            continue
        taken.extend(edits)
    return sorted(taken, key=lambda e: (e.start, e.end))


def _overlaps(a: TextEdit, b: TextEdit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True
    return a.start < b.end and b.start < a.end


def fix_text(text: str, analyzer: Analyzer | None = None) -> tuple[str, int]:
    """Fix every fixable finding in ``text``; returns the new text and how many findings were fixed."""
    analyzer = analyzer or Analyzer()
    fixed = 0
    for _ in range(_MAX_ROUNDS):
        analysis = analyzer.analyze(text)
        edits = fix_all_edits(analysis)
        if not edits:
            break
        before = len([f for f in analysis.findings if f.fix is not None])
        text = apply_edits(text, edits)
        after = len([f for f in analyzer.analyze(text).findings if f.fix is not None])
        if after >= before:
            break  # a fix that does not remove its finding must not loop
        fixed += before - after
    return text, fixed
