"""Security: nothing from the workspace runs, no network, reading confined to the workspace and the paths given.

The CLI and the server run with an audit hook (data/audit/sitecustomize.py) that blocks and records every
network connection, name lookup and program execution and records every file opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import tfguard
from robustness.rpc import Server, published_tuples

AUDIT = Path(__file__).parent / "data" / "audit"
POSITIVE = 'resource "aws_iam_access_key" "k" {\n  user = "root"\n}\n'
SHADOWS = ["lark", "json", "pygls", "lsprotocol", "tfguard_evil", "typing_extensions", "attrs", "cattrs", "re"]


def make_workspace(root: Path) -> Path:
    """A workspace with findings, booby traps (modules that would run if imported, a .terraform folder, a
    symlink out, a symlink loop) and a secret outside it."""
    ws = root / "ws"
    (ws / "mod").mkdir(parents=True)
    (ws / "main.tf").write_text(POSITIVE)
    (ws / "mod" / "a.tf").write_text(POSITIVE.replace('"k"', '"a"'))
    for name in SHADOWS:
        (ws / f"{name}.py").write_text(f"open({str(root / 'PWNED')!r}, 'a').write({name!r})\n")
    (ws / "sitecustomize.py").write_text(f"open({str(root / 'PWNED')!r}, 'a').write('site')\n")
    (ws / ".terraform").mkdir()
    (ws / ".terraform" / "x.tf").write_text(POSITIVE)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text(POSITIVE.replace('"k"', '"secret"'))
    (ws / "link-out.tf").symlink_to(outside / "secret.tf")
    (ws / "dir-out").symlink_to(outside, target_is_directory=True)
    (ws / "mod" / "loop").symlink_to(ws / "mod", target_is_directory=True)
    (ws / "link-in.tf").symlink_to(ws / "main.tf")
    return ws


def audited_env(log: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(AUDIT), env.get("PYTHONPATH", "")) if p)
    env["TFGUARD_AUDIT_LOG"] = str(log)
    return env


def events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def allowed_roots(ws: Path) -> list[str]:
    roots = {str(ws.resolve()), sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(tfguard.__file__)}
    roots |= {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    cache = os.environ.get("TFGUARD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "tfguard"
    )
    roots |= {cache, str(AUDIT), "/dev/null", "/proc", "/tmp", os.environ.get("TMPDIR", "/tmp")}
    return [os.path.realpath(r) for r in roots]


def check_events(root: Path, ws: Path, log: Path) -> None:
    recorded = events(log)
    assert not (root / "PWNED").exists(), (root / "PWNED").read_text()
    assert [e for e in recorded if e["kind"] in ("network", "exec")] == []
    opened = {e["detail"] for e in recorded if e["kind"] == "open"}
    assert not any("outside" in p for p in opened), sorted(p for p in opened if "outside" in p)
    roots = allowed_roots(ws)
    strays = sorted(p for p in opened if not any(os.path.realpath(p).startswith(r) for r in roots))
    assert strays == [], strays
    return None


def test_cli_check_runs_nothing_connects_nowhere_and_stays_in_the_folder(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    log = tmp_path / "audit.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "tfguard", "check", "--format", "json", "."],
        cwd=ws, env=audited_env(log), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    files = sorted({f["file"] for f in report["findings"]})
    # link-in.tf and main.tf are one file: checked once, under either name; nothing outside the folder
    assert files in (["link-in.tf", "mod/a.tf"], ["main.tf", "mod/a.tf"]), files
    check_events(tmp_path, ws, log)
    assert any(e["kind"] == "open" and e["detail"].endswith("main.tf") for e in events(log))  # the hook saw reads


def test_cli_many_files_in_worker_processes_execute_nothing(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    for i in range(70):  # over the CLI's threshold for worker processes
        (ws / f"f{i}.tf").write_text("locals {}\n")
    log = tmp_path / "audit.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "tfguard", "check", "."],
        cwd=ws, env=audited_env(log), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    check_events(tmp_path, ws, log)


def test_cli_fix_runs_nothing(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    log = tmp_path / "audit.jsonl"
    subprocess.run([sys.executable, "-m", "tfguard", "check", "--fix", "."], cwd=ws, env=audited_env(log),
                   capture_output=True, timeout=120)
    check_events(tmp_path, ws, log)
    assert (tmp_path / "outside" / "secret.tf").read_text() == POSITIVE.replace('"k"', '"secret"')  # not fixed


def test_language_server_session_runs_nothing_connects_nowhere_and_stays_in_the_workspace(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    log = tmp_path / "audit.jsonl"
    srv = Server(env=audited_env(log), cwd=str(ws), initialize=False)
    try:
        response = srv.request("initialize", {
            "processId": None, "rootUri": ws.as_uri(),
            "workspaceFolders": [{"uri": ws.as_uri(), "name": "ws"}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
        })
        assert "result" in response
        srv.notify("initialized", {})
        uri = (ws / "main.tf").as_uri()
        srv.open(uri, POSITIVE)
        assert len(published_tuples(srv.wait_published(uri, 1))) == 1
        srv.request("textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 2}},
            "context": {"diagnostics": []},
        })
        srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 3}})
        # the workspace scan (if any) publishes files from disk: never the one behind the symlink out
        srv.open((ws / "link-out.tf").as_uri(), POSITIVE)
        srv.wait_published((ws / "link-out.tf").as_uri(), 1)
        assert srv.shutdown() == 0
    finally:
        srv.cleanup()
    scanned = [u for u in srv.published if "outside" in u or "dir-out" in u or ".terraform" in u]
    assert scanned == []
    check_events_lsp(tmp_path, ws, log)


def check_events_lsp(root: Path, ws: Path, log: Path) -> None:
    recorded = events(log)
    assert not (root / "PWNED").exists()
    assert [e for e in recorded if e["kind"] in ("network", "exec")] == []
    opened = {e["detail"] for e in recorded if e["kind"] == "open"}
    # the buffer named link-out.tf is analysed from the editor's text; the file behind it is never read
    assert not any("outside" in p or "dir-out" in p for p in opened), sorted(opened)


def test_engine_workspace_does_not_read_through_symlinks_out_of_the_module(tmp_path: Path) -> None:
    from tfguard.engine.workspace import Workspace

    ws = make_workspace(tmp_path)
    (ws / "variables.tf").write_text('variable "u" {\n  default = "root"\n}\n')
    workspace = Workspace()
    paths = workspace.module_paths(str(ws / "main.tf"))
    assert str(ws / "variables.tf") in paths
    assert all(Path(p).resolve().is_relative_to(ws.resolve()) for p in paths if Path(p).exists()), paths


def test_workspace_scan_is_confined_and_bounded(tmp_path: Path) -> None:
    scan = pytest.importorskip("tfguard.lsp.scan")
    ws = make_workspace(tmp_path)
    found = sorted(os.path.relpath(p, ws) for p in scan.terraform_files([str(ws)]))
    # link-in.tf and main.tf are one file: scanned once, under either name
    assert found in (["link-in.tf", "mod/a.tf"], ["main.tf", "mod/a.tf"]), found
    for i in range(30):
        (ws / f"n{i}.tf").write_text("locals {}\n")
    assert len(list(scan.terraform_files([str(ws)], limit=10))) == 10  # the file-count limit
    (ws / "big.tf").write_bytes(b"#" * (scan.MAX_SCAN_FILE_BYTES + 1))
    assert "big.tf" not in {os.path.basename(p) for p in scan.terraform_files([str(ws)])}  # the size limit
