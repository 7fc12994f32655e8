"""The server keeps one Analyzer per document across versions (its block cache makes a keystroke cheap).
Whatever the edit history, its results must equal a fresh analysis of the same text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tfguard.engine import Analyzer

BASE = (
    'resource "aws_iam_access_key" "a" {\n  user = "root"\n  status = "Active"\n}\n\n'
    'resource "aws_iam_access_key" "b" {\n  user = "root"\n}\n\n'
    '# comment\nresource "aws_iam_access_key" "c" { user = "root" }\n'
)
PIECES = st.sampled_from(
    [
        "",
        "\n",
        "}",
        "{",
        '"',
        "=",
        " ",
        "#",
        "/*",
        "*/",
        "root",
        '"root"',
        "Active",
        "status",
        "user",
        "\r\n",
        "😀",
    ]
)


def summary(analysis) -> tuple:
    return (
        [(f.rule_id, f.start, f.end, f.message, f.fix, f.related) for f in analysis.findings],
        [(p.start, p.end, p.message, p.code) for p in analysis.problems],
    )


@settings(max_examples=150, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 6), PIECES), min_size=1, max_size=8))
def test_reused_analyzer_equals_a_fresh_one(edits) -> None:
    reused = Analyzer()
    text = BASE
    reused.analyze(text)
    for at, length, piece in edits:
        at = min(at, len(text))
        text = text[:at] + piece + text[at + length :]
        assert summary(reused.analyze(text)) == summary(Analyzer().analyze(text)), repr(text)
