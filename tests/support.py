"""Shared test helpers (fixture paths, the terraform syntax oracle); tests import them as `support`."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
KICS = FIXTURES / "conformance" / "kics" / "iam_access_key_is_exposed"
DATADOG = FIXTURES / "conformance" / "datadog" / "iam_access_key_is_exposed"
TERRAFORM = shutil.which("terraform")

# The KICS positive.tf after every fix: the contract the engine, the CLI and the server all meet.
KICS_POSITIVE_FIXED = """\
resource "aws_iam_access_key" "positive1" {
  user = "root"
  status = "Inactive"
}

resource "aws_iam_access_key" "positive2" {
  user   = "root"
  status = "Inactive"
}
"""


def _terraform_fmt(text: str, *flags: str) -> int:
    """Exit code of ``terraform fmt FLAGS`` on ``text`` written to a temporary main.tf."""
    assert TERRAFORM is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "main.tf"
        path.write_bytes(text.encode("utf-8"))
        env = dict(os.environ, TF_CLI_CONFIG_FILE=os.devnull, CHECKPOINT_DISABLE="1")
        result = subprocess.run([TERRAFORM, "fmt", *flags, "-list=false", str(path)], capture_output=True, env=env, timeout=60)
        return result.returncode


def terraform_fmt_clean(text: str) -> bool:
    """True when ``terraform fmt -check`` accepts ``text`` as it is (valid syntax, already formatted)."""
    return _terraform_fmt(text, "-check") == 0


def terraform_parses(text: str) -> bool:
    """True when terraform's own parser accepts ``text`` (``fmt`` fails with exit 2 on a syntax error only)."""
    return _terraform_fmt(text, "-write=false") == 0


needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed (syntax oracle)")
