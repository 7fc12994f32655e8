"""Fixtures for the command-line tests: a scratch current folder and an in-process ``tfguard`` runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .cli_support import Run

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="session")
def validator():
    """A validator for the OASIS SARIF 2.1.0 schema (JSON Schema draft-04), vendored in tests/cli/schemas."""
    import json

    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


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
