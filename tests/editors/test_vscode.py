"""The VS Code extension: its unit tests, the server started as the extension starts it, and the real VS Code.

Each runs a program under editors/vscode (see its package.json scripts) and passes when that program does;
the programs' own assertions say what a user would see.
"""

from __future__ import annotations

import re

from .editor_support import CHROMIUM, CODE_SERVER, VSCODE, missing, need_node, run, vsix


def test_launch_logic_unit_tests() -> None:
    """node --test on interpreter discovery, the server command line and the settings sent to the server."""
    out = run([need_node(), "test"], VSCODE, timeout=120)
    assert "# fail 0" in out and "# pass 0" not in out, out[-3000:]


def test_server_started_as_the_extension_starts_it() -> None:
    """Over LSP: two warnings on lines 2 and 7 of positive.tf, the quick fix, fix-all, pull diagnostics."""
    vsix()  # builds bundled/ from the current server sources when they changed
    out = run([need_node(), "run", "test:protocol"], VSCODE, timeout=180)
    assert "# fail 0" in out and "# pass 0" not in out, out[-3000:]


def test_in_code_server() -> None:
    """The .vsix in code-server, seen through chromium: squiggles, Problems, Ctrl+. fix, fix-all on save,
    the two commands, and the message shown when there is no Python."""
    npm = need_node()
    if not CODE_SERVER.exists():
        missing(f"code-server 4.100.3 ({CODE_SERVER})")
    if not CHROMIUM.exists():
        missing(f"chromium ({CHROMIUM})")
    vsix()
    out = run([npm, "run", "test:code-server"], VSCODE, timeout=300)
    passed = re.search(r"^# pass (\d+)$", out, re.M)
    assert passed and int(passed.group(1)) >= 5 and "# fail 0" in out, out[-3000:]
