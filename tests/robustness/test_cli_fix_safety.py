"""``tfguard check --fix``: atomic writes (temporary file in the same folder, then rename), mode and line endings
kept, files without findings never written, and an interrupted run never leaves a half-written file."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tfguard.engine import fix_text

POSITIVE = 'resource "aws_iam_access_key" "k" {\n  user = "root"\n}\n'


def fix(*paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfguard", "check", "--fix", *paths], capture_output=True, text=True, timeout=300
    )


def test_fix_replaces_the_file_by_rename_keeping_mode_and_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "main.tf"
    text = POSITIVE.replace("\n", "\r\n")
    path.write_bytes(text.encode())
    path.chmod(0o640)
    inode = path.stat().st_ino
    result = fix(str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert path.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    data = path.read_bytes().decode()
    assert data == fix_text(text)[0] and data.count("\r\n") == 4 and "\n" not in data.replace("\r\n", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.tf"]  # no temporary file left


@pytest.mark.parametrize("ending", ["\r", "mixed"])
def test_fix_keeps_other_line_endings(tmp_path: Path, ending: str) -> None:
    text = POSITIVE.replace("\n", "\r") if ending == "\r" else "locals {}\r\n" + POSITIVE + "# x\r"
    path = tmp_path / "main.tf"
    path.write_bytes(text.encode())
    fix(str(path))
    assert path.read_bytes().decode() == fix_text(text)[0] != text


def test_fix_never_writes_a_file_without_a_finding(tmp_path: Path) -> None:
    files = {
        "clean.tf": 'resource "aws_iam_access_key" "k" {\n  user   = "root"\n  status = "Inactive"\n}\n',
        "broken.tf": 'resource "aws_iam_access_key" "k" {\n  user = "root\n',
        "suppressed.tf": "# tfguard:ignore\n" + POSITIVE,
        "empty.tf": "",
    }
    before = {}
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode())
        os.utime(tmp_path / name, ns=(1_000_000_000, 1_000_000_000))
        before[name] = (tmp_path / name).stat()
    (tmp_path / "readonly").mkdir()
    (tmp_path / "readonly" / "x.tf").write_text("locals {}\n")
    (tmp_path / "readonly").chmod(0o555)  # a folder it could not write into: never needed
    fix(str(tmp_path))
    for name, text in files.items():
        after = (tmp_path / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before[name].st_ino, before[name].st_mtime_ns), name
        assert (tmp_path / name).read_bytes().decode() == text


def _big(i: int) -> str:
    filler = "".join(f'  v{j} = "{"x" * 40}"\n' for j in range(300))
    return f"locals {{\n{filler}}}\n\n" + POSITIVE.replace('"k"', f'"k{i}"')


@pytest.mark.parametrize("sig, after", [(signal.SIGKILL, 1), (signal.SIGKILL, 30), (signal.SIGINT, 10)])
def test_interrupted_fix_leaves_each_file_original_or_fully_fixed(tmp_path: Path, sig: int, after: int) -> None:
    """Interrupt the run once ``after`` files were written (so mid-run, with workers busy on the others)."""
    count = 80  # enough for the CLI's worker processes
    originals = {f"f{i:03d}.tf": _big(i) for i in range(count)}
    for name, text in originals.items():
        (tmp_path / name).write_bytes(text.encode())
    inodes = {name: (tmp_path / name).stat().st_ino for name in originals}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tfguard", "check", "--fix", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        written = sum(1 for name in originals if _inode(tmp_path / name) != inodes[name])
        if written >= after:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, sig)  # the whole group, as a terminal's Ctrl-C or a CI timeout does
    proc.wait(60)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    states = {"original": 0, "fixed": 0}
    for name, text in originals.items():
        data = (tmp_path / name).read_bytes().decode()
        if data == text:
            states["original"] += 1
        else:
            assert data == fix_text(text)[0], f"{name} is neither the original nor the fixed text"
            states["fixed"] += 1
    leftovers = [p.name for p in tmp_path.iterdir() if not p.name.endswith(".tf")]
    print(f"\n{signal.Signals(sig).name} after {after} written: {states}; temporary files left: {len(leftovers)}")
    assert states["fixed"] >= after and states["original"] >= 1
    if sig == signal.SIGINT:
        assert leftovers == [], leftovers  # an orderly interrupt removes its temporary file
        assert "Traceback" not in stderr or "KeyboardInterrupt" in stderr
    else:
        assert all(name.startswith(".f") and name.endswith(".tmp") for name in leftovers), leftovers


def _inode(path: Path) -> int:
    try:
        return path.stat().st_ino
    except FileNotFoundError:  # between the rename's unlink and link (not on Linux, but be safe)
        return -1
