"""End-to-end: what an editor sees from `python -m tfguard.lsp`, under the capabilities of VS Code, Neovim 0.7,
Neovim 0.11 and Emacs. Positions are checked with the tests' own conversion (lsp_session), never the server's."""

from __future__ import annotations

import asyncio

import pytest
from lsp_session import (
    FIX_ALL_KIND,
    FIX_ALL_TITLE,
    FIX_TITLE,
    FIXED,
    HELP,
    IGNORE_TITLE,
    NEGOTIATED,
    RULE,
    Session,
    fixture_text,
    span,
    with_encodings,
    with_pull,
)
from lsprotocol import types

POSITIVE = "file:///work/positive.tf"
NEGATIVE = "file:///work/negative.tf"


def rng(sl: int, sc: int, el: int, ec: int) -> types.Range:
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def warnings(diags: list[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diags if d.severity == types.DiagnosticSeverity.Warning]


async def test_the_negotiated_encoding_is_the_clients_first_choice(session: Session) -> None:
    assert session.encoding == NEGOTIATED[session.name]


async def test_positive_fixture_gets_exactly_the_two_reference_findings(session: Session) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    diags = await session.diagnostics(POSITIVE)

    assert [d.range for d in diags] == [rng(1, 2, 1, 15), rng(6, 2, 6, 15)]  # `user = "root"`, lines 2 and 7
    for diag, resource in zip(diags, ("aws_iam_access_key.positive1", "aws_iam_access_key.positive2")):
        assert diag.severity == types.DiagnosticSeverity.Warning
        assert diag.code == RULE
        assert diag.source == "tfguard"
        assert resource in diag.message
        if session.code_description:
            assert diag.code_description == types.CodeDescription(HELP)
        else:
            assert diag.code_description is None
    first, second = diags
    if session.related_information:
        (related,) = first.related_information
        assert related.location == types.Location(POSITIVE, rng(2, 2, 2, 19))  # `status = "Active"`
        assert related.message
    else:
        assert first.related_information is None
    assert second.related_information is None  # positive2 has no status attribute


async def test_negative_fixture_gets_no_diagnostics(session: Session) -> None:
    session.open(NEGATIVE, fixture_text("negative.tf"))
    assert await session.diagnostics(NEGATIVE) == []


async def test_setting_status_to_inactive_removes_that_finding(session: Session) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    assert len(await session.diagnostics(POSITIVE)) == 2
    session.replace(POSITIVE, "Active", "Inactive")
    diags = await session.diagnostics(POSITIVE)
    assert [(d.range, d.code) for d in diags] == [(rng(6, 2, 6, 15), RULE)]


async def test_a_syntax_error_stays_in_its_block(session: Session) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    assert len(await session.diagnostics(POSITIVE)) == 2
    session.replace(POSITIVE, '= "Active"', '= = "Active"')
    diags = await session.diagnostics(POSITIVE)

    errors = [d for d in diags if d.severity == types.DiagnosticSeverity.Error]
    assert len(errors) == 1 and len(diags) == 2
    (error,) = errors
    assert (error.code, error.source) == ("syntax", "tfguard")
    assert error.range.start.line == 2 and error.range.end.line == 2  # inside positive1, where the typing is
    assert [(d.range, d.code) for d in warnings(diags)] == [(rng(6, 2, 6, 15), RULE)]

    session.replace(POSITIVE, '= = "Active"', '= "Active"')  # undo: both findings are back
    assert [d.range for d in await session.diagnostics(POSITIVE)] == [rng(1, 2, 1, 15), rng(6, 2, 6, 15)]


async def test_quick_fixes_applied_one_by_one_leave_a_clean_file(session: Session) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    first, _ = await session.diagnostics(POSITIVE)

    actions = await session.code_actions(POSITIVE, first.range, echoed=[first])
    assert actions is not None
    quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert [a.title for a in quick] == [FIX_TITLE, IGNORE_TITLE]
    fix, _ = quick
    assert fix.is_preferred is (True if session.is_preferred else None)
    assert [(d.range, d.code) for d in fix.diagnostics] == [(first.range, RULE)]
    text = await session.apply_action(POSITIVE, fix)
    assert text == fixture_text("positive.tf").replace('status = "Active"', 'status = "Inactive"')
    (remaining,) = await session.diagnostics(POSITIVE)
    assert remaining.range == rng(6, 2, 6, 15)

    # A cursor (empty range) inside the second finding is enough.
    cursor = types.Range(types.Position(6, 4), types.Position(6, 4))
    fix, ignore = await session.code_actions(POSITIVE, cursor, only=["quickfix"])
    assert ignore.title == IGNORE_TITLE
    assert fix.title == FIX_TITLE
    assert await session.apply_action(POSITIVE, fix) == FIXED
    assert await session.diagnostics(POSITIVE) == []
    assert await session.code_actions(POSITIVE, rng(0, 0, 8, 0)) is None


@pytest.mark.parametrize("only", [None, ["source.fixAll"], ["source"], [FIX_ALL_KIND]])
async def test_fix_all_fixes_every_finding(session: Session, only: list[str] | None) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    assert len(await session.diagnostics(POSITIVE)) == 2
    actions = await session.code_actions(POSITIVE, rng(0, 0, 0, 0), only=only)
    assert actions is not None
    (fix_all,) = [a for a in actions if a.kind == FIX_ALL_KIND]
    assert fix_all.title == FIX_ALL_TITLE
    if only is not None:
        assert actions == [fix_all]
    assert await session.apply_action(POSITIVE, fix_all) == FIXED
    assert await session.diagnostics(POSITIVE) == []
    assert await session.code_actions(POSITIVE, rng(0, 0, 8, 0), only=only) is None


@pytest.mark.parametrize(
    "only", [["quickfix"], ["refactor"], ["source.organizeImports"], ["source.fixAll.other"]]
)
async def test_code_actions_honour_the_requested_kinds(session: Session, only: list[str]) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    await session.diagnostics(POSITIVE)
    actions = await session.code_actions(POSITIVE, rng(0, 0, 8, 0), only=only)
    if only == ["quickfix"]:
        assert [(a.kind, a.title) for a in actions] == [
            (types.CodeActionKind.QuickFix, FIX_TITLE),
            (types.CodeActionKind.QuickFix, FIX_TITLE),
            (types.CodeActionKind.QuickFix, IGNORE_TITLE),
            (types.CodeActionKind.QuickFix, IGNORE_TITLE),
        ]
    else:
        assert actions is None


async def test_nothing_to_fix_means_no_code_actions(session: Session) -> None:
    session.open(NEGATIVE, fixture_text("negative.tf"))
    await session.diagnostics(NEGATIVE)
    assert await session.code_actions(NEGATIVE, rng(0, 0, 13, 0)) is None


async def test_quick_fix_ignores_ranges_the_client_echoes_and_uses_the_current_text(session: Session) -> None:
    """Neovim 0.7 echoes diagnostics with byte columns; a client may also echo diagnostics of an older
    version. The edit must come from the server's current text."""
    session.open(POSITIVE, fixture_text("positive.tf"))
    first, _ = await session.diagnostics(POSITIVE)
    # Shift positive1's status two lines down without waiting for new diagnostics.
    session.replace(POSITIVE, '  status = "Active"', '  # a comment\n\n  status = "Active"')
    bogus = types.Diagnostic(range=rng(1, 40, 2, 99), message=first.message, code=RULE, source="tfguard")
    fix, ignore = await session.code_actions(POSITIVE, first.range, only=["quickfix"], echoed=[bogus])
    assert (fix.title, ignore.title) == (FIX_TITLE, IGNORE_TITLE)
    text = await session.apply_action(POSITIVE, fix)
    assert '  # a comment\n\n  status = "Inactive"\n' in text
    assert [d.range for d in await session.diagnostics(POSITIVE)] == [rng(8, 2, 8, 15)]


async def test_pull_clients_pull_and_push_clients_get_versioned_pushes(session: Session) -> None:
    provider = session.result.capabilities.diagnostic_provider
    session.open(POSITIVE, fixture_text("positive.tf"))
    if session.pull:
        assert provider is not None and provider.identifier == "tfguard"
        report = await session.pull_report(POSITIVE)
        assert report.kind == "full" and len(report.items) == 2
        version = session.replace(POSITIVE, "Active", "Inactive")
        assert version == 2
        assert len((await session.pull_report(POSITIVE)).items) == 1
        # The server answers a pull only once the analysis is done and would publish before answering;
        # give a stray push a moment anyway.
        await asyncio.sleep(0.3)
        assert session.published == []
    else:
        assert provider is None
        first = await session.wait_published(POSITIVE, 1)
        assert len(first.diagnostics) == 2
        session.replace(POSITIVE, "Active", "Inactive")
        second = await session.wait_published(POSITIVE, 2)
        assert len(second.diagnostics) == 1
        assert [p.version for p in session.published] == [1, 2]


# `user` is preceded on its line by Cyrillic and an emoji: code points, UTF-16 units and bytes all differ.
EMOJI = 'resource "aws_iam_access_key" "emoji" {\n  /* ключ 😀 */ user = "root" # 😀\n}\n'
EMOJI_COLUMNS = {"utf-32": (15, 28), "utf-16": (16, 29), "utf-8": (22, 35)}


async def check_emoji_line(session: Session) -> None:
    uri = "file:///work/emoji.tf"
    session.open(uri, EMOJI)
    (diag,) = await session.diagnostics(uri)
    start, end = EMOJI_COLUMNS[session.encoding]
    assert diag.range == rng(1, start, 1, end)
    assert diag.range == span(EMOJI, 'user = "root"', session.encoding)

    # An edit after the emoji, in the client's units: "root" -> "rooted" clears the finding ...
    session.replace(uri, '"root"', '"rooted"')
    assert await session.diagnostics(uri) == []
    # ... and back, then the quick fix applies cleanly to the line.
    session.replace(uri, '"rooted"', '"root"')
    (diag,) = await session.diagnostics(uri)
    assert diag.range == rng(1, start, 1, end)
    fix, ignore = await session.code_actions(uri, diag.range, only=["quickfix"])
    assert (fix.title, ignore.title) == (FIX_TITLE, IGNORE_TITLE)
    text = await session.apply_action(uri, fix)
    assert text.startswith(EMOJI.rstrip("}\n") + "\n")
    assert "status" in text.splitlines()[2] and '"Inactive"' in text.splitlines()[2]
    assert await session.diagnostics(uri) == []


async def test_positions_on_a_line_with_an_emoji_in_the_negotiated_encoding(session: Session) -> None:
    await check_emoji_line(session)


def _custom_params():
    return [
        pytest.param(("visual-studio-code", with_encodings("utf-8")), id="utf-8"),
        pytest.param(("visual-studio-code", with_encodings("utf-16")), id="utf-16"),
        pytest.param(("visual-studio-code", with_encodings("utf-32", "utf-16")), id="utf-32"),
        pytest.param(("neovim@v0.7.0", with_encodings("utf-32")), id="nvim0.7-utf-32"),
    ]


@pytest.mark.parametrize("custom_client", _custom_params(), indirect=True)
async def test_each_position_encoding_on_a_line_with_an_emoji(custom: Session) -> None:
    assert custom.encoding == str(custom.client.capabilities.general.position_encodings[0])
    await check_emoji_line(custom)


def _pull_params():
    return [pytest.param(("visual-studio-code", with_pull), id="vscode-pull")]


@pytest.mark.parametrize("custom_client", _pull_params(), indirect=True)
async def test_vscode_with_pull_diagnostics(custom: Session) -> None:
    assert custom.pull and custom.result.capabilities.diagnostic_provider is not None
    custom.open(POSITIVE, fixture_text("positive.tf"))
    report = await custom.pull_report(POSITIVE)
    assert [d.range for d in report.items] == [rng(1, 2, 1, 15), rng(6, 2, 6, 15)]
    assert report.items[0].code_description == types.CodeDescription(HELP)
    # Asking again with the result id of an unchanged document gets an "unchanged" report.
    if report.result_id is not None:
        again = await custom.pull_report(POSITIVE, previous=report.result_id)
        assert again.kind == "unchanged" and again.result_id == report.result_id
    (fix_all,) = await custom.code_actions(POSITIVE, rng(0, 0, 0, 0), only=["source.fixAll"])
    assert await custom.apply_action(POSITIVE, fix_all) == FIXED
    assert list((await custom.pull_report(POSITIVE)).items) == []
    await asyncio.sleep(0.3)
    assert custom.published == []


async def test_close_clears(session: Session) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    assert len(await session.diagnostics(POSITIVE)) == 2
    session.close(POSITIVE)
    if session.pull:
        report = await session.pull_report(POSITIVE)
        assert report.kind == "full" and list(report.items) == []
        assert session.published == []
    else:
        cleared = await session.wait_published(POSITIVE, None)
        assert list(cleared.diagnostics) == []
        assert session.published[-1] is cleared
    # Reopening analyses the new text from scratch.
    session.open(POSITIVE, fixture_text("negative.tf"))
    assert await session.diagnostics(POSITIVE) == []


async def test_a_burst_of_keystrokes_ends_with_diagnostics_for_the_last_version(session: Session) -> None:
    session.open(POSITIVE, fixture_text("positive.tf"))
    # Type `"Inactive"` over `"Active"` one character at a time, with no pause.
    session.replace(POSITIVE, "Active", "")
    for i, ch in enumerate("Inactive"):
        at = session.texts[POSITIVE].index('status = "') + len('status = "') + i
        pos = types.Position(2, at - session.texts[POSITIVE].index("  status"))
        new_text = session.texts[POSITIVE][:at] + ch + session.texts[POSITIVE][at:]
        session.change(
            POSITIVE, [types.TextDocumentContentChangePartial(range=types.Range(pos, pos), text=ch)], new_text
        )
    assert session.texts[POSITIVE] == fixture_text("positive.tf").replace("Active", "Inactive")
    diags = await session.diagnostics(POSITIVE)
    assert [d.range for d in diags] == [rng(6, 2, 6, 15)]
    if not session.pull:
        versions = [p.version for p in session.published if p.uri == POSITIVE]
        assert versions == sorted(versions) and versions[-1] == session.versions[POSITIVE]


async def test_requests_for_unknown_documents_do_not_fail(session: Session) -> None:
    uri = "file:///work/never-opened.tf"
    assert await session.code_actions(uri, rng(0, 0, 0, 0)) is None
    if session.pull:
        assert list((await session.pull_report(uri)).items) == []
    # A change for a document that is not open is ignored; the server keeps working.
    session.texts[uri], session.versions[uri] = "", 1
    session.change(uri, [types.TextDocumentContentChangeWholeDocument(text="x")], "x")
    session.open(NEGATIVE, fixture_text("negative.tf"))
    assert await session.diagnostics(NEGATIVE) == []
