"""The installed ``tfguard`` script, run as a user runs it: a real process, real exit status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .cli_support import NEGATIVE, POSITIVE, POSITIVE_FIXED, RULE, write


@pytest.fixture(scope="module")
def script() -> str:
    found = Path(sys.executable).with_name("tfguard")
    path = str(found) if found.exists() else shutil.which("tfguard")
    assert path, "the tfguard script is not installed (pip install -e '.[test]')"
    return path


def run(script: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([script, *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_version(script: str, tmp_path: Path) -> None:
    from tfguard import __version__

    done = run(script, tmp_path, "--version")
    assert (done.returncode, done.stdout) == (0, f"tfguard {__version__}\n")


def test_check_json_exit_1_on_findings(script: str, tmp_path: Path) -> None:
    write(tmp_path / "infra" / "positive.tf", POSITIVE)
    write(tmp_path / "infra" / "negative.tf", NEGATIVE)
    done = run(script, tmp_path, "check", "--format", "json", "infra")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert [(f["file"], f["line"], f["column"], f["rule"]) for f in findings] == [
        ("infra/positive.tf", 2, 3, RULE),
        ("infra/positive.tf", 7, 3, RULE),
    ]


def test_check_text_exit_0_when_clean(script: str, tmp_path: Path) -> None:
    write(tmp_path / "negative.tf", NEGATIVE)
    done = run(script, tmp_path, "check")
    assert (done.returncode, done.stdout) == (0, "1 file checked: no findings, 0 errors\n")


def test_invalid_utf8_exit_2(script: str, tmp_path: Path) -> None:
    (tmp_path / "latin1.tf").write_bytes(b"# caf\xe9\n")
    done = run(script, tmp_path, "check", "latin1.tf")
    assert done.returncode == 2
    assert done.stdout.startswith("latin1.tf: error unreadable ")


def test_usage_error_exit_2(script: str, tmp_path: Path) -> None:
    done = run(script, tmp_path, "check", "--format", "yaml")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "invalid choice: 'yaml'" in done.stderr


def test_fix_then_clean(script: str, tmp_path: Path) -> None:
    positive = write(tmp_path / "positive.tf", POSITIVE, newline="\r\n")
    done = run(script, tmp_path, "check", "--fix", "--format", "sarif")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "fixed 2 findings in positive.tf\n"
    assert json.loads(done.stdout)["runs"][0]["results"] == []
    assert positive.read_bytes() == POSITIVE_FIXED.replace("\n", "\r\n").encode()


EMOJI_KEY = 'resource "aws_iam_access_key" "e" {\n  /* 🔑 */ user = "root"\n}\n'


def test_text_on_a_terminal_that_cannot_show_a_character_escapes_it(script: str, tmp_path: Path) -> None:
    write(tmp_path / "émoji.tf", EMOJI_KEY)
    done = subprocess.run(
        [script, "check", "émoji.tf"],
        cwd=tmp_path,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.decode("ascii").splitlines()
    assert lines[0].startswith("\\xe9moji.tf:2:11: warning ")
    assert lines[1] == '   2 |   /* \\U0001f511 */ user = "root"'


def test_json_and_sarif_are_ascii_whatever_the_locale(script: str, tmp_path: Path) -> None:
    write(tmp_path / "émoji.tf", EMOJI_KEY)
    for fmt in ("json", "sarif"):
        done = subprocess.run(
            [script, "check", "--format", fmt],
            cwd=tmp_path,
            capture_output=True,
            env={**os.environ, "PYTHONIOENCODING": "ascii"},
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        doc = json.loads(done.stdout.decode("ascii"))
        if fmt == "json":
            assert doc["findings"][0]["file"] == "émoji.tf"
        else:
            location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            assert location["uri"] == "%C3%A9moji.tf"


def test_fix_on_a_terminal_that_cannot_show_the_file_name(script: str, tmp_path: Path) -> None:
    fixed = write(tmp_path / "émoji.tf", EMOJI_KEY)
    done = subprocess.run(
        [script, "check", "--fix"],
        cwd=tmp_path,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("ascii").splitlines() == [
        "fixed 1 finding in \\xe9moji.tf",
        "1 file checked: no findings, 0 errors",
    ]
    # Aligned as `terraform fmt` aligns it (the inline comment is part of the key's column).
    assert fixed.read_text(encoding="utf-8") == (
        'resource "aws_iam_access_key" "e" {\n  /* 🔑 */ user = "root"\n  status       = "Inactive"\n}\n'
    )
