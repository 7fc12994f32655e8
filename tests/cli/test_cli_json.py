"""`tfguard check --format json`: the document scripts read."""

from __future__ import annotations

from pathlib import Path

from .cli_support import NEGATIVE, POSITIVE, RULE, SYNTAX_ERROR, write

FINDING_KEYS = [
    "rule",
    "severity",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "resource",
    "message",
    "fixable",
    "related",
]


def test_findings_of_the_kics_fixture(workdir: Path, tfguard) -> None:
    write(workdir / "positive.tf", POSITIVE)
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check", "--format", "json", "positive.tf", "negative.tf")
    assert run.code == 1
    doc = run.json()
    assert list(doc) == ["findings", "errors"]
    assert doc["errors"] == []
    assert [list(f) for f in doc["findings"]] == [FINDING_KEYS, FINDING_KEYS]
    messages = [f.pop("message") for f in doc["findings"]]
    related = [f.pop("related") for f in doc["findings"]]
    # positive1 sets status = "Active" on line 3: the related location; positive2 has none.
    assert related == [
        [
            {
                "file": "positive.tf",
                "line": 3,
                "column": 3,
                "end_line": 3,
                "end_column": 20,
                "message": "status keeps the access key active",
            }
        ],
        [],
    ]
    assert doc["findings"] == [
        {
            "rule": RULE,
            "severity": "warning",
            "file": "positive.tf",
            "line": 2,
            "column": 3,
            "end_line": 2,
            "end_column": 16,
            "resource": "aws_iam_access_key.positive1",
            "fixable": True,
        },
        {
            "rule": RULE,
            "severity": "warning",
            "file": "positive.tf",
            "line": 7,
            "column": 3,
            "end_line": 7,
            "end_column": 16,
            "resource": "aws_iam_access_key.positive2",
            "fixable": True,
        },
    ]
    assert "aws_iam_access_key.positive1" in messages[0]
    assert "aws_iam_access_key.positive2" in messages[1]


def test_clean_run_prints_an_empty_document(workdir: Path, tfguard) -> None:
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check", "--format", "json", "negative.tf")
    assert run.code == 0
    assert run.json() == {"findings": [], "errors": []}


def test_columns_count_code_points_on_a_line_with_an_emoji(workdir: Path, tfguard) -> None:
    # 🔑 is one code point, two UTF-16 code units and four UTF-8 bytes: only code points give column 11.
    write(
        workdir / "emoji.tf",
        'resource "aws_iam_access_key" "emoji" {\n  /* 🔑 */ user = "root" # 🔑 root key\n}\n',
    )
    run = tfguard("check", "--format", "json", "emoji.tf")
    assert run.code == 1
    (finding,) = run.json()["findings"]
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (2, 11, 2, 24)


def test_a_byte_order_mark_is_not_a_column(workdir: Path, tfguard) -> None:
    text = 'resource "aws_iam_access_key" "k" { user = "root" }\n'
    write(workdir / "plain.tf", text)
    write(workdir / "bom.tf", "\ufeff" + text)
    run = tfguard("check", "--format", "json", "plain.tf", "bom.tf")
    plain, bom = run.json()["findings"]
    assert (plain["line"], plain["column"], plain["end_column"]) == (1, 37, 50)
    assert (bom["line"], bom["column"], bom["end_column"]) == (1, 37, 50)


def test_errors_carry_file_position_and_message_and_exit_2(workdir: Path, tfguard) -> None:
    write(workdir / "broken.tf", SYNTAX_ERROR)
    (workdir / "latin1.tf").write_bytes(b"# caf\xe9\n")
    run = tfguard("check", "--format", "json", "broken.tf", "latin1.tf", "missing.tf")
    assert run.code == 2
    doc = run.json()
    assert doc["findings"] == []
    syntax, latin1, missing = doc["errors"]
    assert list(syntax) == ["file", "line", "column", "message"]
    assert syntax["file"] == "broken.tf"
    assert isinstance(syntax["line"], int) and syntax["line"] >= 1
    assert isinstance(syntax["column"], int) and syntax["column"] >= 1
    assert syntax["message"]
    assert latin1["file"] == "latin1.tf"
    assert (latin1["line"], latin1["column"]) == (None, None)
    assert latin1["message"]
    assert missing == {
        "file": "missing.tf",
        "line": None,
        "column": None,
        "message": "no such file or folder",
    }


def test_findings_are_kept_next_to_a_syntax_error_in_another_block(workdir: Path, tfguard) -> None:
    write(workdir / "mixed.tf", POSITIVE + "\n" + SYNTAX_ERROR)
    run = tfguard("check", "--format", "json", "mixed.tf")
    assert run.code == 1
    doc = run.json()
    assert [(f["line"], f["column"]) for f in doc["findings"]] == [(2, 3), (7, 3)]
    assert len(doc["errors"]) == 1
    assert doc["errors"][0]["line"] >= 10
