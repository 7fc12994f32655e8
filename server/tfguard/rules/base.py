"""What every rule declares. Rules see the syntax model only (``tfguard.hcl.model``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol

from tfguard.engine.findings import Finding, Severity
from tfguard.hcl.model import Block, Source


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

    @property
    def fixable(self) -> bool:
        return bool(self.fix_title)


class Rule(Protocol):
    meta: RuleMeta

    def check(self, block: Block, source: Source) -> Iterable[Finding]:
        """Findings for one top-level block, with offsets relative to ``source.text``."""
        ...
