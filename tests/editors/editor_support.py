"""Finding the editor tools, building the .vsix when the sources changed, and running a test program.

The editor tests skip, saying why, where a tool is missing; with CI set (as .ci/run has it) a missing tool is a
failure instead, so CI can never pass without running them. `bash editors/ci-setup.sh` installs everything.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EDITORS = REPO / "editors"
VSCODE = EDITORS / "vscode"
NEOVIM = EDITORS / "neovim"
CACHE = Path(os.environ.get("TFGUARD_EDITORS_CACHE") or Path.home() / ".cache" / "tfguard-editors")
CODE_SERVER = Path(
    os.environ.get("TFGUARD_CODE_SERVER") or CACHE / "code-server-4.100.3" / "node_modules" / ".bin" / "code-server"
)
CHROMIUM = Path(os.environ.get("TFGUARD_CHROMIUM") or "/usr/bin/chromium")
IN_CI = bool(os.environ.get("CI"))


def missing(what: str) -> None:
    """Skip (locally) or fail (in CI) because `what` is not installed."""
    if IN_CI:
        pytest.fail(
            f"{what} is missing, and CI is set: the editor tests may not be skipped in CI "
            "(.ci/run must run `bash editors/ci-setup.sh` first)",
            pytrace=False,
        )
    pytest.skip(f"{what} is missing (`bash editors/ci-setup.sh` installs it)")


def need_node() -> str:
    """The npm executable, once node >= 20, npm and editors/vscode/node_modules are there."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing("Node.js 20 with npm")
    assert node and npm
    major = int(subprocess.run([node, "-p", "process.versions.node.split('.')[0]"], capture_output=True,
                               text=True, check=True).stdout)
    if major < 20:
        missing(f"Node.js >= 20 (found {major})")
    if not (VSCODE / "node_modules" / ".bin" / "vsce").exists():
        missing("editors/vscode/node_modules (`npm ci` in editors/vscode)")
    return npm


def run(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    """Runs a test program; on failure the assertion carries the end of its output."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode(errors="replace")
        pytest.fail(f"{' '.join(cmd)} did not finish within {timeout} s; output:\n{out[-6000:]}", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited with {proc.returncode}; output:\n{proc.stdout[-8000:]}", pytrace=False)
    return proc.stdout


def _newest(paths: Iterable[Path]) -> float:
    newest = 0.0
    for p in paths:
        if p.is_dir():
            newest = max([newest, *(f.stat().st_mtime for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts)])
        elif p.exists():
            newest = max(newest, p.stat().st_mtime)
    return newest


def vsix() -> Path:
    """The extension package, rebuilt (npm run package) when it is older than the sources it is made of."""
    npm = need_node()
    version = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))["version"]
    target = VSCODE / f"tfguard-{version}.vsix"
    sources = [REPO / "server" / "tfguard", VSCODE / "src", VSCODE / "scripts", VSCODE / "package.json",
               VSCODE / "package-lock.json", VSCODE / "bundled-requirements.txt", VSCODE / "native-requirements.txt",
               VSCODE / "language-configuration.json", VSCODE / "README.md"]
    fresh = (
        target.exists()
        and (VSCODE / "bundled" / "libs" / "tfguard").is_dir()
        and target.stat().st_mtime >= _newest(sources)
    )
    if not fresh:
        # The bundle is made with this Python's pip (the venv running the tests).
        run([npm, "run", "package"], VSCODE, timeout=300, env={"TFGUARD_PYTHON": sys.executable})
    assert target.exists(), f"npm run package did not make {target}"
    return target


def pythons() -> dict[str, str]:
    """CPython 3.10+ interpreters on this machine, one per minor version ("3.10" -> path): python3.X on PATH,
    and pyenv's versions."""
    candidates = [shutil.which(f"python3.{minor}") for minor in range(10, 15)]
    candidates += sorted(str(p) for p in (Path.home() / ".pyenv" / "versions").glob("3.*/bin/python3"))
    found: dict[str, str] = {}
    for exe in filter(None, candidates):
        try:
            out = subprocess.run([exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.implementation.name)"],
                                 capture_output=True, text=True, timeout=10).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if len(out) == 2 and out[1] == "cpython" and tuple(map(int, out[0].split("."))) >= (3, 10):
            found.setdefault(out[0], exe)
    return dict(sorted(found.items(), key=lambda kv: tuple(map(int, kv[0].split(".")))))
