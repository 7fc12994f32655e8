"""`tfguard check --fix`: files are rewritten in place, only when something changes, keeping what they were."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from .cli_support import NEGATIVE, POSITIVE, POSITIVE_FIXED, SYNTAX_ERROR, write


def test_fix_rewrites_only_files_with_findings_and_exits_0_when_nothing_remains(
    workdir: Path, tfguard
) -> None:
    positive = write(workdir / "positive.tf", POSITIVE)
    negative = write(workdir / "negative.tf", NEGATIVE)
    os.utime(negative, ns=(1_000_000_000, 1_000_000_000))
    before = negative.stat()
    run = tfguard("check", "--fix", ".")
    assert run.code == 0
    assert positive.read_bytes() == POSITIVE_FIXED.encode()
    assert negative.read_bytes() == NEGATIVE.encode()
    after = negative.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # never written
    assert run.out == "fixed 2 findings in positive.tf\n2 files checked: no findings, 0 errors\n"
    assert sorted(p.name for p in workdir.iterdir()) == ["negative.tf", "positive.tf"]  # no temporary left


def test_fix_keeps_crlf_line_endings(workdir: Path, tfguard) -> None:
    positive = write(workdir / "positive.tf", POSITIVE, newline="\r\n")
    run = tfguard("check", "--fix", "positive.tf")
    assert run.code == 0
    assert positive.read_bytes() == POSITIVE_FIXED.replace("\n", "\r\n").encode()


def test_fix_keeps_the_file_mode(workdir: Path, tfguard) -> None:
    positive = write(workdir / "positive.tf", POSITIVE)
    positive.chmod(0o640)
    tfguard("check", "--fix", "positive.tf")
    assert positive.read_bytes() == POSITIVE_FIXED.encode()
    assert stat.S_IMODE(positive.stat().st_mode) == 0o640


def test_fix_keeps_a_byte_order_mark(workdir: Path, tfguard) -> None:
    positive = write(workdir / "positive.tf", "\ufeff" + POSITIVE)
    assert tfguard("check", "--fix", "positive.tf").code == 0
    assert positive.read_bytes() == b"\xef\xbb\xbf" + POSITIVE_FIXED.encode()


def test_fix_exit_status_reflects_what_remains(workdir: Path, tfguard) -> None:
    mixed = write(workdir / "mixed.tf", POSITIVE + "\n" + SYNTAX_ERROR)
    run = tfguard("check", "--fix", "--format", "json", "mixed.tf")
    assert run.code == 2  # the findings are fixed; the syntax error is still there
    doc = run.json()
    assert doc["findings"] == []
    assert len(doc["errors"]) == 1
    assert mixed.read_text(encoding="utf-8") == POSITIVE_FIXED + "\n" + SYNTAX_ERROR


def test_fix_reports_to_stderr_in_machine_readable_formats(workdir: Path, tfguard) -> None:
    write(workdir / "a.tf", POSITIVE)
    write(workdir / "b.tf", POSITIVE)
    for fmt in ("json", "sarif"):
        run = tfguard("check", "--fix", "--format", fmt)
        if fmt == "json":
            assert run.err == "fixed 2 findings in a.tf\nfixed 2 findings in b.tf\n"
            assert run.json() == {"findings": [], "errors": []}
        else:
            assert run.err == ""  # nothing left to fix on the second pass
            assert run.json()["runs"][0]["results"] == []
        assert run.code == 0


def test_fix_through_a_symbolic_link_rewrites_the_target(workdir: Path, tfguard) -> None:
    target = write(workdir / "real" / "main.tf", POSITIVE)
    link = workdir / "main.tf"
    link.symlink_to(target)
    assert tfguard("check", "--fix", "main.tf").code == 0
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8") == POSITIVE_FIXED


def test_a_file_that_cannot_be_written_keeps_its_findings(
    workdir: Path, tfguard, monkeypatch: pytest.MonkeyPatch
) -> None:
    positive = write(workdir / "ro" / "positive.tf", POSITIVE)

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied", dst)

    monkeypatch.setattr(os, "replace", refuse)
    run = tfguard("check", "--fix", "ro/positive.tf")
    assert run.code == 1
    assert positive.read_text(encoding="utf-8") == POSITIVE
    assert run.err == "ro/positive.tf: could not write the fixes: permission denied\n"
    assert run.out.startswith("ro/positive.tf:2:3: warning ")
    assert sorted(p.name for p in positive.parent.iterdir()) == ["positive.tf"]  # the temporary is removed
