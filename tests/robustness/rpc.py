"""A lean JSON-RPC client for the real server (``python -m tfguard lsp`` over stdio).

pytest-lsp is thorough but costs about a millisecond of its own per message; the fuzz and load tests send tens
of thousands, so they talk to the server through this: one reader thread splitting Content-Length frames,
responses by id, every publishDiagnostics kept by URI and version, server-to-client requests answered null.
Positions are computed here independently of the server (``position``/``offset`` below).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from typing import Any

TIMEOUT = 30.0


class ServerGone(AssertionError):
    pass


class Server:
    def __init__(
        self,
        *,
        encodings: tuple[str, ...] = ("utf-16",),
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        command: list[str] | None = None,
        initialize: bool = True,
    ) -> None:
        self.stderr_path = os.path.join(
            os.environ.get("TMPDIR", "/tmp"), f"tfguard-rpc-{os.getpid()}-{id(self)}.log"
        )
        self._stderr = open(self.stderr_path, "w+b")
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "tfguard", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=cwd,
        )
        self._lock = threading.Condition()
        self._write_lock = threading.Lock()
        self._next_id = 0
        self.responses: dict[Any, dict[str, Any]] = {}
        self.response_times: dict[Any, float] = {}
        self.published: dict[str, list[tuple[int | None, list[dict[str, Any]]]]] = defaultdict(list)
        self.notifications: list[dict[str, Any]] = []
        self.null_id_responses: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self.closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.encoding = encodings[0]
        if initialize:
            result = self.request(
                "initialize",
                {
                    "processId": os.getpid(),
                    "rootUri": None,
                    "capabilities": {
                        "general": {"positionEncodings": list(encodings)},
                        "textDocument": {
                            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
                            "codeAction": {
                                "codeActionLiteralSupport": {
                                    "codeActionKind": {"valueSet": ["quickfix", "source", "source.fixAll"]}
                                },
                                "isPreferredSupport": True,
                            },
                        },
                    },
                },
            )
            assert "result" in result, result
            self.encoding = result["result"]["capabilities"].get("positionEncoding", "utf-16")
            self.notify("initialized", {})

    # --- transport ------------------------------------------------------------------------------------------

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                headers: dict[str, str] = {}
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = out.read(int(headers["content-length"]))
                message = json.loads(body)
                self._dispatch(message)
        finally:
            with self._lock:
                self.closed = True
                self._lock.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" in message and "id" in message:  # a request from the server: answer null
            with self._lock:
                self.server_requests.append(message)
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            return
        with self._lock:
            if "method" in message:
                if message["method"] == "textDocument/publishDiagnostics":
                    params = message["params"]
                    self.published[params["uri"]].append((params.get("version"), params["diagnostics"]))
                else:
                    self.notifications.append(message)
            elif message.get("id") is None:
                self.null_id_responses.append(message)
            else:
                self.responses[message.get("id")] = message
                self.response_times[message.get("id")] = time.monotonic()
            self._lock.notify_all()

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        self.send_raw(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request_nowait(self, method: str, params: Any = None) -> int:
        with self._lock:
            self._next_id += 1
            rid = self._next_id
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return rid

    def wait_response(self, rid: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while rid not in self.responses:
                if self.closed:
                    raise ServerGone(f"server exited before answering {rid}: {self.stderr_tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer to request {rid} within {timeout} s")
                self._lock.wait(left)
            return self.responses.pop(rid)

    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> dict[str, Any]:
        return self.wait_response(self.request_nowait(method, params), timeout)

    # --- documents ------------------------------------------------------------------------------------------

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "terraform", "version": version, "text": text}},
        )

    def change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def wait_published(self, uri: str, version: int | None, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """The diagnostics of the newest publish for ``uri`` with ``version``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for v, diagnostics in reversed(self.published.get(uri, ())):
                    if v == version:
                        return diagnostics
                if self.closed:
                    raise ServerGone(f"server exited while waiting for {uri} v{version}: {self.stderr_tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no diagnostics for {uri} version {version} within {timeout} s")
                self._lock.wait(left)

    def forget(self, uri: str) -> None:
        with self._lock:
            self.published.pop(uri, None)

    # --- ending -----------------------------------------------------------------------------------------------

    def stderr_text(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        with open(self.stderr_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")

    def stderr_tail(self, n: int = 3000) -> str:
        return self.stderr_text()[-n:]

    def shutdown(self, timeout: float = TIMEOUT) -> int:
        """shutdown + exit; returns the exit code."""
        if self.proc.poll() is None:
            try:
                response = self.request("shutdown", None, timeout)
                assert response.get("result", "missing") is None, response
                self.notify("exit", None)
            except (BrokenPipeError, ServerGone):
                pass
        return self.wait_exit(timeout)

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(5)
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()  # type: ignore[union-attr]
                except (OSError, AttributeError):
                    pass
            self._stderr.close()
        return code

    def cleanup(self) -> None:
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass


# --- positions, independently of the server --------------------------------------------------------------

_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def units(segment: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(segment.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(segment.encode("utf-16-le", "surrogatepass")) // 2
    return len(segment)


def position(text: str, offset: int, encoding: str, starts: list[int] | None = None) -> dict[str, int]:
    starts = starts if starts is not None else line_starts(text)
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # last start <= offset
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return {"line": lo, "character": units(text[starts[lo] : offset], encoding)}


def lsp_range(text: str, start: int, end: int, encoding: str, starts: list[int] | None = None) -> dict[str, Any]:
    starts = starts if starts is not None else line_starts(text)
    return {"start": position(text, start, encoding, starts), "end": position(text, end, encoding, starts)}


def expected_diagnostics(text: str, encoding: str) -> list[tuple[Any, ...]]:
    """What a from-scratch analysis by the engine says about ``text``, as comparable tuples."""
    from tfguard.engine import Analyzer

    analysis = Analyzer().analyze(text)
    starts = line_starts(text)
    out = []
    for item in list(analysis.findings) + list(analysis.problems):
        code = getattr(item, "rule_id", None) or item.code
        out.append((_key(lsp_range(text, item.start, item.end, encoding, starts)), code, item.message, int(item.severity)))
    return sorted(out)


def _key(rng: dict[str, Any]) -> tuple[int, int, int, int]:
    return (rng["start"]["line"], rng["start"]["character"], rng["end"]["line"], rng["end"]["character"])


def published_tuples(diagnostics: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((_key(d["range"]), d.get("code"), d["message"], d.get("severity")) for d in diagnostics)
