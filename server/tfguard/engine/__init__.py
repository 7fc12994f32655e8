"""The engine: runs rules over documents and applies fixes. It knows nothing of LSP or output formats."""

from tfguard.engine.findings import Finding, Fix, Problem, Related, Severity, TextEdit
from tfguard.engine.fixes import apply_edits, fix_all_edits, fix_text
from tfguard.engine.runner import Analysis, Analyzer, analyze_text
from tfguard.engine.source import SourceError, read_source

__all__ = [
    "Analysis",
    "Analyzer",
    "Finding",
    "Fix",
    "Problem",
    "Related",
    "Severity",
    "SourceError",
    "TextEdit",
    "analyze_text",
    "apply_edits",
    "fix_all_edits",
    "fix_text",
    "read_source",
]
