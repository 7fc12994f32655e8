"""IAM access key is exposed (``terraform-aws-iam-access-key-is-exposed``).

An ``aws_iam_access_key`` whose ``user`` is the root user and whose ``status`` is ``Active`` (or absent: the AWS
provider defaults it to ``Active``) keeps an access key of the root account usable. The root account has
unrestricted control over the whole AWS account, so its keys should be disabled.

Semantics follow Datadog's rule and KICS query 7081f85c-b94d-40fd-8b45-a4f1cac75e46, the rule's reference:
``user`` must evaluate to the string ``"root"`` (case-sensitive, escapes decoded) and ``status`` be absent or
evaluate to ``active`` ignoring case. Values are resolved through the module as Terraform would (variables and
their tfvars, locals, an ``aws_iam_user``'s name, templates of those); anything that cannot be resolved
statically is compliant. The finding points at the ``user`` attribute, the line the reference scanners report.

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
from tfguard.rules.base import Context, RuleMeta

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
    # Checkov's CKV_AWS_348 flags any access key of root (whatever its status); tfsec's and trivy's check for
    # root access keys covers the same finding. Their suppression comments are honoured.
    aliases=(
        ("checkov", "CKV_AWS_348"),
        ("tfsec", "aws-iam-no-root-access-keys"),
        ("trivy", "AVD-AWS-0141"),
        ("trivy", "aws-iam-no-root-access-keys"),
    ),
)


class IamAccessKeyExposed:
    meta = META

    def check(self, block: Block, source: Source, ctx: Context) -> Iterator[Finding]:
        if block.type != "resource" or len(block.labels) != 2 or block.labels[0] not in META.resource_types:
            return
        user = block.attribute("user")
        if user is None:
            return
        who = ctx.resolve(user.expr)
        if who is None or who.value != "root":
            return
        status = block.attribute("status")
        related = list(who.via)
        if status is None:
            why = 'status is not set, and the AWS provider defaults it to "Active"'
        else:
            state = ctx.resolve(status.expr)
            if state is None or state.value.lower() != "active":
                return
            why = f'status is "{state.value}"' + (f" (through {state.through})" if state.through else "")
            related.insert(0, Related(status.start, status.end, "status keeps the access key active"))
            related.extend(state.via)
        user_is = 'user is "root"' + (f" (through {who.through})" if who.through else "")
        edits = set_attribute(source, block, "status", '"Inactive"', after=user)
        yield Finding(
            rule_id=META.id,
            severity=META.severity,
            start=user.start,
            end=user.end,
            message=f"{block.address} keeps an access key of the AWS root user active: {user_is} and {why}.",
            resource=block.address,
            fix=Fix(META.fix_title, tuple(TextEdit(s, e, t) for s, e, t in edits)),
            related=tuple(related),
            scope=(block.start, block.end),
        )
