"""Static resolution of values across a Terraform module, the way Terraform would see them.

A module is the ``.tf`` files of one folder plus its variable files. What can be resolved without running
Terraform: ``var.NAME`` (the ``default`` of its ``variable`` block, overridden by ``terraform.tfvars``,
``terraform.tfvars.json``, then ``*.auto.tfvars`` / ``*.auto.tfvars.json`` in lexical order, later files
winning), ``local.NAME``, the ``name`` of an ``aws_iam_user`` resource (``aws_iam_user.X.name``, ``X[0].name``,
``X.*.name[0]``, ``one(X[*].name)``), and string templates whose parts all resolve. Anything else is unknown,
and an unknown value never matches a rule.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Sequence

from tfguard.engine.findings import Related
from tfguard.hcl.model import Attribute, Block, Expression
from tfguard.hcl.values import Call, Lit, Ref, Template, Value

MAX_DEPTH = 32  # locals referring to locals: deeper than this (or a cycle) is unknown


@dataclass(frozen=True)
class Symbol:
    """A name a module defines: a variable's default, a local, a user resource's name, a tfvars value."""

    kind: str  # "variable", "local", "aws_iam_user" or "tfvar"
    name: str
    value: Value | None  # None when declared without a value (a variable with no default)
    start: int  # the defining attribute (or the block header when there is none)
    end: int

    def shifted(self, delta: int) -> Symbol:
        if delta == 0:
            return self
        return Symbol(self.kind, self.name, self.value, self.start + delta, self.end + delta)


def symbols_of(blocks: Sequence[Block], attributes: Sequence[Attribute], tfvars: bool) -> list[Symbol]:
    out: list[Symbol] = []
    if tfvars:
        out.extend(Symbol("tfvar", a.name, a.expr.value, a.start, a.end) for a in attributes)
        return out
    for block in blocks:
        if block.type == "variable" and len(block.labels) == 1:
            default = block.attribute("default")
            if default is None:
                out.append(Symbol("variable", block.labels[0], None, block.start, block.open_brace + 1))
            else:
                out.append(Symbol("variable", block.labels[0], default.expr.value, default.start, default.end))
        elif block.type == "locals":
            out.extend(Symbol("local", a.name, a.expr.value, a.start, a.end) for a in block.attributes)
        elif block.type == "resource" and len(block.labels) == 2 and block.labels[0] == "aws_iam_user":
            name = block.attribute("name")
            if name is not None:
                out.append(Symbol("aws_iam_user", block.labels[1], name.expr.value, name.start, name.end))
    return out


def is_tfvars(path: str) -> bool:
    base = os.path.basename(path)
    return base in ("terraform.tfvars", "terraform.tfvars.json") or base.endswith(
        (".auto.tfvars", ".auto.tfvars.json")
    )


def tfvars_order(path: str) -> tuple[int, str]:
    """Terraform loads terraform.tfvars, then terraform.tfvars.json, then *.auto.tfvars(.json) by name."""
    base = os.path.basename(path)
    if base == "terraform.tfvars":
        return (0, base)
    if base == "terraform.tfvars.json":
        return (1, base)
    return (2, base)


@dataclass(frozen=True)
class Origin:
    path: str | None  # None: the document being analysed
    symbol: Symbol


class Env:
    """The symbols visible in one module. ``files`` pairs each file's path (None for the document being
    analysed) with its symbols; tfvars files are recognised by name."""

    def __init__(self, files: Iterable[tuple[str | None, Iterable[Symbol]]] = ()) -> None:
        self._defs: dict[tuple[str, str], Origin] = {}
        self._tfvars: dict[str, tuple[tuple[int, str], Origin]] = {}
        for path, symbols in files:
            for symbol in symbols:
                origin = Origin(path, symbol)
                if symbol.kind == "tfvar":
                    order = tfvars_order(path or "")
                    known = self._tfvars.get(symbol.name)
                    if known is None or order >= known[0]:
                        self._tfvars[symbol.name] = (order, origin)
                else:
                    self._defs.setdefault((symbol.kind, symbol.name), origin)

    def with_document(self, symbols: Iterable[Symbol]) -> Env:
        """This environment plus the symbols of the document being analysed (which win over the same file's
        copy on disk: callers leave that file out of ``files``)."""
        env = Env()
        env._defs = dict(self._defs)
        env._tfvars = dict(self._tfvars)
        for symbol in symbols:
            if symbol.kind == "tfvar":
                env._tfvars[symbol.name] = ((9, ""), Origin(None, symbol))
            else:
                env._defs[(symbol.kind, symbol.name)] = Origin(None, symbol)
        return env

    def lookup(self, kind: str, name: str) -> Origin | None:
        return self._defs.get((kind, name))

    def tfvar(self, name: str) -> Origin | None:
        found = self._tfvars.get(name)
        return found[1] if found else None


@dataclass(frozen=True)
class Resolved:
    value: str
    via: tuple[Related, ...] = ()  # where the value came from, outermost first
    through: str | None = None  # the reference written in the resource, e.g. "var.key_user"


class Resolver:
    """Resolves expressions against an environment. ``base`` is subtracted from offsets of the current
    document, whose results are later shifted by the caller (chunk-relative results)."""

    def __init__(self, env: Env, base: int = 0) -> None:
        self.env = env
        self.base = base

    def resolve(self, expr: Expression) -> Resolved | None:
        if expr.literal is not None:
            return Resolved(expr.literal)
        result = self._value(expr.value, 0, ())
        if result is None:
            return None
        value, via = result
        through = None
        if isinstance(expr.value, Ref):
            through = expr.value.text()
        elif isinstance(expr.value, Template):
            refs = [p for p in expr.value.parts if not isinstance(p, Lit)]
            if len(refs) == 1 and isinstance(refs[0], Ref):
                through = refs[0].text()
        return Resolved(value, via, through)

    def _related(self, origin: Origin, message: str) -> Related:
        s = origin.symbol
        if origin.path is None:
            return Related(s.start - self.base, s.end - self.base, message)
        return Related(s.start, s.end, message, origin.path)

    def _value(self, value: Value | None, depth: int, seen: tuple[str, ...]) -> tuple[str, tuple[Related, ...]] | None:
        if value is None or depth > MAX_DEPTH:
            return None
        if isinstance(value, Lit):
            return value.value, ()
        if isinstance(value, Template):
            parts: list[str] = []
            via: list[Related] = []
            for part in value.parts:
                got = self._value(part, depth + 1, seen)
                if got is None:
                    return None
                parts.append(got[0])
                via.extend(got[1])
            return "".join(parts), tuple(via)
        if isinstance(value, Call):
            if value.name == "one" and len(value.args) == 1 and isinstance(value.args[0], Ref):
                path = value.args[0].path
                if len(path) == 4 and path[0] == "aws_iam_user" and path[2] == "*" and path[3] == "name":
                    return self._user(str(path[1]), depth, seen)
            return None
        if isinstance(value, Ref):
            return self._ref(value, depth, seen)
        return None

    def _ref(self, ref: Ref, depth: int, seen: tuple[str, ...]) -> tuple[str, tuple[Related, ...]] | None:
        path = ref.path
        key = ref.text()
        if key in seen:
            return None  # a cycle
        seen = seen + (key,)
        if len(path) == 2 and path[0] == "var" and isinstance(path[1], str):
            name = path[1]
            origin = self.env.tfvar(name)
            if origin is not None:
                where = os.path.basename(origin.path) if origin.path else "this file"
                return self._through(origin, f"{where} sets var.{name}", depth, seen)
            origin = self.env.lookup("variable", name)
            if origin is None:
                return None
            return self._through(origin, f"the default of var.{name}", depth, seen)
        if len(path) == 2 and path[0] == "local" and isinstance(path[1], str):
            origin = self.env.lookup("local", path[1])
            if origin is None:
                return None
            return self._through(origin, f"local.{path[1]} is defined here", depth, seen)
        if len(path) >= 3 and path[0] == "aws_iam_user" and isinstance(path[1], str):
            rest = path[2:]
            if rest == ("name",) or (len(rest) == 2 and rest[1] == "name" and rest[0] != "*") or (
                rest[:2] == ("*", "name") and len(rest) == 3 and isinstance(rest[2], int)
            ):
                return self._user(path[1], depth, seen)
        return None

    def _user(self, name: str, depth: int, seen: tuple[str, ...]) -> tuple[str, tuple[Related, ...]] | None:
        origin = self.env.lookup("aws_iam_user", name)
        if origin is None:
            return None
        return self._through(origin, f"the name of aws_iam_user.{name}", depth, seen)

    def _through(
        self, origin: Origin, message: str, depth: int, seen: tuple[str, ...]
    ) -> tuple[str, tuple[Related, ...]] | None:
        got = self._value(origin.symbol.value, depth + 1, seen)
        if got is None:
            return None
        value, via = got
        return value, (self._related(origin, f'{message}: "{value}"'),) + via


class LiteralResolver:
    """Resolution without an environment: literals and templates of literals. ``needs_env`` turns True when
    an expression needed more (the caller then checks the block again once the module is known)."""

    def __init__(self) -> None:
        self.needs_env = False
        self._inner = Resolver(Env())

    def resolve(self, expr: Expression) -> Resolved | None:
        if expr.literal is not None:
            return Resolved(expr.literal)
        if _mentions_names(expr.value):
            self.needs_env = True
            return None
        return self._inner.resolve(expr)


def _mentions_names(value: Value) -> bool:
    if isinstance(value, Ref):
        return True
    if isinstance(value, Call):
        return any(_mentions_names(a) for a in value.args) or value.name == "one"
    if isinstance(value, Template):
        return any(_mentions_names(p) for p in value.parts)
    return False
