"""The server's document store: incremental changes in every position encoding, and its line index always
equal to one built from scratch."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types
from tfguard.hcl.text import LineIndex
from tfguard.lsp.documents import DocumentStore, edit_index

URI = "file:///work/main.tf"


def partial(sl: int, sc: int, el: int, ec: int, text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(sl, sc), types.Position(el, ec)), text=text
    )


def whole(text: str) -> types.TextDocumentContentChangeWholeDocument:
    return types.TextDocumentContentChangeWholeDocument(text=text)


def test_open_change_close() -> None:
    store = DocumentStore()
    store.open(URI, 'user = "root"\n', 1, "terraform")
    doc = store.change(URI, 2, [partial(0, 8, 0, 12, "admin")], "utf-16")
    assert doc is not None
    assert (doc.text, doc.version) == ('user = "admin"\n', 2)
    assert store.close(URI) is doc
    assert store.get(URI) is None
    assert store.change(URI, 3, [whole("x")], "utf-16") is None


def test_full_change_replaces_the_text() -> None:
    store = DocumentStore()
    store.open(URI, "a\nb\n", 1)
    doc = store.change(URI, 2, [whole("x\r\ny")], "utf-16")
    assert doc is not None and doc.text == "x\r\ny"
    assert doc.index.line_starts == [0, 3]


def test_changes_apply_in_order() -> None:
    store = DocumentStore()
    store.open(URI, "abc\n", 1)
    # The second change's range refers to the text after the first.
    doc = store.change(URI, 2, [partial(0, 0, 0, 0, "XY\n"), partial(1, 1, 1, 2, "_")], "utf-16")
    assert doc is not None and doc.text == "XY\na_c\n"


# `  /* ключ 😀 */ user = "root"`: `user` starts at code point 15, UTF-16 unit 16, byte 22.
LINE = '  /* ключ 😀 */ user = "root" # 😀'


def test_ranges_in_each_encoding() -> None:
    for encoding, start in (("utf-32", 15), ("utf-16", 16), ("utf-8", 22)):
        store = DocumentStore()
        store.open(URI, "x {\n" + LINE + "\n}\n", 1)
        doc = store.change(URI, 2, [partial(1, start, 1, start + 4, "name")], encoding)
        assert doc is not None
        assert doc.index.line_text(1) == LINE.replace("user", "name"), encoding


def test_form_feed_and_line_separator_are_not_line_breaks() -> None:
    store = DocumentStore()
    store.open(URI, "a\fb\u2028c\nd", 1)
    doc = store.change(URI, 2, [partial(1, 0, 1, 1, "D")], "utf-16")
    assert doc is not None and doc.text == "a\fb\u2028c\nD"


def test_edit_joining_cr_and_lf() -> None:
    index = LineIndex("a\rb")
    joined = edit_index(index, 2, 3, "\n")  # "a\r\n": one line break, not two
    assert joined.text == "a\r\n"
    assert joined.line_starts == LineIndex("a\r\n").line_starts == [0, 3]
    split = edit_index(LineIndex("a\r\nb"), 2, 2, "x")  # "a\rx\nb": two breaks now
    assert split.line_starts == LineIndex("a\rx\nb").line_starts


_ALPHABET = st.sampled_from(["a", " ", "\r", "\n", "\r\n", "é", "😀", "\u2028", "="])
_TEXT = st.lists(_ALPHABET, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, edits=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), _TEXT), max_size=6))
def test_incremental_index_equals_a_fresh_one(text: str, edits: list[tuple[int, int, str]]) -> None:
    index = LineIndex(text)
    for a, b, new in edits:
        a, b = sorted((min(a, len(index.text)), min(b, len(index.text))))
        expected = index.text[:a] + new + index.text[b:]
        index = edit_index(index, a, b, new)
        assert index.text == expected
        assert index.line_starts == LineIndex(expected).line_starts


@settings(max_examples=200, deadline=None)
@given(
    text=_TEXT,
    edits=st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 12), st.integers(0, 8), st.integers(0, 12), _TEXT)
    ),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-32"]),
)
def test_store_matches_applying_the_same_change_by_offsets(text, edits, encoding) -> None:
    store = DocumentStore()
    store.open(URI, text, 0)
    for version, (sl, sc, el, ec, new) in enumerate(edits, 1):
        before = LineIndex(store.get(URI).text)
        a = before.offset(sl, sc, encoding)
        b = before.offset(el, ec, encoding)
        a, b = sorted((a, b))
        expected = before.text[:a] + new + before.text[b:]
        doc = store.change(URI, version, [partial(sl, sc, el, ec, new)], encoding)
        assert doc.text == expected
        assert doc.index.line_starts == LineIndex(expected).line_starts
        assert doc.version == version
