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
