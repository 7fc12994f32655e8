"""A minimal LSP client over stdio (asyncio subprocess pipes, Content-Length framing), as an editor drives a server.

Every message from the server is stamped with ``time.perf_counter()`` the moment its frame has been read.
Requests from the server (``client/registerCapability``, ``workspace/configuration`` ...) are answered at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Notification:
    method: str
    params: Any
    t: float  # perf_counter when received


@dataclass
class Client:
    proc: asyncio.subprocess.Process
    t_spawn: float
    notifications: asyncio.Queue[Notification] = field(default_factory=asyncio.Queue)
    _pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    _next_id: int = 1
    _reader: asyncio.Task[None] | None = None
    stderr_tail: list[str] = field(default_factory=list)

    @classmethod
    async def spawn(cls, argv: list[str], env: dict[str, str] | None = None) -> "Client":
        t0 = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            limit=1 << 26,
        )
        client = cls(proc, t0)
        client._reader = asyncio.get_running_loop().create_task(client._read_loop())
        asyncio.get_running_loop().create_task(client._drain_stderr())
        return client

    @property
    def pid(self) -> int:
        return self.proc.pid

    # --- sending ------------------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> float:
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return time.perf_counter()

    async def request(self, method: str, params: Any, timeout: float = 120.0) -> Any:
        rid = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        assert self.proc.stdin is not None
        await self.proc.stdin.drain()
        return await asyncio.wait_for(future, timeout)

    def request_nowait(self, method: str, params: Any) -> tuple[float, asyncio.Future[Any]]:
        """Send a request; returns (time sent, future of (response, time received))."""
        rid = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        return self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}), future

    async def notify(self, method: str, params: Any) -> float:
        """Send a notification; returns the time it was written (before draining the pipe)."""
        t = self._send({"jsonrpc": "2.0", "method": method, "params": params})
        assert self.proc.stdin is not None
        await self.proc.stdin.drain()
        return t

    # --- receiving ----------------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self.proc.stdout is not None
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = await out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length is None:
                    continue
                body = await out.readexactly(length)
                t = time.perf_counter()
                message = json.loads(body)
                if "id" in message and "method" not in message:
                    future = self._pending.pop(message["id"], None)
                    if future is not None and not future.done():
                        future.set_result((message, t))
                elif "id" in message:
                    self._answer(message)
                else:
                    self.notifications.put_nowait(Notification(message["method"], message.get("params"), t))
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def _answer(self, message: dict[str, Any]) -> None:
        method = message["method"]
        result: Any = None
        if method == "workspace/configuration":
            result = [None for _ in message.get("params", {}).get("items", [])]
        self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    async def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        while True:
            line = await self.proc.stderr.readline()
            if not line:
                return
            self.stderr_tail = (self.stderr_tail + [line.decode(errors="replace").rstrip()])[-20:]

    async def next_diagnostics(self, uri: str, timeout: float) -> Notification | None:
        """The next publishDiagnostics for ``uri``, or None after ``timeout`` seconds of waiting."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                n = await asyncio.wait_for(self.notifications.get(), left)
            except asyncio.TimeoutError:
                return None
            if n.method == "textDocument/publishDiagnostics" and n.params.get("uri") == uri:
                return n

    # --- session ------------------------------------------------------------------------------------------

    async def initialize(self, root: str) -> Any:
        caps = {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {
                "synchronization": {"dynamicRegistration": False, "didSave": True},
                "publishDiagnostics": {
                    "relatedInformation": True,
                    "versionSupport": True,
                    "codeDescriptionSupport": True,
                    "dataSupport": True,
                    "tagSupport": {"valueSet": [1, 2]},
                },
                "codeAction": {
                    "codeActionLiteralSupport": {
                        "codeActionKind": {"valueSet": ["", "quickfix", "source", "source.fixAll"]}
                    },
                    "dataSupport": True,
                },
            },
            "window": {"workDoneProgress": False},
        }
        params = {
            "processId": os.getpid(),
            "clientInfo": {"name": "tfguard-bench", "version": "1"},
            "rootUri": "file://" + root,
            "workspaceFolders": [{"uri": "file://" + root, "name": "bench"}],
            "capabilities": caps,
        }
        response, _ = await self.request("initialize", params)
        await self.notify("initialized", {})
        return response.get("result")

    async def did_open(self, uri: str, text: str, version: int = 1) -> float:
        return await self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "terraform", "version": version, "text": text}},
        )

    async def close(self) -> None:
        try:
            await self.request("shutdown", None, timeout=10)
            await self.notify("exit", None)
            await asyncio.wait_for(self.proc.wait(), 10)
        except Exception:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()


def vm_status(pid: int) -> dict[str, int]:
    """VmHWM / VmRSS of a process in kB (Linux)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out
