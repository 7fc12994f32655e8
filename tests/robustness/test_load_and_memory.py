"""Load (1,000 code actions in one burst while a 10,000-line file is edited) and memory bounds."""

from __future__ import annotations

import time

from robustness.rpc import Server, line_starts, lsp_range
from tfguard.engine import Analyzer

POSITIVE = 'resource "aws_iam_access_key" "k{i}" {{\n  user = "root"\n}}\n'
BURST = 1000
PROBE_SECONDS = 10.0  # the stated bound for a request sent during the burst


def big_file(lines: int = 10_000) -> str:
    blocks = []
    i = 0
    while sum(b.count("\n") for b in blocks) < lines:
        blocks.append(POSITIVE.format(i=i) if i % 50 == 0 else f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b{i}"\n  acl    = "private"\n}}\n')
        i += 1
    return "\n".join(blocks)


def test_a_burst_of_code_actions_while_editing_is_all_answered() -> None:
    srv = Server()
    try:
        text = big_file()
        uri = "file:///load/big.tf"
        srv.open(uri, text)
        srv.wait_published(uri, 1, 120)
        version = 1
        started = time.monotonic()
        ids = []
        probe_id, probe_sent = None, 0.0
        for n in range(BURST):
            line = (n * 37) % 10_000
            ids.append(srv.request_nowait("textDocument/codeAction", {
                "textDocument": {"uri": uri},
                "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 5}},
                "context": {"diagnostics": []},
            }))
            if n % 100 == 50:  # typing: one character in and out near the top
                version += 1
                at = len(text) // 3
                srv.change(uri, version, [{"range": lsp_range(text, at, at, srv.encoding, line_starts(text)), "text": "#"}])
                text = text[:at] + "#" + text[at:]
            if n == BURST // 2:
                probe_sent = time.monotonic()
                probe_id = srv.request_nowait("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 3}})
        answers = [srv.wait_response(i, 300) for i in ids]
        probe = srv.wait_response(probe_id, 300)
        total = time.monotonic() - started
        probe_latency = srv.response_times.get(probe_id, time.monotonic()) - probe_sent
        errors = [a for a in answers if "error" in a and a["error"]["code"] not in (-32800, -32801, -32802)]
        print(f"\n{BURST} code actions with {version - 1} edits on a 10,000-line file: all answered in {total:.1f} s "
              f"({total / BURST * 1000:.1f} ms each); a hover sent mid-burst answered in {probe_latency:.2f} s")
        assert errors == [] and "error" not in probe
        assert probe_latency < PROBE_SECONDS
        assert srv.shutdown() == 0
    finally:
        srv.cleanup()


def test_analyzer_cache_never_exceeds_its_size() -> None:
    analyzer = Analyzer(cache_size=64)
    text = "".join(POSITIVE.format(i=i) for i in range(10))
    for n in range(500):  # many edits: each one makes a new chunk text
        text = text.replace(f'"k{n % 10}', f'"k{n % 10}x', 1)
        analyzer.analyze(text)
        assert len(analyzer._cache) <= 64
    assert len(analyzer._cache) == 64


def test_default_cache_size_is_the_documented_bound() -> None:
    assert Analyzer()._cache_size == 20_000  # chunks per document (GUARANTEES.md)


def test_incremental_state_holds_only_the_current_text() -> None:
    analyzer = Analyzer()
    big = "".join(POSITIVE.format(i=i) for i in range(2000))
    analyzer.analyze(big)
    analyzer.analyze(POSITIVE.format(i=0))
    assert analyzer._text == POSITIVE.format(i=0) and len(analyzer._entries) == 1
