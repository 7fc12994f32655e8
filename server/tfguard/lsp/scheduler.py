"""Per-document analysis off the event loop, newest version wins.

For each open document there is at most one worker task. It snapshots the text and version on the event loop,
runs the document's own analyzer (whose block cache makes a re-analysis cost only the changed blocks) in an
executor, and on completion keeps the result only if the document still has that version. Changes that arrive
while an analysis runs do not queue up: when the run finishes the worker looks at the document again and
analyses whatever is newest, once. Results are handed to ``on_result`` on the event loop (where the server
publishes them) and to anyone awaiting :meth:`Scheduler.result`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Protocol

from tfguard.hcl.text import LineIndex

from .documents import Document, DocumentStore

log = logging.getLogger(__name__)

_result_ids = itertools.count(1)


class AnalyzerLike(Protocol):
    def analyze(self, text: str) -> Any: ...


@dataclass(frozen=True)
class Result:
    """The analysis of one version of one open document. ``analysis`` is None when the engine failed
    (``error`` then says why)."""

    document: Document
    version: int
    text: str
    analysis: Any
    error: str | None = None
    result_id: str = field(default_factory=lambda: str(next(_result_ids)))
    # False for the quick first pass over a large document (findings first, syntax errors later)
    complete: bool = True
    # the document's own line index of ``text`` (kept incrementally; no O(document) rebuild per keystroke)
    index: LineIndex | None = None
    generation: int = 0


@dataclass(eq=False)
class _State:
    document: Document
    analyzer: AnalyzerLike
    task: asyncio.Task[None] | None = None
    result: Result | None = None
    waiters: list[asyncio.Future[Result | None]] = field(default_factory=list)
    runs: int = 0
    # bumped when the result of the same text may change (settings, another file of the module)
    generation: int = 0


class Scheduler:
    def __init__(
        self,
        store: DocumentStore,
        make_analyzer: Callable[[], AnalyzerLike],
        on_result: Callable[[Result], None],
        executor: Executor | None = None,
        *,
        analyzer_for: Callable[[str], AnalyzerLike] | None = None,
        quick_lines: int | None = None,
        gate: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """``analyzer_for(uri)``, when given, replaces ``make_analyzer()``. A document with more than
        ``quick_lines`` lines gets a quick pass first (``analyze(text, quick=True)``), handed to ``on_result``
        with ``complete`` False, then the complete one. ``gate`` is awaited before each run (settings)."""
        self._store = store
        self._make_analyzer = make_analyzer
        self._analyzer_for = analyzer_for
        self._quick_lines = quick_lines
        self._gate = gate
        self._on_result = on_result
        self._executor = executor
        self._states: dict[str, _State] = {}

    # --- called from handlers on the event loop -------------------------------------------------------------

    def schedule(self, uri: str) -> None:
        """Make sure the newest version of ``uri`` gets analysed (at most one run at a time per document)."""
        state = self._state(uri)
        if state is None:
            return
        if state.task is None or state.task.done():
            state.task = asyncio.get_running_loop().create_task(self._work(uri, state))

    def invalidate(self, uri: str) -> None:
        """The document's text is unchanged but its result may differ (settings, other files): run again."""
        state = self._states.get(uri)
        if state is None:
            return
        state.generation += 1
        self.schedule(uri)

    def latest(self, uri: str) -> Result | None:
        """The newest complete result, whatever version it describes."""
        doc = self._store.get(uri)
        state = self._states.get(uri)
        if doc is None or state is None or state.document is not doc:
            return None
        return state.result

    def forget(self, uri: str) -> None:
        """Drop everything about ``uri`` (document closed). A run in progress is discarded when it ends."""
        state = self._states.pop(uri, None)
        if state is None:
            return
        if state.task is not None and not state.task.done():
            state.task.cancel()
        self._resolve(state, None)

    def current(self, uri: str) -> Result | None:
        """The result for the document's current version, if it is ready."""
        doc = self._store.get(uri)
        state = self._states.get(uri)
        if doc is None or state is None or state.document is not doc:
            return None
        result = state.result
        if result is not None and self._fresh(state, result):
            return result
        return None

    @staticmethod
    def _fresh(state: _State, result: Result) -> bool:
        return result.version == state.document.version and result.generation == state.generation

    async def result(self, uri: str) -> Result | None:
        """The result for the document's current version, waiting for the analysis in flight (or starting one).

        If the document changes while waiting, the result is for the newer version. None when the document is
        not open or gets closed meanwhile. Never waits on anything but an analysis that is running."""
        ready = self.current(uri)
        if ready is not None:
            return ready
        state = self._state(uri)
        if state is None:
            return None
        future: asyncio.Future[Result | None] = asyncio.get_running_loop().create_future()
        state.waiters.append(future)
        self.schedule(uri)
        return await future

    def runs(self, uri: str) -> int:
        """How many analyses were started for the document (for tests)."""
        state = self._states.get(uri)
        return state.runs if state else 0

    # --- internals ----------------------------------------------------------------------------------------

    def _state(self, uri: str) -> _State | None:
        doc = self._store.get(uri)
        if doc is None:
            return None
        state = self._states.get(uri)
        if state is None or state.document is not doc:
            if state is not None:  # reopened without a close we saw
                self.forget(uri)
            analyzer = self._analyzer_for(uri) if self._analyzer_for else self._make_analyzer()
            state = _State(doc, analyzer)
            self._states[uri] = state
        return state

    def _live(self, uri: str, state: _State) -> bool:
        return self._states.get(uri) is state and self._store.get(uri) is state.document

    async def _work(self, uri: str, state: _State) -> None:
        loop = asyncio.get_running_loop()
        try:
            if self._gate is not None:
                await self._gate()
            while self._live(uri, state):
                doc = state.document
                if state.result is not None and self._fresh(state, state.result):
                    self._resolve(state, state.result)
                    return
                text, version, index, generation = doc.text, doc.version, doc.index, state.generation
                if (
                    self._quick_lines is not None
                    and state.result is None
                    and len(index.line_starts) > self._quick_lines
                ):
                    await self._quick(uri, state, doc, text, version, index, generation)
                state.runs += 1
                error: str | None = None
                analysis: Any = None
                try:
                    analysis = await loop.run_in_executor(self._executor, state.analyzer.analyze, text)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # an engine bug must not take the server down
                    log.exception("analysis of %s (version %s) failed", uri, version)
                    error = f"{type(exc).__name__}: {exc}"
                if not self._live(uri, state) or doc.version != version or state.generation != generation:
                    log.debug("dropping stale analysis of %s version %s", uri, version)
                    continue
                result = Result(doc, version, text, analysis, error, index=index, generation=generation)
                state.result = result
                try:
                    self._on_result(result)
                finally:
                    self._resolve(state, result)
        finally:
            if not self._live(uri, state):
                self._resolve(state, None)
            elif state.waiters and (state.result is None or not self._fresh(state, state.result)):
                # Only reachable if this task was cancelled while the document lives on: let a new one run.
                state.task = None
                loop.call_soon(self.schedule, uri)

    async def _quick(
        self,
        uri: str,
        state: _State,
        doc: Document,
        text: str,
        version: int,
        index: LineIndex,
        generation: int,
    ) -> None:
        """The quick first pass of a large document: published, but never handed to waiters."""
        analyze = state.analyzer.analyze
        try:
            analysis = await asyncio.get_running_loop().run_in_executor(
                self._executor,
                lambda: analyze(text, quick=True),  # type: ignore[call-arg]
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("quick analysis of %s (version %s) failed", uri, version)
            return
        if self._live(uri, state) and doc.version == version and state.generation == generation:
            self._on_result(
                Result(doc, version, text, analysis, complete=False, index=index, generation=generation)
            )

    @staticmethod
    def _resolve(state: _State, result: Result | None) -> None:
        waiters, state.waiters = state.waiters, []
        for future in waiters:
            if not future.done():
                future.set_result(result)
