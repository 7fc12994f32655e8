"""Rule documentation, from one source: the rule's metadata (``RuleMeta``) and its module's docstring.

``tfguard explain RULE-ID`` prints :meth:`RuleDoc.text`; the repository's ``docs/rules/<rule-id>.md`` pages are
:meth:`RuleDoc.markdown` (``tfguard explain --markdown RULE-ID``, or ``python -m tfguard.report.rule_docs DIR``
to write them all), and a test checks that every page is exactly what this module generates, so the two cannot
drift apart.

A rule module's docstring reads: a title line, prose paragraphs (what is checked and how values resolve), then
literal blocks introduced by ``Label::`` (``Non-compliant::``, ``Compliant::``) holding Terraform examples.
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass

from tfguard.rules import ALL_RULES, RuleMeta

WIDTH = 100
PAGE_NOTE = (
    "<!-- Generated from the rule's metadata and docstring by `tfguard explain --markdown {id}`; "
    "edit those, then run `python -m tfguard.report.rule_docs docs/rules`. -->"
)


@dataclass(frozen=True)
class RuleDoc:
    meta: RuleMeta
    details: tuple[str, ...]  # prose paragraphs of the docstring (reStructuredText literals as `code`)
    examples: tuple[tuple[str, str], ...]  # (label, Terraform code)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def title(self) -> str:
        return self.meta.title

    def facts(self) -> list[tuple[str, str]]:
        """(label, value) rows: severity, category, provider, CWE, KICS id, other tools' ids, fix."""
        m = self.meta
        rows = [
            (
                "Severity",
                f"{m.severity.label} ({m.severity_label})" if m.severity_label else m.severity.label,
            ),
            ("Category", m.category),
            ("Provider", f"{m.provider} ({m.platform})" if m.platform else m.provider),
        ]
        if m.cwe:
            rows.append(("CWE", m.cwe))
        if m.kics_id:
            rows.append(("KICS id", m.kics_id))
        if m.aliases:
            rows.append(("Other tools", ", ".join(f"{tool} {alias}" for tool, alias in m.aliases)))
        rows.append(("Fixable", f"yes: {m.fix_title}" if m.fix_title else "no"))
        return rows

    def fix(self) -> str:
        if not self.meta.fix_title:
            return "No automatic fix: change the resource as the compliant example shows."
        return (
            f"{self.meta.fix_title}. `tfguard check --fix` applies it in place, and editors offer it as a "
            "quick fix on the finding."
        )

    def suppress(self) -> str:
        return (
            f"Write `# tfguard:ignore:{self.id}` on the line above the resource or the attribute (editors "
            'offer it as the quick fix "Ignore this finding"). KICS, Datadog, Checkov, tfsec and trivy '
            "comments for the same check are honoured too; `tfguard check --show-suppressed` lists what they hide."
        )

    def cwe_uri(self) -> str | None:
        m = re.fullmatch(r"CWE-(\d+)", self.meta.cwe or "")
        return f"https://cwe.mitre.org/data/definitions/{m.group(1)}.html" if m else None

    # ---- renderings ---------------------------------------------------------------------------------------
    def text(self) -> str:
        """What ``tfguard explain`` prints."""
        out = [f"{self.id}: {self.title}", ""]
        width = max(len(label) for label, _ in self.facts()) + 1
        for label, value in self.facts():
            out.append(f"  {(label + ':').ljust(width)} {value}")
        out.append("")

        def section(name: str, paragraphs: list[str]) -> None:
            out.append(name)
            for i, paragraph in enumerate(paragraphs):
                if i:
                    out.append("")
                out.extend(
                    textwrap.wrap(
                        paragraph,
                        WIDTH,
                        initial_indent="  ",
                        subsequent_indent="  ",
                        break_on_hyphens=False,
                        break_long_words=False,
                    )
                )
            out.append("")

        section("Why", [self.meta.description])
        if self.details:
            section("What is checked", list(self.details))
        for label, code in self.examples:
            out.append(label)
            out.extend(("    " + line).rstrip() for line in code.splitlines())
            out.append("")
        section("Fix", [self.fix()])
        section("Suppress", [self.suppress()])
        out.append("Reference")
        out.append(f"  {self.meta.help_uri}")
        if self.cwe_uri():
            out.append(f"  {self.cwe_uri()}")
        return "\n".join(out) + "\n"

    def markdown(self) -> str:
        """The page ``docs/rules/<rule-id>.md``."""
        out = [f"# {self.title}", "", PAGE_NOTE.format(id=self.id), "", f"Rule id: `{self.id}`", ""]
        out += ["| | |", "|---|---|"]
        for label, value in self.facts():
            if label == "CWE" and self.cwe_uri():
                value = f"[{value}]({self.cwe_uri()})"
            elif label in ("KICS id",):
                value = f"`{value}`"
            elif label == "Other tools":
                value = ", ".join(f"{tool} `{alias}`" for tool, alias in self.meta.aliases)
            out.append(f"| {label} | {_cell(value)} |")
        out += ["", "## Why", "", self.meta.description, ""]
        if self.details:
            out += ["## What is checked", ""]
            for paragraph in self.details:
                out += [paragraph, ""]
        for label, code in self.examples:
            out += [f"## {label}", "", "```hcl", code.rstrip("\n"), "```", ""]
        out += ["## Fix", "", self.fix(), "", "## Suppress", "", self.suppress(), ""]
        out += ["## Reference", "", f"- {self.meta.help_uri}"]
        if self.cwe_uri():
            out.append(f"- {self.cwe_uri()}")
        return "\n".join(out) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|")


def _rst(paragraph: str) -> str:
    """reStructuredText ``literal`` as Markdown `code`."""
    return re.sub(r"``(.+?)``", r"`\1`", paragraph)


def parse_docstring(doc: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(prose paragraphs, examples) of a rule module's docstring; the title line is left out."""
    lines = textwrap.dedent(doc or "").strip("\n").splitlines()
    paragraphs: list[str] = []
    examples: list[tuple[str, str]] = []
    i = 0
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(_rst(" ".join(line.strip() for line in current)))
            current.clear()

    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        if line.rstrip().endswith("::") and not line.startswith((" ", "\t")):
            current.append(line.rstrip()[:-2])
            label = " ".join(part.strip() for part in current).strip()
            current.clear()
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                block.append(lines[i])
                i += 1
            code = textwrap.dedent("\n".join(block)).strip("\n") + "\n"
            if label:
                examples.append((label, code))
            else:
                paragraphs.append(code)
            continue
        current.append(line)
        i += 1
    flush()
    if paragraphs and re.search(r"\(`[\w.-]+`\)\.?$", paragraphs[0]):
        paragraphs.pop(0)  # "Title (``rule-id``)." repeats the heading
    return tuple(paragraphs), tuple(examples)


def doc_for(rule: object) -> RuleDoc:
    meta: RuleMeta = rule.meta  # type: ignore[attr-defined]
    module = sys.modules.get(type(rule).__module__)
    details, examples = parse_docstring((module.__doc__ if module else None) or "")
    return RuleDoc(meta, details, examples)


def all_docs() -> list[RuleDoc]:
    return sorted((doc_for(rule) for rule in ALL_RULES), key=lambda d: d.id)


def find(name: str) -> RuleDoc | None:
    """The rule named ``name``: its id, its KICS id or another tool's id for it, ignoring case."""
    wanted = name.strip().lower()
    for doc in all_docs():
        names = {doc.id, doc.meta.kics_id, *(alias for _, alias in doc.meta.aliases)}
        if wanted in {n.lower() for n in names if n}:
            return doc
    return None


def write_pages(folder: str) -> list[str]:
    """Write every rule's page into ``folder``; the paths written."""
    import os

    os.makedirs(folder, exist_ok=True)
    written = []
    for doc in all_docs():
        path = os.path.join(folder, f"{doc.id}.md")
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(doc.markdown())
        written.append(path)
    return written


if __name__ == "__main__":  # python -m tfguard.report.rule_docs docs/rules
    for written_path in write_pages(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"):
        print(written_path)
