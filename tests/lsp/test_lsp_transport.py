"""The server over TCP, and stdout staying clean in stdio mode even when something prints."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
import sys

from lsp_session import TIMEOUT, Session, fixture_text, make_client
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

POSITIVE = "file:///work/positive.tf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def connect(client: LanguageClient, port: int) -> None:
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        try:
            await client.start_tcp("127.0.0.1", port)
            return
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_tcp_session_and_exit_code() -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tfguard.lsp", "--tcp", f"127.0.0.1:{port}", stdout=subprocess.PIPE
    )
    try:
        client = make_client()
        await connect(client, port)
        caps = client_capabilities("neovim@v0.7.0")
        client.capabilities = caps
        result = await asyncio.wait_for(
            client.initialize_async(types.InitializeParams(capabilities=caps)), TIMEOUT
        )
        client.initialized(types.InitializedParams())
        session = Session(client, "neovim@v0.7.0", result)
        session.open(POSITIVE, fixture_text("positive.tf"))
        assert len(await session.diagnostics(POSITIVE)) == 2
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
        returncode = await asyncio.wait_for(proc.wait(), TIMEOUT)
        await client.stop()
        assert returncode == 0
        assert await proc.stdout.read() == b""
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


# A server whose document store prints to stdout on every open (as a careless library might).
NOISY = (
    "import sys\n"
    "from tfguard.lsp import documents\n"
    "original = documents.DocumentStore.open\n"
    "def noisy(self, *args, **kwargs):\n"
    "    print('noise from a library')\n"
    "    sys.stdout.flush()\n"
    "    return original(self, *args, **kwargs)\n"
    "documents.DocumentStore.open = noisy\n"
    "from tfguard.lsp.server import run\n"
    "sys.exit(run())\n"
)


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def strictly_framed(data: bytes) -> list[dict]:
    """Parse stdout as nothing but LSP messages; anything else fails."""
    messages = []
    while data:
        match = re.match(rb"Content-Length: (\d+)\r\n(?:Content-Type: [^\r]*\r\n)?\r\n", data)
        assert match, f"not an LSP header: {data[:60]!r}"
        end = match.end() + int(match.group(1))
        messages.append(json.loads(data[match.end() : end]))
        data = data[end:]
    return messages


def test_prints_go_to_stderr_not_into_the_protocol() -> None:
    text = fixture_text("positive.tf")
    requests = b"".join(
        frame(m)
        for m in (
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "capabilities": {}},
            },
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {"uri": POSITIVE, "languageId": "terraform", "version": 1, "text": text}
                },
            },
        )
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", NOISY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        proc.stdin.write(requests)
        proc.stdin.flush()
        # Wait for the diagnostics before shutting down, so the analysis has happened.
        out = b""
        while b"publishDiagnostics" not in out:
            chunk = proc.stdout.read1(65536)
            assert chunk, proc.stderr.read().decode(errors="replace")
            out += chunk
        proc.stdin.write(
            frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            + frame({"jsonrpc": "2.0", "method": "exit"})
        )
        proc.stdin.flush()
        rest, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    messages = strictly_framed(out + rest)
    assert proc.returncode == 0
    assert b"noise from a library" in err
    (published,) = [m for m in messages if m.get("method") == "textDocument/publishDiagnostics"]
    assert published["params"]["version"] == 1 and len(published["params"]["diagnostics"]) == 2
    assert [m["id"] for m in messages if "id" in m] == [1, 2]
