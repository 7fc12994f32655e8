"""Quick fixes and fix-all, built from a fresh analysis of the document's current text.

Nothing here reads the diagnostics or ranges the client sends back in the code action context: clients echo
them in their own units (Neovim 0.7 sends byte columns), and they may describe an older version of the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from tfguard.engine import fix_all_edits
from tfguard.engine.findings import TextEdit
from tfguard.engine.suppress import ignore_edit
from tfguard.hcl.text import Encoding, LineIndex

from .capabilities import ClientFeatures
from .diagnostics import finding_to_diagnostic, to_text_edits

FIX_ALL_KIND = "source.fixAll.tfguard"
FIX_ALL_TITLE = "Fix all tfguard findings"
IGNORE_TITLE = "Ignore this finding"
QUICK_FIX_KIND = types.CodeActionKind.QuickFix.value


def kind_requested(kind: str, only: Sequence[str] | None) -> bool:
    """LSP kinds are hierarchical: ``source.fixAll`` asks for ``source.fixAll.tfguard`` too."""
    if not only:
        return True
    for requested in only:
        requested = str(getattr(requested, "value", requested))
        if requested and (kind == requested or kind.startswith(requested + ".")):
            return True
    return False


def _workspace_edit(
    uri: str, version: int, edits: list[types.TextEdit], features: ClientFeatures
) -> types.WorkspaceEdit:
    if features.document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                    edits=edits,
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: edits})


def code_actions(
    uri: str,
    version: int,
    analysis: Any,
    requested: types.Range,
    only: Sequence[str] | None,
    encoding: Encoding,
    features: ClientFeatures,
    *,
    index: LineIndex | None = None,
    fix_all: bool = True,
) -> list[types.CodeAction] | None:
    """The actions for ``requested`` (a range in ``encoding`` units of the analysed text), or None.

    Per finding in the range: its fix (preferred) and "Ignore this finding" (a ``# tfguard:ignore`` comment
    above it); and the fix-all action unless ``fix_all`` is False (a scoped analysis cannot offer it)."""
    if not features.code_action_literals or analysis is None:
        return None
    if index is None or index.text is not analysis.text:
        index = analysis.index
    start = index.offset(requested.start.line, requested.start.character, encoding)
    end = index.offset(requested.end.line, requested.end.character, encoding)
    if end < start:
        start, end = end, start
    preferred = True if features.is_preferred else None

    actions: list[types.CodeAction] = []
    if kind_requested(QUICK_FIX_KIND, only):
        ignores: list[types.CodeAction] = []
        for finding in analysis.findings:
            if finding.start > end or finding.end < start:
                continue
            ignore = ignore_edit(analysis.text, finding)
            if ignore is not None:
                at, until, new_text = ignore
                ignores.append(
                    types.CodeAction(
                        title=IGNORE_TITLE,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[finding_to_diagnostic(uri, index, finding, encoding, features)],
                        is_preferred=False if features.is_preferred else None,
                        edit=_workspace_edit(
                            uri,
                            version,
                            to_text_edits(index, [TextEdit(at, until, new_text)], encoding),
                            features,
                        ),
                    )
                )
            if finding.fix is None or not finding.fix.edits:
                continue
            actions.append(
                types.CodeAction(
                    title=finding.fix.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[finding_to_diagnostic(uri, index, finding, encoding, features)],
                    is_preferred=preferred,
                    edit=_workspace_edit(
                        uri, version, to_text_edits(index, finding.fix.edits, encoding), features
                    ),
                )
            )
        actions.extend(ignores)
    if fix_all and kind_requested(FIX_ALL_KIND, only):
        edits: list[TextEdit] = list(fix_all_edits(analysis))
        if edits:
            edits.sort(key=lambda e: (e.start, e.end))
            actions.append(
                types.CodeAction(
                    title=FIX_ALL_TITLE,
                    kind=FIX_ALL_KIND,
                    edit=_workspace_edit(uri, version, to_text_edits(index, edits, encoding), features),
                )
            )
    return actions or None
