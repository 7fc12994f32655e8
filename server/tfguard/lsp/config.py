"""Settings as the server applies them: defaults < the nearest ``.tfguard.toml`` < the editor's settings.

The editor's settings arrive as ``initializationOptions`` (a ``tfguard`` object, or its keys directly), through
``workspace/configuration`` (section ``tfguard``) and ``workspace/didChangeConfiguration``. The settings file is
the nearest ``.tfguard.toml`` from a document's folder up to its workspace folder (or the repository root).
Effective settings are cached per folder; any change clears the cache. Safe to call from analysis threads.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tfguard.engine.findings import Problem
from tfguard.engine.settings import SETTINGS_FILE, Settings, find_settings_file, load_settings

log = logging.getLogger(__name__)

SECTION = "tfguard"
KEYS = ("rules", "exclude", "lint")


def editor_settings(value: Any) -> dict[str, Any]:
    """The tfguard keys of what a client sent: ``{"tfguard": {...}}`` or the keys themselves."""
    if not isinstance(value, Mapping):
        return {}
    if isinstance(value.get(SECTION), Mapping):
        value = value[SECTION]
    # Editors send null for unset keys (VS Code's defaults); only keys with a value override the file.
    return {k: v for k, v in value.items() if k in KEYS and v is not None}


@dataclass(frozen=True)
class Effective:
    settings: Settings
    root: str | None  # the folder exclude globs are relative to
    file: str | None  # the .tfguard.toml in force, if any


class Config:
    def __init__(self, on_file_problems: Callable[[str, str, list[Problem]], None] | None = None) -> None:
        self.editor: dict[str, Any] = {}
        self.editor_errors: list[str] = []
        self.folders: list[str] = []  # workspace folders (absolute paths), longest first
        self._by_folder: dict[str, Effective] = {}
        self._files: dict[str, tuple[Settings, list[Problem], str]] = {}
        self._lock = threading.RLock()
        self._on_file_problems = on_file_problems

    def set_folders(self, folders: list[str]) -> None:
        with self._lock:
            self.folders = sorted({os.path.abspath(f) for f in folders}, key=len, reverse=True)
            self._by_folder.clear()

    def set_editor(self, value: Any) -> bool:
        """Replace the editor's settings; True when they changed."""
        new = editor_settings(value)
        with self._lock:
            if new == self.editor:
                return False
            self.editor = new
            self.editor_errors = Settings().merged(new)[1]
            self._by_folder.clear()
        for error in self.editor_errors:
            log.warning("editor settings: %s", error)
        return True

    def forget_file(self, path: str | None = None) -> None:
        """A settings file changed on disk (or any, when ``path`` is None)."""
        with self._lock:
            if path is None:
                self._files.clear()
            else:
                self._files.pop(os.path.abspath(path), None)
            self._by_folder.clear()

    def folder_of(self, path: str) -> str | None:
        path = os.path.abspath(path)
        for folder in self.folders:
            if path == folder or path.startswith(folder.rstrip(os.sep) + os.sep):
                return folder
        return None

    def for_path(self, path: str | None) -> Effective:
        """The settings in force for a document (``None``: a document with no file, editor settings only)."""
        if path is None:
            return Effective(Settings().merged(self.editor)[0], None, None)
        directory = os.path.dirname(os.path.abspath(path))
        with self._lock:
            cached = self._by_folder.get(directory)
            if cached is not None:
                return cached
        workspace_folder = self.folder_of(path)
        file = find_settings_file(directory, workspace_folder)
        base = Settings()
        if file is not None:
            base = self._file(file)
        settings, _ = base.merged(self.editor)
        root = os.path.dirname(file) if file else workspace_folder
        effective = Effective(settings, root, file)
        with self._lock:
            self._by_folder[directory] = effective
        return effective

    def _file(self, file: str) -> Settings:
        with self._lock:
            known = self._files.get(file)
        if known is not None:
            return known[0]
        settings, problems = load_settings(file)
        try:
            with open(file, encoding="utf-8", errors="replace", newline="") as handle:
                text = handle.read()
        except OSError:
            text = ""
        with self._lock:
            self._files[file] = (settings, problems, text)
        if self._on_file_problems is not None:
            self._on_file_problems(file, text, problems)
        return settings

    def file_problems(self) -> dict[str, tuple[str, list[Problem]]]:
        with self._lock:
            return {path: (text, problems) for path, (_, problems, text) in self._files.items()}


def is_settings_file(path: str) -> bool:
    return os.path.basename(path) == SETTINGS_FILE
