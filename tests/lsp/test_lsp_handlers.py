"""Handler behaviour that a real session cannot provoke on demand."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from lsprotocol import types
from tfguard.lsp import server as server_module
from tfguard.lsp.code_actions import kind_requested


async def test_a_pull_never_waits_forever(monkeypatch) -> None:
    async def stuck(uri: str):
        await asyncio.Event().wait()

    monkeypatch.setattr(server_module, "PULL_TIMEOUT_SECONDS", 0.05)
    ls = SimpleNamespace(
        scheduler=SimpleNamespace(result=stuck), documents=SimpleNamespace(get=lambda uri: None)
    )
    params = types.DocumentDiagnosticParams(types.TextDocumentIdentifier("file:///w/main.tf"))
    with pytest.raises(server_module.JsonRpcServerCancelled) as raised:
        await asyncio.wait_for(server_module.pull_diagnostics(ls, params), 5)
    assert raised.value.code == -32802 and raised.value.data == {"retriggerRequest": True}


@pytest.mark.parametrize(
    ("only", "quickfix", "fix_all"),
    [
        (None, True, True),
        ([], True, True),
        (["quickfix"], True, False),
        (["source"], False, True),
        (["source.fixAll"], False, True),
        (["source.fixAll.tfguard"], False, True),
        (["source.fixAll.tfguardx"], False, False),
        (["source.fix"], False, False),
        (["refactor", "source.fixAll"], False, True),
        ([""], False, False),
    ],
)
def test_kinds_match_by_dotted_prefix(only, quickfix, fix_all) -> None:
    assert kind_requested("quickfix", only) is quickfix
    assert kind_requested("source.fixAll.tfguard", only) is fix_all
