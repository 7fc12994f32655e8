"""What every rule declares. Rules see the syntax model only (``tfguard.hcl.model``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol

from tfguard.engine.findings import Finding, Severity
from tfguard.engine.resolve import Resolved
from tfguard.hcl.model import Block, Expression, Source


@dataclass(frozen=True)
class RuleMeta:
    id: str
    title: str
    severity: Severity  # how an editor shows it
    severity_label: str  # the reference scanners' word: "Medium"
    category: str
    provider: str
    platform: str
    description: str
    help_uri: str
    cwe: str = ""
    kics_id: str = ""
    resource_types: tuple[str, ...] = ()
    fix_title: str = ""
    tags: tuple[str, ...] = field(default=())
    # the same check's ids in other tools, for their suppression comments: (("checkov", "CKV_AWS_348"), ...)
    aliases: tuple[tuple[str, str], ...] = ()

    def aliases_by_tool(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {"kics": (self.kics_id,) if self.kics_id else ()}
        for tool, alias in self.aliases:
            out[tool] = out.get(tool, ()) + (alias,)
        return out

    @property
    def fixable(self) -> bool:
        return bool(self.fix_title)


class Context(Protocol):
    """What a rule may ask of the module around a block."""

    def resolve(self, expr: Expression) -> Resolved | None:
        """The string ``expr`` evaluates to, with where it came from; None when it cannot be known."""
        ...


class Rule(Protocol):
    meta: RuleMeta

    def check(self, block: Block, source: Source, ctx: Context) -> Iterable[Finding]:
        """Findings for one top-level block, with offsets relative to ``source.text``."""
        ...
