"""What the engine produces: findings, problems and fixes, all as offsets into the document text.

Offsets count Python ``str`` indices (Unicode code points) into the exact text that was analysed. The faces
(LSP, CLI) turn them into lines and columns with :class:`tfguard.hcl.text.LineIndex` in whatever unit they need.
Nothing here knows about LSP or any output format.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """Severity as an editor shows it; the values match LSP's DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``new_text``."""

    start: int
    end: int
    new_text: str

    def shifted(self, delta: int) -> TextEdit:
        return TextEdit(self.start + delta, self.end + delta, self.new_text)


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]

    def shifted(self, delta: int) -> Fix:
        return Fix(self.title, tuple(e.shifted(delta) for e in self.edits))


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding (the ``status`` attribute, a variable's default). ``path`` is
    None for the analysed document itself, else the file the offsets index."""

    start: int
    end: int
    message: str
    path: str | None = None

    def shifted(self, delta: int) -> Related:
        if self.path is not None or delta == 0:
            return self
        return Related(self.start + delta, self.end + delta, self.message)


@dataclass(frozen=True)
class Finding:
    """One rule violation. ``scope`` is the span of the resource it is about; ``suppressed`` holds what
    suppressed it (a comment), for the faces that report suppressed findings."""

    rule_id: str
    severity: Severity
    start: int
    end: int
    message: str
    resource: str | None = None
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    scope: tuple[int, int] | None = None
    suppressed: tuple[Any, ...] = ()

    def shifted(self, delta: int) -> Finding:
        if delta == 0:
            return self
        return Finding(
            self.rule_id,
            self.severity,
            self.start + delta,
            self.end + delta,
            self.message,
            self.resource,
            self.fix.shifted(delta) if self.fix else None,
            tuple(r.shifted(delta) for r in self.related),
            (self.scope[0] + delta, self.scope[1] + delta) if self.scope else None,
            self.suppressed,
        )


@dataclass(frozen=True)
class Problem:
    """Something that stops tfguard from reading part of a file (a syntax error, a redefined attribute).

    ``code`` is ``"syntax"`` for text that does not parse and ``"attribute-redefined"`` for an attribute that
    appears twice in one block (Terraform rejects both).
    """

    start: int
    end: int
    message: str
    code: str = "syntax"
    severity: Severity = Severity.ERROR
    related: tuple[Related, ...] = field(default=())

    def shifted(self, delta: int) -> Problem:
        if delta == 0:
            return self
        return Problem(
            self.start + delta,
            self.end + delta,
            self.message,
            self.code,
            self.severity,
            tuple(r.shifted(delta) for r in self.related),
        )
