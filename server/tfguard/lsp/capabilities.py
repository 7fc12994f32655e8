"""What the connected client can do, read once from its InitializeParams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from tfguard.hcl.text import Encoding


def _get(obj: Any, path: str, default: Any = None) -> Any:
    for name in path.split("."):
        if obj is None:
            return default
        obj = getattr(obj, name, None)
    return default if obj is None else obj


def encoding_name(kind: Any) -> Encoding:
    """Map pygls' negotiated PositionEncodingKind (or its string) to an Encoding."""
    value = str(getattr(kind, "value", kind) or "utf-16").lower()
    if value in ("utf-8", "utf-16", "utf-32"):
        return value  # type: ignore[return-value]
    return "utf-16"


@dataclass(frozen=True)
class ClientFeatures:
    """The client capabilities the server acts on. Defaults are what a client declaring nothing gets."""

    pull_diagnostics: bool = False
    related_information: bool = False
    code_description: bool = False
    code_action_literals: bool = True
    is_preferred: bool = False
    document_changes: bool = False
    hover_markdown: bool = False
    work_done_progress: bool = False
    configuration: bool = False  # workspace/configuration
    configuration_dynamic: bool = False  # dynamic registration of workspace/didChangeConfiguration
    watched_files_dynamic: bool = False  # dynamic registration of workspace/didChangeWatchedFiles
    diagnostic_refresh: bool = False  # workspace/diagnostic/refresh

    @classmethod
    def from_capabilities(cls, caps: types.ClientCapabilities | None) -> ClientFeatures:
        if caps is None:
            return cls()

        def diagnostic_flag(name: str) -> bool:
            # LSP 3.18 lets a pull client state these under textDocument.diagnostic too.
            return bool(
                _get(caps, f"text_document.publish_diagnostics.{name}", False)
                or _get(caps, f"text_document.diagnostic.{name}", False)
            )

        return cls(
            pull_diagnostics=_get(caps, "text_document.diagnostic") is not None,
            related_information=diagnostic_flag("related_information"),
            code_description=diagnostic_flag("code_description_support"),
            code_action_literals=_get(caps, "text_document.code_action.code_action_literal_support")
            is not None,
            is_preferred=bool(_get(caps, "text_document.code_action.is_preferred_support", False)),
            document_changes=bool(_get(caps, "workspace.workspace_edit.document_changes", False)),
            hover_markdown="markdown"
            in [
                str(getattr(k, "value", k)) for k in (_get(caps, "text_document.hover.content_format") or ())
            ],
            work_done_progress=bool(_get(caps, "window.work_done_progress", False)),
            configuration=bool(_get(caps, "workspace.configuration", False)),
            configuration_dynamic=bool(
                _get(caps, "workspace.did_change_configuration.dynamic_registration", False)
            ),
            watched_files_dynamic=bool(
                _get(caps, "workspace.did_change_watched_files.dynamic_registration", False)
            ),
            diagnostic_refresh=bool(_get(caps, "workspace.diagnostics.refresh_support", False)),
        )
