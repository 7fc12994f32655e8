"""Protocol misuse: every malformed or out-of-place message gets the error the JSON-RPC / LSP specifications
name, and the server keeps serving (checked after each case by a real analysis round trip)."""

from __future__ import annotations

import time

import pytest

from robustness.rpc import Server, expected_diagnostics, published_tuples

POSITIVE = 'resource "aws_iam_access_key" "k" {\n  user = "root"\n}\n'
RANGE0 = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602


@pytest.fixture
def srv():
    server = Server()
    yield server
    if server.proc.poll() is None:
        server.shutdown()
    server.cleanup()


_docs = iter(range(10**6))


def still_serving(srv: Server) -> None:
    uri = f"file:///protocol/alive{next(_docs)}.tf"
    srv.open(uri, POSITIVE)
    assert published_tuples(srv.wait_published(uri, 1, 10)) == expected_diagnostics(POSITIVE, srv.encoding)
    srv.close_document(uri)


def error_code(response: dict) -> int | None:
    return response.get("error", {}).get("code")


def body(srv: Server, raw: bytes) -> None:
    srv.send_raw(b"Content-Length: %d\r\n\r\n%s" % (len(raw), raw))


def wait_null_id(srv: Server, count: int, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(srv.null_id_responses) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return srv.null_id_responses


@pytest.mark.parametrize("raw", [b'{"jsonrpc": "2.0", "id": 1, "method"', b"\xff\xfe\x00garbage", b"{}}"])
def test_malformed_json_gets_a_parse_error(srv: Server, raw: bytes) -> None:
    body(srv, raw)
    (response,) = wait_null_id(srv, 1)
    assert error_code(response) == PARSE_ERROR and response.get("id") is None
    still_serving(srv)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"hello"', b"42", b'{"id": 7, "method": "textDocument/hover"}'])
def test_not_a_json_rpc_message_gets_invalid_request(srv: Server, raw: bytes) -> None:
    body(srv, raw)
    if b'"id": 7' in raw:
        assert error_code(srv.wait_response(7, 10)) == INVALID_REQUEST
    else:
        (response,) = wait_null_id(srv, 1)
        assert error_code(response) == INVALID_REQUEST
    still_serving(srv)


def test_request_without_method_gets_invalid_request(srv: Server) -> None:
    srv.send({"jsonrpc": "2.0", "id": 41})
    assert error_code(srv.wait_response(41, 10)) == INVALID_REQUEST
    still_serving(srv)


@pytest.mark.parametrize("params", [{}, None, {"x": [1, 2]}])
def test_unknown_method_gets_method_not_found(srv: Server, params) -> None:
    assert error_code(srv.request("tfguard/noSuchMethod", params, 10)) == METHOD_NOT_FOUND
    srv.notify("tfguard/noSuchNotification", params)  # notifications are not answered, and do no harm
    srv.notify("$/noSuchNotification", params)
    still_serving(srv)


@pytest.mark.parametrize(
    "method, params",
    [
        ("textDocument/codeAction", {"bad": 1}),
        ("textDocument/codeAction", None),
        ("textDocument/hover", {"textDocument": {"uri": 5}, "position": "x"}),
    ],
)
def test_invalid_params_get_invalid_params(srv: Server, method: str, params) -> None:
    assert error_code(srv.request(method, params, 10)) == INVALID_PARAMS
    srv.notify("textDocument/didChange", {"textDocument": "nonsense"})  # a bad notification is only logged
    still_serving(srv)


def test_requests_for_documents_never_opened(srv: Server) -> None:
    uri = "file:///protocol/never-opened.tf"
    action = srv.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": RANGE0, "context": {"diagnostics": []}}, 10)
    assert action == {"jsonrpc": "2.0", "id": action["id"], "result": None}
    hover = srv.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": RANGE0["start"]}, 10)
    assert "error" not in hover and hover["result"] is None
    srv.change(uri, 2, [{"text": POSITIVE}])  # change and close of an unknown document: ignored
    srv.close_document(uri)
    still_serving(srv)


def test_did_change_ranges_outside_the_document_clamp(srv: Server) -> None:
    uri = "file:///protocol/outside.tf"
    srv.open(uri, POSITIVE)
    srv.wait_published(uri, 1)
    # LSP: a character past the end of its line means the line's end; a line past the end, the document's end
    far = {"line": 1, "character": 999}
    srv.change(uri, 2, [{"range": {"start": far, "end": far}, "text": "  # end of line 2"}])
    text = POSITIVE.replace('"root"\n', '"root"  # end of line 2\n')
    assert published_tuples(srv.wait_published(uri, 2)) == expected_diagnostics(text, srv.encoding)
    beyond = {"line": 500, "character": 3}
    srv.change(uri, 3, [{"range": {"start": beyond, "end": beyond}, "text": POSITIVE.replace('"k"', '"j"')}])
    text += POSITIVE.replace('"k"', '"j"')
    got = published_tuples(srv.wait_published(uri, 3))
    assert got == expected_diagnostics(text, srv.encoding) and len(got) == 2
    # reversed range (end before start) and negative numbers do not crash the server
    srv.change(uri, 4, [{"range": {"start": {"line": 2, "character": 0}, "end": {"line": 1, "character": 0}}, "text": ""}])
    srv.change(uri, 5, [{"range": {"start": {"line": -3, "character": -1}, "end": {"line": 0, "character": 0}}, "text": ""}])
    srv.change(uri, 6, [{"text": POSITIVE}])
    assert published_tuples(srv.wait_published(uri, 6)) == expected_diagnostics(POSITIVE, srv.encoding)
    still_serving(srv)


def test_out_of_order_versions_follow_the_order_of_the_changes(srv: Server) -> None:
    uri = "file:///protocol/versions.tf"
    srv.open(uri, "", version=10)
    srv.wait_published(uri, 10)
    srv.change(uri, 12, [{"text": POSITIVE}])
    srv.change(uri, 11, [{"range": {"start": {"line": 1, "character": 15}, "end": {"line": 1, "character": 15}}, "text": "\n  status = \"Inactive\""}])
    text = POSITIVE.replace('"root"\n', '"root"\n  status = "Inactive"\n')
    assert published_tuples(srv.wait_published(uri, 11)) == expected_diagnostics(text, srv.encoding) == []
    still_serving(srv)


def test_requests_after_shutdown_get_invalid_request_and_exit_gives_0(srv: Server) -> None:
    assert srv.request("shutdown", None, 10)["result"] is None
    response = srv.request("textDocument/hover", {"textDocument": {"uri": "file:///x.tf"}, "position": RANGE0["start"]}, 10)
    assert error_code(response) == INVALID_REQUEST
    assert error_code(srv.request("shutdown", None, 10)) == INVALID_REQUEST
    srv.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///x.tf", "languageId": "terraform", "version": 1, "text": ""}})
    srv.notify("exit", None)
    assert srv.wait_exit(10) == 0


def test_exit_without_shutdown_gives_1(srv: Server) -> None:
    still_serving(srv)
    srv.notify("exit", None)
    assert srv.wait_exit(10) == 1


def test_closed_input_ends_the_server(srv: Server) -> None:
    srv.proc.stdin.close()  # the editor died
    assert srv.wait_exit(10) == 1
