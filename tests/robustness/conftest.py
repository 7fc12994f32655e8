"""Fixtures for the robustness tests: real server processes over the lean client in ``rpc.py``."""

from __future__ import annotations

import pytest

from robustness.rpc import Server


@pytest.fixture
def server():
    srv = Server()
    yield srv
    if srv.proc.poll() is None:
        srv.shutdown()
    assert "Traceback" not in srv.stderr_text(), srv.stderr_tail()
    srv.cleanup()
