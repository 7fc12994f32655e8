"""The syntax model rules see: blocks, attributes and expressions with offsets.

Offsets are relative to the text the model was parsed from (one chunk of a document); the engine shifts
results into document offsets. The model keeps the raw Lark subtree of each expression (``Expression.tree``)
for rules that need more than a literal value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Expression:
    start: int
    end: int
    kind: str  # "string", "template", "heredoc", "number", "bool", "null", "reference", "other"
    literal: str | None = None  # the decoded value of a plain string literal (no interpolation or directive)
    tree: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Attribute:
    name: str
    start: int  # start of the name
    end: int  # end of the expression
    name_end: int
    equals: int  # offset of '='
    expr: Expression


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    start: int
    end: int  # just after '}'
    open_brace: int
    close_brace: int
    attributes: tuple[Attribute, ...]
    blocks: tuple[Block, ...]

    def attribute(self, name: str) -> Attribute | None:
        """The last attribute called ``name``: Terraform rejects repeats, and the last one is what a reader
        of the values (python-hcl2, the reference scanners) sees."""
        found = None
        for attr in self.attributes:
            if attr.name == name:
                found = attr
        return found

    @property
    def address(self) -> str:
        """``aws_iam_access_key.example`` for a resource, ``data.x.y`` for a data source."""
        if self.type == "resource":
            return ".".join(self.labels)
        return ".".join((self.type, *self.labels))


@dataclass(frozen=True)
class Source:
    """The text a model was parsed from, with what the scanner learned about it."""

    text: str
    comments: tuple[tuple[int, int], ...]  # (start, end) of each comment
    literals: tuple[tuple[int, int], ...]  # (start, end) of each quoted string and heredoc
