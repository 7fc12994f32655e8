"""IAM access key is exposed (``terraform-aws-iam-access-key-is-exposed``).

An ``aws_iam_access_key`` whose ``user`` is the root user and whose ``status`` is ``Active`` (or absent: the AWS
provider defaults it to ``Active``) keeps an access key of the root account usable. The root account has
unrestricted control over the whole AWS account, so its keys should be disabled.

Semantics follow Datadog's rule and KICS query 7081f85c-b94d-40fd-8b45-a4f1cac75e46, the rule's reference:
``user`` must be the plain string ``"root"`` (case-sensitive, escapes decoded, no interpolation) and ``status``
absent or a plain string equal to ``active`` ignoring case. Anything else, including a reference tfguard cannot
resolve, is compliant. The finding points at the ``user`` attribute, the line the reference scanners report.

Non-compliant::

    resource "aws_iam_access_key" "example" {
      user = "root"
    }

Compliant::

    resource "aws_iam_access_key" "example" {
      user   = "root"
      status = "Inactive"
    }
"""

from __future__ import annotations

from typing import Iterator

from tfguard.engine.findings import Finding, Fix, Related, Severity, TextEdit
from tfguard.hcl.edits import set_attribute
from tfguard.hcl.model import Block, Source
from tfguard.rules.base import RuleMeta

META = RuleMeta(
    id="terraform-aws-iam-access-key-is-exposed",
    title="IAM access key is exposed",
    severity=Severity.WARNING,
    severity_label="Medium",
    category="Access Control",
    provider="AWS",
    platform="Terraform",
    description=(
        "IAM access keys should never be created or kept active for AWS root user accounts, as specified by "
        'the `user = "root"` and `status = "Active"` attributes in a Terraform `aws_iam_access_key` resource '
        "block. Allowing active access keys for root users significantly increases the attack surface and "
        "exposes highly privileged credentials to potential misuse or compromise, since the root account has "
        "unrestricted control over the entire AWS environment. To ensure security, root accounts should have "
        "all access keys disabled."
    ),
    help_uri="https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_access_key",
    cwe="CWE-200",
    kics_id="7081f85c-b94d-40fd-8b45-a4f1cac75e46",
    resource_types=("aws_iam_access_key",),
    fix_title='Set status to "Inactive"',
    tags=("security", "aws", "iam"),
)


class IamAccessKeyExposed:
    meta = META

    def check(self, block: Block, source: Source) -> Iterator[Finding]:
        if block.type != "resource" or len(block.labels) != 2 or block.labels[0] not in META.resource_types:
            return
        user = block.attribute("user")
        if user is None or user.expr.literal != "root":
            return
        status = block.attribute("status")
        related: tuple[Related, ...] = ()
        if status is None:
            why = 'status is not set, and the AWS provider defaults it to "Active"'
        elif status.expr.literal is not None and status.expr.literal.lower() == "active":
            why = f"status is {source.text[status.expr.start:status.expr.end]}"
            related = (Related(status.start, status.end, "status keeps the access key active"),)
        else:
            return
        edits = set_attribute(source, block, "status", '"Inactive"', after=user)
        yield Finding(
            rule_id=META.id,
            severity=META.severity,
            start=user.start,
            end=user.end,
            message=f"{block.address} keeps an access key of the AWS root user active: user is \"root\" and {why}.",
            resource=block.address,
            fix=Fix(META.fix_title, tuple(TextEdit(s, e, t) for s, e, t in edits)),
            related=related,
        )
