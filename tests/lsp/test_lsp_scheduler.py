"""Per-document analysis scheduling: newest version wins, stale results are dropped, no backlog."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from lsprotocol import types
from tfguard.lsp.documents import DocumentStore
from tfguard.lsp.scheduler import Result, Scheduler

URI = "file:///w/main.tf"


class GatedAnalyzer:
    """Records every text it analyses; the first call blocks until released."""

    def __init__(self, gate: threading.Event | None = None, fail_on: str | None = None) -> None:
        self.gate = gate
        self.fail_on = fail_on
        self.texts: list[str] = []
        self.started = threading.Event()

    def analyze(self, text: str) -> str:
        self.texts.append(text)
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(10)
            self.gate = None
        if self.fail_on is not None and self.fail_on in text:
            raise RuntimeError("boom")
        return f"analysis of {text!r}"


def append(store: DocumentStore, version: int, text: str) -> None:
    doc = store.get(URI)
    assert doc is not None
    end = len(doc.index.line_starts) - 1
    col = len(doc.index.line_text(end))
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(end, col), types.Position(end, col)), text=text
    )
    store.change(URI, version, [change], "utf-32")


@pytest.fixture
def pool():
    with ThreadPoolExecutor(2) as executor:
        yield executor


async def wait_until(predicate, timeout: float = 5.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


async def test_a_burst_of_changes_runs_one_more_analysis_for_the_newest_version(pool) -> None:
    gate = threading.Event()
    analyzer = GatedAnalyzer(gate)
    store = DocumentStore()
    published: list[Result] = []
    scheduler = Scheduler(store, lambda: analyzer, published.append, pool)

    store.open(URI, "v1", 1)
    scheduler.schedule(URI)
    await asyncio.wait_for(asyncio.to_thread(analyzer.started.wait, 5), 6)
    for version in range(2, 52):
        append(store, version, "+")
        scheduler.schedule(URI)
    gate.set()
    result = await asyncio.wait_for(scheduler.result(URI), 5)

    assert result is not None and result.version == 51
    assert result.analysis == f"analysis of {'v1' + '+' * 50!r}"
    # The run for version 1 finished stale and was dropped; exactly one more run, for version 51.
    assert analyzer.texts == ["v1", "v1" + "+" * 50]
    assert [r.version for r in published] == [51]
    assert scheduler.runs(URI) == 2


async def test_result_is_reused_while_the_version_is_current(pool) -> None:
    analyzer = GatedAnalyzer()
    store = DocumentStore()
    published: list[Result] = []
    scheduler = Scheduler(store, lambda: analyzer, published.append, pool)
    store.open(URI, "x", 7)
    scheduler.schedule(URI)
    first = await asyncio.wait_for(scheduler.result(URI), 5)
    second = await asyncio.wait_for(scheduler.result(URI), 5)
    assert first is second and first.version == 7
    assert analyzer.texts == ["x"] and len(published) == 1


async def test_close_while_analysing_discards_the_result_and_releases_waiters(pool) -> None:
    gate = threading.Event()
    analyzer = GatedAnalyzer(gate)
    store = DocumentStore()
    published: list[Result] = []
    scheduler = Scheduler(store, lambda: analyzer, published.append, pool)
    store.open(URI, "x", 1)
    waiter = asyncio.ensure_future(scheduler.result(URI))
    await asyncio.wait_for(asyncio.to_thread(analyzer.started.wait, 5), 6)
    store.close(URI)
    scheduler.forget(URI)
    assert await asyncio.wait_for(waiter, 5) is None
    gate.set()
    await asyncio.sleep(0.1)
    assert published == []
    assert await scheduler.result(URI) is None


async def test_reopened_document_gets_a_fresh_analysis(pool) -> None:
    made: list[GatedAnalyzer] = []

    def make() -> GatedAnalyzer:
        made.append(GatedAnalyzer())
        return made[-1]

    store = DocumentStore()
    scheduler = Scheduler(store, make, lambda r: None, pool)
    store.open(URI, "one", 1)
    assert (await asyncio.wait_for(scheduler.result(URI), 5)).text == "one"
    store.close(URI)
    scheduler.forget(URI)
    store.open(URI, "two", 1)  # same version number, different text
    result = await asyncio.wait_for(scheduler.result(URI), 5)
    assert result.text == "two" and len(made) == 2


async def test_an_engine_error_becomes_a_result_and_the_next_change_recovers(pool) -> None:
    analyzer = GatedAnalyzer(fail_on="bad")
    store = DocumentStore()
    published: list[Result] = []
    scheduler = Scheduler(store, lambda: analyzer, published.append, pool)
    store.open(URI, "bad", 1)
    failed = await asyncio.wait_for(scheduler.result(URI), 5)
    assert failed.analysis is None and failed.error == "RuntimeError: boom"
    store.change(URI, 2, [types.TextDocumentContentChangeWholeDocument(text="good")], "utf-16")
    scheduler.schedule(URI)
    ok = await asyncio.wait_for(scheduler.result(URI), 5)
    assert ok.error is None and ok.version == 2
    assert [r.version for r in published] == [1, 2]


async def test_results_never_describe_an_older_version_than_the_document(pool) -> None:
    """Every published result matches the document's version at the moment it is published."""
    analyzer = GatedAnalyzer()
    store = DocumentStore()
    seen: list[tuple[int, int]] = []
    scheduler = Scheduler(
        store, lambda: analyzer, lambda r: seen.append((r.version, store.get(URI).version)), pool
    )
    store.open(URI, "", 0)
    for version in range(1, 200):
        append(store, version, "a")
        scheduler.schedule(URI)
        if version % 7 == 0:
            await asyncio.sleep(0)
    final = await asyncio.wait_for(scheduler.result(URI), 5)
    assert final.version == 199 and final.text == "a" * 199
    assert seen and all(published == current for published, current in seen)
