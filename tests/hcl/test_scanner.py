"""Splitting a document into top-level chunks, including while it is half-typed."""

from __future__ import annotations

from tfguard.hcl.scanner import split


def significant(text: str) -> list[str]:
    return [text[c.start : c.end] for c in split(text) if c.significant]


def test_chunks_cover_the_text_exactly() -> None:
    text = '# head\n\nresource "a" "b" {\n  x = "}"\n}\n\n/* c\n */\nlocals { y = "{" }\n'
    chunks = split(text)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(chunks, chunks[1:]))
    assert significant(text) == ['resource "a" "b" {\n  x = "}"\n}\n', 'locals { y = "{" }\n']


def test_braces_inside_strings_heredocs_comments_and_interpolations_do_not_count() -> None:
    text = (
        'a "b" {\n'
        '  s = "${ {x = "}"} }"\n'
        '  h = <<-EOT\n    } } }\n  EOT\n'
        "  # }\n  // }\n  /* } */\n"
        "  e = \"$${ {\"\n"
        "}\n"
        "z = 1\n"
    )
    assert significant(text) == [text[: text.index("z = 1")], "z = 1\n"]


def test_unclosed_string_ends_at_its_line() -> None:
    text = 'a "b" {\n  x = "oops\n}\nc "d" {\n}\n'
    chunks = [c for c in split(text) if c.significant]
    assert len(chunks) == 2
    (issue,) = chunks[0].issues
    assert text[issue.start : issue.end] == '"oops' and "not closed" in issue.message


def test_unclosed_brace_is_cut_before_the_next_top_level_block() -> None:
    text = 'resource "a" "b" {\n  x = [1,\n\nresource "c" "d" {\n  y = 1\n}\n'
    chunks = [c for c in split(text) if c.significant]
    assert [text[c.start : c.end] for c in chunks] == [
        'resource "a" "b" {\n  x = [1,\n\n',
        'resource "c" "d" {\n  y = 1\n}\n',
    ]
    assert chunks[0].broken and not chunks[1].broken and chunks[1].issues == []


def test_unclosed_heredoc_is_cut_before_the_next_top_level_block() -> None:
    text = 'locals {\n  x = <<EOF\nabc\n}\n\nresource "c" "d" {\n}\n'
    chunks = [c for c in split(text) if c.significant]
    assert len(chunks) == 2 and "heredoc" in chunks[0].issues[0].message
    assert text[chunks[1].start :].startswith('resource "c"')


def test_stray_closing_brace_stays_in_its_chunk() -> None:
    text = "}\nx = 1\n"
    chunks = [c for c in split(text) if c.significant]
    assert [text[c.start : c.end] for c in chunks] == ["}\n", "x = 1\n"]
    assert "nothing is open" in chunks[0].issues[0].message


def test_crlf_and_lone_cr() -> None:
    text = 'a {\r\n  x = 1\r\n}\r\nb {\r\n}\r\n'
    assert significant(text) == ['a {\r\n  x = 1\r\n}\r\n', 'b {\r\n}\r\n']


def test_byte_order_mark_is_not_significant() -> None:
    text = "\ufeff\nx = 1\n"
    assert significant(text) == ["x = 1\n"]


def test_empty_and_blank_texts() -> None:
    assert split("") == []
    assert significant("\n\n  \n# only a comment") == []


def test_many_broken_blocks_all_recover() -> None:
    text = "".join(f'resource "a" "b{i}" {{\n  x = [\n\n' for i in range(200))
    chunks = [c for c in split(text) if c.significant]
    assert len(chunks) == 200 and all(c.issues for c in chunks)


def test_unclosed_comment_at_top_level_is_an_error_and_recovers() -> None:
    text = 'a = 1\n/* started\nresource "c" "d" {\n}\n'
    chunks = [c for c in split(text) if c.significant]
    assert [text[c.start : c.end] for c in chunks] == ["a = 1\n", "/* started\n", 'resource "c" "d" {\n}\n']
    assert "comment is never closed" in chunks[1].issues[0].message
