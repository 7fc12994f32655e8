"""Helpers for the end-to-end tests: a pytest-lsp client that records every publishDiagnostics (with its
version) and answers client/registerCapability, plus an independent implementation of LSP positions and edits
so the tests never reuse the server's own conversion code."""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from support import KICS_POSITIVE_FIXED
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT = 20.0
FIXTURES = (
    Path(__file__).resolve().parents[1] / "fixtures" / "conformance" / "kics" / "iam_access_key_is_exposed"
)
RULE = "terraform-aws-iam-access-key-is-exposed"
HELP = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_access_key"
FIX_TITLE = 'Set status to "Inactive"'
FIX_ALL_KIND = "source.fixAll.tfguard"
FIX_ALL_TITLE = "Fix all tfguard findings"
IGNORE_TITLE = "Ignore this finding"

# The real capability sets pytest-lsp ships, and the position encoding each one ends up with.
CLIENTS = ["visual-studio-code", "neovim@v0.7.0", "neovim@v0.11", "emacs"]
NEGOTIATED = {
    "visual-studio-code": "utf-16",
    "neovim@v0.7.0": "utf-16",
    "neovim@v0.11": "utf-8",
    "emacs": "utf-32",
}

FIXED = KICS_POSITIVE_FIXED


def _record_publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)  # type: ignore[attr-defined]


def _register_capability(client: LanguageClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)  # type: ignore[attr-defined]


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_publish
    features[types.CLIENT_REGISTER_CAPABILITY] = _register_capability
    register_lsp_features(client, features)
    client.published = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]
    return client


CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "tfguard.lsp"], client_factory=make_client)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


# --- positions, independently of the server ---------------------------------------------------------------


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]


def units(segment: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(segment.encode("utf-8"))
    if encoding == "utf-16":
        return len(segment.encode("utf-16-le")) // 2
    return len(segment)


def to_offset(text: str, position: types.Position, encoding: str) -> int:
    starts = line_starts(text)
    start = starts[position.line]
    end = starts[position.line + 1] if position.line + 1 < len(starts) else len(text)
    line = text[start:end].rstrip("\r\n")
    for i in range(len(line) + 1):
        if units(line[:i], encoding) == position.character:
            return start + i
    raise AssertionError(f"{position} is not on a character boundary in {encoding}: {line!r}")


def to_position(text: str, offset: int, encoding: str) -> types.Position:
    starts = line_starts(text)
    line = max(i for i, s in enumerate(starts) if s <= offset)
    return types.Position(line, units(text[starts[line] : offset], encoding))


def span(text: str, needle: str, encoding: str, occurrence: int = 0) -> types.Range:
    """The range of the ``occurrence``-th ``needle`` in ``text``."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    return types.Range(to_position(text, at, encoding), to_position(text, at + len(needle), encoding))


def edits_for(
    edit: types.WorkspaceEdit, uri: str, version: int, uses_document_changes: bool
) -> list[types.TextEdit]:
    """The text edits of a WorkspaceEdit for ``uri``, checking it has the shape the client asked for."""
    if uses_document_changes:
        assert edit.changes is None
        (doc_edit,) = edit.document_changes
        assert isinstance(doc_edit, types.TextDocumentEdit)
        assert doc_edit.text_document.uri == uri
        assert doc_edit.text_document.version == version
        return list(doc_edit.edits)
    assert edit.document_changes is None
    assert list(edit.changes) == [uri]
    return list(edit.changes[uri])


def apply(
    text: str, edits: list[types.TextEdit], encoding: str
) -> tuple[str, list[types.TextDocumentContentChangePartial]]:
    """Apply LSP edits (all relative to ``text``) as an editor does; also return them as incremental changes
    in an order that keeps each change's range valid when sent one after another."""
    spans = sorted(
        (
            (to_offset(text, e.range.start, encoding), to_offset(text, e.range.end, encoding), e)
            for e in edits
        ),
        key=lambda t: (t[0], t[1]),
        reverse=True,
    )
    for (a, _, _), (_, d, _) in itertools.pairwise(spans):
        assert d <= a, "overlapping edits"
    new = text
    for a, b, e in spans:
        new = new[:a] + e.new_text + new[b:]
    changes = [types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for _, _, e in spans]
    return new, changes


# --- a session ------------------------------------------------------------------------------------------


class Session:
    def __init__(self, client: LanguageClient, name: str, result: types.InitializeResult) -> None:
        self.client = client
        self.name = name
        self.result = result
        caps = client.capabilities
        self.pull = caps.text_document is not None and caps.text_document.diagnostic is not None
        negotiated = result.capabilities.position_encoding
        self.encoding = str(getattr(negotiated, "value", negotiated) or "utf-16")
        self.document_changes = bool(
            caps.workspace
            and caps.workspace.workspace_edit
            and caps.workspace.workspace_edit.document_changes
        )
        pd = caps.text_document.publish_diagnostics if caps.text_document else None
        self.related_information = bool(pd and pd.related_information)
        self.code_description = bool(pd and pd.code_description_support)
        ca = caps.text_document.code_action if caps.text_document else None
        self.is_preferred = bool(ca and ca.is_preferred_support)
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        # Index into `published` from which on a notification can describe the latest open/change/close.
        self.marks: dict[str, int] = {}

    @property
    def published(self) -> list[types.PublishDiagnosticsParams]:
        return self.client.published  # type: ignore[attr-defined]

    def open(self, uri: str, text: str) -> None:
        self.texts[uri] = text
        self.versions[uri] = 1
        self.marks[uri] = len(self.published)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="terraform", version=1, text=text)
            )
        )

    def change(self, uri: str, changes: list[Any], new_text: str) -> int:
        self.versions[uri] += 1
        self.texts[uri] = new_text
        self.marks[uri] = len(self.published)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=changes,
            )
        )
        return self.versions[uri]

    def replace(self, uri: str, needle: str, new: str, occurrence: int = 0) -> int:
        """Type over one occurrence of ``needle`` with an incremental change in the negotiated encoding."""
        text = self.texts[uri]
        rng = span(text, needle, self.encoding, occurrence)
        a = to_offset(text, rng.start, self.encoding)
        new_text = text[:a] + new + text[a + len(needle) :]
        return self.change(uri, [types.TextDocumentContentChangePartial(range=rng, text=new)], new_text)

    def close(self, uri: str) -> None:
        self.marks[uri] = len(self.published)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )

    async def wait_published(self, uri: str, version: int | None) -> types.PublishDiagnosticsParams:
        async def poll() -> types.PublishDiagnosticsParams:
            while True:
                for params in reversed(self.published[self.marks.get(uri, 0) :]):
                    if params.uri == uri and params.version == version:
                        return params
                await asyncio.sleep(0.01)

        return await asyncio.wait_for(poll(), TIMEOUT)

    async def pull_report(self, uri: str, previous: str | None = None) -> Any:
        return await asyncio.wait_for(
            self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri), previous_result_id=previous)
            ),
            TIMEOUT,
        )

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics for the document's current version, pulled or pushed as this client works."""
        if self.pull:
            report = await self.pull_report(uri)
            assert report.kind == "full"
            return list(report.items)
        params = await self.wait_published(uri, self.versions[uri])
        return list(params.diagnostics)

    async def code_actions(
        self,
        uri: str,
        rng: types.Range,
        only: list[str] | None = None,
        echoed: list[types.Diagnostic] | None = None,
    ) -> list[types.CodeAction] | None:
        result = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    types.TextDocumentIdentifier(uri), rng, types.CodeActionContext(echoed or [], only=only)
                )
            ),
            TIMEOUT,
        )
        return None if result is None else list(result)

    async def apply_action(self, uri: str, action: types.CodeAction) -> str:
        """Apply a code action's edit to the text and send it to the server as incremental changes."""
        assert action.edit is not None
        edits = edits_for(action.edit, uri, self.versions[uri], self.document_changes)
        new_text, changes = apply(self.texts[uri], edits, self.encoding)
        self.change(uri, changes, new_text)
        return new_text


# --- capability sets derived from the captured ones ---------------------------------------------------


def with_encodings(*encodings: str) -> Callable[[types.ClientCapabilities], types.ClientCapabilities]:
    def change(caps: types.ClientCapabilities) -> types.ClientCapabilities:
        return attrs.evolve(caps, general=types.GeneralClientCapabilities(position_encodings=list(encodings)))

    return change


def with_pull(caps: types.ClientCapabilities) -> types.ClientCapabilities:
    """VS Code >= 1.77 (and vscode-languageclient 8+) declare pull diagnostics; the captured 1.65 set predates it."""
    text_document = attrs.evolve(
        caps.text_document,
        diagnostic=types.DiagnosticClientCapabilities(
            dynamic_registration=True, related_document_support=False
        ),
    )
    return attrs.evolve(caps, text_document=text_document)
