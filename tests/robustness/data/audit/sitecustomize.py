"""Loaded by the security tests (PYTHONPATH): an audit hook that records, and blocks, every network connection,
name lookup and program execution, and records every file opened. One JSON line per event in
$TFGUARD_AUDIT_LOG."""

import os
import sys

# import what the hook needs from the standard library, not from a workspace file of the same name
_saved = sys.path[:]
sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]
import json  # noqa: E402
import socket  # noqa: E402

sys.path[:] = _saved

_LOG = os.environ.get("TFGUARD_AUDIT_LOG")
_NETWORK = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo",
            "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo"}
_EXEC = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile"}

if _LOG:
    _fd = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _busy = False

    def _write(kind, detail):
        os.write(_fd, (json.dumps({"kind": kind, "detail": detail, "pid": os.getpid()}) + "\n").encode())

    def _hook(event, args):
        global _busy
        if _busy:
            return
        _busy = True
        try:
            if event in _NETWORK:
                sock = args[0] if event.startswith("socket.") and args and hasattr(args[0], "family") else None
                if sock is not None and sock.family == socket.AF_UNIX:
                    return  # asyncio's self-pipe and the like: local, not the network
                _write("network", f"{event} {args!r}"[:300])
                raise PermissionError(f"blocked by the test: {event}")
            if event in _EXEC:
                _write("exec", f"{event} {args!r}"[:300])
                raise PermissionError(f"blocked by the test: {event}")
            if event == "open" and isinstance(args[0], (str, bytes)):
                path = os.fsdecode(args[0])
                _write("open", os.path.abspath(path))
        finally:
            _busy = False

    sys.addaudithook(_hook)
