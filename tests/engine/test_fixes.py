"""Every shape of the fix: the exact text it leaves, that the finding is gone, that comments stay, and that
``terraform fmt`` accepts the result wherever it accepted the original."""

from __future__ import annotations

import pytest

from support import KICS, KICS_POSITIVE_FIXED, needs_terraform, terraform_fmt_clean, terraform_parses
from tfguard.engine import Analyzer, TextEdit, analyze_text, apply_edits, fix_all_edits, fix_text

R = 'resource "aws_iam_access_key" "k" '

CASES = {
    "value replaced, comment kept": (
        R + '{\n  user   = "root"\n  status = "active" # was on\n}\n',
        R + '{\n  user   = "root"\n  status = "Inactive" # was on\n}\n',
    ),
    "inserted into an aligned chain": (
        R + '{\n  user    = "root"\n  pgp_key = "keybase:x"\n}\n',
        R + '{\n  user    = "root"\n  status  = "Inactive"\n  pgp_key = "keybase:x"\n}\n',
    ),
    "neighbour re-aligned": (
        R + '{\n  user = "root"\n}\n',
        R + '{\n  user   = "root"\n  status = "Inactive"\n}\n',
    ),
    "comment chain split by the new line": (
        R + '{\n  # who owns the key\n  user = "root" # the root user\n  pgp  = "x"    # key\n}\n',
        R + '{\n  # who owns the key\n  user   = "root" # the root user\n  status = "Inactive"\n  pgp    = "x" # key\n}\n',
    ),
    "unaligned neighbours left alone": (
        R + '{\n  user = "root"\n  pgp = "x"\n}\n',
        R + '{\n  user   = "root"\n  status = "Inactive"\n  pgp = "x"\n}\n',
    ),
    "one-line block expanded": (
        R + '{ user = "root" }\n',
        R + '{\n  user   = "root"\n  status = "Inactive"\n}\n',
    ),
    "one-line block with a comment after it": (
        'module "m" {\n}\n' + R + '{ user = "root" } # trailing\n',
        'module "m" {\n}\n' + R + '{\n  user   = "root"\n  status = "Inactive"\n} # trailing\n',
    ),
    "CRLF kept": (
        R + '{\r\n  user = "root"\r\n}\r\n',
        R + '{\r\n  user   = "root"\r\n  status = "Inactive"\r\n}\r\n',
    ),
    "tab indentation kept": (
        R + '{\n\tuser = "root"\n}\n',
        R + '{\n\tuser   = "root"\n\tstatus = "Inactive"\n}\n',
    ),
    "brace after the last attribute": (
        R + '{\n  user = "root" }\n',
        R + '{\n  user = "root"\n  status = "Inactive"\n}\n',
    ),
    "heredoc neighbour": (
        R + '{\n  user    = "root"\n  pgp_key = <<EOF\nabc\nEOF\n}\n',
        R + '{\n  user    = "root"\n  status  = "Inactive"\n  pgp_key = <<EOF\nabc\nEOF\n}\n',
    ),
    "nested block after": (
        R + '{\n  user = "root"\n\n  lifecycle {\n    ignore_changes = [pgp_key]\n  }\n}\n',
        R + '{\n  user   = "root"\n  status = "Inactive"\n\n  lifecycle {\n    ignore_changes = [pgp_key]\n  }\n}\n',
    ),
    "status first": (
        R + '{\n  status = "Active"\n  user   = "root"\n}\n',
        R + '{\n  status = "Inactive"\n  user   = "root"\n}\n',
    ),
    "duplicate status: the judged one is fixed": (
        R + '{\n  user   = "root"\n  status = "Inactive"\n  status = "Active"\n}\n',
        R + '{\n  user   = "root"\n  status = "Inactive"\n  status = "Inactive"\n}\n',
    ),
    "byte-order mark and non-Latin comments": (
        "\ufeff# ключ 😀\n" + R + '{\n  user = "root" # 根\n}\n',
        "\ufeff# ключ 😀\n" + R + '{\n  user   = "root" # 根\n  status = "Inactive"\n}\n',
    ),
    "indented block": (
        '  ' + R + '{\n    user = "root"\n  }\n',
        '  ' + R + '{\n    user   = "root"\n    status = "Inactive"\n  }\n',
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fix_shape(name: str) -> None:
    before, expected = CASES[name]
    analysis = analyze_text(before)
    assert len(analysis.findings) == 1
    after, fixed = fix_text(before)
    assert after == expected
    assert fixed == 1
    again = analyze_text(after)
    assert again.findings == []
    assert [p.code for p in again.problems] == [p.code for p in analysis.problems]


@needs_terraform
@pytest.mark.parametrize("name", list(CASES))
def test_fix_keeps_terraform_happy(name: str) -> None:
    before, expected = CASES[name]
    if terraform_parses(before):
        assert terraform_parses(expected)
    if terraform_fmt_clean(before):
        assert terraform_fmt_clean(expected)


def test_single_fix_and_fix_all_on_the_conformance_file() -> None:
    text = (KICS / "positive.tf").read_text()
    analysis = analyze_text(text)
    first = analysis.findings[0]
    assert first.fix is not None and first.fix.title == 'Set status to "Inactive"'
    one = apply_edits(text, first.fix.edits)
    assert [f.resource for f in analyze_text(one).findings] == ["aws_iam_access_key.positive2"]
    everything = apply_edits(text, fix_all_edits(analysis))
    assert everything == KICS_POSITIVE_FIXED
    assert analyze_text(everything).findings == []


def test_fix_all_leaves_other_blocks_and_syntax_errors_untouched() -> None:
    broken = 'resource "x" "y" {\n  a = \n}\n'
    text = broken + R + '{\n  user = "root"\n}\n' + "# end\n"
    after, fixed = fix_text(text)
    assert fixed == 1
    assert after.startswith(broken) and after.endswith("# end\n")
    assert len(analyze_text(after).problems) == 1


def test_apply_edits_rejects_overlaps() -> None:
    with pytest.raises(ValueError):
        apply_edits("abcdef", [TextEdit(0, 3, "x"), TextEdit(2, 4, "y")])
    assert apply_edits("abcdef", [TextEdit(4, 6, "Z"), TextEdit(0, 1, "")]) == "bcdZ"


def test_fix_text_fixes_many_blocks_in_one_round() -> None:
    text = "".join(f'resource "aws_iam_access_key" "k{i}" {{\n  user = "root"\n}}\n\n' for i in range(50))
    analyzer = Analyzer()
    after, fixed = fix_text(text, analyzer)
    assert fixed == 50
    assert after.count('status = "Inactive"') == 50
    assert analyzer.analyze(after).findings == []
