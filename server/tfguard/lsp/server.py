"""The tfguard language server (pygls 2.x). Handlers stay thin; the work is in the modules next to this one.

- documents.py: the server's own document store (incremental text sync in the negotiated encoding)
- scheduler.py: per-document analysis in an executor, newest version wins
- diagnostics.py: engine results -> Diagnostics
- code_actions.py: quick fix and fix-all, recomputed from the current text
- language_server.py: the server's state (workspace, settings, scheduling, publication, the workspace scan)

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
from urllib.parse import urlparse

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
)
from pygls.uris import to_fs_path

from tfguard.engine.workspace import is_module_file

from . import code_actions as actions
from . import hover as hovers
from .config import SECTION, editor_settings, is_settings_file
from .language_server import (
    CODE_ACTION_ATTEMPTS,
    DIAGNOSTIC_IDENTIFIER,
    PULL_TIMEOUT_SECONDS,
    SCAN_WAIT_SECONDS,
    SETTINGS_WAIT_SECONDS,
    SWITCH_INTERVAL_SECONDS,
    WATCHED_GLOBS,
    TfguardLanguageServer,
    uri_to_path,
)

log = logging.getLogger("tfguard.lsp")

server = TfguardLanguageServer()


@server.feature(types.INITIALIZED)
async def initialized(ls: TfguardLanguageServer, params: types.InitializedParams) -> None:
    ls._loop = asyncio.get_running_loop()
    folders = [to_fs_path(f.uri) for f in ls.workspace.folders.values() if urlparse(f.uri).scheme == "file"]
    if not folders and ls.workspace.root_path:
        folders = [ls.workspace.root_path]
    ls.folders = [os.path.abspath(f) for f in folders if f]
    ls.config.set_folders(ls.folders)
    ls.config.set_editor(ls.initialization_options)
    try:
        if ls.client.configuration:
            await pull_settings(ls)
    finally:
        ls._settings_ready.set()
    registrations = []
    if ls.client.watched_files_dynamic:
        registrations.append(
            types.Registration(
                id="tfguard-watched-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED_GLOBS]
                ),
            )
        )
    if ls.client.configuration_dynamic:
        registrations.append(
            types.Registration(
                id="tfguard-configuration",
                method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                register_options=types.DidChangeConfigurationRegistrationOptions(section=SECTION),
            )
        )
    if registrations:
        try:
            await asyncio.wait_for(
                ls.client_register_capability_async(types.RegistrationParams(registrations=registrations)),
                SETTINGS_WAIT_SECONDS,
            )
        except Exception:
            log.info("the client did not accept the registrations", exc_info=True)
    await ls.scan_workspace()


async def pull_settings(ls: TfguardLanguageServer) -> bool:
    """Ask the client for the "tfguard" section; True when the settings changed."""
    try:
        values = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            ),
            SETTINGS_WAIT_SECONDS,
        )
    except Exception:
        log.info("workspace/configuration failed", exc_info=True)
        return False
    value = values[0] if values else None
    if value is None:
        return False
    # the configuration section wins over initializationOptions, key by key
    return ls.config.set_editor({**editor_settings(ls.initialization_options), **editor_settings(value)})


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(
    ls: TfguardLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    settings = params.settings
    if isinstance(settings, dict) and settings:
        changed = ls.config.set_editor(settings)
    elif ls.client.configuration:  # VS Code sends null: the settings are to be pulled
        changed = await pull_settings(ls)
    else:
        changed = False
    if changed:
        ls.settings_changed()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: TfguardLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    settings = False
    for change in params.changes:
        path = uri_to_path(change.uri)
        if path is None:
            continue
        if is_settings_file(path):
            ls.config.forget_file(path)
            if change.type == types.FileChangeType.Deleted and path in ls.settings_diagnostics:
                ls._publish_settings_problems(path, "", [])
            settings = True
        elif is_module_file(path):
            ls.ws.forget(path)
            ls.module_changed(path, disk=True)
    if settings:
        ls.settings_changed()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: TfguardLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.documents.open(doc.uri, doc.text, doc.version, doc.language_id)
    path = uri_to_path(doc.uri)
    if path is not None:
        ls.open_paths[path] = doc.uri
        ls.ws.set_buffer(path, doc.text)
    ls.scheduler.schedule(doc.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: TfguardLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = params.text_document
    changed = ls.documents.change(doc.uri, doc.version, params.content_changes, ls.encoding)
    if changed is None:
        return
    path = uri_to_path(doc.uri)
    if path is not None:
        ls.ws.set_buffer(path, changed.text)
    if not ls.lint_on_save(path):
        ls.scheduler.schedule(doc.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: TfguardLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    path = uri_to_path(uri)
    if path is not None:
        ls.ws.forget(path)  # the file on disk changed too
    ls.scheduler.schedule(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: TfguardLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.close(uri)
    ls.scheduler.forget(uri)
    ls._symbols.pop(uri, None)
    path = uri_to_path(uri)
    if path is not None and ls.open_paths.get(path) == uri:
        del ls.open_paths[path]
        ls.ws.close_buffer(path)
        ls.module_changed(path)  # the file on disk is what the module sees again
        if ls.scannable(path) and ls._scan_done.is_set():
            ls.rescan([path], clear=True)  # its diagnostics from disk replace the buffer's
            return
    if not ls.client.pull_diagnostics:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(
        identifier=DIAGNOSTIC_IDENTIFIER, inter_file_dependencies=True, workspace_diagnostics=True
    ),
)
async def pull_diagnostics(
    ls: TfguardLanguageServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    if ls.documents.get(uri) is not None and ls.lint_on_save(uri_to_path(uri)):
        latest = ls.scheduler.latest(uri)  # linting on save: the last saved version's result
        if latest is not None:
            return types.RelatedFullDocumentDiagnosticReport(
                items=ls.diagnostics_of(latest), result_id=latest.result_id
            )
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


@server.feature(types.WORKSPACE_DIAGNOSTIC)
async def workspace_diagnostics(
    ls: TfguardLanguageServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    """The files that are not open, from the workspace scan (open ones are pulled one by one)."""
    try:
        await asyncio.wait_for(ls._scan_done.wait(), SCAN_WAIT_SECONDS)
    except asyncio.TimeoutError:
        raise JsonRpcServerCancelled("tfguard is still scanning the workspace") from None
    previous = {p.uri: p.value for p in (params.previous_result_ids or ())}
    return ls.workspace_report(previous)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: TfguardLanguageServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    doc = ls.documents.get(uri)
    if doc is None:
        return None
    result = ls.scheduler.current(uri)
    if result is not None and result.analysis is not None and result.complete:
        analysis, index = result.analysis, result.index or result.analysis.index
    else:
        line = min(params.position.line, doc.index.line_count - 1)
        start = doc.index.line_starts[line]
        scoped = await ls.scoped(uri, start, doc.index.line_end(line))
        if scoped is None:
            return None
        analysis, doc, _ = scoped
        index = doc.index if doc.index.text is analysis.text else analysis.index
    return hovers.hover(
        index,
        list(analysis.findings),
        list(getattr(analysis, "suppressed", ()) or ()),
        params.position,
        ls.encoding,
        ls.client.hover_markdown,
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
    only = params.context.only
    doc = ls.documents.get(uri)
    if doc is None:
        return None
    if ls.scheduler.current(uri) is None and not (
        only and actions.kind_requested(actions.FIX_ALL_KIND, only)
    ):
        # The analysis of this version is not ready (a large file is being analysed): answer from the chunks
        # in the requested range of the current text; fix-all waits for the whole analysis.
        index = doc.index
        start = index.offset(params.range.start.line, params.range.start.character, ls.encoding)
        end = index.offset(params.range.end.line, params.range.end.character, ls.encoding)
        scoped = await ls.scoped(uri, min(start, end), max(start, end))
        if scoped is not None:
            analysis, doc, version = scoped
            return actions.code_actions(
                uri,
                version,
                analysis,
                params.range,
                only,
                ls.encoding,
                ls.client,
                index=doc.index,
                fix_all=False,
            )
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
                index=result.index,
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
    # Analyses run in worker threads and results are published from the event loop: with Python's default
    # 5 ms switch interval each hand-off of the GIL can add up to 5 ms to a keystroke's round trip.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
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
