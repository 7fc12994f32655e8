"""Bad input files, each its own test, through the engine, the CLI (``tfguard check``) and the server.

What is promised: no crash, no traceback, the findings of the readable blocks still reported at the right
place, a clear message for what cannot be read, and a server that keeps answering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from robustness.rpc import Server, expected_diagnostics, published_tuples
from tfguard.engine import Analyzer
from tfguard.engine.runner import MAX_TEXT_CHARS
from tfguard.engine.workspace import Workspace
from tfguard.hcl.scanner import MAX_NESTING, TOO_DEEP

RULE = "terraform-aws-iam-access-key-is-exposed"
POSITIVE = 'resource "aws_iam_access_key" "k" {\n  user = "root"\n}\n'
DEPTH = 100_000


def run_cli(*args: str, cwd: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tfguard", "check", "--format", "json", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
    )


def cli_json(path: Path, expect_exit: int | None = None) -> tuple[int, dict]:
    result = run_cli(str(path))
    assert "Traceback" not in result.stderr, result.stderr
    if expect_exit is not None:
        assert result.returncode == expect_exit, (result.returncode, result.stdout[-2000:], result.stderr)
    return result.returncode, json.loads(result.stdout)


def findings_of(report: dict) -> list[dict]:
    return report["findings"]


def problems_of(report: dict) -> list[dict]:
    """Problems and unreadable files (the JSON report's ``errors``)."""
    return report["errors"]


@pytest.fixture(scope="module")
def srv():
    server = Server()
    yield server
    code = server.shutdown()
    log = server.stderr_text()
    server.cleanup()
    assert code == 0
    assert "Traceback" not in log, log[-3000:]


def served(srv: Server, name: str, text: str, timeout: float = 60, compare: bool = True) -> list[tuple]:
    """Open ``text`` in the server; its diagnostics must equal a fresh engine analysis. Returns them."""
    uri = f"file:///bad/{name}.tf"
    srv.open(uri, text)
    got = published_tuples(srv.wait_published(uri, 1, timeout))
    if compare:
        assert got == expected_diagnostics(text, srv.encoding)
    # and the server still answers
    response = srv.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        },
        timeout,
    )
    assert "error" not in response, response
    srv.close_document(uri)
    return got


def rule_lines(diagnostics: list[tuple]) -> list[int]:
    return [d[0][0] for d in diagnostics if d[1] == RULE]


# --- encodings and characters ---------------------------------------------------------------------------


def test_invalid_utf8_on_disk(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tf"
    bad.write_bytes(b'resource "aws_iam_access_key" "k" {\n  user = "r\xffoot"\n}\n')
    good = tmp_path / "good.tf"
    good.write_text(POSITIVE)
    code, report = cli_json(tmp_path, expect_exit=1)  # the good file's finding still counts
    errors = {Path(e["file"]).name: e["message"] for e in report["errors"]}
    assert "not valid UTF-8 (byte 0xff on line 2)" in errors["bad.tf"]
    assert [Path(f["file"]).name for f in report["findings"]] == ["good.tf"]
    assert Workspace().text(str(bad)) is None  # the engine's module view skips it, no exception


def test_replacement_characters_from_an_editor(srv: Server) -> None:
    # an editor shows undecodable bytes as U+FFFD and sends that text
    text = 'resource "aws_iam_access_key" "k" {\n  user = "r\ufffdoot"\n}\n' + POSITIVE.replace('"k"', '"j"')
    assert rule_lines(served(srv, "fffd", text)) == [4]


def test_nul_bytes(tmp_path: Path, srv: Server) -> None:
    text = 'locals {\n  a = "\x00"\n  \x00\n}\n\n' + POSITIVE
    path = tmp_path / "nul.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path, expect_exit=1)
    assert [f["line"] for f in findings_of(report)] == [7]
    assert problems_of(report), "the NUL outside a string is a syntax error"
    assert rule_lines(served(srv, "nul", text)) == [6]


def test_byte_order_mark(tmp_path: Path, srv: Server) -> None:
    text = "\ufeff" + POSITIVE
    path = tmp_path / "bom.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path, expect_exit=1)
    assert [(f["line"], f["column"]) for f in findings_of(report)] == [(2, 3)]
    assert problems_of(report) == []
    assert served(srv, "bom", text)[0][0] == (1, 2, 1, 15)


@pytest.mark.parametrize("ending", ["\r\n", "\r", "mixed"])
def test_line_endings(tmp_path: Path, srv: Server, ending: str) -> None:
    blocks = [POSITIVE.replace('"k"', f'"k{i}"') for i in range(3)]
    if ending == "mixed":
        text = blocks[0] + blocks[1].replace("\n", "\r\n") + blocks[2].replace("\n", "\r")
    else:
        text = "".join(blocks).replace("\n", ending)
    path = tmp_path / "endings.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path, expect_exit=1)
    assert [f["line"] for f in findings_of(report)] == [2, 5, 8]
    assert problems_of(report) == []
    assert rule_lines(served(srv, f"endings-{len(ending)}", text)) == [1, 4, 7]


def test_unicode_line_separator_is_not_a_line_break(tmp_path: Path, srv: Server) -> None:
    # LSP and Terraform break lines at \n, \r\n and \r only
    text = "# a\u2028b\u2029c\x0cd\x85\n" + POSITIVE
    path = tmp_path / "u2028.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path, expect_exit=1)
    assert [f["line"] for f in findings_of(report)] == [3]
    assert rule_lines(served(srv, "u2028", text)) == [2]


def test_tabs(tmp_path: Path, srv: Server) -> None:
    text = 'resource\t"aws_iam_access_key"\t"k"\t{\n\tuser\t=\t"root"\n\tstatus\t=\t"Active"\n}\n'
    path = tmp_path / "tabs.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path, expect_exit=1)
    assert [(f["line"], f["column"]) for f in findings_of(report)] == [(2, 2)]
    got = served(srv, "tabs", text)
    assert got[0][0] == (1, 1, 1, 14)


def test_empty_file(tmp_path: Path, srv: Server) -> None:
    path = tmp_path / "empty.tf"
    path.write_bytes(b"")
    code, report = cli_json(path, expect_exit=0)
    assert findings_of(report) == [] and problems_of(report) == []
    assert served(srv, "empty", "") == []
    assert served(srv, "blank", "\n\r\n \t\n") == []


# --- size -------------------------------------------------------------------------------------------------


def test_one_megabyte_single_line(tmp_path: Path, srv: Server) -> None:
    text = 'locals { policy = "' + "a" * (1 << 20) + '" }\n' + POSITIVE
    path = tmp_path / "long.tf"
    path.write_bytes(text.encode())
    started = time.monotonic()
    code, report = cli_json(path, expect_exit=1)
    assert [f["line"] for f in findings_of(report)] == [3]
    assert rule_lines(served(srv, "long", text)) == [2]
    assert time.monotonic() - started < 30


def test_fifty_thousand_blocks(tmp_path: Path, srv: Server) -> None:
    text = "".join(f"locals {{ a{i} = {i} }}\n" for i in range(50_000)) + POSITIVE
    path = tmp_path / "many.tf"
    path.write_bytes(text.encode())
    started = time.monotonic()
    code, report = cli_json(path, expect_exit=1)
    cli_seconds = time.monotonic() - started
    assert [f["line"] for f in findings_of(report)] == [50_002]
    started = time.monotonic()
    assert rule_lines(served(srv, "many", text, timeout=120, compare=False)) == [50_001]
    print(f"\n50,000 blocks: CLI {cli_seconds:.1f} s, server open to diagnostics {time.monotonic() - started:.1f} s")


def test_file_over_the_size_cap(tmp_path: Path, srv: Server) -> None:
    text = POSITIVE + "#" * (MAX_TEXT_CHARS + 1) + "\n"
    path = tmp_path / "huge.tf"
    path.write_bytes(text.encode())
    started = time.monotonic()
    code, report = cli_json(path, expect_exit=2)  # not checked: like an unreadable input
    assert findings_of(report) == []
    (problem,) = problems_of(report)
    assert "did not check this file" in problem["message"] and "5 MiB" in problem["message"]
    # the engine does not parse it
    analyzer = Analyzer()
    analysis = analyzer.analyze(text)
    assert analyzer.parses == 0 and [p.code for p in analysis.problems] == ["too-large"]
    assert analyzer.analyze_scope(text, 0, 10).problems[0].code == "too-large"
    # the server shows one informational diagnostic and keeps answering promptly
    got = served(srv, "huge", text)
    assert [(d[1], d[3]) for d in got] == [("too-large", 3)]
    assert time.monotonic() - started < 30
    t = time.monotonic()
    assert srv.request("shutdown-probe/unknown", {}).get("error", {}).get("code") == -32601
    assert time.monotonic() - t < 2


# --- nesting ----------------------------------------------------------------------------------------------

DEEP = {
    "blocks": POSITIVE[:-2] + "a {\n" * DEPTH + "}\n" * DEPTH + "}\n",
    "lists": POSITIVE[:-2] + "x = " + "[" * DEPTH + "]" * DEPTH + "\n}\n",
    "parentheses": POSITIVE[:-2] + "x = " + "(" * DEPTH + "1" + ")" * DEPTH + "\n}\n",
    "objects": POSITIVE[:-2] + "x = " + "{a = " * DEPTH + "1" + "}" * DEPTH + "\n}\n",
    "interpolations": POSITIVE[:-2] + 'x = "' + "${" * DEPTH + "}" * DEPTH + '"\n}\n',
    "unclosed": POSITIVE[:-2] + "a {\n" * DEPTH,
}


@pytest.mark.parametrize("shape", list(DEEP))
def test_nesting_one_hundred_thousand_deep(tmp_path: Path, srv: Server, shape: str) -> None:
    text = DEEP[shape] + "\n" + POSITIVE.replace('"k"', '"after"')
    analysis = Analyzer().analyze(text)
    assert [p.message for p in analysis.problems] == [TOO_DEEP]
    assert "256 levels" in TOO_DEEP and MAX_NESTING == 256
    if shape != "unclosed":  # an unclosed block swallows the rest, as in Terraform
        assert [f.resource for f in analysis.findings] == ["aws_iam_access_key.after"]
    path = tmp_path / "deep.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path)
    assert code in (1, 2) and [p["message"] for p in problems_of(report)] == [TOO_DEEP]
    served(srv, f"deep-{shape}", text)


@pytest.mark.parametrize("shape", ["blocks", "lists", "parentheses", "objects"])
def test_nesting_just_under_the_limit_is_read(shape: str) -> None:
    depth = MAX_NESTING - 2
    text = {
        "blocks": POSITIVE[:-2] + "a {\n" * depth + "}\n" * depth + "}\n",
        "lists": POSITIVE[:-2] + "x = " + "[" * depth + "]" * depth + "\n}\n",
        "parentheses": POSITIVE[:-2] + "x = " + "(" * depth + "1" + ")" * depth + "\n}\n",
        "objects": POSITIVE[:-2] + "x = " + "{a = " * depth + "1" + "}" * depth + "\n}\n",
    }[shape]
    analysis = Analyzer().analyze(text)
    assert analysis.problems == [] and [f.resource for f in analysis.findings] == ["aws_iam_access_key.k"]


def test_long_flat_expressions_do_not_hit_the_recursion_limit(srv: Server) -> None:
    text = POSITIVE[:-2] + "x = " + "a ? b : " * 3000 + "c\n  y = a" + ".b" * 20000 + "\n}\n"
    analysis = Analyzer().analyze(text)
    assert [f.resource for f in analysis.findings] == ["aws_iam_access_key.k"]
    served(srv, "flat", text)


def test_deep_json_syntax() -> None:
    from tfguard.engine.json_runner import JsonAnalyzer

    text = '{"resource": {"aws_iam_access_key": {"k": {"user": "root", "x": ' + "[" * DEPTH + "]" * DEPTH + "}}}}"
    analysis = JsonAnalyzer().analyze(text)  # no RecursionError escapes
    assert len(analysis.findings) + len(analysis.problems) >= 1


# --- unterminated constructs -----------------------------------------------------------------------------


def test_unterminated_heredoc(tmp_path: Path, srv: Server) -> None:
    text = POSITIVE + 'resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{"a": 1}\n'
    path = tmp_path / "heredoc.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path, expect_exit=1)
    assert [f["line"] for f in findings_of(report)] == [2]
    assert [p["message"] for p in problems_of(report)] == ["This heredoc is never closed: no line holds only 'EOF'"]
    assert rule_lines(served(srv, "heredoc", text)) == [1]


def test_unterminated_string(tmp_path: Path, srv: Server) -> None:
    text = 'locals {\n  a = "open\n}\n' + POSITIVE
    path = tmp_path / "string.tf"
    path.write_bytes(text.encode())
    code, report = cli_json(path, expect_exit=1)
    assert [f["line"] for f in findings_of(report)] == [5]
    assert any("string is not closed" in p["message"] for p in problems_of(report))
    assert rule_lines(served(srv, "string", text)) == [4]


# --- files that change under us ---------------------------------------------------------------------------


def test_cli_file_deleted_or_replaced_before_it_is_read(tmp_path: Path) -> None:
    from tfguard.cli import check_file

    gone = tmp_path / "gone.tf"
    report = check_file(str(gone))
    assert report.error is not None and "no such file" in report.error.lower()
    (tmp_path / "dir.tf").mkdir()
    assert check_file(str(tmp_path / "dir.tf")).error == "it is a directory, not a file"


def test_server_document_deleted_or_replaced_on_disk(tmp_path: Path, srv: Server) -> None:
    path = tmp_path / "open.tf"
    path.write_text(POSITIVE)
    uri = path.as_uri()
    srv.open(uri, POSITIVE)
    assert rule_lines(published_tuples(srv.wait_published(uri, 1))) == [1]
    path.unlink()
    srv.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": 3}]})
    srv.change(uri, 2, [{"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}, "text": "\n"}])
    assert rule_lines(published_tuples(srv.wait_published(uri, 2))) == [1]
    path.mkdir()  # replaced by something that is not a file
    srv.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": 1}]})
    path.rmdir()
    path.write_bytes(b"\xff\xfe garbage")
    srv.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": uri, "type": 2}]})
    srv.change(uri, 3, [{"text": ""}])
    assert srv.wait_published(uri, 3) == []
    srv.close_document(uri)
    assert srv.request("shutdown-probe/unknown", {}).get("error", {}).get("code") == -32601
