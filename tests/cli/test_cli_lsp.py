"""`tfguard lsp`: the subcommand starts the language server on stdio (the server's own tests live in tests/lsp)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_messages(data: bytes) -> list[dict]:
    messages = []
    while data:
        header, _, rest = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in header.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        messages.append(json.loads(rest[:length]))
        data = rest[length:]
    return messages


def test_lsp_serves_stdio_and_exits_0_after_shutdown(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("tfguard")
    command = str(script) if script.exists() else shutil.which("tfguard")
    assert command
    requests = b"".join(
        frame(m)
        for m in (
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {}},
            },
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"},
        )
    )
    done = subprocess.run(
        [command, "lsp"], input=requests, capture_output=True, timeout=60, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    responses = {m["id"]: m for m in read_messages(done.stdout) if "id" in m}
    assert responses[1]["result"]["serverInfo"]["name"] == "tfguard"
    assert "textDocumentSync" in responses[1]["result"]["capabilities"]
    assert responses[2]["result"] is None


def test_lsp_rejects_a_malformed_tcp_address(tfguard) -> None:
    run = tfguard("lsp", "--tcp", "localhost")
    assert run.code == 2
    assert "expected HOST:PORT" in run.err
