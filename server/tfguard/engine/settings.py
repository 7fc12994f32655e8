"""One set of settings for the editor and the command line.

Sources, lowest to highest: the defaults, a ``.tfguard.toml`` at the workspace or repository root, then the
editor's settings (the same keys, sent by the client)::

    # .tfguard.toml
    exclude = ["modules/legacy/**", "**/*.generated.tf"]   # globs, relative to the file's folder
    lint = "change"                                          # or "save": when the editor lints

    [rules]
    terraform-aws-iam-access-key-is-exposed = "error"       # error, warning, information, hint or "off"

A settings file that cannot be read or holds a wrong value yields problems (with positions in that file) and
the defaults stay in force for what it got wrong.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from tfguard.engine.findings import Finding, Problem, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SETTINGS_FILE = ".tfguard.toml"
LINT_MODES = ("change", "save")
_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "information": Severity.INFORMATION,
               "info": Severity.INFORMATION, "hint": Severity.HINT}


@dataclass(frozen=True)
class Settings:
    rules: Mapping[str, str] = field(default_factory=dict)  # rule id -> severity name or "off"
    exclude: tuple[str, ...] = ()
    lint: str = "change"

    def severity(self, rule_id: str, default: Severity) -> Severity | None:
        """The severity a rule's findings get; None when the rule is off."""
        value = self.rules.get(rule_id)
        if value is None:
            return default
        if value == "off":
            return None
        return _SEVERITIES.get(value, default)

    def apply(self, findings: list[Finding]) -> list[Finding]:
        out = []
        for finding in findings:
            severity = self.severity(finding.rule_id, finding.severity)
            if severity is None:
                continue
            out.append(finding if severity == finding.severity else replace(finding, severity=severity))
        return out

    def excluded(self, path: str, root: str | None) -> bool:
        """True when ``path`` matches an exclude glob, relative to ``root`` (or as given)."""
        if not self.exclude:
            return False
        rel = os.path.relpath(path, root) if root else path
        rel = rel.replace(os.sep, "/")
        parts = rel.split("/")
        for pattern in self.exclude:
            pattern = pattern.strip().rstrip("/")
            if not pattern:
                continue
            if fnmatch.fnmatchcase(rel, pattern) or _glob(rel, pattern):
                return True
            # a pattern naming a folder excludes what is under it
            if any(fnmatch.fnmatchcase("/".join(parts[: i + 1]), pattern) for i in range(len(parts) - 1)):
                return True
        return False

    def merged(self, overrides: Mapping[str, Any]) -> tuple[Settings, list[str]]:
        """These settings with ``overrides`` (a mapping of the same keys) on top; also the errors found."""
        errors: list[str] = []
        rules = dict(self.rules)
        exclude = self.exclude
        lint = self.lint
        for key, value in overrides.items():
            if key == "rules":
                if not isinstance(value, Mapping):
                    errors.append('"rules" must be a table of rule id = severity')
                    continue
                from tfguard.rules import rule_by_id

                for rule_id, severity in value.items():
                    if rule_by_id(str(rule_id)) is None:
                        errors.append(f'rules.{rule_id}: there is no rule "{rule_id}" (see `tfguard explain`)')
                        continue
                    name = severity.get("severity") if isinstance(severity, Mapping) else severity
                    if not isinstance(name, str) or (name.lower() not in _SEVERITIES and name.lower() != "off"):
                        errors.append(
                            f'rules.{rule_id}: "{severity}" is not a severity '
                            "(error, warning, information, hint or off)"
                        )
                        continue
                    rules[str(rule_id)] = name.lower()
            elif key == "exclude":
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    errors.append('"exclude" must be a list of glob patterns')
                    continue
                exclude = exclude + tuple(value)
            elif key == "lint":
                if value not in LINT_MODES:
                    errors.append(f'lint: "{value}" must be "change" or "save"')
                    continue
                lint = value
            else:
                errors.append(f'unknown setting "{key}" (known: rules, exclude, lint)')
        return Settings(rules, exclude, lint), errors


def _glob(rel: str, pattern: str) -> bool:
    """``**`` matches any number of folders (fnmatch's ``*`` already crosses ``/``, so map ``**/`` to it)."""
    if "**" not in pattern:
        return False
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    regex = regex.replace(r"\?", "[^/]")
    return re.fullmatch(regex, rel) is not None


def find_settings_file(start: str, stop: str | None = None) -> str | None:
    """The nearest ``.tfguard.toml`` from ``start`` up to ``stop`` (a workspace root) or the repository root
    (a folder holding ``.git``), whichever comes first."""
    folder = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start))
    stop = os.path.abspath(stop) if stop else None
    while True:
        candidate = os.path.join(folder, SETTINGS_FILE)
        if os.path.isfile(candidate):
            return candidate
        if folder == stop or os.path.exists(os.path.join(folder, ".git")):
            return None
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def parse_settings(text: str, base: Settings | None = None) -> tuple[Settings, list[Problem]]:
    """Settings from the text of a ``.tfguard.toml``; problems carry offsets into ``text``."""
    base = base or Settings()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return base, [_problem_at_message(text, f"{SETTINGS_FILE} is not valid TOML: {exc}")]
    settings, errors = base.merged(data)
    return settings, [_problem_for(text, error) for error in errors]


def load_settings(path: str, base: Settings | None = None) -> tuple[Settings, list[Problem]]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        return base or Settings(), [Problem(0, 0, f"cannot read {SETTINGS_FILE}: {exc}", code="settings")]
    return parse_settings(text, base)


def _problem_at_message(text: str, message: str) -> Problem:
    m = re.search(r"line (\d+), column (\d+)", message)
    offset = 0
    if m:
        line, column = int(m.group(1)) - 1, int(m.group(2)) - 1
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        if line < len(starts):
            offset = min(starts[line] + column, len(text))
    return Problem(offset, min(offset + 1, len(text)), message, code="settings")


def _problem_for(text: str, error: str) -> Problem:
    """A problem placed on the line of the key the error names (or at the start of the file)."""
    key = re.match(r'(?:rules\.)?([\w.-]+)|unknown setting "([^"]+)"|"(\w+)"', error)
    name = next((g for g in (key.groups() if key else ()) if g), None)
    if error.startswith("unknown setting"):
        name = error.split('"')[1]
    offset, end = 0, 0
    if name:
        m = re.search(r"(?m)^\s*\"?" + re.escape(name) + r"\"?\s*=", text)
        if m:
            offset = m.start() + len(m.group()) - len(m.group().lstrip())
            end = text.find("\n", offset)
            end = len(text) if end < 0 else end
    return Problem(offset, max(end, offset), f"{SETTINGS_FILE}: {error}; the default is used", code="settings")
