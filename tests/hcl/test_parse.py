"""Syntax errors: one plain-words diagnostic in the broken block, and every other block keeps its findings."""

from __future__ import annotations

import pytest

from tfguard.engine import Severity, analyze_text

GOOD = 'resource "aws_iam_access_key" "good" {\n  user = "root"\n}\n'


@pytest.mark.parametrize(
    "broken, at, words",
    [
        ('resource "x" "y" {\n  a = \n}\n', "=", "unexpected end of line; expected a value"),
        ('resource "x" "y" {\n  a = 1 2\n}\n', "2", "unexpected '2'; expected a new line"),
        ('resource "x" "y" {\n  a = "open\n}\n', '"open', "string is not closed"),
        ('resource "x" "y" {\n  a = [1,\n', "[", "'[' is never closed"),
        ('resource "x" "y" {\n  a = 1\n', "{", "'{' is never closed"),
        ('resource "x" "y" {\n  a = 1\n}\n}\n', "}", "nothing is open"),
        ('resource "x" "y" {\n  a = <<EOF\nabc\n', "<<EOF", "heredoc is never closed"),
        ('resource "x" "y" {\n  a = 1 /* note\n', "/*", "comment is never closed"),
        ('resource "x" "y" {\n  a = (1]\n}\n', "]", "does not match"),
    ],
)
def test_error_stays_in_its_block(broken: str, at: str, words: str) -> None:
    for text in (broken + "\n" + GOOD, GOOD + "\n" + broken, GOOD + broken + GOOD.replace("good", "also")):
        analysis = analyze_text(text)
        assert len(analysis.problems) == 1, analysis.problems
        problem = analysis.problems[0]
        assert problem.code == "syntax" and problem.severity == Severity.ERROR
        assert words in problem.message
        assert "DBLQUOTE" not in problem.message and "RBRACE" not in problem.message
        base = text.index(broken)
        offset = base + (broken.rindex(at) if at == "}" else broken.index(at))
        assert problem.start == offset, (text[problem.start : problem.end], problem)
        expected = 2 if text.count("good") + text.count("also") == 2 else 1
        assert len(analysis.findings) == expected


def test_byte_order_mark_is_accepted() -> None:
    analysis = analyze_text("\ufeff" + GOOD)
    assert analysis.problems == []
    assert analysis.index.column(analysis.findings[0].start) == (2, 3)


def test_comments_python_hcl2_rejects_are_accepted() -> None:
    text = (
        'resource "aws_iam_access_key" /* between labels */ "k" {\n'
        "  user /* before = */ = /* after = */ \"root\"\n"
        "}\n"
    )
    analysis = analyze_text(text)
    assert analysis.problems == [] and len(analysis.findings) == 1


def test_parser_exceptions_never_escape() -> None:
    # deep nesting, a NUL byte, an attribute and a block with one name: none may raise
    for text in ("x = " + "[" * 5000 + "]" * 5000 + "\n", "a = \"\x00\"\n", "a = 1\na {}\n", "{" * 3000):
        analysis = analyze_text(text)
        assert isinstance(analysis.problems, list)


def test_a_syntax_error_does_not_spread_over_a_ten_thousand_line_file() -> None:
    blocks = [GOOD.replace("good", f"k{i}") for i in range(300)]
    blocks[150] = 'resource "aws_iam_access_key" "broken" {\n  user = "root\n}\n'
    analysis = analyze_text("\n".join(blocks))
    assert len(analysis.findings) == 299 and len(analysis.problems) == 1
