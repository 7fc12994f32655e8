"""Neovim (Debian's 0.7.2 in CI) running tfguard headless, set up with editors/neovim's Lua module.

editors/neovim/test/headless_test.lua does what a user does and checks what they see: two warnings on lines 2
and 7 with source tfguard, the quick fix applied, fix-all on :write, the text and zero diagnostics.
TFGUARD_NVIM_EXTRA (paths separated by ':') runs the same test with other Neovim builds too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .editor_support import NEOVIM, REPO, missing, run

EXTRA = [p for p in os.environ.get("TFGUARD_NVIM_EXTRA", "").split(os.pathsep) if p]


@pytest.mark.parametrize("nvim", ["nvim", *EXTRA])
def test_headless_neovim(nvim: str, tmp_path: Path) -> None:
    exe = shutil.which(nvim)
    if not exe:
        missing(f"Neovim ({nvim}; apt-get install neovim)")
    assert exe
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    env = {
        # The server as an installed tfguard runs it; PYTHONPATH covers a checkout that is not pip-installed.
        "TFGUARD_LSP_CMD": json.dumps([sys.executable, "-m", "tfguard", "lsp"]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "server"), os.environ.get("PYTHONPATH")])),
        # Neovim's state (LSP log, shada) stays in the test's folder.
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    out = run([exe, "--headless", "--clean", "-c", f"luafile {NEOVIM / 'test' / 'headless_test.lua'}"],
              REPO, timeout=120, env=env)
    assert "PASS: tfguard in Neovim" in out, f"{version}: {out[-3000:]}"
