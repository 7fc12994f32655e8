"""Terraform's JSON syntax (``*.tf.json``, ``*.tfvars.json``) read into the same syntax model as HCL, with
positions from the JSON text.

The standard ``json`` module gives no positions, so this is a small JSON reader of its own (iterative, so deep
nesting cannot exhaust Python's stack). Strings in Terraform JSON are templates: one holding ``${`` or ``%{`` is
read through the HCL template grammar, any other is a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from tfguard.hcl.model import Attribute, Block, Expression, Source
from tfguard.hcl.values import UNKNOWN, Lit

_WS = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class JsonError(ValueError):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


@dataclass
class JStr:
    value: str
    start: int
    end: int


@dataclass
class JObj:
    members: list[tuple[JStr, int, Any]]  # (key, offset of ':', value)
    start: int
    end: int


@dataclass
class JArr:
    items: list[Any]
    start: int
    end: int


@dataclass
class JScalar:
    value: Union[float, int, bool, None]
    start: int
    end: int


def _decode(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "u":
            code = int(body[i + 2 : i + 6], 16)
            i += 6
            if 0xD800 <= code < 0xDC00 and body.startswith("\\u", i):
                low = int(body[i + 2 : i + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
            out.append(chr(code))
        else:
            out.append(_ESCAPES[nxt])
            i += 2
    return "".join(out)


def parse_json(text: str) -> Any:
    """Parse JSON text into positioned nodes; raises JsonError with the offset of the problem."""
    pos = _WS.match(text, 1 if text.startswith("\ufeff") else 0).end()  # type: ignore[union-attr]
    # explicit stack of containers under construction: (node, pending key, pending colon)
    stack: list[list[Any]] = []
    root: Any = None
    expect_value = True
    while True:
        if expect_value:
            if pos >= len(text):
                raise JsonError(pos, "Unexpected end of file: a value is missing")
            ch = text[pos]
            if ch == "{" or ch == "[":
                node: Any = JObj([], pos, -1) if ch == "{" else JArr([], pos, -1)
                stack.append([node, None, -1])
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                close = "}" if ch == "{" else "]"
                if pos < len(text) and text[pos] == close:
                    node.end = pos + 1
                    stack.pop()
                    pos += 1
                    value: Any = node
                else:
                    if ch == "{":
                        pos = _key(text, pos, stack[-1])
                    continue
            elif ch == '"':
                m = _STRING.match(text, pos)
                if m is None:
                    raise JsonError(pos, "This string is not closed or holds an invalid escape")
                value = JStr(_decode(m.group()), pos, m.end())
                pos = m.end()
            else:
                m = _NUMBER.match(text, pos)
                if m is not None and m.end() > pos:
                    raw = m.group()
                    value = JScalar(float(raw) if any(c in raw for c in ".eE") else int(raw), pos, m.end())
                    pos = m.end()
                else:
                    for word, literal in (("true", True), ("false", False), ("null", None)):
                        if text.startswith(word, pos):
                            value = JScalar(literal, pos, pos + len(word))
                            pos += len(word)
                            break
                    else:
                        raise JsonError(pos, f"Unexpected '{ch}': a JSON value is expected here")
        # a complete value: attach it to its container
        while True:
            if not stack:
                root = value
                pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                if pos < len(text):
                    raise JsonError(pos, "Unexpected text after the end of the JSON document")
                return root
            frame = stack[-1]
            container = frame[0]
            if isinstance(container, JObj):
                container.members.append((frame[1], frame[2], value))
            else:
                container.items.append(value)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            close = "}" if isinstance(container, JObj) else "]"
            if pos < len(text) and text[pos] == ",":
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                if isinstance(container, JObj):
                    pos = _key(text, pos, frame)
                expect_value = True
                break
            if pos < len(text) and text[pos] == close:
                container.end = pos + 1
                stack.pop()
                pos += 1
                value = container
                continue
            found = "end of file" if pos >= len(text) else f"'{text[pos]}'"
            raise JsonError(pos, f"Unexpected {found}: expected ',' or '{close}'")


def _key(text: str, pos: int, frame: list[Any]) -> int:
    m = _STRING.match(text, pos)
    if m is None:
        raise JsonError(pos, "Expected a quoted property name")
    frame[1] = JStr(_decode(m.group()), pos, m.end())
    pos = _WS.match(text, m.end()).end()  # type: ignore[union-attr]
    if pos >= len(text) or text[pos] != ":":
        raise JsonError(pos, "Expected ':' after the property name")
    frame[2] = pos
    return _WS.match(text, pos + 1).end()  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------------------------
# Terraform JSON -> syntax model

_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1, "locals": 0,
           "terraform": 0, "moved": 0, "import": 0, "check": 1, "removed": 0, "ephemeral": 2}


def _expression(node: Any, template_value: Any) -> Expression:
    if isinstance(node, JStr):
        if "${" in node.value or "%{" in node.value:
            return Expression(node.start, node.end, "template", None, template_value(node.value))
        return Expression(node.start, node.end, "string", node.value, Lit(node.value))
    kind = {JObj: "other", JArr: "other"}.get(type(node), "number")
    if isinstance(node, JScalar):
        kind = "null" if node.value is None else "bool" if isinstance(node.value, bool) else "number"
    return Expression(node.start, node.end, kind, None, UNKNOWN)


def _attributes(obj: JObj, template_value: Any) -> tuple[Attribute, ...]:
    return tuple(
        Attribute(key.value, key.start, value.end, key.end, colon, _expression(value, template_value))
        for key, colon, value in obj.members
    )


def _bodies(node: Any) -> list[JObj]:
    if isinstance(node, JObj):
        return [node]
    if isinstance(node, JArr):
        return [item for item in node.items if isinstance(item, JObj)]
    return []


def to_model(root: Any, tfvars: bool, template_value: Any) -> tuple[tuple[Block, ...], tuple[Attribute, ...]]:
    """Blocks (or, for a variables file, top-level attributes) of a Terraform JSON document."""
    if not isinstance(root, JObj):
        return (), ()
    if tfvars:
        return (), _attributes(root, template_value)
    blocks: list[Block] = []
    for key, _, value in root.members:
        depth = _LABELS.get(key.value, 0)
        levels: list[tuple[tuple[str, ...], Any, int]] = [((), value, key.start)]
        for _ in range(depth):
            nxt = []
            for labels, node, start in levels:
                for body in _bodies(node):
                    for label, _, inner in body.members:
                        nxt.append((labels + (label.value,), inner, label.start))
            levels = nxt
        for labels, node, start in levels:
            for body in _bodies(node):
                blocks.append(
                    Block(key.value, labels, start, body.end, body.start, body.end - 1,
                          _attributes(body, template_value), ())
                )
    return tuple(blocks), ()


def source_of(text: str) -> Source:
    return Source(text, (), (), syntax="json")
