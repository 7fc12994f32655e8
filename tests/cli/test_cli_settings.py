"""`.tfguard.toml`: per-rule severity or off, exclude globs relative to the settings file, the nearest file up to
the repository root or `--config FILE`; a wrong settings file is reported on stderr with its position."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_support import NEGATIVE, POSITIVE, RULE, write


def settings(folder: Path, text: str) -> Path:
    return write(folder / ".tfguard.toml", text)


def headings(out: str, path: str = "positive.tf") -> list[str]:
    return [
        line.split(" ")[0] + " " + line.split(" ")[1]
        for line in out.splitlines()
        if line.startswith(path + ":")
    ]


def test_severity_override_in_every_format(workdir: Path, tfguard) -> None:
    settings(workdir, f'[rules]\n{RULE} = "error"\n')
    write(workdir / "positive.tf", POSITIVE)
    run = tfguard("check")
    assert run.code == 1
    assert run.err == ""
    assert headings(run.out) == ["positive.tf:2:3: error", "positive.tf:7:3: error"]
    assert [f["severity"] for f in tfguard("check", "--format", "json").json()["findings"]] == [
        "error",
        "error",
    ]
    results = tfguard("check", "--format", "sarif").json()["runs"][0]["results"]
    assert [r["level"] for r in results] == ["error", "error"]


def test_a_rule_that_is_off_reports_nothing_and_fixes_nothing(workdir: Path, tfguard) -> None:
    settings(workdir, f'rules = {{ {RULE} = "off" }}\n')
    path = write(workdir / "positive.tf", POSITIVE)
    run = tfguard("check", "--fix")
    assert (run.code, run.out, run.err) == (0, "1 file checked: no findings, 0 errors\n", "")
    assert path.read_text(encoding="utf-8") == POSITIVE


def test_exclude_globs_are_relative_to_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tfguard
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    settings(repo, 'exclude = ["legacy/**", "**/*.generated.tf"]\n')
    write(repo / "legacy" / "old" / "main.tf", POSITIVE)
    write(repo / "infra" / "keys.generated.tf", POSITIVE)
    write(repo / "infra" / "main.tf", POSITIVE)
    # Run from elsewhere: the globs still mean paths under the settings file's folder.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run = tfguard("check", "--format", "json", str(repo))
    assert run.code == 1
    assert {f["file"] for f in run.json()["findings"]} == {str(repo / "infra" / "main.tf")}
    # A file named explicitly is excluded too (pre-commit hooks pass file names).
    named = tfguard("check", str(repo / "legacy" / "old" / "main.tf"))
    assert (named.code, named.out) == (0, "0 files checked: no findings, 0 errors\n")


def test_the_nearest_settings_file_wins(workdir: Path, tfguard) -> None:
    (workdir / ".git").mkdir()
    settings(workdir, f'[rules]\n{RULE} = "off"\n')
    settings(workdir / "prod", f'[rules]\n{RULE} = "hint"\n')
    write(workdir / "dev" / "positive.tf", POSITIVE)
    write(workdir / "prod" / "positive.tf", POSITIVE)
    run = tfguard("check", "--format", "json")
    assert run.code == 1
    assert [(f["file"], f["severity"]) for f in run.json()["findings"]] == [
        ("prod/positive.tf", "hint"),
        ("prod/positive.tf", "hint"),
    ]


def test_the_search_stops_at_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tfguard
) -> None:
    settings(tmp_path, f'[rules]\n{RULE} = "off"\n')  # outside the repository: not used
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / "positive.tf", POSITIVE)
    monkeypatch.chdir(repo)
    run = tfguard("check")
    assert run.code == 1
    assert headings(run.out) == ["positive.tf:2:3: warning", "positive.tf:7:3: warning"]


def test_config_option_replaces_the_nearest_file(workdir: Path, tfguard) -> None:
    settings(workdir, f'[rules]\n{RULE} = "off"\n')
    write(workdir / "ci" / "strict.toml", f'exclude = ["skipped"]\n[rules]\n{RULE} = "error"\n')
    write(workdir / "positive.tf", POSITIVE)
    write(workdir / "ci" / "skipped" / "positive.tf", POSITIVE)
    run = tfguard("check", "--config", "ci/strict.toml", ".")
    assert run.code == 1
    assert headings(run.out) == ["positive.tf:2:3: error", "positive.tf:7:3: error"]
    assert "ci/skipped" not in run.out  # relative to the config file's folder


def test_a_wrong_value_is_reported_with_its_position_and_the_default_stays(workdir: Path, tfguard) -> None:
    settings(workdir, f'lint = "save"\n\n[rules]\n{RULE} = "loud"\n')
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check")
    assert run.code == 2
    assert run.out == "1 file checked: no findings, 0 errors\n"
    (line,) = run.err.splitlines()
    assert line.startswith(f".tfguard.toml:4:1: error settings rules.{RULE}: ")
    assert '"loud" is not a severity' in line
    # With findings the exit status is 1, and the finding keeps its default severity.
    write(workdir / "positive.tf", POSITIVE)
    run = tfguard("check")
    assert run.code == 1
    assert headings(run.out) == ["positive.tf:2:3: warning", "positive.tf:7:3: warning"]
    assert run.err.startswith(".tfguard.toml:4:1: error settings ")


def test_invalid_toml_is_reported_on_stderr_in_every_format(workdir: Path, tfguard) -> None:
    settings(workdir, 'exclude = ["a",\n[rules\n')
    write(workdir / "negative.tf", NEGATIVE)
    for fmt in ("text", "json", "sarif"):
        run = tfguard("check", "--format", fmt)
        assert run.code == 2
        (line,) = run.err.splitlines()
        location, rest = line.split(" ", 1)
        file, row, col = location.rstrip(":").split(":")
        assert file == ".tfguard.toml" and int(row) >= 1 and int(col) >= 1
        assert rest.startswith("error settings ") and "not valid TOML" in rest
        if fmt != "text":
            run.json()  # stdout stays a clean document


def test_an_unknown_key_is_reported(workdir: Path, tfguard) -> None:
    settings(workdir, 'exclude = []\nseverity = "high"\n')
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check")
    assert run.code == 2
    assert run.err.startswith('.tfguard.toml:2:1: error settings unknown setting "severity"')


def test_a_missing_config_file_is_an_error(workdir: Path, tfguard) -> None:
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check", "--config", "nowhere.toml")
    assert run.code == 2
    assert run.err.startswith("nowhere.toml:1:1: error settings ")
    assert run.out == "1 file checked: no findings, 0 errors\n"


def test_each_settings_file_is_reported_once(workdir: Path, tfguard) -> None:
    settings(workdir, 'lint = "sometimes"\n')
    for name in ("a", "b", "c"):
        write(workdir / name / "negative.tf", NEGATIVE)
    run = tfguard("check")
    assert run.code == 2
    assert len(run.err.splitlines()) == 1
