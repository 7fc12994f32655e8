"""Offsets to LSP positions and back, in all three encodings, on the texts that break naive code."""

from __future__ import annotations

import pytest

from tfguard.hcl.text import ENCODINGS, LineIndex


def test_line_breaks_are_lf_crlf_and_lone_cr_only() -> None:
    text = "a\nb\r\nc\rd\x0ce\u2028f"
    index = LineIndex(text)
    assert index.line_count == 4
    assert [index.line_text(i) for i in range(4)] == ["a", "b", "c", "d\x0ce\u2028f"]
    assert index.position(text.index("f")) == (3, 4)


@pytest.mark.parametrize(
    "encoding, expected",
    [("utf-16", (0, 22)), ("utf-8", (0, 28)), ("utf-32", (0, 21))],
)
def test_emoji_and_non_latin_before_the_offset(encoding: str, expected: tuple[int, int]) -> None:
    # Before "root": 19 ASCII characters, "ключ" (4 code points, 4 UTF-16 units, 8 UTF-8 bytes) and the
    # emoji (1 code point, 2 UTF-16 units, 4 UTF-8 bytes).
    text = '/* ключ 😀 */ user = "root"\n'
    index = LineIndex(text)
    offset = text.index("root")
    assert index.position(offset, encoding) == expected  # type: ignore[arg-type]
    assert index.offset(*expected, encoding) == offset  # type: ignore[arg-type]


def test_tabs_count_as_one_character() -> None:
    text = "\t\tuser = 1\n"
    index = LineIndex(text)
    for encoding in ENCODINGS:
        assert index.position(text.index("user"), encoding) == (0, 2)


def test_byte_order_mark_is_a_character_of_the_first_line() -> None:
    text = "\ufeffa = 1\n"
    index = LineIndex(text)
    assert index.position(1, "utf-16") == (0, 1)
    assert index.position(1, "utf-8") == (0, 3)
    assert index.column(1) == (1, 2)


def test_crlf_line_end_and_positions_after_it() -> None:
    text = "a = 1\r\nbb = 2\r\n"
    index = LineIndex(text)
    assert index.position(text.index("bb")) == (1, 0)
    assert index.line_end(0) == 5
    assert index.line_end(0, include_break=True) == 7
    assert index.offset(0, 99) == 5  # a character past the end clamps to the end of the line, before \r\n
    assert index.offset(7, 0) == len(text)  # a line past the end clamps to the end of the text


def test_position_inside_a_surrogate_pair_snaps_to_the_character_start() -> None:
    text = "x😀y"
    index = LineIndex(text)
    assert index.offset(0, 2, "utf-16") == 1
    assert index.offset(0, 3, "utf-16") == 2
    assert index.offset(0, 3, "utf-8") == 1


def test_round_trip_every_offset_in_every_encoding() -> None:
    text = "\ufeffé\t😀ж\r\n\r\n中文 = \"😀\"\rend"
    index = LineIndex(text)
    for encoding in ENCODINGS:
        for offset in range(len(text) + 1):
            line, char = index.position(offset, encoding)
            back = index.offset(line, char, encoding)
            # offsets inside a \r\n pair map to the end of the line
            assert back == offset or (text[offset - 1 : offset + 1] == "\r\n" and back == offset - 1)
