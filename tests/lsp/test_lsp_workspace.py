"""End-to-end: module-aware analysis, the workspace scan, settings, hover and "Ignore this finding", each
through `python -m tfguard.lsp` with a real workspace folder on disk."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from lsp_session import (
    FIX_TITLE,
    HELP,
    IGNORE_TITLE,
    RULE,
    TIMEOUT,
    Session,
    fixture_text,
    make_client,
    span,
    with_pull,
)
from lsprotocol import types
from pytest_lsp import client_capabilities

MAIN = """\
resource "aws_iam_access_key" "deploy" {
  user = var.key_user
}
"""
VARIABLES = """\
variable "key_user" {
  default = "root"
}
"""


@contextlib.asynccontextmanager
async def running(
    root: Path,
    name: str = "visual-studio-code",
    change: Callable[[types.ClientCapabilities], types.ClientCapabilities] | None = None,
    options: Any = None,
    configuration: dict[str, Any] | None = None,
) -> AsyncIterator[Session]:
    client = make_client()
    if configuration is not None:
        client.set_configuration(configuration)
    await client.start_io(sys.executable, "-m", "tfguard.lsp")
    caps = client_capabilities(name)
    if change is not None:
        caps = change(caps)
    try:
        result = await asyncio.wait_for(
            client.initialize_session(
                types.InitializeParams(
                    capabilities=caps,
                    root_uri=root.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                    initialization_options=options,
                )
            ),
            TIMEOUT,
        )
        yield Session(client, name, result)
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        await stop(client)


async def stop(client) -> None:
    """Stop the client; a server still running (a failed test did not shut it down) is killed."""
    server = getattr(client, "_server", None)
    if server is not None and server.returncode is None:
        server.kill()
    await asyncio.wait_for(client.stop(), TIMEOUT)


async def until(predicate: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    async def poll() -> Any:
        while not (value := predicate()):
            await asyncio.sleep(0.02)
        return value

    return await asyncio.wait_for(poll(), timeout)


def last_push(session: Session, uri: str, after: int = 0) -> types.PublishDiagnosticsParams | None:
    for params in reversed(session.published[after:]):
        if params.uri == uri:
            return params
    return None


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


async def test_a_value_through_a_variable_in_another_file(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN, "variables.tf": VARIABLES})
    main, variables = (tmp_path / "main.tf").as_uri(), (tmp_path / "variables.tf").as_uri()
    async with running(tmp_path) as session:
        session.open(main, MAIN)
        (diag,) = await session.diagnostics(main)
        assert diag.code == RULE and diag.range == span(MAIN, "user = var.key_user", "utf-16")
        assert "(through var.key_user)" in diag.message
        (related,) = diag.related_information
        assert related.location == types.Location(variables, span(VARIABLES, 'default = "root"', "utf-16"))

        # The variable's default changes in another open buffer: main.tf is published again, clean.
        session.open(variables, VARIABLES)
        await session.diagnostics(variables)
        mark = len(session.published)
        session.replace(variables, '"root"', '"deployer"')
        cleared = await until(lambda: (p := last_push(session, main, mark)) and not p.diagnostics and p)
        assert cleared.version == 1

        # Closing the buffer brings back the text on disk (still "root").
        mark = len(session.published)
        session.close(variables)
        again = await until(lambda: (p := last_push(session, main, mark)) and p.diagnostics and p)
        assert [d.code for d in again.diagnostics] == [RULE]

        # A change on disk, reported through the watched files the server registered.
        (registration,) = [
            r for r in session.client.registrations if r.method == "workspace/didChangeWatchedFiles"
        ]
        globs = [w["globPattern"] for w in registration.register_options["watchers"]]
        assert "**/*.tf" in globs and "**/*.tfvars" in globs and "**/.tfguard.toml" in globs
        write(tmp_path, {"variables.tf": VARIABLES.replace('"root"', '"admin"')})
        mark = len(session.published)
        session.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=variables, type=types.FileChangeType.Changed)]
            )
        )
        await until(lambda: (p := last_push(session, main, mark)) and not p.diagnostics and p)


async def test_tfvars_override_the_default(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN, "variables.tf": VARIABLES.replace('"root"', '"admin"')})
    main, tfvars = (tmp_path / "main.tf").as_uri(), (tmp_path / "terraform.tfvars").as_uri()
    async with running(tmp_path, "neovim@v0.7.0") as session:
        session.open(main, MAIN)
        assert await session.diagnostics(main) == []
        mark = len(session.published)
        session.open(tfvars, 'key_user = "root"\n')
        found = await until(lambda: (p := last_push(session, main, mark)) and p.diagnostics and p)
        assert [d.code for d in found.diagnostics] == [RULE]


TREE = {
    "a/main.tf": fixture_text("positive.tf"),
    "a/ok.tf": fixture_text("negative.tf"),
    "b/key.tf.json": '{"resource": {"aws_iam_access_key": {"k": {"user": "root"}}}}\n',
    "b/.terraform/modules/m/main.tf": fixture_text("positive.tf"),
    "legacy/main.tf": fixture_text("positive.tf"),
    ".tfguard.toml": 'exclude = ["legacy/**"]\n',
}


async def test_the_workspace_scan_publishes_files_that_are_not_open(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    async with running(tmp_path) as session:
        a, b = (tmp_path / "a/main.tf").as_uri(), (tmp_path / "b/key.tf.json").as_uri()
        ok = (tmp_path / "a/ok.tf").as_uri()
        await until(lambda: {a, b, ok} <= {p.uri for p in session.published})
        pushed = {p.uri: p for p in session.published}
        assert [d.range.start.line for d in pushed[a].diagnostics] == [1, 6]
        assert list(pushed[ok].diagnostics) == []
        (json_diag,) = pushed[b].diagnostics
        assert json_diag.code == RULE and json_diag.range.start.line == 0
        assert set(pushed) == {a, b, ok}  # .terraform/ and the excluded folder are skipped
        # work done progress: begin, reports, end
        reports = await until(
            lambda: next(
                (r for r in session.client.progress_reports.values() if r and r[-1].kind == "end"), None
            )
        )
        assert reports[0].kind == "begin" and reports[-1].kind == "end"
        assert all(r.kind == "report" for r in reports[1:-1])
        # Open with other text, then close: the diagnostics of the file on disk come back.
        session.open(a, fixture_text("negative.tf"))
        assert await session.diagnostics(a) == []
        mark = len(session.published)
        session.close(a)
        back = await until(lambda: last_push(session, a, mark))
        assert len(back.diagnostics) == 2 and back.version is None


async def test_a_pull_client_gets_the_scan_through_workspace_diagnostic(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    async with running(tmp_path, change=with_pull) as session:
        assert session.result.capabilities.diagnostic_provider.workspace_diagnostics is True
        report = await asyncio.wait_for(
            session.client.workspace_diagnostic_async(
                types.WorkspaceDiagnosticParams(previous_result_ids=[])
            ),
            TIMEOUT,
        )
        by_uri = {item.uri: item for item in report.items}
        a, b = (tmp_path / "a/main.tf").as_uri(), (tmp_path / "b/key.tf.json").as_uri()
        assert {a, b} <= set(by_uri)
        assert (tmp_path / "legacy/main.tf").as_uri() not in by_uri
        assert len(by_uri[a].items) == 2 and len(by_uri[b].items) == 1
        assert session.published == []
        # asking again with the result ids: nothing changed
        again = await asyncio.wait_for(
            session.client.workspace_diagnostic_async(
                types.WorkspaceDiagnosticParams(
                    previous_result_ids=[
                        types.PreviousResultId(uri=i.uri, value=i.result_id) for i in report.items
                    ]
                )
            ),
            TIMEOUT,
        )
        assert {i.kind for i in again.items} == {"unchanged"}


async def test_multi_root_workspaces_scan_every_folder(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    write(first, {"main.tf": fixture_text("positive.tf")})
    write(second, {"main.tf": fixture_text("positive.tf")})
    client = make_client()
    await client.start_io(sys.executable, "-m", "tfguard.lsp")
    try:
        result = await asyncio.wait_for(
            client.initialize_session(
                types.InitializeParams(
                    capabilities=client_capabilities("neovim@v0.7.0"),
                    workspace_folders=[
                        types.WorkspaceFolder(uri=first.as_uri(), name="one"),
                        types.WorkspaceFolder(uri=second.as_uri(), name="two"),
                    ],
                )
            ),
            TIMEOUT,
        )
        session = Session(client, "neovim@v0.7.0", result)
        uris = {(first / "main.tf").as_uri(), (second / "main.tf").as_uri()}
        await until(lambda: uris <= {p.uri for p in session.published})
        assert all(len(p.diagnostics) == 2 for p in session.published if p.uri in uris)
        await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
    finally:
        await stop(client)


async def test_hover_explains_the_rule(tmp_path: Path) -> None:
    text = fixture_text("positive.tf")
    write(tmp_path, {"main.tf": text})
    uri = (tmp_path / "main.tf").as_uri()
    async with running(tmp_path) as session:
        session.open(uri, text)
        first, _ = await session.diagnostics(uri)

        async def hover(line: int, character: int) -> types.Hover | None:
            return await asyncio.wait_for(
                session.client.text_document_hover_async(
                    types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
                ),
                TIMEOUT,
            )

        on_attribute = await hover(1, 4)
        assert on_attribute.range == first.range
        value = on_attribute.contents.value
        assert on_attribute.contents.kind == types.MarkupKind.Markdown
        assert "**IAM access key is exposed**" in value and RULE in value
        assert "Severity: Medium (warning)" in value
        assert "Why it matters" in value and "root" in value
        assert 'status = "Inactive"' in value and "```hcl" in value
        assert FIX_TITLE in value and f"]({HELP})" in value
        on_header = await hover(0, 3)
        assert on_header is not None and on_header.contents.value == value
        assert on_header.range.start.line == 0
        assert await hover(3, 0) is None  # the closing brace line: not the header, not the attribute
        assert await hover(4, 0) is None  # between resources


async def test_ignore_this_finding_hides_it_and_hover_says_why(tmp_path: Path) -> None:
    text = fixture_text("positive.tf")
    write(tmp_path, {"main.tf": text})
    uri = (tmp_path / "main.tf").as_uri()
    async with running(tmp_path) as session:
        session.open(uri, text)
        _, second = await session.diagnostics(uri)
        actions = await session.code_actions(uri, second.range, only=["quickfix"])
        (ignore,) = [a for a in actions if a.title == IGNORE_TITLE]
        assert ignore.kind == types.CodeActionKind.QuickFix and not ignore.is_preferred
        new_text = await session.apply_action(uri, ignore)
        assert f'  # tfguard:ignore:{RULE}\n  user = "root"' in new_text
        (remaining,) = await session.diagnostics(uri)
        assert remaining.range.start.line == 1
        hover = await asyncio.wait_for(
            session.client.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(7, 4))
            ),
            TIMEOUT,
        )
        assert "suppressed" in hover.contents.value and f"tfguard:ignore:{RULE}" in hover.contents.value


def severities(diags) -> list[types.DiagnosticSeverity]:
    return [d.severity for d in diags]


@pytest.mark.parametrize(
    "options", [{"tfguard": {"rules": {RULE: "error"}}}, {"rules": {RULE: "error"}}], ids=["section", "keys"]
)
async def test_initialization_options_set_the_severity(tmp_path: Path, options) -> None:
    text = fixture_text("positive.tf")
    uri = (tmp_path / "main.tf").as_uri()
    async with running(tmp_path, "neovim@v0.7.0", options=options) as session:
        session.open(uri, text)
        assert severities(await session.diagnostics(uri)) == [types.DiagnosticSeverity.Error] * 2


async def test_settings_file_editor_settings_and_changes(tmp_path: Path) -> None:
    text = fixture_text("positive.tf")
    write(tmp_path, {".tfguard.toml": f'[rules]\n{RULE} = "hint"\n'})
    uri = (tmp_path / "main.tf").as_uri()
    async with running(tmp_path, configuration={"tfguard": {}}) as session:
        session.open(uri, text)
        assert severities(await session.diagnostics(uri)) == [types.DiagnosticSeverity.Hint] * 2
        # VS Code: settings null, then the server pulls the section; the editor wins over the file.
        session.client.set_configuration({"tfguard": {"rules": {RULE: "off"}}})
        mark = len(session.published)
        session.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await until(lambda: (p := last_push(session, uri, mark)) and not p.diagnostics and p)
        # Back to no editor settings, and the settings file changes on disk.
        session.client.set_configuration({"tfguard": {}})
        mark = len(session.published)
        session.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await until(lambda: (p := last_push(session, uri, mark)) and len(p.diagnostics) == 2 and p)
        write(tmp_path, {".tfguard.toml": 'exclude = ["main.tf"]\n'})
        mark = len(session.published)
        session.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(
                        uri=(tmp_path / ".tfguard.toml").as_uri(), type=types.FileChangeType.Changed
                    )
                ]
            )
        )
        await until(lambda: (p := last_push(session, uri, mark)) and not p.diagnostics and p)


async def test_a_bad_settings_file_is_reported_on_that_file_and_defaults_stay(tmp_path: Path) -> None:
    text = fixture_text("positive.tf")
    write(tmp_path, {".tfguard.toml": f'lint = "sometimes"\n[rules]\n{RULE} = "loud"\n'})
    uri, toml = (tmp_path / "main.tf").as_uri(), (tmp_path / ".tfguard.toml").as_uri()
    async with running(tmp_path, "neovim@v0.7.0") as session:
        session.open(uri, text)
        assert severities(await session.diagnostics(uri)) == [types.DiagnosticSeverity.Warning] * 2
        problems = await until(lambda: last_push(session, toml))
        assert {d.code for d in problems.diagnostics} == {"settings"}
        lines = sorted(d.range.start.line for d in problems.diagnostics)
        assert lines == [0, 2]


async def test_lint_on_save(tmp_path: Path) -> None:
    text = fixture_text("positive.tf")
    uri = (tmp_path / "main.tf").as_uri()
    async with running(tmp_path, "neovim@v0.7.0", options={"lint": "save"}) as session:
        sync = session.result.capabilities.text_document_sync
        assert sync.save is not None and sync.save is not False
        session.open(uri, text)
        assert len(await session.diagnostics(uri)) == 2
        version = session.replace(uri, "Active", "Inactive")
        await asyncio.sleep(0.5)
        assert all(p.version != version for p in session.published if p.uri == uri)
        session.client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
        )
        saved = await session.wait_published(uri, version)
        assert len(saved.diagnostics) == 1


async def test_a_tf_json_document(tmp_path: Path) -> None:
    text = '{\n  "resource": {\n    "aws_iam_access_key": {\n      "k": {"user": "root"}\n    }\n  }\n}\n'
    uri = (tmp_path / "key.tf.json").as_uri()
    async with running(tmp_path, "neovim@v0.11") as session:
        session.open(uri, text)
        (diag,) = await session.diagnostics(uri)
        assert diag.code == RULE and diag.range == span(text, '"user": "root"', session.encoding)
        (fix, *rest) = await session.code_actions(uri, diag.range, only=["quickfix"])
        assert fix.title == FIX_TITLE and rest == []  # no comments in JSON: no "Ignore this finding"
        await session.apply_action(uri, fix)
        assert await session.diagnostics(uri) == []


def big_file(blocks: int = 5_000) -> str:
    """About 50,000 lines: ordinary resources, one non-compliant key in the middle, and a syntax error at the
    end that only the complete analysis reports."""
    parts = []
    for i in range(blocks):
        if i == blocks // 2:
            parts.append(f'resource "aws_iam_access_key" "k{i}" {{\n  user = "root"\n}}\n\n\n\n\n\n\n\n')
        else:
            parts.append(
                f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "bucket-{i}"\n  tags = {{\n'
                f'    Name = "b{i}"\n    Env  = "dev"\n  }}\n}}\n# bucket {i}\n\n'
            )
    parts.append('resource "aws_s3_bucket" "broken" {\n  bucket = = "x"\n}\n')
    return "\n".join(parts)


async def test_code_actions_on_a_large_file_do_not_wait_for_the_whole_analysis(tmp_path: Path) -> None:
    text = big_file()
    assert text.count("\n") >= 50_000
    uri = (tmp_path / "big.tf").as_uri()
    async with running(tmp_path, "neovim@v0.7.0") as session:
        session.open(uri, text)
        finding = span(text, 'user = "root"', "utf-16")
        actions = await session.code_actions(uri, finding)
        # The answer came before the complete result (the one with the syntax error at the end) was published.
        seen = [p for p in session.published if p.uri == uri]
        assert not any(d.code == "syntax" for p in seen for d in p.diagnostics)
        assert [a.title for a in actions] == [FIX_TITLE, IGNORE_TITLE]
        # The quick pass publishes the finding first, then the complete result adds the syntax error.
        complete = await until(
            lambda: next(
                (
                    p
                    for p in session.published
                    if p.uri == uri and any(d.code == "syntax" for d in p.diagnostics)
                ),
                None,
            ),
            60,
        )
        pushes = [p for p in session.published if p.uri == uri]
        assert pushes[0].version == 1 and [d.code for d in pushes[0].diagnostics] == [RULE]
        assert pushes[-1] is complete and sorted(d.code for d in complete.diagnostics) == sorted(
            [RULE, "syntax"]
        )
