"""The rule against the reference scanners' own fixtures and the edge cases of its definition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import DATADOG, KICS
from tfguard.engine import Severity, analyze_text
from tfguard.rules import ALL_RULES, rule_by_id

RULE_ID = "terraform-aws-iam-access-key-is-exposed"


def lines_of(text: str) -> list[int]:
    analysis = analyze_text(text)
    assert analysis.problems == []
    return [analysis.index.column(f.start)[0] for f in analysis.findings]


@pytest.mark.parametrize("folder", [KICS, DATADOG], ids=["kics", "datadog"])
def test_conformance_positive_gives_exactly_the_expected_lines(folder: Path) -> None:
    expected = json.loads((folder / "positive_expected_result.json").read_text())
    text = (folder / "positive.tf").read_text()
    analysis = analyze_text(text)
    assert [analysis.index.column(f.start)[0] for f in analysis.findings] == [e["line"] for e in expected]
    assert [e["line"] for e in expected] == [2, 7]
    names = [f"aws_iam_access_key.{e['resourceName']}" for e in expected if "resourceName" in e]
    if names:  # KICS names the resources, Datadog's copy gives lines only
        assert [f.resource for f in analysis.findings] == names


@pytest.mark.parametrize("folder", [KICS, DATADOG], ids=["kics", "datadog"])
def test_conformance_negative_gives_nothing(folder: Path) -> None:
    assert lines_of((folder / "negative.tf").read_text()) == []


def test_metadata() -> None:
    rule = rule_by_id(RULE_ID)
    assert rule is not None and rule in ALL_RULES
    meta = rule.meta
    assert meta.title == "IAM access key is exposed"
    assert meta.severity == Severity.WARNING and meta.severity_label == "Medium"
    assert meta.category == "Access Control" and meta.provider == "AWS" and meta.platform == "Terraform"
    assert meta.kics_id == "7081f85c-b94d-40fd-8b45-a4f1cac75e46" and meta.cwe == "CWE-200"
    assert meta.help_uri == "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_access_key"
    page = (DATADOG / "iam_access_key_is_exposed.md").read_text()
    assert meta.description.split(" For example")[0] in page.replace("\n", " ")
    assert meta.fix_title == 'Set status to "Inactive"'


def block(user: str, status: str | None = None) -> str:
    body = f"  user = {user}\n"
    if status is not None:
        body += f"  status = {status}\n"
    return f'resource "aws_iam_access_key" "k" {{\n{body}}}\n'


@pytest.mark.parametrize(
    "user, status, flagged",
    [
        ('"root"', None, True),
        ('"root"', '"Active"', True),
        ('"root"', '"ACTIVE"', True),
        ('"root"', '"active"', True),
        ('"root"', '"Inactive"', False),
        ('"root"', '"inactive"', False),
        ('"Root"', None, False),
        ('"ROOT"', '"Active"', False),
        ('"root-admin"', None, False),
        ('" root"', None, False),
        # A template whose parts all resolve is what Terraform sees (issue 5 superseded issue 2's "no
        # interpolation"); one with a part that cannot be resolved, or a directive, is never matched.
        ('"${"root"}"', None, True),
        ('"${"ro"}${"ot"}"', None, True),
        ('"${var.unknown}"', None, False),
        ('"root%{if true}%{endif}"', None, False),
        ('"r\\u006fot"', None, True),  # escapes are decoded as Terraform decodes them
        ('"r\\U0000006Fot"', None, True),
        ('"ro\\"ot"', None, False),
        ('var.user', None, False),  # unresolved reference never matches
        ('local.user', '"Active"', False),
        ('aws_iam_user.root.name', None, False),
        ('"root"', "var.status", False),  # an unresolved status is not known to be active
        ('"root"', '"Act${"ive"}"', True),
        ('"root"', '"Act${local.unknown}"', False),
        ('"root"', "null", False),
        ("<<EOF\nroot\nEOF", None, False),  # heredoc value is "root\n"
    ],
)
def test_edge_cases(user: str, status: str | None, flagged: bool) -> None:
    assert lines_of(block(user, status)) == ([2] if flagged else [])


def test_other_resource_types_and_data_sources_are_ignored() -> None:
    text = (
        'resource "aws_iam_user" "k" {\n  user = "root"\n}\n'
        'data "aws_iam_access_key" "k" {\n  user = "root"\n}\n'
        'resource "aws_iam_access_key" {\n  user = "root"\n}\n'
    )
    assert lines_of(text) == []


def test_duplicate_status_is_an_error_and_the_last_one_is_judged() -> None:
    text = 'resource "aws_iam_access_key" "k" {\n  user = "root"\n  status = "Inactive"\n  status = "Active"\n}\n'
    analysis = analyze_text(text)
    assert [analysis.index.column(f.start)[0] for f in analysis.findings] == [2]
    (problem,) = analysis.problems
    assert problem.code == "attribute-redefined" and problem.severity == Severity.ERROR
    assert analysis.index.column(problem.start) == (4, 3)
    assert text[problem.start : problem.end] == 'status = "Active"'
    assert '"status"' in problem.message
    assert text[problem.related[0].start : problem.related[0].end] == 'status = "Inactive"'

    reversed_text = text.replace('"Inactive"', '"X"').replace('"Active"', '"Inactive"').replace('"X"', '"Active"')
    assert lines_of_allowing_problems(reversed_text) == []


def lines_of_allowing_problems(text: str) -> list[int]:
    analysis = analyze_text(text)
    return [analysis.index.column(f.start)[0] for f in analysis.findings]


def test_finding_range_message_and_related_status() -> None:
    text = (KICS / "positive.tf").read_text()
    first, second = analyze_text(text).findings
    assert text[first.start : first.end] == 'user = "root"'
    assert first.rule_id == RULE_ID
    assert "aws_iam_access_key.positive1" in first.message and '"Active"' in first.message
    assert [text[r.start : r.end] for r in first.related] == ['status = "Active"']
    assert "aws_iam_access_key.positive2" in second.message and "not set" in second.message
    assert second.related == ()


def test_block_comments_and_odd_layout_still_match() -> None:
    text = (
        'resource /* a */ "aws_iam_access_key" /* b */ "k" { # c\n'
        '  user /* d */ = /* e */ "root" // f\n}\n'
    )
    assert lines_of(text) == [2]
