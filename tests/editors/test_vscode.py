"""The VS Code extension: its unit tests, the server started as the extension starts it, and the real VS Code.

Each runs a program under editors/vscode (see its package.json scripts) and passes when that program does;
the programs' own assertions say what a user would see.
"""

from __future__ import annotations

import re

import pytest

from .editor_support import CHROMIUM, CODE_SERVER, VSCODE, missing, need_node, pythons, run, vsix


def test_launch_logic_unit_tests() -> None:
    """node --test on interpreter discovery, the server command line and the settings sent to the server."""
    out = run([need_node(), "test"], VSCODE, timeout=120)
    assert "# fail 0" in out and "# pass 0" not in out, out[-3000:]


_OLDEST = next(iter(pythons().items()), None)


@pytest.mark.parametrize(
    "interpreter",
    ["first python3 on PATH", *([f"tfguard.interpreter = Python {_OLDEST[0]}"] if _OLDEST else [])],
)
def test_server_started_as_the_extension_starts_it(interpreter: str) -> None:
    """Over LSP: two warnings on lines 2 and 7 of positive.tf, the quick fix, fix-all, a rule setting, pull
    diagnostics; with the default interpreter and with the oldest Python found (3.10 where there is one)."""
    vsix()  # builds bundled/ from the current server sources when they changed
    env = {"TFGUARD_TEST_INTERPRETER": _OLDEST[1]} if _OLDEST and interpreter.startswith("tfguard.") else {}
    out = run([need_node(), "run", "test:protocol"], VSCODE, timeout=180, env=env)
    assert "# fail 0" in out and "# pass 0" not in out, out[-3000:]


def test_in_code_server() -> None:
    """The .vsix in code-server, seen through chromium: squiggles, Problems, Ctrl+. fix, fix-all on save,
    the two commands, a changed setting, and the message shown when there is no Python."""
    npm = need_node()
    if not CODE_SERVER.exists():
        missing(f"code-server 4.100.3 ({CODE_SERVER})")
    if not CHROMIUM.exists():
        missing(f"chromium ({CHROMIUM})")
    vsix()
    out = run([npm, "run", "test:code-server"], VSCODE, timeout=300)
    passed = re.search(r"^# pass (\d+)$", out, re.M)
    assert passed and int(passed.group(1)) >= 6 and "# fail 0" in out, out[-3000:]
