"""`tfguard check` reads a module as Terraform does: references resolve across the files of one folder, tfvars
files feed the values, `.tf.json` files are checked too, and a finding's explanation points into other files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .cli_support import NEGATIVE, POSITIVE, RULE, write
from .test_cli_sarif import assert_valid

VARIABLES = 'variable "key_user" {\n  default = "root"\n}\n'
MAIN = 'resource "aws_iam_access_key" "deploy" {\n  user = var.key_user\n}\n'

JSON_POSITIVE = """{
  "resource": {
    "aws_iam_access_key": {
      "plain": {
        "user": "root"
      }
    }
  }
}
"""


def module(folder: Path, **files: str) -> None:
    for name, text in files.items():
        write(folder / name.replace("__", "."), text)


def test_a_variable_in_another_file_resolves_and_the_note_points_there(workdir: Path, tfguard) -> None:
    module(workdir / "infra", variables__tf=VARIABLES, main__tf=MAIN)
    run = tfguard("check", "infra")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith(f"infra/main.tf:2:3: warning {RULE} aws_iam_access_key.deploy ")
    assert "(through var.key_user)" in lines[0]
    assert lines[1:4] == [
        "   2 |   user = var.key_user",
        "     |   ^~~~~~~~~~~~~~~~~~~",
        '     = note: infra/variables.tf:2:3: the default of var.key_user: "root"',
    ]
    assert lines[-1] == "2 files checked: 1 finding in 1 file (1 fixable with --fix), 0 errors"


def test_a_file_named_alone_still_resolves_through_its_folder(workdir: Path, tfguard) -> None:
    module(workdir, variables__tf=VARIABLES, main__tf=MAIN)
    run = tfguard("check", "main.tf")
    assert run.code == 1
    assert '= note: variables.tf:2:3: the default of var.key_user: "root"' in run.out
    assert run.out.splitlines()[-1] == "1 file checked: 1 finding in 1 file (1 fixable with --fix), 0 errors"


def test_each_folder_is_its_own_module(workdir: Path, tfguard) -> None:
    module(workdir / "a", variables__tf=VARIABLES)
    module(workdir / "b", main__tf=MAIN)
    run = tfguard("check", ".")
    assert run.code == 0
    assert run.out == "2 files checked: no findings, 0 errors\n"


def test_what_cannot_be_resolved_is_not_flagged(workdir: Path, tfguard) -> None:
    module(workdir, variables__tf='variable "key_user" {}\n', main__tf=MAIN)
    run = tfguard("check")
    assert (run.code, run.out) == (0, "2 files checked: no findings, 0 errors\n")


def test_tfvars_override_the_default_and_are_not_reported_themselves(workdir: Path, tfguard) -> None:
    module(
        workdir,
        variables__tf='variable "key_user" {\n  default = "deployer"\n}\n',
        main__tf=MAIN,
        terraform__tfvars='key_user = "root"\n',
    )
    run = tfguard("check", "--format", "json")
    assert run.code == 1
    (finding,) = run.json()["findings"]
    assert finding["file"] == "main.tf"
    assert finding["related"] == [
        {
            "file": "terraform.tfvars",
            "line": 1,
            "column": 1,
            "end_line": 1,
            "end_column": 18,
            "message": 'terraform.tfvars sets var.key_user: "root"',
        }
    ]
    text = tfguard("check")
    assert "= note: terraform.tfvars:1:1: terraform.tfvars sets var.key_user" in text.out
    assert (
        text.out.splitlines()[-1] == "2 files checked: 1 finding in 1 file (1 fixable with --fix), 0 errors"
    )


def test_auto_tfvars_win_over_terraform_tfvars_in_terraform_order(workdir: Path, tfguard) -> None:
    module(
        workdir,
        variables__tf=VARIABLES,
        main__tf=MAIN,
        terraform__tfvars='key_user = "root"\n',
        zz__auto__tfvars__json='{"key_user": "deployer"}\n',
    )
    run = tfguard("check")
    assert (run.code, run.out) == (0, "2 files checked: no findings, 0 errors\n")


def test_a_tfvars_file_that_does_not_parse_is_reported(workdir: Path, tfguard) -> None:
    module(workdir, main__tf=NEGATIVE, terraform__tfvars='key_user = "root\n', prod__auto__tfvars__json="{")
    run = tfguard("check", "--format", "json")
    assert run.code == 2
    errors = run.json()["errors"]
    assert [e["file"] for e in errors] == ["prod.auto.tfvars.json", "terraform.tfvars"]
    assert all(e["line"] >= 1 and e["message"] for e in errors)


def test_a_tfvars_file_named_explicitly_is_reported(workdir: Path, tfguard) -> None:
    module(workdir, terraform__tfvars='key_user = "root"\n')
    run = tfguard("check", "terraform.tfvars")
    assert (run.code, run.out) == (0, "1 file checked: no findings, 0 errors\n")


def test_tf_json_files_are_found_and_checked_with_json_positions(workdir: Path, tfguard) -> None:
    module(workdir / "infra", main__tf__json=JSON_POSITIVE, other__json='{"not": "terraform"}')
    run = tfguard("check", "--format", "json")
    assert run.code == 1
    (finding,) = run.json()["findings"]
    assert (
        finding["file"],
        finding["line"],
        finding["column"],
        finding["end_line"],
        finding["end_column"],
    ) == (
        "infra/main.tf.json",
        5,
        9,
        5,
        23,
    )
    assert finding["resource"] == "aws_iam_access_key.plain"
    text = tfguard("check")
    assert text.out.splitlines()[1:3] == [
        '   5 |         "user": "root"',
        "     |         ^~~~~~~~~~~~~~",
    ]
    assert text.out.splitlines()[-1] == "1 file checked: 1 finding in 1 file (1 fixable with --fix), 0 errors"


def test_tf_json_fix_keeps_valid_json(workdir: Path, tfguard) -> None:
    path = write(workdir / "main.tf.json", JSON_POSITIVE)
    run = tfguard("check", "--fix")
    assert run.code == 0
    assert run.out == "fixed 1 finding in main.tf.json\n1 file checked: no findings, 0 errors\n"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["resource"]["aws_iam_access_key"]["plain"] == {"user": "root", "status": "Inactive"}


def test_a_broken_tf_json_file_is_an_error(workdir: Path, tfguard) -> None:
    write(workdir / "main.tf.json", '{"resource": [1, 2,]}')
    run = tfguard("check", "--format", "json")
    assert run.code == 2
    (error,) = run.json()["errors"]
    assert error["file"] == "main.tf.json" and (error["line"], error["column"]) == (1, 20)


def test_a_json_variable_resolves_for_an_hcl_resource(workdir: Path, tfguard) -> None:
    module(workdir, variables__tf__json='{"variable": {"key_user": {"default": "root"}}}\n', main__tf=MAIN)
    run = tfguard("check")
    assert run.code == 1
    assert '= note: variables.tf.json:1:28: the default of var.key_user: "root"' in run.out


def test_sarif_related_location_carries_the_other_files_uri(workdir: Path, tfguard, validator) -> None:
    module(workdir / "infra", variables__tf=VARIABLES, main__tf=MAIN)
    doc = tfguard("check", "--format", "sarif").json()
    assert_valid(validator, doc)
    (result,) = doc["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/variables.tf", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 3, "endLine": 2, "endColumn": 19},
    }
    assert related["message"]["text"] == 'the default of var.key_user: "root"'


def test_fix_of_a_resolved_finding_sets_status_on_the_resource(workdir: Path, tfguard) -> None:
    module(workdir, variables__tf=VARIABLES, main__tf=MAIN)
    run = tfguard("check", "--fix")
    assert run.code == 0
    assert run.out == "fixed 1 finding in main.tf\n2 files checked: no findings, 0 errors\n"
    assert (workdir / "main.tf").read_text(encoding="utf-8") == (
        'resource "aws_iam_access_key" "deploy" {\n  user   = var.key_user\n  status = "Inactive"\n}\n'
    )
    assert (workdir / "variables.tf").read_text(encoding="utf-8") == VARIABLES


def test_modules_resolve_the_same_in_worker_processes(
    workdir: Path, tfguard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tfguard import cli

    for i in range(12):
        user = '"root"' if i % 2 else '"deployer"'
        module(
            workdir / f"m{i:02}",
            variables__tf=f'variable "key_user" {{\n  default = {user}\n}}\n',
            main__tf=MAIN,
            extra__tf=POSITIVE,
        )
        if i % 3 == 0:
            write(workdir / f"m{i:02}" / "terraform.tfvars", 'key_user = "root"\n')
    pools = []

    class CountingPool(cli.ProcessPoolExecutor):  # type: ignore[misc]
        def __init__(self, *args, **kwargs) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(cli, "ProcessPoolExecutor", CountingPool)
    monkeypatch.setattr(cli, "PARALLEL_THRESHOLD", 2)
    parallel = tfguard("check", "--format", "json")
    assert len(pools) == (1 if (os.cpu_count() or 1) > 1 else 0)
    monkeypatch.setattr(cli, "PARALLEL_THRESHOLD", 10**9)
    sequential = tfguard("check", "--format", "json")
    assert parallel.code == sequential.code == 1
    assert parallel.out == sequential.out
    resolved = [f["file"] for f in parallel.json()["findings"] if f["file"].endswith("main.tf")]
    assert resolved == [f"m{i:02}/main.tf" for i in range(12) if i % 2 or i % 3 == 0]
    notes = {
        f["file"]: f["related"][0]["file"]
        for f in parallel.json()["findings"]
        if f["file"].endswith("main.tf")
    }
    assert notes["m00/main.tf"] == "m00/terraform.tfvars"
    assert notes["m01/main.tf"] == "m01/variables.tf"
