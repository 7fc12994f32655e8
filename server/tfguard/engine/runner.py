"""Run rules over a document: split it into chunks, parse and check each chunk, cache by chunk text.

A chunk's results depend on its text only, so they are computed with chunk-relative offsets, cached by the
chunk's text, and shifted to the chunk's place in the document. After an edit only the chunks whose text
changed are parsed and checked again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

from tfguard.engine.findings import Finding, Problem, Related
from tfguard.hcl.parse import parse_chunk
from tfguard.hcl.scanner import split
from tfguard.hcl.text import LineIndex


@dataclass(frozen=True)
class ChunkResult:
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]


@dataclass
class Analysis:
    """Everything tfguard found in one text. Offsets index ``text``."""

    text: str
    findings: list[Finding]
    problems: list[Problem]
    _index: LineIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index


class Analyzer:
    """Analyses texts with a cache of per-chunk results; keep one per document for fast re-analysis.

    ``parses`` counts chunk parses (cache misses), which tests use to prove the incremental path.
    """

    def __init__(self, rules: Sequence[object] | None = None, cache_size: int = 20_000) -> None:
        if rules is None:
            from tfguard.rules import ALL_RULES

            rules = ALL_RULES
        self.rules = tuple(rules)
        self._cache: OrderedDict[str, ChunkResult] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.parses = 0

    def analyze(self, text: str) -> Analysis:
        findings: list[Finding] = []
        problems: list[Problem] = []
        for chunk in split(text):
            if not chunk.significant:
                continue
            key = text[chunk.start : chunk.end]
            with self._lock:
                result = self._cache.get(key)
                if result is not None:
                    self._cache.move_to_end(key)
            if result is None:
                result = self._check(chunk, text)
                with self._lock:
                    self._cache[key] = result
                    if len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
            findings.extend(f.shifted(chunk.start) for f in result.findings)
            problems.extend(p.shifted(chunk.start) for p in result.problems)
        return Analysis(text, findings, problems)

    def _check(self, chunk, text: str) -> ChunkResult:
        self.parses += 1
        parsed = parse_chunk(chunk, text)
        problems = tuple(
            Problem(e.start, e.end, e.message, e.code, related=tuple(Related(*r) for r in e.related))
            for e in parsed.errors
        )
        findings: list[Finding] = []
        for block in parsed.blocks:
            for rule in self.rules:
                findings.extend(rule.check(block, parsed.source))  # type: ignore[attr-defined]
        return ChunkResult(tuple(findings), problems)


_shared: Analyzer | None = None


def analyze_text(text: str) -> Analysis:
    """Analyse ``text`` with a process-wide analyzer."""
    global _shared
    if _shared is None:
        _shared = Analyzer()
    return _shared.analyze(text)
