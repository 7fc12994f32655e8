"""The tfguard language server (pygls 2.x). Handlers stay thin; the work is in the modules next to this one.

- documents.py: the server's own document store (incremental text sync in the negotiated encoding)
- scheduler.py: per-document analysis in an executor, newest version wins
- diagnostics.py: engine results -> Diagnostics
- code_actions.py: quick fix and fix-all, recomputed from the current text

Diagnostics are pushed (``textDocument/publishDiagnostics`` with the document version) unless the client
declared ``textDocument.diagnostic``; then the server advertises a diagnostic provider, answers
``textDocument/diagnostic`` and never pushes. Logs go to stderr only; in stdio mode stdout carries nothing but
the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from tfguard import __version__
from tfguard.engine import Analyzer
from tfguard.hcl.text import Encoding

from . import code_actions as actions
from .capabilities import ClientFeatures, encoding_name
from .diagnostics import to_diagnostics
from .documents import DocumentStore
from .scheduler import Result, Scheduler

log = logging.getLogger("tfguard.lsp")

DIAGNOSTIC_IDENTIFIER = "tfguard"
# How long a textDocument/diagnostic request waits for an analysis before asking the client to retry.
PULL_TIMEOUT_SECONDS = 30.0
# How many times a code action request follows a document that keeps changing while it is being analysed.
CODE_ACTION_ATTEMPTS = 3


class TfguardProtocol(LanguageServerProtocol):
    """pygls' protocol without its own copy of the documents (the server keeps its own store), and with the
    advertised capabilities adjusted to what this client can use."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):  # type: ignore[override]
        result = yield from super().lsp_initialize(params)
        self._server.adjust_capabilities(result.capabilities)  # type: ignore[attr-defined]
        return result

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):  # type: ignore[override]
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):  # type: ignore[override]
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):  # type: ignore[override]
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class TfguardLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "tfguard",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=TfguardProtocol,
        )
        self.documents = DocumentStore()
        self.client = ClientFeatures()
        self._analysis_pool = ThreadPoolExecutor(
            max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="tfguard-analysis"
        )
        self.scheduler = Scheduler(self.documents, Analyzer, self._publish, self._analysis_pool)

    # --- session state --------------------------------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        try:
            return encoding_name(self.workspace.position_encoding)
        except RuntimeError:  # not initialized yet
            return "utf-16"

    def adjust_capabilities(self, caps: types.ServerCapabilities) -> None:
        self.client = ClientFeatures.from_capabilities(self.client_capabilities)
        if not self.client.pull_diagnostics:
            caps.diagnostic_provider = None
        if not self.client.code_action_literals:
            caps.code_action_provider = None
        log.info("client %s; position encoding %s", self.client, self.encoding)

    def shutdown(self) -> None:
        super().shutdown()
        self._analysis_pool.shutdown(wait=False, cancel_futures=True)

    # --- output -------------------------------------------------------------------------------------------

    def diagnostics_of(self, result: Result) -> list[types.Diagnostic]:
        return to_diagnostics(result.document.uri, result.analysis, self.encoding, self.client, result.error)

    def _publish(self, result: Result) -> None:
        """Called by the scheduler on the event loop for every fresh result."""
        if self.client.pull_diagnostics:
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=result.document.uri, diagnostics=self.diagnostics_of(result), version=result.version
            )
        )

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors are logged to stderr. A failed request already answers with an error response; any other
        failure (a notification handler, a malformed message) is also logged to the client's output, without
        a pop-up per keystroke."""
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)
        if source is FeatureRequestError:
            return
        try:
            self.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Error, message=f"tfguard: internal error: {error}"
                )
            )
        except Exception:  # the connection itself may be what failed
            log.debug("could not send the error to the client", exc_info=True)


server = TfguardLanguageServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TfguardLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.documents.open(doc.uri, doc.text, doc.version, doc.language_id)
    ls.scheduler.schedule(doc.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: TfguardLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = params.text_document
    if ls.documents.change(doc.uri, doc.version, params.content_changes, ls.encoding) is not None:
        ls.scheduler.schedule(doc.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TfguardLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.close(uri)
    ls.scheduler.forget(uri)
    if not ls.client.pull_diagnostics:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(
        identifier=DIAGNOSTIC_IDENTIFIER, inter_file_dependencies=False, workspace_diagnostics=False
    ),
)
async def pull_diagnostics(
    ls: TfguardLanguageServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    try:
        result = await asyncio.wait_for(ls.scheduler.result(uri), PULL_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        raise JsonRpcServerCancelled("tfguard is still analysing this document") from None
    if result is None:  # not open (or closed meanwhile): nothing to report
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    if params.previous_result_id is not None and params.previous_result_id == result.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result.result_id)
    return types.RelatedFullDocumentDiagnosticReport(
        items=ls.diagnostics_of(result), result_id=result.result_id
    )


class JsonRpcServerCancelled(JsonRpcException):
    """LSP ServerCancelled: the client should ask again (retriggerRequest)."""

    CODE = -32802

    def __init__(self, message: str) -> None:
        super().__init__(code=self.CODE, message=message, data={"retriggerRequest": True})


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND], resolve_provider=False
    ),
)
async def code_action(
    ls: TfguardLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    for _ in range(CODE_ACTION_ATTEMPTS):
        result = await ls.scheduler.result(uri)
        if result is None:
            return None
        doc = ls.documents.get(uri)
        if doc is None:
            return None
        if doc is result.document and doc.version == result.version:
            return actions.code_actions(
                uri,
                result.version,
                result.analysis,
                params.range,
                params.context.only,
                ls.encoding,
                ls.client,
            )
    log.info("code action for %s gave up: the document kept changing", uri)
    return None


# --- entry points -------------------------------------------------------------------------------------------


def _configure_logging() -> None:
    level_name = os.environ.get("TFGUARD_LOG_LEVEL", "WARNING").upper()
    level = getattr(logging, level_name, logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def run(tcp: tuple[str, int] | None = None) -> int:
    """Serve one client over stdio (``tcp`` None) or TCP. Returns the process exit code: 0 after an orderly
    shutdown/exit, 1 when the client exited without shutting down or the connection was lost."""
    _configure_logging()
    try:
        if tcp is not None:
            host, port = tcp
            server.start_tcp(host, port)
        else:
            # The protocol gets its own handle on the real stdout; file descriptor 1 and sys.stdout then point
            # at stderr, so a stray print (ours or a library's) can never corrupt the message stream.
            sys.stdout.flush()
            protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
            os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
            sys.stdout = sys.stderr
            server.start_io(sys.stdin.buffer, protocol_out)
    except SystemExit:  # pygls ends the loop with sys.exit() on the exit notification
        pass
    except OSError as exc:  # e.g. the TCP port is taken
        log.error("tfguard lsp: %s", exc)
        return 2
    return 0 if server.protocol._shutdown else 1
