"""Seeded generator of realistic Terraform for the benchmark.

The same seed always gives the same text. A file is a sequence of top-level blocks, formatted as
``terraform fmt`` would: resources of many types with nested blocks (ingress/egress, lifecycle, dynamic),
heredoc policies, ``jsonencode`` maps, ``for_each``/``count``, variables with validation, locals with maps,
modules, data sources, outputs, and comments of all three kinds. About 1% of the blocks are
``aws_iam_access_key`` resources, some of them non-compliant (``user = "root"`` with ``status`` active or
absent).

``python -m bench.gen --lines 10000 --seed 1 > big.tf`` writes one file;
``python -m bench.gen --tree DIR --files 5000`` writes a tree of module folders.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

WORDS = (
    "app api web db cache queue worker batch logs metrics audit backup edge auth billing search media "
    "payments events users orders assets reports admin internal public private shared core data stream"
).split()
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
INSTANCE_TYPES = ("t3.micro", "t3.small", "t3.medium", "m5.large", "c5.xlarge", "r5.2xlarge")
ENVS = ("dev", "staging", "prod")


class Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = 0
        self.access_keys = 0
        self.noncompliant = 0
        self.broken = 0

    # --- small pieces -------------------------------------------------------------------------------------

    def name(self) -> str:
        self.counter += 1
        return f"{self.rng.choice(WORDS)}_{self.rng.choice(WORDS)}_{self.counter}"

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def tags(self, indent: str) -> list[str]:
        keys = self.rng.sample(["Name", "Environment", "Team", "CostCenter", "Owner", "Service"], k=3)
        width = max(len(k) for k in keys)
        values = {
            "Name": f'"{self.word()}-${{var.environment}}"',
            "Environment": "var.environment",
            "Team": f'"{self.word()}"',
            "CostCenter": f'"cc-{self.rng.randint(100, 999)}"',
            "Owner": f'"{self.word()}@example.com"',
            "Service": "local.service_name",
        }
        lines = [f"{indent}tags = merge(local.common_tags, {{"]
        lines += [f"{indent}  {k.ljust(width)} = {values[k]}" for k in keys]
        lines.append(f"{indent}}})")
        return lines

    @staticmethod
    def aligned(indent: str, pairs: list[tuple[str, str]]) -> list[str]:
        width = max(len(k) for k, _ in pairs)
        return [f"{indent}{k.ljust(width)} = {v}" for k, v in pairs]

    def comment(self) -> list[str]:
        r = self.rng.random()
        if r < 0.5:
            return [f"# {self.word().capitalize()} {self.word()} for the {self.word()} service"]
        if r < 0.8:
            return [f"// TODO({self.word()}): review the {self.word()} settings"]
        return ["/*", f"  {self.word().capitalize()} resources.", f"  Owned by the {self.word()} team.", "*/"]

    # --- blocks -------------------------------------------------------------------------------------------

    def instance(self) -> list[str]:
        n = self.name()
        lines = [f'resource "aws_instance" "{n}" {{']
        if self.rng.random() < 0.3:
            lines.append(f"  count = var.{self.word()}_count")
            lines.append("")
        lines += self.aligned(
            "  ",
            [
                ("ami", f'"ami-{self.rng.getrandbits(32):08x}"'),
                ("instance_type", f'"{self.rng.choice(INSTANCE_TYPES)}"'),
                ("subnet_id", f"aws_subnet.{self.word()}.id"),
                ("monitoring", self.rng.choice(["true", "false"])),
            ],
        )
        lines += ["", "  root_block_device {"]
        lines += self.aligned(
            "    ",
            [
                ("volume_size", str(self.rng.choice([8, 20, 50, 100]))),
                ("volume_type", '"gp3"'),
                ("encrypted", "true"),
            ],
        )
        lines += ["  }", ""]
        if self.rng.random() < 0.5:
            lines += ["  user_data = <<-EOT", "    #!/bin/bash", f"    echo 'starting {n}'",
                      f"    yum install -y {self.word()}", "  EOT", ""]
        lines += self.tags("  ")
        if self.rng.random() < 0.3:
            lines += ["", "  lifecycle {", "    create_before_destroy = true",
                      '    ignore_changes        = [ami, user_data]', "  }"]
        lines.append("}")
        return lines

    def bucket(self) -> list[str]:
        n = self.name()
        lines = [f'resource "aws_s3_bucket" "{n}" {{']
        lines += self.aligned("  ", [("bucket", f'"${{var.prefix}}-{n.replace("_", "-")}"'),
                                     ("force_destroy", self.rng.choice(["true", "false"]))])
        lines.append("")
        lines += self.tags("  ")
        lines += ["}", "", f'resource "aws_s3_bucket_versioning" "{n}" {{',
                  f"  bucket = aws_s3_bucket.{n}.id", "", "  versioning_configuration {",
                  f'    status = "{self.rng.choice(["Enabled", "Suspended"])}"', "  }", "}"]
        return lines

    def security_group(self) -> list[str]:
        n = self.name()
        lines = [f'resource "aws_security_group" "{n}" {{']
        lines += self.aligned("  ", [("name", f'"{n}"'), ("description", f'"Security group for {self.word()}"'),
                                     ("vpc_id", "var.vpc_id")])
        for _ in range(self.rng.randint(1, 3)):
            port = self.rng.choice([22, 80, 443, 5432, 6379, 8080])
            lines += ["", "  ingress {"]
            lines += self.aligned("    ", [("from_port", str(port)), ("to_port", str(port)),
                                           ("protocol", '"tcp"'),
                                           ("cidr_blocks", f'["10.{self.rng.randint(0, 255)}.0.0/16"]')])
            lines.append("  }")
        lines += ["", "  egress {"]
        lines += self.aligned("    ", [("from_port", "0"), ("to_port", "0"), ("protocol", '"-1"'),
                                       ("cidr_blocks", '["0.0.0.0/0"]')])
        lines += ["  }", ""]
        lines += self.tags("  ")
        lines.append("}")
        return lines

    def dynamic_sg(self) -> list[str]:
        n = self.name()
        return [
            f'resource "aws_security_group" "{n}" {{',
            f'  name   = "{n}"',
            "  vpc_id = var.vpc_id",
            "",
            '  dynamic "ingress" {',
            "    for_each = var.ingress_rules",
            "    content {",
            "      from_port   = ingress.value.from_port",
            "      to_port     = ingress.value.to_port",
            '      protocol    = lookup(ingress.value, "protocol", "tcp")',
            "      cidr_blocks = ingress.value.cidr_blocks",
            "    }",
            "  }",
            "}",
        ]

    def policy(self) -> list[str]:
        n = self.name()
        actions = self.rng.sample(["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage",
                                   "dynamodb:GetItem", "logs:PutLogEvents", "kms:Decrypt"], k=3)
        return [
            f'resource "aws_iam_policy" "{n}" {{',
            f'  name        = "{n}"',
            f'  description = "Access for {self.word()}"',
            "  policy      = <<EOF",
            "{",
            '  "Version": "2012-10-17",',
            '  "Statement": [',
            "    {",
            '      "Effect": "Allow",',
            '      "Action": [' + ", ".join(f'"{a}"' for a in actions) + "],",
            f'      "Resource": "arn:aws:s3:::{self.word()}-bucket/*"',
            "    }",
            "  ]",
            "}",
            "EOF",
            "}",
        ]

    def role(self) -> list[str]:
        n = self.name()
        return [
            f'resource "aws_iam_role" "{n}" {{',
            f'  name = "{n}"',
            "",
            "  assume_role_policy = jsonencode({",
            '    Version = "2012-10-17"',
            "    Statement = [{",
            '      Action = "sts:AssumeRole"',
            '      Effect = "Allow"',
            "      Principal = {",
            f'        Service = "{self.rng.choice(["ec2", "lambda", "ecs-tasks"])}.amazonaws.com"',
            "      }",
            "    }]",
            "  })",
            "",
            *self.tags("  "),
            "}",
        ]

    def for_each_users(self) -> list[str]:
        n = self.name()
        users = self.rng.sample(WORDS, k=3)
        return [
            f'resource "aws_iam_user" "{n}" {{',
            "  for_each = toset([" + ", ".join(f'"{u}"' for u in users) + "])",
            "",
            f'  name = "${{each.key}}-{self.word()}"',
            '  path = "/system/"',
            "}",
        ]

    def variable(self) -> list[str]:
        n = self.name()
        r = self.rng.random()
        if r < 0.4:
            return [f'variable "{n}" {{', f'  description = "The {self.word()} {self.word()}"',
                    "  type        = string", f'  default     = "{self.word()}"', "}"]
        if r < 0.7:
            return [f'variable "{n}" {{', f'  description = "Number of {self.word()} instances"',
                    "  type        = number", f"  default     = {self.rng.randint(1, 9)}", "", "  validation {",
                    f"    condition     = var.{n} > 0", '    error_message = "Must be positive."', "  }", "}"]
        return [f'variable "{n}" {{', "  type = map(object({", "    cidr = string", "    az   = string",
                "  }))", "  default = {}", "}"]

    def locals_block(self) -> list[str]:
        region = self.rng.choice(REGIONS)
        env = self.rng.choice(ENVS)
        return [
            "locals {",
            f'  service_name = "{self.word()}"',
            "  common_tags = {",
            f'    Project   = "{self.word()}"',
            '    ManagedBy = "terraform"',
            "  }",
            "  subnets = {",
            f'    a = {{ cidr = "10.0.1.0/24", az = "{region}a" }}',
            f'    b = {{ cidr = "10.0.2.0/24", az = "{region}b" }}',
            "  }",
            f'  is_prod = var.environment == "{env}"',
            "  names   = [for s in var.services : upper(s) if s != \"\"]",
            "}",
        ]

    def module(self) -> list[str]:
        n = self.name()
        return [
            f'module "{n}" {{',
            f'  source  = "terraform-aws-modules/{self.word()}/aws"',
            f'  version = "~> {self.rng.randint(2, 6)}.{self.rng.randint(0, 9)}"',
            "",
            "  for_each = local.subnets",
            "",
            '  name       = "${var.prefix}-${each.key}"',
            "  cidr_block = each.value.cidr",
            "  enabled    = local.is_prod ? true : false",
            "}",
        ]

    def data(self) -> list[str]:
        n = self.name()
        return [
            f'data "aws_ami" "{n}" {{',
            "  most_recent = true",
            '  owners      = ["amazon"]',
            "",
            "  filter {",
            '    name   = "name"',
            '    values = ["amzn2-ami-hvm-*-x86_64-gp2"]',
            "  }",
            "}",
        ]

    def output(self) -> list[str]:
        n = self.name()
        return [f'output "{n}" {{', f'  description = "The {self.word()} id"',
                f"  value       = aws_instance.{self.word()}[*].id", "}"]

    def access_key(self) -> list[str]:
        self.access_keys += 1
        n = f"key_{self.counter}_{self.access_keys}"
        self.counter += 1
        r = self.rng.random()
        if r < 0.3:  # non-compliant, status explicitly active
            self.noncompliant += 1
            body = [("user", '"root"'), ("status", '"Active"')]
        elif r < 0.45:  # non-compliant, status absent
            self.noncompliant += 1
            body = [("user", '"root"')]
        elif r < 0.65:  # compliant: inactive
            body = [("user", '"root"'), ("status", '"Inactive"')]
        elif r < 0.85:  # compliant: another user, active
            body = [("user", f"aws_iam_user.{self.word()}.name"), ("status", '"Active"')]
        else:
            body = [("user", f'"{self.word()}-deployer"')]
        if self.rng.random() < 0.3:
            body.append(("pgp_key", f'"keybase:{self.word()}"'))
        lines = [f'resource "aws_iam_access_key" "{n}" {{', *self.aligned("  ", body), "}"]
        return lines

    KINDS = (
        ("instance", 14), ("bucket", 10), ("security_group", 9), ("dynamic_sg", 4), ("policy", 8), ("role", 7),
        ("for_each_users", 5), ("variable", 16), ("locals_block", 3), ("module", 6), ("data", 6), ("output", 11),
    )

    def block(self) -> list[str]:
        if self.rng.random() < 0.01:
            lines = self.access_key()
        else:
            kinds, weights = zip(*self.KINDS)
            lines = getattr(self, self.rng.choices(kinds, weights)[0])()
        if self.rng.random() < 0.25:
            lines = self.comment() + lines
        return lines

    def text(self, lines: int, broken: float = 0.0) -> str:
        """About ``lines`` lines (never fewer) of top-level blocks separated by blank lines. ``broken`` is the
        share of blocks given a syntax error (the ``=`` of one attribute left out); the choice comes from a
        separate random stream, so the text is otherwise the same as with ``broken=0``."""
        breaker = random.Random(self.rng.random())
        out: list[str] = []
        if self.rng.random() < 0.5:
            out += ["terraform {", '  required_version = ">= 1.5"', "}", ""]
        while len(out) < lines:
            block = self.block()
            if broken and breaker.random() < broken:
                for i, line in enumerate(block):
                    if line.startswith("  ") and not line.startswith("   ") and " = " in line:
                        block[i] = line.replace(" = ", "   ", 1)
                        self.broken += 1
                        break
            out += block
            out.append("")
        return "\n".join(out[:-1]) + "\n" if out else ""


def generate(lines: int, seed: int = 1, broken: float = 0.0) -> str:
    """A realistic Terraform file of about ``lines`` lines (``broken``: share of blocks with a syntax error)."""
    return Gen(seed).text(lines, broken)


def file_sizes(rng: random.Random, n: int) -> list[int]:
    """Line counts shaped like real modules: many small files (variables, outputs, versions), some big."""
    sizes = []
    for _ in range(n):
        r = rng.random()
        if r < 0.45:
            sizes.append(rng.randint(4, 25))
        elif r < 0.85:
            sizes.append(rng.randint(25, 90))
        else:
            sizes.append(rng.randint(90, 300))
    return sizes


FILE_NAMES = ("main.tf", "variables.tf", "outputs.tf", "iam.tf", "network.tf", "storage.tf", "compute.tf",
              "versions.tf", "locals.tf", "data.tf")


def generate_tree(root: str, files: int, seed: int = 1) -> list[str]:
    """Write ``files`` .tf files under ``root`` in module folders of up to 10 files; returns their paths."""
    rng = random.Random(seed)
    paths = []
    for i, size in enumerate(file_sizes(rng, files)):
        folder = os.path.join(root, f"stack{i // 100:03d}", f"module{(i // 10) % 10}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, FILE_NAMES[i % 10])
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(Gen(seed * 1_000_003 + i).text(size))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.gen", description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lines", type=int, default=1000, help="lines of the single file written to stdout")
    p.add_argument("--tree", metavar="DIR", help="write a tree of files under DIR instead")
    p.add_argument("--files", type=int, default=5000, help="number of files with --tree")
    args = p.parse_args(argv)
    if args.tree:
        print(f"{len(generate_tree(args.tree, args.files, args.seed))} files under {args.tree}", file=sys.stderr)
    else:
        sys.stdout.write(generate(args.lines, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
