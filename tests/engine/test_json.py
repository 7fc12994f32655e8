"""Terraform's JSON syntax: findings with positions from the JSON text, fixes that keep valid JSON."""

from __future__ import annotations

import json

from tfguard.engine import apply_edits, fix_all_edits
from tfguard.engine.workspace import analyzer_for

TEXT = """{
  "variable": {"u": {"default": "root"}},
  "resource": {
    "aws_iam_access_key": {
      "plain": {
        "user": "root"
      },
      "listed": [{"user": "${var.u}", "status": "Active"}],
      "ok": {"user": "root", "status": "Inactive"}
    }
  }
}
"""


def test_findings_positions_and_fix() -> None:
    analysis = analyzer_for("main.tf.json").analyze(TEXT)
    assert analysis.problems == []
    assert [(analysis.index.column(f.start), f.resource) for f in analysis.findings] == [
        ((6, 9), "aws_iam_access_key.plain"),
        ((8, 19), "aws_iam_access_key.listed"),
    ]
    assert TEXT[analysis.findings[0].start : analysis.findings[0].end] == '"user": "root"'
    fixed = apply_edits(TEXT, fix_all_edits(analysis))
    data = json.loads(fixed)
    keys = data["resource"]["aws_iam_access_key"]
    assert keys["plain"] == {"user": "root", "status": "Inactive"}
    assert keys["listed"] == [{"user": "${var.u}", "status": "Inactive"}]
    assert '"user": "root",\n        "status": "Inactive"\n' in fixed
    assert analyzer_for("main.tf.json").analyze(fixed).findings == []


def test_syntax_errors_have_positions_and_never_raise() -> None:
    analyzer = analyzer_for("main.tf.json")
    for text, at in [('{"a": [1, 2,]}', 12), ('{"a": "x', 6), ("{", 1), ('{"a" 1}', 5), ("[" * 100000, 100000)]:
        analysis = analyzer.analyze(text)
        (problem,) = analysis.problems
        assert problem.start == at and problem.message.startswith("JSON syntax error")
    assert analyzer.analyze("").problems == []


def test_tfvars_json_values_are_symbols() -> None:
    analysis = analyzer_for("terraform.tfvars.json").analyze('{"key_user": "root", "n": 3}')
    assert [(s.kind, s.name) for s in analysis.symbols] == [("tfvar", "key_user"), ("tfvar", "n")]
