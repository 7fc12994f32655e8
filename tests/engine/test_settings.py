"""Settings: severity overrides and off, exclude globs, lint mode, and clear problems for a bad file."""

from __future__ import annotations

from pathlib import Path

from tfguard.engine import Severity, analyze_text
from tfguard.engine.settings import Settings, find_settings_file, load_settings, parse_settings

RULE = "terraform-aws-iam-access-key-is-exposed"
KEY = 'resource "aws_iam_access_key" "k" {\n  user = "root"\n}\n'


def test_severity_override_and_off() -> None:
    findings = analyze_text(KEY).findings
    settings, problems = parse_settings(f'[rules]\n{RULE} = "error"\n')
    assert problems == []
    assert [f.severity for f in settings.apply(findings)] == [Severity.ERROR]
    off, _ = parse_settings(f'[rules]\n"{RULE}" = "off"\n')
    assert off.apply(findings) == []
    assert Settings().apply(findings) == findings


def test_exclude_globs() -> None:
    settings, problems = parse_settings('exclude = ["modules/legacy/**", "**/*.generated.tf", "tmp"]\n')
    assert problems == []
    root = "/repo"
    assert settings.excluded("/repo/modules/legacy/a/main.tf", root)
    assert settings.excluded("/repo/x/y/z.generated.tf", root)
    assert settings.excluded("/repo/z.generated.tf", root)
    assert settings.excluded("/repo/tmp/main.tf", root)
    assert not settings.excluded("/repo/modules/current/main.tf", root)


def test_lint_mode_and_editor_settings_on_top() -> None:
    from_file, _ = parse_settings('lint = "save"\n[rules]\n' + f'{RULE} = "hint"\n')
    merged, errors = from_file.merged({"rules": {RULE: "error"}, "exclude": ["gen/**"]})
    assert errors == [] and merged.lint == "save" and merged.rules[RULE] == "error" and merged.exclude == ("gen/**",)


def test_bad_file_gives_positioned_problems_and_keeps_defaults() -> None:
    text = 'lint = "sometimes"\n[rules]\n' + f'{RULE} = "loud"\ncolour = "blue"\n'
    settings, problems = parse_settings(text)
    assert settings == Settings()
    messages = [p.message for p in problems]
    assert any('"sometimes"' in m for m in messages) and any('"loud"' in m for m in messages)
    assert all(p.code == "settings" for p in problems)
    lint_problem = next(p for p in problems if "sometimes" in p.message)
    assert text[lint_problem.start :].startswith("lint")
    bad_toml = 'lint = "save"\n[rules\n'
    broken, problems = parse_settings(bad_toml)
    assert broken == Settings() and len(problems) == 1
    assert "not valid TOML" in problems[0].message
    assert problems[0].start >= bad_toml.index("[rules")  # on the line of the error, not at the top


def test_settings_file_is_found_up_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".tfguard.toml").write_text('lint = "save"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    found = find_settings_file(str(deep))
    assert found == str(tmp_path / ".tfguard.toml")
    settings, problems = load_settings(found)
    assert settings.lint == "save" and problems == []
    (tmp_path / ".tfguard.toml").unlink()
    assert find_settings_file(str(deep)) is None  # the search stops at the repository root


def test_unknown_rule_id_is_a_problem_not_silence() -> None:
    text = '[rules]\nterraform-aws-iam-access-key-is-exposd = "off"\n'
    settings, problems = parse_settings(text)
    assert settings == Settings()
    (problem,) = problems
    assert 'no rule "terraform-aws-iam-access-key-is-exposd"' in problem.message
    assert text[problem.start :].startswith("terraform-aws-iam-access-key-is-exposd")
