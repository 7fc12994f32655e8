"""A small, static view of an expression: what it would evaluate to, as far as that can be known without
Terraform. Literal strings, references (``var.x``, ``aws_iam_user.u[0].name``), function calls and string
templates are kept; everything else is ``Unknown``. Resolution lives in the engine (``engine/resolve.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from lark import Token, Tree


@dataclass(frozen=True)
class Lit:
    value: str


@dataclass(frozen=True)
class Ref:
    """A traversal: names, list indexes (int), map keys (str, from ``["k"]``) and ``*`` for a splat."""

    path: tuple[Union[str, int], ...]

    def text(self) -> str:
        out = ""
        for step in self.path:
            if isinstance(step, int):
                out += f"[{step}]"
            elif step == "*":
                out += "[*]"
            else:
                out += ("." if out else "") + step
        return out


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Value, ...]


@dataclass(frozen=True)
class Template:
    parts: tuple[Value, ...]


@dataclass(frozen=True)
class Unknown:
    pass


Value = Union[Lit, Ref, Call, Template, Unknown]
UNKNOWN = Unknown()


def _unwrap(node: Any) -> Any:
    while isinstance(node, Tree) and node.data == "expr_term":
        inner = [c for c in node.children if isinstance(c, Tree) or c.type not in ("LPAR", "RPAR")]
        inner = [c for c in inner if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def value_of(tree: Any, decode_string: Any) -> Value:
    """The static value of an expression tree; ``decode_string`` decodes a plain string literal node."""
    try:
        return _value(tree, decode_string)
    except RecursionError:
        return UNKNOWN


def _value(tree: Any, decode_string: Any) -> Value:
    node = _unwrap(tree)
    if not isinstance(node, Tree):
        return UNKNOWN
    kind = node.data
    if kind == "string":
        literal = decode_string(node)
        if literal is not None:
            return Lit(literal)
        return _template(node, decode_string)
    if kind == "function_call":
        name_node = node.children[0]
        name = str(name_node.children[0]) if isinstance(name_node, Tree) else str(name_node)
        args: list[Value] = []
        for child in node.children[1:]:
            if isinstance(child, Tree) and child.data == "arguments":
                args.extend(
                    _value(a, decode_string)
                    for a in child.children
                    if isinstance(a, Tree) and a.data != "new_line_or_comment"
                )
        return Call(name, tuple(args))
    path = _path(node, decode_string)
    return Ref(path) if path is not None else UNKNOWN


def _template(node: Tree, decode_string: Any) -> Value:
    parts: list[Value] = []
    for part in node.children:
        if isinstance(part, Token):
            continue  # the quotes
        (piece,) = part.children
        if isinstance(piece, Token):
            decoded = decode_string(Tree("string", [Tree("string_part", [piece])]))
            if decoded is None:
                return UNKNOWN
            parts.append(Lit(decoded))
        elif piece.data == "interpolation":
            parts.append(_value(piece.children[1], decode_string))
        else:
            return UNKNOWN  # a %{ } directive
    return Template(tuple(parts))


def _path(node: Any, decode_string: Any) -> tuple[Union[str, int], ...] | None:
    node = _unwrap(node)
    if isinstance(node, Token):
        return None
    kind = node.data
    if kind == "identifier":
        return (str(node.children[0]),)
    if kind in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"):
        base = _path(node.children[0], decode_string)
        if base is None:
            return None
        steps = _steps(node.children[1], decode_string)
        return None if steps is None else base + steps
    return None


def _steps(node: Any, decode_string: Any) -> tuple[Union[str, int], ...] | None:
    if isinstance(node, Token):
        return None
    kind = node.data
    if kind == "get_attr":
        name = node.children[1]
        return (str(name.children[0]) if isinstance(name, Tree) else str(name),)
    if kind == "short_index":
        return (int(str(node.children[1])),)
    if kind == "braces_index":
        inner = next(c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment")
        inner = _unwrap(inner)
        if isinstance(inner, Tree) and inner.data == "int_lit":
            return (int(str(inner.children[0])),)
        if isinstance(inner, Tree) and inner.data == "string":
            key = decode_string(inner)
            return None if key is None else (key,)
        return None
    if kind in ("attr_splat", "full_splat"):
        out: list[Union[str, int]] = ["*"]
        for child in node.children[1:]:
            step = _steps(child, decode_string)
            if step is None:
                return None
            out.extend(step)
        return tuple(out)
    return None
