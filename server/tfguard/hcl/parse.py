"""Parse one chunk with python-hcl2's raw Lark tree and build the syntax model.

This module is the only importer of python-hcl2 and lark. Comments are blanked to spaces before parsing (they
carry no meaning for rules, and python-hcl2 rejects several valid placements of them); every offset stays
the same because each character is replaced by exactly one space.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sys
import threading
from dataclasses import dataclass
from typing import Any, Iterator

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from tfguard.hcl.model import Attribute, Block, Expression, Source
from tfguard.hcl.scanner import COMMENT, Chunk
from tfguard.hcl.text import line_end_at
from tfguard.hcl.values import UNKNOWN, Lit, Value, value_of

_parse_lock = threading.Lock()


@dataclass(frozen=True)
class ParseError:
    start: int
    end: int
    message: str
    code: str = "syntax"
    related: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class ParsedChunk:
    source: Source
    blocks: tuple[Block, ...]
    attributes: tuple[Attribute, ...]  # top-level attributes (as in .tfvars)
    errors: tuple[ParseError, ...]


_PARSER: Any = None


def _hcl2_dir() -> str:
    spec = importlib.util.find_spec("hcl2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("python-hcl2 is not installed")
    return list(spec.submodule_search_locations)[0]


def _cache_file() -> str | bool:
    """Where the compiled grammar is cached: a file of tfguard's own, because python-hcl2 writes its cache into
    site-packages, which is read-only in many installs (and then every process would rebuild the grammar, about
    two seconds). Lark checks the grammar's hash when it loads the file, so a stale cache is rebuilt."""
    from lark import __version__ as lark_version

    base = os.environ.get("TFGUARD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tfguard"
    )
    try:
        hcl2_version = importlib.metadata.version("python-hcl2")
    except importlib.metadata.PackageNotFoundError:
        hcl2_version = "unknown"
    name = f"hcl2-{hcl2_version}-lark-{lark_version}-py{sys.version_info[0]}{sys.version_info[1]}.bin"
    try:
        os.makedirs(base, exist_ok=True)
        if os.access(base, os.W_OK) or os.path.exists(os.path.join(base, name)):
            return os.path.join(base, name)
    except OSError:
        pass
    return True  # lark's own choice: a file in the temporary directory, named by user and grammar hash


def _post_lexer() -> Any:
    """python-hcl2's post-lexer, loaded from its file: importing the hcl2 package itself costs ~0.2 s of start-up
    (it imports its whole serialisation stack), and tfguard needs only the grammar and this class."""
    path = os.path.join(_hcl2_dir(), "postlexer.py")
    spec = importlib.util.spec_from_file_location("_tfguard_hcl2_postlexer", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PostLexer()


def _parser() -> Any:
    """python-hcl2's grammar (LALR, its post-lexer) with tfguard's grammar cache. Rule positions are not
    propagated: every span tfguard needs comes from tokens, and propagation took about half of each parse."""
    global _PARSER
    if _PARSER is None:
        from lark import Lark

        try:
            post_lexer = _post_lexer()
        except Exception:  # a layout we do not know: take the package's own class
            from hcl2.postlexer import PostLexer

            post_lexer = PostLexer()
        _PARSER = Lark.open(
            os.path.join(_hcl2_dir(), "hcl2.lark"),
            parser="lalr",
            cache=_cache_file(),
            propagate_positions=False,  # spans come from tokens; Lark's rule positions cost ~half the parse
            postlex=post_lexer,
        )
    return _PARSER


def parse_chunk(chunk: Chunk, document: str) -> ParsedChunk:
    """Parse ``document[chunk.start:chunk.end]``; every offset in the result is relative to the chunk."""
    base = chunk.start
    text = document[chunk.start : chunk.end]
    comments = tuple((r.start - base, r.end - base) for r in chunk.regions if r.kind == COMMENT)
    literals = tuple((r.start - base, r.end - base) for r in chunk.regions if r.kind != COMMENT)
    source = Source(text, comments, literals)
    if chunk.issues:
        # One error per chunk: the first local one (an unclosed string, a stray bracket), else the innermost
        # opener left unclosed, which is the one the user is typing.
        local = [i for i in chunk.issues if not i.unclosed]
        issue = min(local, key=lambda i: i.start) if local else max(chunk.issues, key=lambda i: i.start)
        return ParsedChunk(source, (), (), (ParseError(issue.start - base, issue.end - base, issue.message),))
    blanked = _blank(text, comments)
    try:
        with _parse_lock:
            tree = _parser().parse(blanked + "\n")
        blocks, attributes, errors = _build(tree)
    except UnexpectedInput as exc:
        return ParsedChunk(source, (), (), (_syntax_error(exc, text),))
    except RecursionError:
        return ParsedChunk(source, (), (), (ParseError(0, line_end_at(text, 0), _TOO_DEEP),))
    except Exception as exc:  # python-hcl2 raises RuntimeError and others on some input: never crash on it
        message = f"tfguard could not read this block ({type(exc).__name__}: {exc})"
        return ParsedChunk(source, (), (), (ParseError(0, line_end_at(text, 0), message),))
    return ParsedChunk(source, blocks, attributes, errors)


_TOO_DEEP = "This block is nested too deeply for tfguard to read"


def _blank(text: str, comments: tuple[tuple[int, int], ...]) -> str:
    if not comments and not text.startswith("\ufeff"):
        return text
    parts = []
    last = 0
    for start, end in comments:
        parts.append(text[last:start])
        parts.append(" " * (end - start))
        last = end
    parts.append(text[last:])
    out = "".join(parts)
    if out.startswith("\ufeff"):
        out = " " + out[1:]
    return out


# ---------------------------------------------------------------------------------------------------------------
# Model building


def _tokens(tree: Any) -> Iterator[Token]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Token):
            yield node
        else:
            stack.extend(reversed(node.children))


def _span(tree: Any) -> tuple[int, int]:
    """Start and end of the significant tokens of ``tree`` (new lines and comments excluded)."""
    start, end = -1, -1
    for tok in _tokens(tree):
        if tok.type == "NL_OR_COMMENT":
            continue
        s, e = tok.start_pos, tok.end_pos
        if tok.type in ("HEREDOC_TEMPLATE", "HEREDOC_TEMPLATE_TRIM"):
            value = str(tok)
            e = s + len(value.rstrip("\r\n"))
        if start < 0 or s < start:
            start = s
        if e > end:
            end = e
    return start, end


def _name(tree: Any) -> tuple[str, int, int]:
    tok = next(_tokens(tree))
    return str(tok), tok.start_pos, tok.end_pos


def _build(tree: Tree) -> tuple[tuple[Block, ...], tuple[Attribute, ...], tuple[ParseError, ...]]:
    body = tree.children[0]
    errors: list[ParseError] = []
    blocks, attributes = _body(body, errors)
    return blocks, attributes, tuple(errors)


def _body(body: Tree, errors: list[ParseError]) -> tuple[tuple[Block, ...], tuple[Attribute, ...]]:
    blocks: list[Block] = []
    attributes: list[Attribute] = []
    seen: dict[str, Attribute] = {}
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            attr = _attribute(child)
            first = seen.get(attr.name)
            if first is None:
                seen[attr.name] = attr
            else:
                errors.append(
                    ParseError(
                        attr.start,
                        attr.end,
                        f'The argument "{attr.name}" is set more than once in this block. Terraform rejects '
                        f"this (Attribute redefined); tfguard reads the last one.",
                        code="attribute-redefined",
                        related=((first.start, first.end, f'"{attr.name}" is first set here'),),
                    )
                )
            attributes.append(attr)
        elif child.data == "block":
            blocks.append(_block(child, errors))
    return tuple(blocks), tuple(attributes)


def _attribute(node: Tree) -> Attribute:
    name, name_start, name_end = _name(node.children[0])
    eq: Token = node.children[1]
    expr_tree = node.children[2]
    start, end = _span(expr_tree)
    return Attribute(name, name_start, end, name_end, eq.end_pos - 1, _expression(expr_tree, start, end))


def _block(node: Tree, errors: list[ParseError]) -> Block:
    type_name, start, _ = _name(node.children[0])
    labels: list[str] = []
    open_brace = close_brace = -1
    body = None
    for child in node.children[1:]:
        if isinstance(child, Token):
            if child.type == "LBRACE":
                open_brace = child.start_pos
            elif child.type == "RBRACE":
                close_brace = child.start_pos
        elif child.data == "string":
            labels.append(_decode_string(child) or "")
        elif child.data == "body":
            body = child
        elif child.data != "new_line_or_comment":
            labels.append(_name(child)[0])
    blocks, attributes = _body(body, errors) if body is not None else ((), ())
    return Block(type_name, tuple(labels), start, close_brace + 1, open_brace, close_brace, attributes, blocks)


_PLAIN_PARTS = {"STRING_CHARS", "ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"}


def _expression(tree: Any, start: int, end: int) -> Expression:
    node = tree
    while isinstance(node, Tree) and node.data == "expr_term" and len(node.children) == 1:
        node = node.children[0]
    value = value_of(tree, _decode_string)
    if isinstance(node, Tree):
        kind = {
            "string": "template",
            "heredoc_template": "heredoc",
            "heredoc_template_trim": "heredoc",
            "int_lit": "number",
            "float_lit": "number",
            "identifier": "reference",
            "get_attr_expr_term": "reference",
            "index_expr_term": "reference",
            "attr_splat_expr_term": "reference",
            "full_splat_expr_term": "reference",
            "function_call": "call",
        }.get(node.data, "other")
        if node.data == "literal_value":
            kind = "null" if str(node.children[0]) == "null" else "bool"
        if isinstance(value, Lit):
            return Expression(start, end, "string", value.value, value)
        return Expression(start, end, kind, None, value)
    return Expression(start, end, "other", None, value)


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _decode_string(node: Tree) -> str | None:
    """The value of a quoted string with no interpolation or directive, decoded as Terraform decodes it;
    None when the string is a template or holds an escape Terraform rejects."""
    out: list[str] = []
    for part in node.children:
        if isinstance(part, Token):
            if part.type == "DBLQUOTE":
                continue
            return None
        if len(part.children) != 1 or not isinstance(part.children[0], Token):
            return None
        tok = part.children[0]
        if tok.type not in _PLAIN_PARTS:
            return None
        value = str(tok)
        if tok.type == "ESCAPED_INTERPOLATION" or tok.type == "ESCAPED_DIRECTIVE":
            out.append(value[1:])
            continue
        decoded = _unescape(value)
        if decoded is None:
            return None
        out.append(decoded.replace("$${", "${").replace("%%{", "%{"))
    return "".join(out)


def _unescape(value: str) -> str | None:
    if "\\" not in value:
        return value
    bad = False

    def repl(m: re.Match[str]) -> str:
        nonlocal bad
        hex4, hex8, simple = m.groups()
        code = hex4 or hex8
        if code is not None:
            cp = int(code, 16)
            if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                bad = True
                return ""
            return chr(cp)
        if simple in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[simple]
        bad = True
        return ""

    decoded = _ESCAPE.sub(repl, value)
    return None if bad else decoded


# ---------------------------------------------------------------------------------------------------------------
# Syntax errors in plain words

_SYMBOLS = {
    "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','", "DOT": "'.'", "EQ": "'='", "COLON": "':'", "QMARK": "'?'", "FOR_OBJECT_ARROW": "'=>'",
    "ELLIPSIS": "'...'", "DBLQUOTE": "a quote (\")", "NAME": "a name", "NL_OR_COMMENT": "a new line",
}
_VALUE_STARTERS = {
    "DBLQUOTE", "NAME", "INT_LITERAL", "FLOAT_LITERAL", "LSQB", "LBRACE", "LPAR", "HEREDOC_TEMPLATE",
    "HEREDOC_TEMPLATE_TRIM", "MINUS", "NOT", "TEMPLATE_STRING",
}


def _describe_expected(expected: set[str]) -> str:
    parts: list[str] = []
    value = len(expected & _VALUE_STARTERS) >= 4
    if "NL_OR_COMMENT" in expected:
        parts.append("a new line")
    if value:
        parts.append("a value")
    for name in ("EQ", "LBRACE", "RBRACE", "RSQB", "RPAR", "COMMA", "COLON", "FOR_OBJECT_ARROW", "DBLQUOTE", "NAME"):
        if name in expected and not (value and name in _VALUE_STARTERS) and _SYMBOLS[name] not in parts:
            parts.append(_SYMBOLS[name])
    parts = parts[:4]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _syntax_error(exc: UnexpectedInput, text: str) -> ParseError:
    limit = len(text.rstrip())
    if isinstance(exc, UnexpectedCharacters):
        pos = min(exc.pos_in_stream, max(limit - 1, 0))
        char = text[pos : pos + 1]
        found = "end of line" if char in ("\n", "\r", "") else f"'{char}'"
        expected = _describe_expected(set(exc.allowed or ()))
        start, end = pos, pos + 1
    else:
        token = getattr(exc, "token", None)
        value = str(token) if token is not None else ""
        pos = token.start_pos if token is not None and token.start_pos is not None else limit
        if isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END") or pos >= limit:
            found = "end of block"
            pos = max(limit - 1, 0)
            start, end = pos, min(pos + 1, len(text))
        elif value[:1] in ("\n", "\r") or (value.strip() == "" and value):
            found = "end of line"
            # point at the last character before the line break
            back = pos
            while back > 0 and text[back - 1] in " \t":
                back -= 1
            start, end = max(back - 1, 0), max(back, 1)
        else:
            shown = value.splitlines()[0] if value.splitlines() else value
            if len(shown) > 30:
                shown = shown[:30] + "..."
            found = f"'{shown}'"
            start, end = pos, min(pos + len(value), line_end_at(text, pos))
        expected = _describe_expected(set(getattr(exc, "expected", None) or ()))
    message = f"Syntax error: unexpected {found}"
    if expected:
        message += f"; expected {expected}"
    end = max(end, start + 1) if start < len(text) else end
    return ParseError(start, min(end, len(text)), message)


def template_value(template: str) -> Value:
    """The static value of a string template given as its decoded text (as in Terraform's JSON syntax)."""
    escaped = template.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    escaped = escaped.replace("\t", "\\t")
    try:
        with _parse_lock:
            tree = _parser().parse(f'x = "{escaped}"\n')
        attribute = next(c for c in tree.children[0].children if isinstance(c, Tree) and c.data == "attribute")
        return value_of(attribute.children[2], _decode_string)
    except Exception:  # anything python-hcl2 rejects is simply unknown
        return UNKNOWN
