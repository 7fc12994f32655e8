"""`tfguard check --format sarif`: valid SARIF 2.1.0 whose regions and fixes a consumer can apply."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .cli_support import NEGATIVE, POSITIVE, POSITIVE_FIXED, RULE, SYNTAX_ERROR, write

# The OASIS SARIF 2.1.0 schema (JSON Schema draft-04), vendored so the tests run on a fresh checkout.
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def assert_valid(validator: jsonschema.Draft4Validator, doc: Any) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def offset(text: str, line: int, column: int) -> int:
    """Offset of a SARIF (line, column): 1-based, columns in code points, a leading BOM not counted."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    bom = 1 if line == 1 and text.startswith("\ufeff") else 0
    return starts[line - 1] + bom + column - 1


def apply_fixes(text: str, results: list[dict[str, Any]]) -> str:
    replacements = []
    for result in results:
        for fix in result.get("fixes", []):
            for change in fix["artifactChanges"]:
                for r in change["replacements"]:
                    region = r["deletedRegion"]
                    start = offset(text, region["startLine"], region["startColumn"])
                    end = offset(text, region["endLine"], region["endColumn"])
                    replacements.append((start, end, r.get("insertedContent", {}).get("text", "")))
    for start, end, new in sorted(replacements, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def test_findings_validate_and_carry_rule_metadata_regions_and_fixes(
    workdir: Path, tfguard, validator
) -> None:
    write(workdir / "positive.tf", POSITIVE)
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check", "--format", "sarif", ".")
    assert run.code == 1
    doc = run.json()
    assert_valid(validator, doc)
    assert doc["version"] == "2.1.0"
    (sarif_run,) = doc["runs"]
    assert sarif_run["columnKind"] == "unicodeCodePoints"

    driver = sarif_run["tool"]["driver"]
    from tfguard import __version__

    assert (driver["name"], driver["version"]) == ("tfguard", __version__)
    rule_ids = [rule["id"] for rule in driver["rules"]]
    rule = driver["rules"][rule_ids.index(RULE)]
    assert rule["shortDescription"]["text"] == "IAM access key is exposed"
    assert rule["fullDescription"]["text"]
    assert (
        rule["helpUri"]
        == "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_access_key"
    )
    assert rule["defaultConfiguration"]["level"] == "warning"
    assert rule["properties"]["category"] == "Access Control"
    assert rule["properties"]["cwe"] == "CWE-200"
    assert rule["properties"]["kics_id"] == "7081f85c-b94d-40fd-8b45-a4f1cac75e46"
    assert "external/cwe/cwe-200" in rule["properties"]["tags"]
    assert 4.0 <= float(rule["properties"]["security-severity"]) < 7.0  # Medium

    results = sarif_run["results"]
    assert len(results) == 2
    for result, line, resource in zip(results, (2, 7), ("positive1", "positive2")):
        assert result["ruleId"] == RULE
        assert result["ruleIndex"] == rule_ids.index(RULE)
        assert result["level"] == "warning"
        assert f"aws_iam_access_key.{resource}" in result["message"]["text"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"] == {
            "uri": "positive.tf",
            "uriBaseId": "%SRCROOT%",
        }
        assert location["physicalLocation"]["region"] == {
            "startLine": line,
            "startColumn": 3,
            "endLine": line,
            "endColumn": 16,
        }
        (fix,) = result["fixes"]
        assert fix["description"]["text"] == 'Set status to "Inactive"'
        assert fix["artifactChanges"][0]["artifactLocation"] == {
            "uri": "positive.tf",
            "uriBaseId": "%SRCROOT%",
        }

    # positive1 has a status attribute: it is the related location.
    (related,) = results[0]["relatedLocations"]
    assert related["physicalLocation"]["region"]["startLine"] == 3

    # Applying every fix as a SARIF consumer would gives the fixed file.
    assert apply_fixes(POSITIVE, results) == POSITIVE_FIXED


def test_each_fix_alone_repairs_its_finding(workdir: Path, tfguard) -> None:
    write(workdir / "positive.tf", POSITIVE)
    results = tfguard("check", "--format", "sarif", "positive.tf").json()["runs"][0]["results"]
    first = apply_fixes(POSITIVE, results[:1])
    assert first.splitlines()[2] == '  status = "Inactive"'
    write(workdir / "positive.tf", first)
    remaining = tfguard("check", "--format", "json", "positive.tf").json()["findings"]
    assert [f["resource"] for f in remaining] == ["aws_iam_access_key.positive2"]


def test_crlf_fixes_apply_with_line_column_regions(workdir: Path, tfguard) -> None:
    crlf = POSITIVE.replace("\n", "\r\n")
    write(workdir / "positive.tf", crlf, newline="\n")
    results = tfguard("check", "--format", "sarif", "positive.tf").json()["runs"][0]["results"]
    assert apply_fixes(crlf, results) == POSITIVE_FIXED.replace("\n", "\r\n")


def test_unreadable_and_unparsable_inputs_are_notifications_not_results(
    workdir: Path, tfguard, validator
) -> None:
    write(workdir / "broken.tf", SYNTAX_ERROR)
    (workdir / "latin1.tf").write_bytes(b"# caf\xe9\n")
    run = tfguard("check", "--format", "sarif", "broken.tf", "latin1.tf")
    assert run.code == 2
    doc = run.json()
    assert_valid(validator, doc)
    sarif_run = doc["runs"][0]
    assert sarif_run["results"] == []
    (invocation,) = sarif_run["invocations"]
    syntax, unreadable = invocation["toolExecutionNotifications"]
    descriptors = sarif_run["tool"]["driver"]["notifications"]
    assert descriptors[syntax["descriptor"]["index"]]["id"] == syntax["descriptor"]["id"] == "syntax"
    assert (
        descriptors[unreadable["descriptor"]["index"]]["id"] == unreadable["descriptor"]["id"] == "unreadable"
    )
    assert syntax["level"] == unreadable["level"] == "error"
    location = syntax["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "broken.tf", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] >= 1
    assert unreadable["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "latin1.tf", "uriBaseId": "%SRCROOT%"}
    }
    assert unreadable["message"]["text"]


def test_clean_run_is_valid_sarif_with_no_results(workdir: Path, tfguard, validator) -> None:
    write(workdir / "negative.tf", NEGATIVE)
    run = tfguard("check", "--format", "sarif")
    assert run.code == 0
    doc = run.json()
    assert_valid(validator, doc)
    assert doc["runs"][0]["results"] == []


def test_uris_are_relative_with_forward_slashes_and_escaped(workdir: Path, tfguard, validator) -> None:
    write(workdir / "my infra" / "prod#1" / "main.tf", POSITIVE)
    doc = tfguard("check", "--format", "sarif").json()
    assert_valid(validator, doc)
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "my%20infra/prod%231/main.tf", "uriBaseId": "%SRCROOT%"}


def test_a_file_outside_the_current_folder_gets_an_absolute_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tfguard, validator
) -> None:
    target = write(tmp_path / "elsewhere" / "main.tf", POSITIVE)
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    doc = tfguard("check", "--format", "sarif", str(target)).json()
    assert_valid(validator, doc)
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": target.as_uri()}
