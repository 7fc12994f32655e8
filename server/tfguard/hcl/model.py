"""The syntax model rules see: blocks, attributes and expressions with offsets.

Offsets are relative to the text the model was parsed from (one chunk of a document); the engine shifts
results into document offsets. Each expression carries a static ``Value`` (literal, reference, call or
template) for the engine's resolution of variables, locals and resource attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tfguard.hcl.values import UNKNOWN, Value


@dataclass(frozen=True)
class Expression:
    start: int
    end: int
    kind: str  # "string", "template", "heredoc", "number", "bool", "null", "reference", "other"
    literal: str | None = None  # the decoded value of a plain string literal (no interpolation or directive)
    value: Value = field(default=UNKNOWN, compare=False, repr=False)  # what it refers to, for resolution


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
    syntax: str = "hcl"  # or "json" (Terraform's JSON syntax)
