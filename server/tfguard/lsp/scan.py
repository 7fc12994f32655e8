"""Which files the workspace scan analyses: every Terraform file (``.tf``, ``.tf.json``) under the workspace
folders, bounded so a huge folder cannot stall the server."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator

from tfguard.engine.workspace import is_terraform

log = logging.getLogger(__name__)

MAX_SCAN_FILES = 5_000  # at most this many files per scan (all folders together)
MAX_SCAN_FILE_BYTES = 5 * 1024 * 1024  # a larger file is skipped by the scan (it is analysed when opened)
SKIPPED_DIRS = frozenset({".terraform", ".git"})


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def terraform_files(
    folders: list[str], excluded: Callable[[str], bool] | None = None, limit: int = MAX_SCAN_FILES
) -> Iterator[str]:
    """Terraform files under ``folders`` (absolute paths, sorted within each folder), skipping ``.terraform``
    and ``.git`` folders, symlinks whose target is outside the folder, files over the size limit and
    ``excluded`` paths; at most ``limit`` of them. A folder nested in another is scanned once."""
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()
    count = 0
    for folder in folders:
        folder = os.path.abspath(folder)
        real_folder = os.path.realpath(folder)
        for directory, dirs, files in os.walk(folder, followlinks=True):
            real_dir = os.path.realpath(directory)
            if real_dir in seen_dirs or not _inside(real_dir, real_folder):
                dirs[:] = []
                continue
            seen_dirs.add(real_dir)
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                if not is_terraform(name):
                    continue
                path = os.path.join(directory, name)
                real = os.path.realpath(path)
                if real in seen_files or not _inside(real, real_folder):
                    continue
                try:
                    if not os.path.isfile(path) or os.path.getsize(path) > MAX_SCAN_FILE_BYTES:
                        continue
                except OSError:
                    continue
                if excluded is not None and excluded(path):
                    continue
                seen_files.add(real)
                count += 1
                if count > limit:
                    log.warning("workspace scan stopped at %d files", limit)
                    return
                yield path
