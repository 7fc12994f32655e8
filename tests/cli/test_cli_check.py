"""`tfguard check`: which files it reads, the text report, and the exit status."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .cli_support import NEGATIVE, POSITIVE, RULE, SYNTAX_ERROR, write


def test_clean_file_exits_0_with_a_summary(workdir: Path, tfguard) -> None:
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check", "negative.tf")
    assert run.code == 0
    assert run.out == "1 file checked: no findings, 0 errors\n"
    assert run.err == ""


def test_findings_exit_1_and_print_location_rule_source_and_caret(workdir: Path, tfguard) -> None:
    write(workdir / "positive.tf", POSITIVE)
    run = tfguard("check", "positive.tf")
    assert run.code == 1
    lines = run.out.splitlines()
    headings = [i for i, line in enumerate(lines) if line.startswith("positive.tf:")]
    assert [lines[i].split(" ", 2)[:2] for i in headings] == [
        ["positive.tf:2:3:", "warning"],
        ["positive.tf:7:3:", "warning"],
    ]
    first, second = (lines[i] for i in headings)
    assert first.startswith(f"positive.tf:2:3: warning {RULE} ")
    assert "aws_iam_access_key.positive1" in first
    assert second.startswith(f"positive.tf:7:3: warning {RULE} ")
    assert "aws_iam_access_key.positive2" in second
    # The source line and a caret line under `user = "root"` (13 characters wide).
    assert lines[headings[0] + 1] == '   2 |   user = "root"'
    assert lines[headings[0] + 2] == "     |   ^~~~~~~~~~~~~"
    assert lines[headings[1] + 1] == '   7 |   user = "root"'
    assert lines[headings[1] + 2] == "     |   ^~~~~~~~~~~~~"
    assert lines[-1] == "1 file checked: 2 findings in 1 file (2 fixable with --fix), 0 errors"


def test_default_path_is_the_current_folder(workdir: Path, tfguard) -> None:
    write(workdir / "main.tf", POSITIVE)
    run = tfguard("check")
    assert run.code == 1
    assert run.out.startswith(f"main.tf:2:3: warning {RULE} ")


def test_syntax_error_alone_exits_2_and_is_shown_as_an_error(workdir: Path, tfguard) -> None:
    write(workdir / "broken.tf", SYNTAX_ERROR)
    run = tfguard("check", "broken.tf")
    assert run.code == 2
    heading = run.out.splitlines()[0]
    assert heading.startswith("broken.tf:")
    location, severity, code, message = heading.split(" ", 3)
    assert (severity, code) == ("error", "syntax")
    line, col = location.rstrip(":").split(":")[1:]
    assert int(line) >= 1 and int(col) >= 1
    assert message.strip()
    assert run.out.splitlines()[-1] == "1 file checked: no findings, 1 error"


def test_invalid_utf8_exits_2_and_names_the_file(workdir: Path, tfguard) -> None:
    (workdir / "latin1.tf").write_bytes('resource "x" "y" { name = "caf\xe9" }\n'.encode("latin-1"))
    run = tfguard("check", "latin1.tf")
    assert run.code == 2
    first = run.out.splitlines()[0]
    assert first.startswith("latin1.tf: error unreadable ")
    assert len(first) > len("latin1.tf: error unreadable ")
    assert run.out.splitlines()[-1] == "1 file checked: no findings, 1 error"


def test_missing_path_exits_2(workdir: Path, tfguard) -> None:
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check", "negative.tf", "nowhere.tf")
    assert run.code == 2
    assert run.out.splitlines()[0] == "nowhere.tf: error unreadable no such file or folder"


def test_findings_win_over_errors_exit_1(workdir: Path, tfguard) -> None:
    write(workdir / "broken.tf", SYNTAX_ERROR)
    write(workdir / "positive.tf", POSITIVE)
    (workdir / "latin1.tf").write_bytes(b"# caf\xe9\n")
    run = tfguard("check", ".")
    assert run.code == 1
    assert (
        run.out.splitlines()[-1] == "3 files checked: 2 findings in 1 file (2 fixable with --fix), 2 errors"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--format", "xml"),
        ("check", "--no-such-option"),
        ("frobnicate",),
        (),
    ],
)
def test_usage_errors_exit_2(workdir: Path, tfguard, args: tuple[str, ...]) -> None:
    run = tfguard(*args)
    assert run.code == 2
    assert run.out == ""
    assert "usage: tfguard" in run.err


def test_version(tfguard) -> None:
    from tfguard import __version__

    run = tfguard("--version")
    assert run.code == 0
    assert run.out == f"tfguard {__version__}\n"


def test_folders_are_searched_recursively_in_sorted_order_skipping_terraform_and_git(
    workdir: Path, tfguard
) -> None:
    write(workdir / "b" / "main.tf", POSITIVE)
    write(workdir / "a" / "z.tf", POSITIVE)
    write(workdir / "a" / "nested" / "deep.tf", POSITIVE)
    write(workdir / "a.tf", POSITIVE)
    write(workdir / "notes.txt", POSITIVE)  # not a Terraform file
    write(workdir / "module.tf.hcl", POSITIVE)  # not a Terraform file either
    write(workdir / "c" / "main.tf.json", '{"resource": {"aws_iam_access_key": {"k": {"user": "root"}}}}')
    write(workdir / ".git" / "y.tf.json", '{"resource": {"aws_iam_access_key": {"k": {"user": "root"}}}}')
    write(workdir / ".terraform" / "modules" / "m" / "main.tf", POSITIVE)
    write(workdir / "a" / ".terraform" / "x.tf", POSITIVE)
    write(workdir / ".git" / "x.tf", POSITIVE)
    run = tfguard("check", "--format", "json", ".")
    assert run.code == 1
    files = []
    for finding in run.json()["findings"]:
        if finding["file"] not in files:
            files.append(finding["file"])
    assert files == ["a.tf", "a/nested/deep.tf", "a/z.tf", "b/main.tf", "c/main.tf.json"]
    assert run.json()["errors"] == []


def test_folder_paths_keep_the_prefix_given(workdir: Path, tfguard) -> None:
    write(workdir / "infra" / "prod" / "main.tf", POSITIVE)
    run = tfguard("check", "infra")
    assert run.out.startswith(f"infra/prod/main.tf:2:3: warning {RULE} ")
    run = tfguard("check", "./infra/")
    assert run.out.startswith(f"infra/prod/main.tf:2:3: warning {RULE} ")


def test_skipped_folders_only_hold_findings_so_the_check_is_clean(workdir: Path, tfguard) -> None:
    write(workdir / "main.tf", NEGATIVE)
    write(workdir / ".terraform" / "modules" / "m" / "main.tf", POSITIVE)
    write(workdir / ".git" / "hooks" / "x.tf", POSITIVE)
    run = tfguard("check")
    assert run.code == 0
    assert run.out == "1 file checked: no findings, 0 errors\n"


def test_a_file_given_twice_is_checked_once(workdir: Path, tfguard) -> None:
    write(workdir / "positive.tf", POSITIVE)
    run = tfguard("check", "--format", "json", "positive.tf", ".", "./positive.tf")
    assert [f["line"] for f in run.json()["findings"]] == [2, 7]


def test_empty_folder_is_clean(workdir: Path, tfguard) -> None:
    run = tfguard("check")
    assert run.code == 0
    assert run.out == "0 files checked: no findings, 0 errors\n"


def test_many_files_use_worker_processes_and_report_in_the_same_order(
    workdir: Path, tfguard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tfguard import cli

    count = cli.PARALLEL_THRESHOLD + 6
    for i in range(count):
        write(workdir / f"m{i % 7}" / f"f{i:03}.tf", POSITIVE if i % 3 else NEGATIVE)
    write(workdir / "m3" / "broken.tf", SYNTAX_ERROR)
    pools = []

    class CountingPool(cli.ProcessPoolExecutor):  # type: ignore[misc]
        def __init__(self, *args, **kwargs) -> None:
            pools.append(self)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(cli, "ProcessPoolExecutor", CountingPool)
    parallel = tfguard("check", "--format", "json")
    assert len(pools) == (1 if (os.cpu_count() or 1) > 1 else 0)
    monkeypatch.setattr(cli, "PARALLEL_THRESHOLD", 10**9)
    sequential = tfguard("check", "--format", "json")
    assert len(pools) <= 1
    assert parallel.code == sequential.code == 1
    assert parallel.out == sequential.out
    assert len(parallel.json()["findings"]) == 2 * sum(1 for i in range(count) if i % 3)
    assert len(parallel.json()["errors"]) == 1


def test_check_does_not_import_the_language_server(workdir: Path) -> None:
    import subprocess
    import sys

    write(workdir / "positive.tf", POSITIVE)
    code = (
        "import sys\n"
        "from tfguard import cli\n"
        "status = cli.main(['check', '--format', 'sarif', 'positive.tf'])\n"
        "assert not [m for m in sys.modules if m.startswith(('pygls', 'lsprotocol'))], 'imported the LSP layer'\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=workdir
    )
    assert done.returncode == 1, done.stderr


def test_jobs_chooses_the_worker_count_and_one_means_no_pool(
    workdir: Path, tfguard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tfguard import cli

    for i in range(cli.PARALLEL_THRESHOLD + 6):
        write(workdir / f"m{i % 5}" / f"f{i:03}.tf", POSITIVE)
    sizes = []

    class CountingPool(cli.ProcessPoolExecutor):  # type: ignore[misc]
        def __init__(self, *args, **kwargs) -> None:
            sizes.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(cli, "ProcessPoolExecutor", CountingPool)
    one = tfguard("check", "--jobs", "1", "--format", "json")
    assert sizes == []
    three = tfguard("check", "-j", "3", "--format", "json")
    assert sizes == [3]
    assert one.out == three.out and one.code == three.code == 1
    assert tfguard("check", "--jobs", "0").code == 2
