"""Self-consistency under editing: random incremental edits through the real server, diagnostics compared with
a from-scratch analysis of the same text after every step.

One server process per position encoding is reused across sequences; each sequence opens its own document and
closes it at the end. The number of sequences is ``TFGUARD_FUZZ_SEQUENCES`` (default 2,000 split over the
encodings); for a long run: ``TFGUARD_FUZZ_SEQUENCES=50000 .venv/bin/pytest tests/robustness/test_fuzz_editing.py``.
"""

from __future__ import annotations

import itertools
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robustness.rpc import Server, expected_diagnostics, line_starts, lsp_range, published_tuples
from support import KICS

SEQUENCES = int(os.environ.get("TFGUARD_FUZZ_SEQUENCES", "2000"))
# utf-16 (VS Code, Neovim 0.7) gets most of the run; utf-8 (Neovim 0.11) the rest.
SHARE = {"utf-16": 0.7, "utf-8": 0.3}

SEEDS = [
    (KICS / "positive.tf").read_text(encoding="utf-8"),
    (KICS / "negative.tf").read_text(encoding="utf-8"),
    "",
    'resource "aws_iam_access_key" "k" {\r\n  user   = "root"\r\n  status = "Active" # on\r\n}\r\n',
    'locals {\n  u = "root"\n}\n\nresource "aws_iam_access_key" "a" {\n  user = local.u\n}\n',
    'variable "u" {\n  default = "root"\n}\nresource "aws_iam_access_key" "b" { user = var.u }\n',
    'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{"a": "${x}"}\nEOF\n}\n\n'
    'resource "aws_iam_access_key" "c" {\n\tuser = "ro\\u006ft" /* c */\n  status = "active"\n}\n',
    'resource "aws_iam_access_key" "d" {\n  user = "root" // 😀 é\n  tags = { a = "%{ if x }y%{ endif }" }\n}\n',
]

FRAGMENTS = [
    '"', "{", "}", "${", "%{", "}", "[", "]", "(", ")", "<<EOF\n", "EOF\n", "<<-EOT\n", "  EOT\n", "#", "//",
    "/*", "*/", "\n", "\r\n", "\r", "\t", " ", "=", "\\", "😀", "é", "\u2028", "x", "root", '"root"',
    'user = "root"\n', 'status = "Active"\n', 'status = "Inactive"', "\n}\n",
    'resource "aws_iam_access_key" "z" {\n', "resource ", '"aws_iam_access_key"', "var.u", "local.u",
    "# tfguard:ignore\n", "\ufeff", "\x00", "$${", "%%{",
]

_counter = itertools.count()
_servers: dict[str, Server] = {}


@pytest.fixture(scope="module")
def servers():
    yield _servers
    for srv in _servers.values():
        code = srv.shutdown()
        log = srv.stderr_text()
        srv.cleanup()
        assert code == 0
        assert "Traceback" not in log and "ERROR" not in log, log[-3000:]
    _servers.clear()


def _server(encoding: str) -> Server:
    srv = _servers.get(encoding)
    if srv is None:
        srv = _servers[encoding] = Server(encodings=(encoding,))
        assert srv.encoding == encoding
    return srv


def _snap(text: str, offset: int) -> int:
    """LSP cannot address the middle of a CRLF: move off it."""
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return offset - 1
    return offset


_CHARS = ["a", "0", "_", "-", ".", ",", ":", "*", "'", "\u00a0", "\ufffd", "\U0001f4a9", "\u0301", "\x0b", "\x0c", "\u0085"]
# One change: (position seed, how much to delete, what to insert). One version: its changes, whether it replaces
# the whole text instead, and whether the client waits for its diagnostics (False: a burst of quick versions).
_CHANGE = st.tuples(
    st.integers(0, 1 << 16),
    st.sampled_from([0, 0, 0, 1, 1, 2, 3, 5, 8, 20]),
    st.lists(st.sampled_from(FRAGMENTS + _CHARS), max_size=3),
)
_VERSION = st.tuples(
    st.lists(_CHANGE, min_size=1, max_size=3), st.integers(0, 19), st.sampled_from([True, True, True, False])
)
SEQUENCE = st.tuples(st.sampled_from(SEEDS), st.lists(_VERSION, min_size=1, max_size=6))


def _check(srv: Server, uri: str, version: int, text: str, trail: list) -> None:
    got = published_tuples(srv.wait_published(uri, version))
    want = expected_diagnostics(text, srv.encoding)
    assert got == want, f"mismatch at version {version}\ntext={text!r}\nedits={trail!r}"


def _sequence(srv: Server, seed: str, versions: list) -> None:
    uri = f"file:///fuzz/{srv.encoding}/{next(_counter)}.tf"
    text = seed
    version = 1
    srv.open(uri, text)
    trail: list = []
    _check(srv, uri, version, text, trail)
    for i, (edits, full, wait) in enumerate(versions):
        # each change is relative to the text after the previous one in the same didChange
        changes = []
        for where, remove, pieces in edits:
            start = _snap(text, where % (len(text) + 1))
            end = _snap(text, min(len(text), start + remove))
            new = "".join(pieces)
            changes.append({"range": lsp_range(text, start, end, srv.encoding), "text": new})
            trail.append((start, end, new))
            text = text[:start] + new + text[end:]
        if full == 0:  # a full-text change now and then
            changes = [{"text": text}]
            trail.append(("full",))
        version += 1
        srv.change(uri, version, changes)
        if wait or i == len(versions) - 1:
            _check(srv, uri, version, text, trail)
    srv.close_document(uri)
    srv.wait_published(uri, None)  # the close clears the document's diagnostics
    srv.forget(uri)


def _run(encoding: str) -> None:
    count = max(1, round(SEQUENCES * SHARE[encoding]))
    started = time.monotonic()

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(SEQUENCE)
    def sequences(case) -> None:
        _sequence(srv, *case)

    srv = _server(encoding)

    sequences()
    print(f"\n{encoding}: {count} edit sequences in {time.monotonic() - started:.1f} s, no mismatch")


@pytest.mark.parametrize("encoding", list(SHARE))
def test_incremental_edits_match_a_fresh_analysis(servers, encoding: str) -> None:
    _run(encoding)
