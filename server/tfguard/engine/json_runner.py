"""Analysis of Terraform's JSON syntax (``*.tf.json``, ``*.tfvars.json``): the whole file is one chunk."""

from __future__ import annotations

from tfguard.engine.findings import Problem
from tfguard.engine.resolve import Env
from tfguard.engine.runner import Analysis, Analyzer, ChunkResult, _Entry
from tfguard.hcl.json_syntax import JsonError, parse_json, source_of, to_model
from tfguard.hcl.parse import template_value


class JsonAnalyzer(Analyzer):
    def _split(self, text: str) -> list[_Entry]:
        with self._cache_lock:
            result = self._cache.get(text)
        if result is None:
            result = self._check_json(text)
            with self._cache_lock:
                self._cache.clear()  # one document: keep only its latest text
                self._cache[text] = result
        return [_Entry(0, len(text), text, result, False)]

    def analyze_scope(self, text: str, start: int, end: int, env: Env | None = None) -> Analysis:
        return self.analyze(text, env=env)

    def _check_json(self, text: str) -> ChunkResult:
        self.parses += 1
        if not text.strip(" \t\r\n\ufeff"):
            return ChunkResult((), ())
        try:
            root = parse_json(text)
        except JsonError as exc:
            end = min(exc.pos + 1, len(text))
            return ChunkResult((), (Problem(exc.pos, max(end, exc.pos), f"JSON syntax error: {exc.message}"),))
        blocks, attributes = to_model(root, self.tfvars, template_value)
        return self._check_blocks(blocks, attributes, source_of(text), ())
