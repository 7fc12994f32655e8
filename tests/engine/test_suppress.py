"""Each suppression syntax hides the finding (and says what hid it); others do not."""

from __future__ import annotations

import pytest

from tfguard.engine import analyze_text, apply_edits
from tfguard.engine.suppress import ignore_edit

RULE = "terraform-aws-iam-access-key-is-exposed"
BLOCK = 'resource "aws_iam_access_key" "k" {{\n{inside}  user = "root"{trailing}\n}}\n'


def run(before: str = "", inside: str = "", trailing: str = "", leading: str = "") -> tuple[int, list[str]]:
    text = leading + before + BLOCK.format(inside=inside, trailing=trailing)
    analysis = analyze_text(text)
    assert len(analysis.findings) + len(analysis.suppressed) == 1
    return len(analysis.findings), [s.kind for f in analysis.suppressed for s in f.suppressed]


@pytest.mark.parametrize(
    "where, kind",
    [
        ({"before": "# tfguard:ignore\n"}, "tfguard"),
        ({"before": f"# tfguard:ignore:{RULE}\n"}, "tfguard"),
        ({"inside": f"  // tfguard:ignore:{RULE}\n"}, "tfguard"),
        ({"trailing": " # tfguard:ignore"}, "tfguard"),
        ({"inside": "  # kics-scan ignore-line\n"}, "kics-scan"),
        ({"trailing": " # kics-scan ignore-line"}, "kics-scan"),
        ({"before": "# kics-scan ignore-block\n"}, "kics-scan"),
        ({"before": "# KICS-SCAN IGNORE-BLOCK\n"}, "kics-scan"),
        ({"before": "# dd-iac-scan ignore-block\n"}, "dd-iac-scan"),
        ({"leading": "# kics-scan ignore\n\n"}, "kics-scan"),
        ({"leading": "# kics-scan disable=7081f85c-b94d-40fd-8b45-a4f1cac75e46\n"}, "kics-scan"),
        ({"leading": "// dd-iac-scan disable=other-id," + RULE + "\n"}, "dd-iac-scan"),
        ({"leading": "# kics-scan enable=some-other-query\n"}, "kics-scan"),
        ({"inside": "  #checkov:skip=CKV_AWS_348:root key is a break-glass account\n"}, "checkov"),
        ({"before": "#tfsec:ignore:aws-iam-no-root-access-keys\n"}, "tfsec"),
        ({"inside": "  #trivy:ignore:AVD-AWS-0141\n"}, "trivy"),
        ({"before": "#trivy:ignore:aws-iam-no-root-access-keys:exp:2999-01-01\n"}, "trivy"),
    ],
)
def test_suppressed(where: dict[str, str], kind: str) -> None:
    assert run(**where) == (0, [kind])


@pytest.mark.parametrize(
    "where",
    [
        {"before": "# tfguard:ignore:some-other-rule\n"},
        {"before": "# tfguard:ignore\n\n"},  # not directly above
        {"leading": "# kics-scan disable=some-other-query\n"},
        {"leading": f"# kics-scan enable=7081f85c-b94d-40fd-8b45-a4f1cac75e46\n"},
        {"leading": 'locals {}\n# kics-scan ignore\n'},  # not a leading comment
        {"inside": "  #checkov:skip=CKV_AWS_1\n"},
        {"before": "#tfsec:ignore:aws-s3-enable-versioning\n"},
        {"before": "#trivy:ignore:AVD-AWS-0141:exp:2000-01-01\n"},  # expired
        {"inside": '  description = "# tfguard:ignore"\n'},  # inside a string, not a comment
    ],
)
def test_not_suppressed(where: dict[str, str]) -> None:
    assert run(**where) == (1, [])


def test_ignore_action_writes_the_comment_with_the_right_indentation() -> None:
    for newline in ("\n", "\r\n"):
        text = f'locals {{}}{newline}resource "aws_iam_access_key" "k" {{{newline}\t  user = "root"{newline}}}{newline}'
        (finding,) = analyze_text(text).findings
        start, end, new = ignore_edit(text, finding)
        fixed = apply_edits(text, [type(finding.fix.edits[0])(start, end, new)])
        assert f"{newline}\t  # tfguard:ignore:{RULE}{newline}\t  user" in fixed
        after = analyze_text(fixed)
        assert after.findings == [] and len(after.suppressed) == 1


def test_suppression_reports_the_comment_line() -> None:
    text = 'locals {}\r\n\r\n# tfguard:ignore\r\nresource "aws_iam_access_key" "k" {\r\n  user = "root"\r\n}\r\n'
    (hidden,) = analyze_text(text).suppressed
    assert hidden.suppressed[0].line == 2 and hidden.suppressed[0].comment == "tfguard:ignore"
