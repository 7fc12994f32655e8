"""References resolved as Terraform resolves them, within a file and across a module's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tfguard.engine import analyze_text
from tfguard.engine.workspace import Workspace

KEY = 'resource "aws_iam_access_key" "k" {{\n  user = {user}\n}}\n'


@pytest.mark.parametrize(
    "defs, user, through",
    [
        ('variable "key_user" {\n  default = "root"\n}\n', "var.key_user", "var.key_user"),
        ('locals {\n  u = "root"\n}\n', "local.u", "local.u"),
        ('locals {\n  a = local.b\n  b = "ro${"ot"}"\n}\n', "local.a", "local.a"),
        ('resource "aws_iam_user" "root" {\n  name = "root"\n}\n', "aws_iam_user.root.name", "aws_iam_user.root.name"),
        ('resource "aws_iam_user" "u" {\n  count = 1\n  name = "root"\n}\n', "aws_iam_user.u[0].name", None),
        ('resource "aws_iam_user" "u" {\n  count = 1\n  name = "root"\n}\n', "aws_iam_user.u.*.name[0]", None),
        ('resource "aws_iam_user" "u" {\n  name = "root"\n}\n', "one(aws_iam_user.u[*].name)", None),
        ('resource "aws_iam_user" "u" {\n  name = var.n\n}\nvariable "n" {\n  default = "root"\n}\n',
         '"${aws_iam_user.u.name}"', "aws_iam_user.u.name"),
        ('variable "a" {\n  default = "ro"\n}\nlocals {\n  b = "ot"\n}\n', '"${var.a}${local.b}"', None),
    ],
)
def test_resolution_shapes_in_one_file(defs: str, user: str, through: str | None) -> None:
    text = defs + KEY.format(user=user)
    analysis = analyze_text(text)
    assert analysis.problems == []
    (finding,) = analysis.findings
    assert text[finding.start : finding.end] == f"user = {user}"
    assert finding.related, "a resolved finding explains where the value came from"
    if through:
        assert f"(through {through})" in finding.message


@pytest.mark.parametrize(
    "defs, user",
    [
        ("", "var.nothing"),
        ('variable "u" {}\n', "var.u"),  # no default
        ('variable "u" {\n  default = "admin"\n}\n', "var.u"),
        ('locals {\n  a = local.b\n  b = local.a\n}\n', "local.a"),  # a cycle
        ('resource "aws_iam_user" "u" {\n  name = "root"\n}\n', "aws_iam_user.u[*].name"),  # a list
        ('resource "aws_iam_user" "u" {\n  name = "root"\n}\n', "aws_iam_user.u.arn"),
        ('variable "u" {\n  default = "root"\n}\n', 'element(keys(var.users), count.index)'),
        ('variable "u" {\n  default = "root"\n}\n', 'split(":", each.key)[0]'),
        ('variable "u" {\n  default = "root"\n}\n', "module.m.user_name"),
        ('variable "u" {\n  default = "root"\n}\n', '"${var.u}-admin"'),
    ],
)
def test_what_cannot_be_resolved_is_never_flagged(defs: str, user: str) -> None:
    assert analyze_text(defs + KEY.format(user=user)).findings == []


def test_resolved_status_and_chain() -> None:
    text = (
        'variable "key_user" {\n  default = "root"\n}\n'
        'variable "st" {\n  default = "ACTIVE"\n}\n'
        'resource "aws_iam_access_key" "k" {\n  user = var.key_user\n  status = var.st\n}\n'
    )
    (finding,) = analyze_text(text).findings
    messages = [r.message for r in finding.related]
    assert messages == [
        "status keeps the access key active",
        'the default of var.key_user: "root"',
        'the default of var.st: "ACTIVE"',
    ]
    assert [text[r.start : r.end] for r in finding.related][1:] == ['default = "root"', 'default = "ACTIVE"']
    assert "(through var.key_user)" in finding.message and "(through var.st)" in finding.message
    inactive = text.replace('"ACTIVE"', '"Inactive"')
    assert analyze_text(inactive).findings == []


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def test_cross_file_variable_and_tfvars_precedence(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "variables.tf": 'variable "key_user" {\n  default = "admin"\n}\n',
            "main.tf": KEY.format(user="var.key_user"),
        },
    )
    ws = Workspace()
    main = str(tmp_path / "main.tf")
    assert ws.analyze(main).findings == []
    (tmp_path / "terraform.tfvars").write_text('key_user = "root"\n')
    ws.forget(str(tmp_path / "terraform.tfvars"))
    (finding,) = ws.analyze(main).findings
    assert finding.related[0].path == str(tmp_path / "terraform.tfvars")
    assert "terraform.tfvars sets var.key_user" in finding.related[0].message
    # *.auto.tfvars load after terraform.tfvars, in name order: the last one wins
    (tmp_path / "a.auto.tfvars").write_text('key_user = "someone"\n')
    assert ws.analyze(main).findings == []
    (tmp_path / "b.auto.tfvars.json").write_text('{"key_user": "root"}\n')
    (finding,) = ws.analyze(main).findings
    assert finding.related[0].path == str(tmp_path / "b.auto.tfvars.json")


def test_open_buffer_wins_over_disk_and_other_modules_do_not_leak(tmp_path: Path) -> None:
    write(tmp_path / "mod", {"variables.tf": 'variable "u" {\n  default = "root"\n}\n', "main.tf": KEY.format(user="var.u")})
    write(tmp_path / "other", {"main.tf": KEY.format(user="var.u")})
    ws = Workspace()
    main, variables = str(tmp_path / "mod" / "main.tf"), str(tmp_path / "mod" / "variables.tf")
    assert len(ws.analyze(main).findings) == 1
    assert ws.analyze(str(tmp_path / "other" / "main.tf")).findings == []
    ws.set_buffer(variables, 'variable "u" {\n  default = "nobody"\n}\n')
    assert ws.dependents(variables) == []  # main.tf is not open
    assert ws.analyze(main).findings == []
    ws.set_buffer(main, (tmp_path / "mod" / "main.tf").read_text())
    assert ws.dependents(variables) == [main]
    ws.close_buffer(variables)
    assert len(ws.analyze(main).findings) == 1


def test_cached_disk_is_trusted_until_forget(tmp_path: Path) -> None:
    write(tmp_path, {"variables.tf": 'variable "u" {\n  default = "root"\n}\n', "main.tf": KEY.format(user="var.u")})
    ws = Workspace(cache_disk=True)
    main = str(tmp_path / "main.tf")
    assert len(ws.analyze(main).findings) == 1
    (tmp_path / "variables.tf").write_text('variable "u" {\n  default = "nobody"\n}\n')
    assert len(ws.analyze(main).findings) == 1  # not told yet: the cached text stands
    ws.forget(str(tmp_path / "variables.tf"))
    assert ws.analyze(main).findings == []
    (tmp_path / "terraform.tfvars").write_text('u = "root"\n')
    assert ws.analyze(main).findings == []  # a new file is seen once reported
    ws.forget(str(tmp_path / "terraform.tfvars"))
    assert len(ws.analyze(main).findings) == 1
