"""Fixtures for the command-line tests: a scratch current folder and an in-process ``tfguard`` runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .cli_support import Run


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that is the current folder during the test."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def tfguard(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run ``tfguard ARGS`` in this process; usage errors come back as exit status 2 as from the real command."""
    from tfguard import cli

    def run(*args: str) -> Run:
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
