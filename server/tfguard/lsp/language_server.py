"""The language server's state and protocol: documents, the workspace, settings, scheduling, publication and
the workspace scan. The LSP handlers that drive it are in server.py."""


from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from lsprotocol import types
from pygls.exceptions import (
    FeatureRequestError,
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcMethodNotFound,
    JsonRpcParseError,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path

from tfguard import __version__
from tfguard.engine import Analysis, Analyzer
from tfguard.engine.findings import Problem
from tfguard.engine.resolve import is_tfvars
from tfguard.engine.workspace import Workspace, analyzer_for, is_terraform
from tfguard.hcl.text import Encoding, LineIndex

from .capabilities import ClientFeatures, encoding_name
from .config import Config
from .diagnostics import problem_to_diagnostic, to_diagnostics
from .documents import DocumentStore
from .scan import SKIPPED_DIRS, terraform_files
from .scheduler import Result, Scheduler

log = logging.getLogger("tfguard.lsp")

DIAGNOSTIC_IDENTIFIER = "tfguard"
SWITCH_INTERVAL_SECONDS = 0.0005
# How long a textDocument/diagnostic request waits for an analysis before asking the client to retry.
PULL_TIMEOUT_SECONDS = 30.0
# How many times a code action request follows a document that keeps changing while it is being analysed.
CODE_ACTION_ATTEMPTS = 3
# A document with more lines than this gets its rule findings published from a quick pass first.
QUICK_FIRST_LINES = 2_000
# How long analyses wait for the client's settings (workspace/configuration) before using what they have.
SETTINGS_WAIT_SECONDS = 5.0
# How long a workspace/diagnostic request waits for the workspace scan.
SCAN_WAIT_SECONDS = 120.0
# The files the server asks the client to watch (dynamic registration).
WATCHED_GLOBS = ("**/*.tf", "**/*.tf.json", "**/*.tfvars", "**/*.tfvars.json", "**/.tfguard.toml")


def uri_to_path(uri: str) -> str | None:
    """The filesystem path of a file:// URI (None for other schemes: those are analysed without a module)."""
    if urlparse(uri).scheme != "file":
        return None
    path = to_fs_path(uri)
    return os.path.abspath(path) if path else None


def path_to_uri(path: str) -> str:
    return Path(path).as_uri()


@dataclass
class Scanned:
    """The published diagnostics of a file analysed from disk (not open)."""

    uri: str
    diagnostics: list[types.Diagnostic]
    result_id: str


_scan_ids = itertools.count(1)


class DocumentAnalyzer:
    """What the scheduler runs for one open document: the workspace analysis (module-aware) of its buffer,
    with the settings applied. Non-file documents are analysed alone."""

    def __init__(self, server: TfguardLanguageServer, uri: str) -> None:
        self.server = server
        self.path = uri_to_path(uri)
        self.plain = None if self.path is not None else analyzer_for(urlparse(uri).path or uri)

    def analyze(self, text: str, quick: bool = False) -> Analysis:
        return self.server.run_analysis(self.path, text, quick=quick, plain=self.plain)


class TfguardProtocol(LanguageServerProtocol):
    """pygls' protocol without its own copy of the documents (the server keeps its own store), and with the
    advertised capabilities adjusted to what this client can use."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):  # type: ignore[override]
        self._server.initialization_options = params.initialization_options  # type: ignore[attr-defined]
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

    # --- messages pygls would leave unanswered (the client would wait forever) ---------------------------------

    def structure_message(self, data: dict[str, Any]):  # type: ignore[override]
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if not isinstance(data.get("id"), (int, str)) or "result" in data or "error" in data:
                raise  # a notification or a response: nothing to answer
            method = data.get("method")
            if not isinstance(method, str):
                return _Rejected(data["id"], JsonRpcInvalidRequest("Invalid Request: no method"))
            if self.get_message_type(method) is None and method not in self.fm.features:
                return _Rejected(data["id"], JsonRpcMethodNotFound(f"Method Not Found: {method}"))
            return _Rejected(
                data["id"], JsonRpcInvalidParams(f"Invalid Params for {method}: {exc.__cause__ or exc}")
            )

    def handle_message(self, message: Any) -> None:  # type: ignore[override]
        if isinstance(message, _Rejected):
            self._send_response(message.id, error=message.error.to_response_error())
            return
        if not hasattr(
            message, "jsonrpc"
        ):  # not a JSON-RPC 2.0 object (no "jsonrpc" member, a batch, a scalar)
            msg_id = message.get("id") if isinstance(message, dict) else None
            if isinstance(msg_id, (int, str)) or msg_id is None:
                error = JsonRpcInvalidRequest("Invalid Request: not a JSON-RPC 2.0 message")
                self._send_response(msg_id, error=error.to_response_error())  # type: ignore[arg-type]
            return
        if (
            self._shutdown
            and getattr(message, "method", "") != types.EXIT
            and hasattr(message, "method")
            and (getattr(message, "id", None) is not None)
        ):
            # LSP: requests after shutdown error with InvalidRequest (pygls drops them unanswered)
            error = JsonRpcInvalidRequest(f"Invalid Request: the server is shutting down ({message.method})")
            self._send_response(message.id, error=error.to_response_error())
            return
        super().handle_message(message)


@dataclass(frozen=True)
class _Rejected:
    """A request that cannot be structured: answered with ``error``."""

    id: int | str
    error: JsonRpcException


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
        # code actions and hovers answered from a scoped analysis while a long one runs
        self._scope_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tfguard-scope")
        self._scan_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tfguard-scan")
        self.ws = Workspace()
        self.config = Config(on_file_problems=self._settings_file_loaded)
        self.initialization_options: Any = None
        self.open_paths: dict[str, str] = {}  # path -> uri of open documents with a file
        self._symbols: dict[str, Any] = {}  # uri -> Analysis.symbols of its last complete result
        self.scanned: dict[str, Scanned] = {}  # path -> diagnostics of files analysed from disk
        self.settings_diagnostics: dict[str, Scanned] = {}  # .tfguard.toml path -> its problems
        self.folders: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._settings_ready = asyncio.Event()
        self._scan_done = asyncio.Event()
        self._scan_generation = 0
        self.scheduler = Scheduler(
            self.documents,
            Analyzer,
            self._publish,
            self._analysis_pool,
            analyzer_for=lambda uri: DocumentAnalyzer(self, uri),
            quick_lines=QUICK_FIRST_LINES,
            gate=self._wait_for_settings,
        )

    # --- session state --------------------------------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        try:
            return encoding_name(self.workspace.position_encoding)
        except RuntimeError:  # not initialized yet
            return "utf-16"

    def adjust_capabilities(self, caps: types.ServerCapabilities) -> None:
        self.client = ClientFeatures.from_capabilities(self.client_capabilities)
        # the client reports disk changes (the server registers file watchers): module folders and files read
        # from disk can stay cached until it does, instead of a listing and a stat per file every keystroke
        self.ws.cache_disk = self.client.watched_files_dynamic
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - initialize is always handled on the loop
            pass
        if not self.client.pull_diagnostics:
            caps.diagnostic_provider = None
        if not self.client.code_action_literals:
            caps.code_action_provider = None
        log.info("client %s; position encoding %s", self.client, self.encoding)

    def shutdown(self) -> None:
        super().shutdown()
        for pool in (self._analysis_pool, self._scope_pool, self._scan_pool):
            pool.shutdown(wait=False, cancel_futures=True)

    # --- analysis (runs in executor threads) ----------------------------------------------------------------

    def run_analysis(
        self,
        path: str | None,
        text: str,
        *,
        quick: bool = False,
        plain: Any = None,
        scope: tuple[int, int] | None = None,
    ) -> Analysis:
        """Analyse ``text`` (the document at ``path``, None for one without a file) in its module, with the
        settings in force there: an excluded document gets nothing; severities and rules that are off apply."""
        effective = self.config.for_path(path)
        settings = effective.settings
        if path is not None and settings.excluded(path, effective.root):
            return Analysis(text, [], [])
        if scope is not None:
            analyzer = self.ws.analyzer(path) if path is not None else (plain or Analyzer())
            env = self.ws.env_for(path) if path is not None else None
            analysis = analyzer.analyze_scope(text, scope[0], scope[1], env)
        elif path is not None:
            analysis = self.ws.analyze(path, text, quick=quick)
        else:
            analysis = (plain or Analyzer()).analyze(text, quick=quick)
        if analysis is None:  # pragma: no cover - Workspace.analyze returns None only without text
            return Analysis(text, [], [])
        if settings.rules:
            analysis.findings = settings.apply(analysis.findings)
            analysis.suppressed = settings.apply(analysis.suppressed)
        return analysis

    async def _wait_for_settings(self) -> None:
        try:
            await asyncio.wait_for(self._settings_ready.wait(), SETTINGS_WAIT_SECONDS)
        except asyncio.TimeoutError:
            log.info("no settings from the client yet; analysing with what there is")

    def lint_on_save(self, path: str | None) -> bool:
        return self.config.for_path(path).settings.lint == "save"

    async def scoped(self, uri: str, start: int, end: int) -> tuple[Any, Any, int] | None:
        """(analysis, document, version) of the chunks of the current text overlapping [start, end], without
        waiting for a running analysis; None when the document changed or closed meanwhile."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        text, version = doc.text, doc.version
        path = uri_to_path(uri)
        loop = asyncio.get_running_loop()
        analysis = await loop.run_in_executor(
            self._scope_pool, lambda: self.run_analysis(path, text, scope=(start, end))
        )
        if self.documents.get(uri) is not doc or doc.version != version:
            return None
        return analysis, doc, version

    # --- output -------------------------------------------------------------------------------------------

    def diagnostics_of(self, result: Result) -> list[types.Diagnostic]:
        return to_diagnostics(
            result.document.uri,
            result.analysis,
            self.encoding,
            self.client,
            result.error,
            index=result.index,
            text_of=self.ws.text,
        )

    def _publish(self, result: Result) -> None:
        """Called by the scheduler on the event loop for every fresh result."""
        if result.complete:
            self._track_symbols(result)
        if self.client.pull_diagnostics:
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=result.document.uri, diagnostics=self.diagnostics_of(result), version=result.version
            )
        )

    def _track_symbols(self, result: Result) -> None:
        """When what a document defines for its module changes (or it is a variables file), the other open
        documents of the module are analysed again."""
        uri = result.document.uri
        path = uri_to_path(uri)
        if path is None or result.analysis is None:
            return
        symbols = list(getattr(result.analysis, "symbols", ()) or ())
        previous = self._symbols.get(uri)
        self._symbols[uri] = symbols
        if previous is not None and previous == symbols and not is_tfvars(path):
            return
        self.module_changed(path)

    def module_changed(self, path: str, *, disk: bool = False) -> None:
        """``path``'s text changed: analyse the affected documents of its module again (open ones; for push
        clients, and for pull clients' workspace report, the scanned ones too)."""
        dependents = [self.open_paths[p] for p in self.ws.dependents(path) if p in self.open_paths]
        for uri in dependents:
            self.scheduler.invalidate(uri)
        folder = os.path.dirname(os.path.abspath(path))
        others = [p for p in self.scanned if os.path.dirname(p) == folder and p not in self.open_paths]
        if disk and self.scannable(path) and path not in self.open_paths:
            others.append(path)
        if others:
            self.rescan(sorted(set(others)))
        if dependents:
            self.refresh_pull()

    def refresh_pull(self) -> None:
        if self.client.pull_diagnostics and self.client.diagnostic_refresh:
            self.protocol.send_request(types.WORKSPACE_DIAGNOSTIC_REFRESH, None)

    def settings_changed(self) -> None:
        """Settings changed (editor or a settings file): everything is analysed again and re-published."""
        for uri in self.documents.uris():
            self.scheduler.invalidate(uri)
        if self._scan_done.is_set():  # a new scan: exclusions may have changed either way
            asyncio.get_running_loop().create_task(self.scan_workspace())
        self.refresh_pull()

    def _in_workspace(self, path: str) -> bool:
        return self.config.folder_of(path) is not None

    def scannable(self, path: str) -> bool:
        """A Terraform file the workspace scan covers (exclusion by settings is checked when analysing)."""
        folder = self.config.folder_of(path)
        if folder is None or not is_terraform(path):
            return False
        parts = os.path.relpath(path, folder).split(os.sep)
        return not any(part in SKIPPED_DIRS for part in parts[:-1])

    # --- settings files ---------------------------------------------------------------------------------

    def _settings_file_loaded(self, path: str, text: str, problems: list[Problem]) -> None:
        """Called (from any thread) when a .tfguard.toml was read: its problems become its diagnostics."""
        loop = self._loop
        if loop is None:
            return
        loop.call_soon_threadsafe(self._publish_settings_problems, path, text, problems)

    def _publish_settings_problems(self, path: str, text: str, problems: list[Problem]) -> None:
        uri = path_to_uri(path)
        index = LineIndex(text)
        diagnostics = [problem_to_diagnostic(uri, index, p, self.encoding, self.client) for p in problems]
        known = self.settings_diagnostics.get(path)
        if known is None and not diagnostics:
            return
        self.settings_diagnostics[path] = Scanned(uri, diagnostics, str(next(_scan_ids)))
        if not self.client.pull_diagnostics:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
            )
        else:
            self.refresh_pull()

    # --- the workspace scan ---------------------------------------------------------------------------------

    def _excluded(self, path: str) -> bool:
        effective = self.config.for_path(path)
        return effective.settings.excluded(path, effective.root)

    def _analyse_from_disk(self, path: str) -> list[types.Diagnostic] | None:
        """(In a thread.) The diagnostics of a file as it is on disk; None when it cannot be read."""
        text = self.ws.text(path)
        if text is None:
            return None
        try:
            analysis = self.run_analysis(path, text)
        except Exception as exc:  # an engine bug must not stop the scan
            log.exception("analysis of %s failed", path)
            return to_diagnostics(
                path_to_uri(path), None, self.encoding, self.client, f"{type(exc).__name__}: {exc}"
            )
        return to_diagnostics(path_to_uri(path), analysis, self.encoding, self.client, text_of=self.ws.text)

    def _scanned_result(
        self, path: str, diagnostics: list[types.Diagnostic] | None, clear: bool = False
    ) -> None:
        """(On the loop.) Keep and publish a disk analysis; a file that is gone or excluded loses its
        diagnostics (``clear``: publish that even when the scan did not know the file, e.g. just closed)."""
        known = self.scanned.get(path)
        uri = known.uri if known else (self.open_paths.get(path) or path_to_uri(path))
        if diagnostics is None:
            if known is None and not clear:
                return
            self.scanned.pop(path, None)
            diagnostics = []
        else:
            self.scanned[path] = Scanned(uri, diagnostics, str(next(_scan_ids)))
        if path in self.open_paths or self.client.pull_diagnostics:
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
        )

    def rescan(self, paths: list[str], clear: bool = False) -> None:
        """Analyse files that are not open from disk again (in the scan thread) and re-publish them."""
        loop = asyncio.get_running_loop()

        def work() -> None:
            for path in paths:
                if path in self.open_paths:
                    continue
                diagnostics = None
                if os.path.isfile(path) and not self._excluded(path):
                    diagnostics = self._analyse_from_disk(path)
                loop.call_soon_threadsafe(self._scanned_result, path, diagnostics, clear)

        future = loop.run_in_executor(self._scan_pool, work)
        future.add_done_callback(lambda f: f.exception() and log.error("rescan failed: %s", f.exception()))

    async def scan_workspace(self) -> None:
        """Analyse every Terraform file under the workspace folders, with work done progress."""
        loop = asyncio.get_running_loop()
        token: str | None = None
        if self.client.work_done_progress:
            token = f"tfguard-scan-{next(_scan_ids)}"
            try:
                await asyncio.wait_for(self.work_done_progress.create_async(token), SETTINGS_WAIT_SECONDS)
                self.work_done_progress.begin(
                    token,
                    types.WorkDoneProgressBegin(
                        title="tfguard", message="Scanning Terraform files", percentage=0
                    ),
                )
            except Exception:  # the client refused or did not answer: scan without progress
                log.info("no work done progress for the scan", exc_info=True)
                token = None

        def report(done: int, total: int) -> None:
            if token is not None:
                self.work_done_progress.report(
                    token,
                    types.WorkDoneProgressReport(
                        message=f"{done}/{total} files", percentage=int(done * 100 / max(total, 1))
                    ),
                )

        before = set(self.scanned)

        def work() -> int:
            files = list(terraform_files(self.folders, self._excluded))
            for gone in sorted(before - set(files)):  # now excluded, or deleted
                loop.call_soon_threadsafe(self._scanned_result, gone, None)
            total = len(files)
            step = max(1, total // 20)
            loop.call_soon_threadsafe(report, 0, total)
            for i, path in enumerate(files, 1):
                if path not in self.open_paths:
                    loop.call_soon_threadsafe(self._scanned_result, path, self._analyse_from_disk(path))
                if i % step == 0 or i == total:
                    loop.call_soon_threadsafe(report, i, total)
            return total

        total = 0
        try:
            total = await loop.run_in_executor(self._scan_pool, work)
        except Exception:
            log.exception("workspace scan failed")
        finally:
            if token is not None:
                self.work_done_progress.end(
                    token, types.WorkDoneProgressEnd(message=f"Scanned {total} Terraform files")
                )
            self._scan_done.set()

    def workspace_report(self, previous: dict[str, str]) -> types.WorkspaceDiagnosticReport:
        items: list[Any] = []
        for path, entry in sorted({**self.scanned, **self.settings_diagnostics}.items()):
            if path in self.open_paths:
                continue
            if previous.get(entry.uri) == entry.result_id:
                items.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=entry.uri, result_id=entry.result_id, version=None
                    )
                )
            else:
                items.append(
                    types.WorkspaceFullDocumentDiagnosticReport(
                        uri=entry.uri, items=entry.diagnostics, result_id=entry.result_id, version=None
                    )
                )
        return types.WorkspaceDiagnosticReport(items=items)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Errors are logged to stderr. A failed request already answers with an error response; any other
        failure (a notification handler, a malformed message) is also logged to the client's output, without
        a pop-up per keystroke."""
        log.error("server error (%s): %s", getattr(source, "__name__", source), error)
        if source is FeatureRequestError:
            return
        if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
            # JSON-RPC: a body that is not JSON gets a Parse error response with a null id
            self.protocol._send_response(None, error=JsonRpcParseError().to_response_error())  # type: ignore[arg-type]
            return
        try:
            self.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Error, message=f"tfguard: internal error: {error}"
                )
            )
        except Exception:  # the connection itself may be what failed
            log.debug("could not send the error to the client", exc_info=True)
