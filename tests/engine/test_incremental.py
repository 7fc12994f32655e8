"""The analyzer reparses only the blocks whose text changed, and its results equal a fresh analysis."""

from __future__ import annotations

from tfguard.engine import Analyzer

BLOCK = 'resource "aws_iam_access_key" "k{i}" {{\n  user   = "root"\n  status = "Inactive"\n}}\n\n'


def test_edit_in_one_block_reparses_only_that_block() -> None:
    text = "".join(BLOCK.format(i=i) for i in range(100))
    analyzer = Analyzer()
    analyzer.analyze(text)
    assert analyzer.parses == 100
    edited = text.replace('"k50" {\n  user   = "root"\n  status = "Inactive"', '"k50" {\n  user   = "root"\n  status = "Active"')
    result = analyzer.analyze(edited)
    assert analyzer.parses == 101
    fresh = Analyzer().analyze(edited)
    assert result.findings == fresh.findings and result.problems == fresh.problems
    assert [f.resource for f in result.findings] == ["aws_iam_access_key.k50"]


def test_inserting_lines_above_shifts_cached_results_correctly() -> None:
    text = "".join(BLOCK.format(i=i) for i in range(10)).replace('status = "Inactive"', 'status = "Active"')
    analyzer = Analyzer()
    before = analyzer.analyze(text)
    shifted = "# a new comment\n\n" + text
    after = analyzer.analyze(shifted)
    assert analyzer.parses == 10  # nothing reparsed: only offsets moved
    assert [f.start - 17 for f in after.findings] == [f.start for f in before.findings]
    assert after.findings == Analyzer().analyze(shifted).findings


def test_typing_in_the_middle_reparses_one_block_and_is_fast_path() -> None:
    text = "".join(BLOCK.format(i=i) for i in range(1000))
    analyzer = Analyzer()
    analyzer.analyze(text)
    parses = analyzer.parses
    at = text.index('"k500"') + 3
    for ch in "abc":
        text = text[:at] + ch + text[at:]
        at += 1
        result = analyzer.analyze(text)
    assert analyzer.parses == parses + 3  # one block per keystroke
    assert result.findings == Analyzer().analyze(text).findings == []


SNIPPETS = ['"', "{", "}", "${", "%{", "<<EOF\n", "EOF\n", "#", "/*", "*/", "\n", "\r\n", "\t", "😀", "[", "]",
            'status = "Active"\n', 'user = "root"\n', " ", "=", "resource \"aws_iam_access_key\" \"n\" {\n"]


def test_random_edits_always_equal_a_fresh_analysis() -> None:
    import random

    rng = random.Random(20261128)
    base = "".join(BLOCK.format(i=i) for i in range(30)).replace('status = "Inactive"', 'status = "Active"', 10)
    for _sequence in range(60):
        analyzer = Analyzer()
        text = base
        analyzer.analyze(text)
        for _step in range(25):
            start = rng.randrange(len(text) + 1)
            end = min(len(text), start + rng.choice([0, 0, 1, 2, 10, 60]))
            insert = rng.choice(SNIPPETS) if rng.random() < 0.8 else ""
            text = text[:start] + insert + text[end:]
            incremental = analyzer.analyze(text)
            fresh = Analyzer().analyze(text)
            assert incremental.findings == fresh.findings, (text, start, end, insert)
            assert incremental.problems == fresh.problems, (text, start, end, insert)


OTHER = 'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "b-{i}"\n}}\n\n'


def test_quick_analysis_checks_only_blocks_a_rule_may_flag_then_full_completes() -> None:
    parts = [OTHER.format(i=i) for i in range(200)]
    parts[50] = BLOCK.format(i=50).replace('"Inactive"', '"Active"')
    parts[120] = 'resource "aws_s3_bucket" "broken" {\n  bucket = \n}\n\n'
    text = "".join(parts)
    analyzer = Analyzer()
    quick = analyzer.analyze(text, quick=True)
    assert not quick.complete and analyzer.parses == 1
    assert [f.resource for f in quick.findings] == ["aws_iam_access_key.k50"] and quick.problems == []
    full = analyzer.analyze(text)
    assert full.complete and analyzer.parses == 200
    assert full.findings == quick.findings and len(full.problems) == 1
    fresh = Analyzer().analyze(text)
    assert fresh.findings == full.findings and fresh.problems == full.problems


def test_scoped_analysis_never_waits_for_the_documents_analysis() -> None:
    import threading

    text = "".join(BLOCK.format(i=i).replace('"Inactive"', '"Active"') for i in range(20))
    analyzer = Analyzer()
    target = text.index('"k7"')
    results = []
    with analyzer._state_lock:  # as if a long analysis of this document were running in another thread
        worker = threading.Thread(target=lambda: results.append(analyzer.analyze_scope(text, target, target)))
        worker.start()
        worker.join(timeout=30)
    assert results, "analyze_scope waited for the document's analysis"
    assert [f.resource for f in results[0].findings] == ["aws_iam_access_key.k7"]
