"""`tfguard explain RULE-ID` and the docs/rules pages: one source, so they cannot drift, and examples that are
true (the non-compliant example is flagged, the compliant one is not)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from tfguard.engine import analyze_text
from tfguard.rules import ALL_RULES

from .cli_support import RULE

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"
IDS = [rule.meta.id for rule in ALL_RULES]


def unwrap(text: str) -> str:
    """The text with its lines joined, so wrapped prose compares with the source's."""
    return re.sub(r"\s+", " ", text)


def examples(rule) -> dict[str, str]:
    """The literal blocks of the rule module's docstring, read here independently of the CLI's parser."""
    import sys

    doc = sys.modules[type(rule).__module__].__doc__
    found = re.findall(r"^([A-Z][\w -]*)::\n\n((?:    .*\n|\n)+)", doc, flags=re.MULTILINE)
    return {label: textwrap.dedent(code).strip("\n") for label, code in found}


def test_explain_prints_every_part_of_the_rule(tfguard) -> None:
    from tfguard.rules import rule_by_id

    rule = rule_by_id(RULE)
    meta = rule.meta
    run = tfguard("explain", RULE)
    assert run.code == 0
    assert run.err == ""
    out = run.out
    assert out.splitlines()[0] == f"{RULE}: IAM access key is exposed"
    facts = dict(
        re.match(r"  ([\w ]+):\s+(.*)", line).groups()
        for line in out.splitlines()[2:10]
        if line.startswith("  ")
    )
    assert facts["Severity"] == "warning (Medium)"
    assert facts["Category"] == "Access Control"
    assert facts["CWE"] == "CWE-200"
    assert facts["KICS id"] == "7081f85c-b94d-40fd-8b45-a4f1cac75e46"
    assert facts["Fixable"] == 'yes: Set status to "Inactive"'
    assert unwrap(meta.description) in unwrap(out)
    found = examples(rule)
    assert list(found) == ["Non-compliant", "Compliant"]
    for label, code in found.items():
        block = "\n".join("    " + line if line else "" for line in code.splitlines())
        assert f"\n{label}\n{block}\n" in out
    assert "tfguard check --fix" in out
    assert f"# tfguard:ignore:{RULE}" in out
    assert "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_access_key" in out


@pytest.mark.parametrize(
    "name", ["7081f85c-b94d-40fd-8b45-a4f1cac75e46", "ckv_aws_348", "AVD-AWS-0141", RULE.upper()]
)
def test_explain_accepts_other_tools_ids(tfguard, name: str) -> None:
    run = tfguard("explain", name)
    assert run.code == 0
    assert run.out == tfguard("explain", RULE).out


def test_unknown_rule_exits_2_and_lists_the_rules(tfguard) -> None:
    run = tfguard("explain", "terraform-aws-no-such-rule")
    assert run.code == 2
    assert run.out == ""
    first, *listed = run.err.splitlines()
    assert first == "tfguard explain: unknown rule 'terraform-aws-no-such-rule'; the rules are:"
    assert [line.split()[0] for line in listed] == sorted(IDS)


def test_explain_needs_a_rule(tfguard) -> None:
    run = tfguard("explain")
    assert run.code == 2
    assert "usage: tfguard explain" in run.err


@pytest.mark.parametrize("rule_id", IDS)
def test_each_rule_has_a_page_that_is_what_explain_generates(tfguard, rule_id: str) -> None:
    page = DOCS / f"{rule_id}.md"
    assert page.exists(), f"missing {page}: run python -m tfguard.report.rule_docs docs/rules"
    run = tfguard("explain", "--markdown", rule_id)
    assert run.code == 0
    assert page.read_text(encoding="utf-8") == run.out, (
        f"{page} is stale: run python -m tfguard.report.rule_docs docs/rules"
    )


def test_no_page_without_a_rule() -> None:
    assert sorted(p.stem for p in DOCS.glob("*.md")) == sorted(IDS)


@pytest.mark.parametrize("rule", ALL_RULES, ids=IDS)
def test_the_page_shows_the_title_description_and_examples_of_the_source(rule) -> None:
    page = (DOCS / f"{rule.meta.id}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {rule.meta.title}\n")
    assert rule.meta.description in page
    assert rule.meta.help_uri in page
    for label, code in examples(rule).items():
        assert f"## {label}\n\n```hcl\n{code}\n```\n" in page


@pytest.mark.parametrize("rule", ALL_RULES, ids=IDS)
def test_the_examples_are_true(rule) -> None:
    found = examples(rule)
    bad = analyze_text(found["Non-compliant"])
    assert [f.rule_id for f in bad.findings] == [rule.meta.id]
    good = analyze_text(found["Compliant"])
    assert good.findings == [] and good.problems == []
