"""Fixture texts and small helpers shared by the command-line tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support import KICS_POSITIVE_FIXED

CONFORMANCE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "conformance" / "kics" / "iam_access_key_is_exposed"
)

RULE = "terraform-aws-iam-access-key-is-exposed"

POSITIVE = (CONFORMANCE / "positive.tf").read_text(encoding="utf-8")
NEGATIVE = (CONFORMANCE / "negative.tf").read_text(encoding="utf-8")

POSITIVE_FIXED = KICS_POSITIVE_FIXED  # positive.tf after every fix (the engine's contract)

# Terraform that does not parse (an attribute without a value in an unterminated block).
SYNTAX_ERROR = 'resource "aws_iam_access_key" "broken" {\n  user = \n'


@dataclass
class Run:
    """What a run of ``tfguard`` showed: exit status, standard output, standard error."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def write(path: Path, text: str, *, newline: str = "\n") -> Path:
    """Write ``text`` as UTF-8 with the given line ending."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path
