"""Run rules over a document: split it into chunks, parse and check each chunk, cache by chunk text.

A chunk's results depend on its text only, so they are computed with chunk-relative offsets, cached by the
chunk's text, and shifted to the chunk's place in the document. After an edit only the chunks whose text
changed are parsed and checked again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

from tfguard.engine.findings import Finding, Problem, Related, Severity
from tfguard.engine.resolve import Env, LiteralResolver, Resolver, Symbol, symbols_of
from tfguard.engine.suppress import apply_suppressions
from tfguard.hcl.model import Block, Source
from tfguard.hcl.parse import parse_chunk
from tfguard.hcl.scanner import Chunk, split_from
from tfguard.hcl.scanner import scan_exact as _scan_exact
from tfguard.hcl.text import LineIndex


@dataclass(frozen=True)
class ChunkResult:
    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    symbols: tuple[Symbol, ...] = ()
    # blocks whose check needs the module (a reference to resolve): checked again at every analysis
    deferred: tuple[tuple[Block, Source], ...] = ()


@dataclass
class Analysis:
    """Everything tfguard found in one text. Offsets index ``text``."""

    text: str
    findings: list[Finding]
    problems: list[Problem]
    complete: bool = True  # False when some chunks were left unchecked (a quick or scoped analysis)
    symbols: list[Symbol] = field(default_factory=list)  # what this text defines for the module
    suppressed: list[Finding] = field(default_factory=list)  # findings a suppression comment hides
    _index: LineIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index


class _Entry(NamedTuple):
    """One chunk of the last analysed text: where it is, its text, its results (None for blank/comment runs)."""

    start: int
    end: int
    key: str
    result: ChunkResult | None
    broken: bool  # cut by recovery: where it ends depends on the text after it


class Analyzer:
    """Analyses texts with a cache of per-chunk results; keep one per document for fast re-analysis.

    Successive calls are incremental: the chunks at the start and at the end of the text that did not change
    are found by comparing chunk texts, and only the text between them is split again (the scan stops as soon
    as it reaches a chunk boundary of the unchanged rest). Chunks whose text is cached are not parsed again.
    ``parses`` counts chunk parses (cache misses), which tests use to prove the incremental path.

    ``analyze(text, quick=True)`` checks only the chunks that mention a resource type some rule looks at, so a
    large file's findings come first; a later full ``analyze`` completes the rest (syntax errors included).
    ``analyze_scope`` checks only the chunks overlapping a range, without waiting for a running analysis.
    """

    def __init__(
        self, rules: Sequence[object] | None = None, cache_size: int = 20_000, *, tfvars: bool = False
    ) -> None:
        if rules is None:
            from tfguard.rules import ALL_RULES

            rules = ALL_RULES
        self.rules = tuple(rules)
        self.tfvars = tfvars  # a variables file: its top-level attributes are values of var.NAME
        self._needles = tuple(
            {t for rule in self.rules for t in getattr(getattr(rule, "meta", None), "resource_types", ())}
            | set(SYMBOL_NEEDLES)
        )
        self._cache: OrderedDict[str, ChunkResult] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()  # held briefly, never across a parse
        self._state_lock = threading.Lock()  # one analysis of this document's state at a time
        self._text: str | None = None
        self._entries: list[_Entry] = []
        self.parses = 0

    def analyze(self, text: str, *, quick: bool = False, env: Env | None = None) -> Analysis:
        """Findings and problems of ``text``. With ``quick``, only chunks a rule may flag are checked, and
        ``Analysis.complete`` is False when others were left for later. ``env`` holds the symbols of the other
        files of the module (references are resolved through it and this text's own symbols)."""
        if len(text) > MAX_TEXT_CHARS:
            return too_large(text)
        with self._state_lock:
            entries = self._split(text)
            complete = True
            for i, entry in enumerate(entries):
                if entry.result is _PENDING:
                    if quick and not self._wanted(entry.key):
                        complete = False
                        continue
                    entries[i] = entry._replace(result=self._result_for(text, entry.start, entry.end))
            self._text, self._entries = text, entries
        return self._assemble(text, entries, complete, env)

    def analyze_scope(self, text: str, start: int, end: int, env: Env | None = None) -> Analysis:
        """Findings and problems of the chunks of ``text`` that overlap ``[start, end]`` only. It shares the
        chunk cache but not the incremental state, so it never waits for an analysis in another thread."""
        if len(text) > MAX_TEXT_CHARS:
            return too_large(text)
        entries = []
        for chunk in split_from(text)[0]:
            if chunk.end < start or chunk.start > end or not chunk.significant:
                continue
            result = self._result_for(text, chunk.start, chunk.end, chunk)
            entries.append(_Entry(chunk.start, chunk.end, "", result, chunk.broken))
        return self._assemble(text, entries, False, env)

    def _assemble(self, text: str, entries: list[_Entry], complete: bool, env: Env | None) -> Analysis:
        findings: list[Finding] = []
        problems: list[Problem] = []
        symbols: list[Symbol] = []
        deferred: list[tuple[int, Block, Source]] = []
        for entry in entries:
            result = entry.result
            if result is None or result is _PENDING:
                continue
            if result.findings:
                findings.extend(f.shifted(entry.start) for f in result.findings)
            if result.problems:
                problems.extend(p.shifted(entry.start) for p in result.problems)
            if result.symbols:
                symbols.extend(s.shifted(entry.start) for s in result.symbols)
            if result.deferred:
                deferred.extend((entry.start, block, source) for block, source in result.deferred)
        if deferred:
            module = (env or Env()).with_document(symbols)
            for base, block, source in deferred:
                resolver = Resolver(module, base)
                for rule in self.rules:
                    findings.extend(
                        f.shifted(base) for f in rule.check(block, source, resolver)  # type: ignore[attr-defined]
                    )
            findings.sort(key=lambda f: f.start)
        analysis = Analysis(text, findings, problems, complete, symbols)
        if findings:
            analysis.findings, analysis.suppressed = apply_suppressions(findings, text, self._aliases)
        return analysis

    def _aliases(self, rule_id: str) -> dict[str, tuple[str, ...]]:
        for rule in self.rules:
            meta = getattr(rule, "meta", None)
            if meta is not None and meta.id == rule_id:
                return meta.aliases_by_tool()
        return {}

    def _wanted(self, key: str) -> bool:
        return any(needle in key for needle in self._needles)

    def _split(self, text: str) -> list[_Entry]:
        old_text, old = self._text, self._entries
        if old_text is None or not old:
            return self._entries_for(split_from(text)[0], text)
        if text == old_text:
            return list(old)
        delta = len(text) - len(old_text)
        # unchanged chunks at the start: same text at the same place. Not the last chunk (it may grow), and not
        # past a broken chunk: an edit after it may close what it left open, and then it ends elsewhere.
        first = 0
        while (
            first < len(old) - 1
            and not old[first].broken
            and text.startswith(old[first].key, old[first].start)
        ):
            first += 1
        restart = old[first].start
        # unchanged chunks at the end: same text, shifted by delta, after the restart point
        last = len(old)
        while last > first and old[last - 1].start + delta >= restart and text.startswith(
            old[last - 1].key, old[last - 1].start + delta
        ):
            last -= 1
        resync = {old[i].start + delta: i for i in range(last, len(old))}
        chunks, stopped = split_from(text, restart, resync)
        middle = self._entries_for(chunks, text)
        if stopped < 0:
            return old[:first] + middle
        rest = old[resync[stopped] :]
        if delta:
            rest = [e._replace(start=e.start + delta, end=e.end + delta) for e in rest]
        return old[:first] + middle + rest

    def _entries_for(self, chunks: list[Chunk], text: str) -> list[_Entry]:
        """Entries for new chunks: cached results where the text is known, else pending (checked on demand)."""
        entries = []
        for chunk in chunks:
            key = text[chunk.start : chunk.end]
            result: ChunkResult | None = None
            if chunk.significant:
                with self._cache_lock:
                    result = self._cache.get(key)
                    if result is not None:
                        self._cache.move_to_end(key)
                if result is None:
                    result = _PENDING
            entries.append(_Entry(chunk.start, chunk.end, key, result, chunk.broken))
        return entries

    def _result_for(self, text: str, start: int, end: int, chunk: Chunk | None = None) -> ChunkResult:
        key = text[start:end]
        with self._cache_lock:
            result = self._cache.get(key)
        if result is not None:
            return result
        if chunk is None:
            # the chunk's own scan (its comments and strings): scanning just its text gives back that chunk
            chunk = next(c for c in _scan_exact(text, start, end) if c.significant)
        result = self._check(chunk, text)
        with self._cache_lock:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def _check(self, chunk: Chunk, text: str) -> ChunkResult:
        self.parses += 1
        parsed = parse_chunk(chunk, text)
        problems = tuple(
            Problem(e.start, e.end, e.message, e.code, related=tuple(Related(*r) for r in e.related))
            for e in parsed.errors
        )
        return self._check_blocks(parsed.blocks, parsed.attributes, parsed.source, problems)

    def _check_blocks(
        self, blocks: Sequence[Block], attributes: Sequence[Any], source: Source, problems: tuple[Problem, ...]
    ) -> ChunkResult:
        """Run the rules over parsed blocks. A block whose check needed the module (a reference) is deferred:
        it is checked again at every analysis, with the module's symbols; the rest is cached by chunk text."""
        findings: list[Finding] = []
        deferred: list[tuple[Block, Source]] = []
        for block in blocks:
            literal = LiteralResolver()
            found = [f for rule in self.rules for f in rule.check(block, source, literal)]  # type: ignore[attr-defined]
            if literal.needs_env:
                deferred.append((block, source))
            else:
                findings.extend(found)
        symbols = symbols_of(blocks, attributes, self.tfvars)
        return ChunkResult(tuple(findings), problems, tuple(symbols), tuple(deferred))


# The size cap: a text longer than this (in characters; a file of at least 5 MiB) is not parsed. Its analysis
# holds one informational problem saying so, which keeps the server responsive and its memory bounded on a
# generated or minified file nobody edits by hand.
MAX_TEXT_CHARS = 5 * 1024 * 1024
TOO_LARGE_CODE = "too-large"


def too_large(text: str) -> Analysis:
    """The analysis of a text over the size cap: no findings, one informational problem on its first line."""
    head = text[:200]
    first_line = min((i for i in (head.find("\n"), head.find("\r")) if i >= 0), default=len(head))
    message = (
        f"tfguard did not check this file: it has {len(text):,} characters, more than the limit of "
        f"{MAX_TEXT_CHARS:,} (5 MiB)."
    )
    problem = Problem(0, first_line, message, TOO_LARGE_CODE, severity=Severity.INFORMATION)
    return Analysis(text, [], [problem], True)


_PENDING = ChunkResult((), ())  # a significant chunk not checked yet
SYMBOL_NEEDLES = ("variable", "locals", "aws_iam_user")  # chunks that may define what references resolve to


_shared: Analyzer | None = None


def analyze_text(text: str) -> Analysis:
    """Analyse ``text`` with a process-wide analyzer."""
    global _shared
    if _shared is None:
        _shared = Analyzer()
    return _shared.analyze(text)
