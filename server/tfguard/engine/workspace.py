"""Terraform files grouped into modules (the files of one folder), for analyses that resolve references.

The text of an open buffer wins over the file on disk. Each file keeps its own incremental ``Analyzer``; the
symbols a file defines (variables, locals, user names, tfvars values) come from a quick analysis of it and are
cached until its text changes. Disk reads are cached by modification time and size.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from tfguard.engine.resolve import Env, Symbol, is_tfvars
from tfguard.engine.runner import Analysis, Analyzer
from tfguard.engine.source import SourceError, read_source

TERRAFORM_SUFFIXES = (".tf", ".tf.json")
MAX_FILE_BYTES = 5 * 1024 * 1024  # a module file larger than this is not read for symbols


def is_terraform(path: str) -> bool:
    return path.endswith(TERRAFORM_SUFFIXES)


def is_module_file(path: str) -> bool:
    return is_terraform(path) or is_tfvars(path)


def analyzer_for(path: str, rules=None) -> Analyzer:
    """The right analyzer for a file: JSON syntax for ``.json`` files, HCL otherwise."""
    if path.endswith(".json"):
        from tfguard.engine.json_runner import JsonAnalyzer

        return JsonAnalyzer(rules, tfvars=is_tfvars(path))  # type: ignore[return-value]
    return Analyzer(rules, tfvars=is_tfvars(path))


@dataclass
class _File:
    analyzer: Analyzer
    symbols_analyzer: Analyzer  # its own, so symbols never wait for a long analysis of the file
    text: str | None = None
    symbols_for: str | None = None  # the text the cached symbols were computed from
    symbols: tuple[Symbol, ...] = ()
    disk_key: tuple[float, int] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)  # one symbols computation at a time


class Workspace:
    """``cache_disk``: keep folder listings and file texts read from disk until ``forget`` is called for them
    (set it when something reports disk changes, as an editor's file watcher does); otherwise each analysis
    looks at the disk again, which costs a directory listing and a stat per module file."""

    def __init__(self, rules=None, *, cache_disk: bool = False) -> None:
        self.rules = rules
        self.cache_disk = cache_disk
        self._buffers: dict[str, str] = {}
        self._files: dict[str, _File] = {}
        self._listings: dict[str, tuple[str, ...]] = {}
        self._lock = threading.RLock()

    # ---- texts --------------------------------------------------------------------------------------------
    def set_buffer(self, path: str, text: str) -> None:
        with self._lock:
            self._buffers[os.path.abspath(path)] = text

    def close_buffer(self, path: str) -> None:
        with self._lock:
            self._buffers.pop(os.path.abspath(path), None)

    def forget(self, path: str) -> None:
        """The file changed or disappeared on disk: read it again when next needed."""
        path = os.path.abspath(path)
        with self._lock:
            self._listings.pop(os.path.dirname(path), None)
            state = self._files.get(path)
            if state is not None:
                state.disk_key = None

    def text(self, path: str) -> str | None:
        """The buffer's text, else the file's (None when it cannot be read)."""
        path = os.path.abspath(path)
        with self._lock:
            if path in self._buffers:
                return self._buffers[path]
            state = self._file(path)
            if self.cache_disk and state.disk_key is not None:
                return state.text
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (st.st_mtime, st.st_size)
        if state.disk_key == key:
            return state.text
        if st.st_size > MAX_FILE_BYTES:
            return None
        try:
            text = read_source(path)
        except SourceError:
            text = None
        state.text, state.disk_key = text, key
        return text

    def _file(self, path: str) -> _File:
        state = self._files.get(path)
        if state is None:
            state = self._files[path] = _File(analyzer_for(path, self.rules), analyzer_for(path, self.rules))
        return state

    def analyzer(self, path: str) -> Analyzer:
        """The file's own analyzer (its chunk cache serves ``analyze_scope`` too)."""
        with self._lock:
            return self._file(os.path.abspath(path)).analyzer

    # ---- modules ------------------------------------------------------------------------------------------
    def module_paths(self, path: str) -> list[str]:
        """The module files of the folder holding ``path``: on disk and open, sorted."""
        folder = os.path.dirname(os.path.abspath(path))
        with self._lock:
            listing = self._listings.get(folder) if self.cache_disk else None
        if listing is None:
            names: list[str] = []
            real_folder = os.path.realpath(folder)
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if not is_module_file(entry.name) or not entry.is_file():
                            continue
                        # a link to a file outside the folder is not part of the module: never read it
                        if entry.is_symlink() and os.path.dirname(os.path.realpath(entry.path)) != real_folder:
                            continue
                        names.append(os.path.join(folder, entry.name))
            except OSError:
                pass
            listing = tuple(names)
            if self.cache_disk:
                with self._lock:
                    self._listings[folder] = listing
        found = set(listing)
        with self._lock:
            found.update(p for p in self._buffers if os.path.dirname(p) == folder and is_module_file(p))
        return sorted(found)

    def symbols(self, path: str) -> tuple[Symbol, ...]:
        path = os.path.abspath(path)
        text = self.text(path)
        if text is None:
            return ()
        with self._lock:
            state = self._file(path)
        with state.lock:  # not the workspace lock: other files' analyses go on meanwhile
            if state.symbols_for != text:
                analysis = state.symbols_analyzer.analyze(text, quick=not is_tfvars(path))
                state.symbols, state.symbols_for = tuple(analysis.symbols), text
            return state.symbols

    def env_for(self, path: str) -> Env:
        """The symbols of the other files of ``path``'s module."""
        path = os.path.abspath(path)
        return Env((other, self.symbols(other)) for other in self.module_paths(path) if other != path)

    def analyze(self, path: str, text: str | None = None, *, quick: bool = False) -> Analysis | None:
        """Analyse ``path`` (its buffer, or ``text`` when given, else the file) in its module."""
        path = os.path.abspath(path)
        if text is None:
            text = self.text(path)
            if text is None:
                return None
        env = self.env_for(path)
        with self._lock:
            analyzer = self._file(path).analyzer
        return analyzer.analyze(text, quick=quick, env=env)

    def dependents(self, path: str) -> list[str]:
        """Open buffers whose results may change when ``path`` changes (the other files of its module)."""
        folder = os.path.dirname(os.path.abspath(path))
        with self._lock:
            return sorted(p for p in self._buffers if os.path.dirname(p) == folder and p != os.path.abspath(path))
