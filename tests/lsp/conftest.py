"""A real LSP session per test: the server as a subprocess (`python -m tfguard.lsp`), driven by pytest-lsp
under the captured capability sets of real clients."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsp_session import CLIENTS, CONFIG, TIMEOUT, Session
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities


# An empty workspace folder, shared by every session and removed at exit: the server scans its workspace on
# start, and these tests are about the documents they open (at file:///work/..., which exist only as buffers).
_EMPTY_WORKSPACE = tempfile.TemporaryDirectory(prefix="tfguard-lsp-empty-")


async def _start(client: LanguageClient, name: str, caps: types.ClientCapabilities) -> None:
    root = Path(_EMPTY_WORKSPACE.name).as_uri()
    result = await asyncio.wait_for(
        client.initialize_session(types.InitializeParams(capabilities=caps, root_uri=root)), TIMEOUT
    )
    client.session = Session(client, name, result)  # type: ignore[attr-defined]


@pytest_lsp.fixture(config=CONFIG, params=CLIENTS)
async def client(request, lsp_client: LanguageClient):
    await _start(lsp_client, request.param, client_capabilities(request.param))
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


@pytest.fixture
def session(client: LanguageClient) -> Session:
    return client.session  # type: ignore[attr-defined]


@pytest_lsp.fixture(config=CONFIG)
async def custom_client(request, lsp_client: LanguageClient):
    """Parametrised indirectly with (base client, capability change)."""
    base, change = request.param
    await _start(lsp_client, base, change(client_capabilities(base)))
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


@pytest.fixture
def custom(custom_client: LanguageClient) -> Session:
    return custom_client.session  # type: ignore[attr-defined]
