"""Suppression comments: hidden findings do not show or count; `--show-suppressed` shows them marked; SARIF
always carries them as results with a `suppressions` entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_support import POSITIVE, POSITIVE_FIXED, RULE, write
from .test_cli_sarif import assert_valid

KICS_ID = "7081f85c-b94d-40fd-8b45-a4f1cac75e46"
KEY = 'resource "aws_iam_access_key" "k" {{\n{inside}  user = "root"{trailing}\n}}\n'

# (text, kind, comment): every syntax users write, with the comment text the engine reports.
SYNTAXES = [
    pytest.param(
        "# tfguard:ignore\n" + KEY.format(inside="", trailing=""), "tfguard", "tfguard:ignore", id="tfguard"
    ),
    pytest.param(
        KEY.format(inside=f"  # tfguard:ignore:{RULE}\n", trailing=""),
        "tfguard",
        f"tfguard:ignore:{RULE}",
        id="tfguard-rule-above-attribute",
    ),
    pytest.param(
        KEY.format(inside="", trailing=" # kics-scan ignore-line"),
        "kics-scan",
        "kics-scan ignore-line",
        id="kics-ignore-line",
    ),
    pytest.param(
        "# kics-scan ignore-block\n" + KEY.format(inside="", trailing=""),
        "kics-scan",
        "kics-scan ignore-block",
        id="kics-ignore-block",
    ),
    pytest.param(
        "# kics-scan ignore\n\n" + KEY.format(inside="", trailing=""),
        "kics-scan",
        "kics-scan ignore",
        id="kics-ignore-file",
    ),
    pytest.param(
        f"# kics-scan disable={KICS_ID}\n" + KEY.format(inside="", trailing=""),
        "kics-scan",
        f"kics-scan disable={KICS_ID}",
        id="kics-disable",
    ),
    pytest.param(
        "# kics-scan enable=some-other-query\n" + KEY.format(inside="", trailing=""),
        "kics-scan",
        "kics-scan enable=some-other-query",
        id="kics-enable-others",
    ),
    pytest.param(
        "// dd-iac-scan ignore-block\n" + KEY.format(inside="", trailing=""),
        "dd-iac-scan",
        "dd-iac-scan ignore-block",
        id="datadog",
    ),
    pytest.param(
        KEY.format(inside="  #checkov:skip=CKV_AWS_348:break-glass account\n", trailing=""),
        "checkov",
        "checkov:skip=CKV_AWS_348:break-glass account",
        id="checkov",
    ),
    pytest.param(
        "#tfsec:ignore:aws-iam-no-root-access-keys\n" + KEY.format(inside="", trailing=""),
        "tfsec",
        "tfsec:ignore:aws-iam-no-root-access-keys",
        id="tfsec",
    ),
    pytest.param(
        "#trivy:ignore:AVD-AWS-0141\n" + KEY.format(inside="", trailing=""),
        "trivy",
        "trivy:ignore:AVD-AWS-0141",
        id="trivy",
    ),
]


@pytest.mark.parametrize("text, kind, comment", SYNTAXES)
def test_each_syntax_hides_the_finding_and_does_not_fail_the_check(
    workdir: Path, tfguard, text: str, kind: str, comment: str
) -> None:
    write(workdir / "main.tf", text)
    run = tfguard("check")
    assert run.code == 0
    assert run.out == "1 file checked: no findings, 0 errors, 1 suppressed\n"

    shown = tfguard("check", "--show-suppressed")
    assert shown.code == 0
    heading = shown.out.splitlines()[0]
    line = next(i for i, source in enumerate(text.splitlines(), 1) if 'user = "root"' in source)
    assert heading.startswith(f"main.tf:{line}:3: warning {RULE} aws_iam_access_key.k ")
    assert heading.endswith(f" (suppressed by {kind}: {comment})")
    assert "fix:" not in shown.out  # nothing to fix in a finding the user accepted
    assert shown.out.splitlines()[-1] == "1 file checked: no findings, 0 errors, 1 suppressed"


def test_a_comment_that_does_not_match_hides_nothing(workdir: Path, tfguard) -> None:
    write(workdir / "main.tf", "# tfguard:ignore:some-other-rule\n" + KEY.format(inside="", trailing=""))
    run = tfguard("check")
    assert run.code == 1
    assert run.out.splitlines()[-1] == "1 file checked: 1 finding in 1 file (1 fixable with --fix), 0 errors"


def test_only_the_unsuppressed_finding_counts(workdir: Path, tfguard) -> None:
    text = POSITIVE.replace(
        'resource "aws_iam_access_key" "positive2"',
        '# tfguard:ignore\nresource "aws_iam_access_key" "positive2"',
    )
    write(workdir / "positive.tf", text)
    run = tfguard("check")
    assert run.code == 1
    headings = [line for line in run.out.splitlines() if line.startswith("positive.tf:")]
    assert [h.split(" ")[0] for h in headings] == ["positive.tf:2:3:"]
    assert (
        run.out.splitlines()[-1]
        == "1 file checked: 1 finding in 1 file (1 fixable with --fix), 0 errors, 1 suppressed"
    )
    shown = tfguard("check", "--show-suppressed")
    headings = [line for line in shown.out.splitlines() if line.startswith("positive.tf:")]
    assert [h.split(" ")[0] for h in headings] == ["positive.tf:2:3:", "positive.tf:8:3:"]
    assert not headings[0].endswith(")")
    assert headings[1].endswith("(suppressed by tfguard: tfguard:ignore)")


def test_json_lists_suppressed_findings_only_when_asked(workdir: Path, tfguard) -> None:
    write(
        workdir / "main.tf",
        KEY.format(inside="  #checkov:skip=CKV_AWS_348:break-glass account\n", trailing=""),
    )
    plain = tfguard("check", "--format", "json")
    assert plain.code == 0
    assert plain.json() == {"findings": [], "errors": []}
    shown = tfguard("check", "--format", "json", "--show-suppressed")
    assert shown.code == 0
    doc = shown.json()
    assert list(doc) == ["findings", "errors", "suppressed"]
    assert doc["findings"] == []
    (entry,) = doc["suppressed"]
    assert (entry["rule"], entry["file"], entry["line"], entry["column"]) == (RULE, "main.tf", 3, 3)
    assert entry["suppression"] == {
        "kind": "checkov",
        "comment": "checkov:skip=CKV_AWS_348:break-glass account",
        "file": "main.tf",
        "line": 2,
    }


def test_sarif_always_carries_suppressed_results(workdir: Path, tfguard, validator) -> None:
    text = POSITIVE.replace(
        'resource "aws_iam_access_key" "positive2"',
        "# tfguard:ignore:" + RULE + '\nresource "aws_iam_access_key" "positive2"',
    )
    write(workdir / "positive.tf", text)
    run = tfguard("check", "--format", "sarif")
    assert run.code == 1
    doc = run.json()
    assert_valid(validator, doc)
    open_result, suppressed = doc["runs"][0]["results"]
    assert open_result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert open_result["suppressions"] == []
    assert suppressed["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert suppressed["ruleId"] == RULE
    assert "fixes" in open_result and "fixes" not in suppressed  # an accepted finding is not to be fixed
    (how,) = suppressed["suppressions"]
    assert how["kind"] == "inSource"
    assert how["status"] == "accepted"
    assert how["justification"] == f"tfguard:ignore:{RULE}"
    assert how["location"]["physicalLocation"] == {
        "artifactLocation": {"uri": "positive.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 6},
    }


def test_a_fully_suppressed_sarif_run_exits_0(workdir: Path, tfguard, validator) -> None:
    write(workdir / "main.tf", "# kics-scan ignore\n" + POSITIVE)
    run = tfguard("check", "--format", "sarif")
    assert run.code == 0
    doc = run.json()
    assert_valid(validator, doc)
    results = doc["runs"][0]["results"]
    assert len(results) == 2
    assert [r["suppressions"][0]["justification"] for r in results] == ["kics-scan ignore"] * 2


def test_fix_leaves_suppressed_findings_alone(workdir: Path, tfguard) -> None:
    text = "# kics-scan ignore\n" + POSITIVE
    path = write(workdir / "positive.tf", text)
    run = tfguard("check", "--fix")
    assert run.code == 0
    assert run.out == "1 file checked: no findings, 0 errors, 2 suppressed\n"
    assert path.read_text(encoding="utf-8") == text
    mixed = POSITIVE.replace(
        'resource "aws_iam_access_key" "positive2"',
        '# tfguard:ignore\nresource "aws_iam_access_key" "positive2"',
    )
    path.write_text(mixed, encoding="utf-8")
    run = tfguard("check", "--fix")
    assert run.code == 0
    assert run.out.splitlines()[0] == "fixed 1 finding in positive.tf"
    fixed = path.read_text(encoding="utf-8")
    assert fixed.startswith(POSITIVE_FIXED.split("\n\n")[0] + "\n")
    assert fixed.endswith(
        '# tfguard:ignore\nresource "aws_iam_access_key" "positive2" {\n  user = "root"\n}\n'
    )
