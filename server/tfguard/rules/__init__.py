"""The rules tfguard runs. Each rule lives in a file of its own."""

from __future__ import annotations

from tfguard.rules.base import Rule, RuleMeta
from tfguard.rules.iam_access_key_exposed import IamAccessKeyExposed

ALL_RULES: tuple[Rule, ...] = (IamAccessKeyExposed(),)


def rule_by_id(rule_id: str) -> Rule | None:
    return next((rule for rule in ALL_RULES if rule.meta.id == rule_id), None)


__all__ = ["ALL_RULES", "Rule", "RuleMeta", "rule_by_id"]
