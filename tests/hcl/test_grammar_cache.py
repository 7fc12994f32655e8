"""The compiled grammar is cached in tfguard's own folder, so no process rebuilds it, even where
site-packages is read-only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import logging, sys
from lark import logger
logger.setLevel(logging.DEBUG)
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
from tfguard.engine import analyze_text
assert len(analyze_text('resource "aws_iam_access_key" "k" {\\n  user = "root"\\n}\\n').findings) == 1
"""


def run(env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_grammar_is_built_once_then_loaded_from_tfguards_cache(tmp_path: Path) -> None:
    env = dict(os.environ, TFGUARD_CACHE_DIR=str(tmp_path / "cache"))
    first = run(env)
    assert "Saving grammar to cache" in first
    (cached,) = (tmp_path / "cache").iterdir()
    assert cached.name.startswith("hcl2-8.1.4-lark-")
    second = run(env)
    assert "Loading grammar from cache" in second and "Saving grammar" not in second


def test_unwritable_cache_folder_still_works(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root writes anywhere: point the cache at a path below a file, which nobody can create
        blocker = tmp_path / "file"
        blocker.write_text("")
        env = dict(os.environ, TFGUARD_CACHE_DIR=str(blocker / "cache"))
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        env = dict(os.environ, TFGUARD_CACHE_DIR=str(locked / "cache"))
    run(env)  # falls back to lark's file in the temporary directory, and the analysis still works
