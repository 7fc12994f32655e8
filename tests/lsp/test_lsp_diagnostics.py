"""Engine results -> LSP diagnostics: ranges in each encoding, codes, links, related information, data."""

from __future__ import annotations

from types import SimpleNamespace

from lsprotocol import types
from tfguard.engine.findings import Finding, Fix, Problem, Related, Severity, TextEdit
from tfguard.hcl.text import LineIndex
from tfguard.lsp.capabilities import ClientFeatures
from tfguard.lsp.diagnostics import to_diagnostics

URI = "file:///w/main.tf"
RULE = "terraform-aws-iam-access-key-is-exposed"
TEXT = (
    'resource "aws_iam_access_key" "k" {\n  /* ключ 😀 */ user = "root"\n  status = "Active"\n}\nbroken {\n'
)
USER = TEXT.index('user = "root"')
STATUS = TEXT.index('status = "Active"')
ACTIVE = TEXT.index('"Active"')
BROKEN = TEXT.index("broken")
ALL = ClientFeatures(related_information=True, code_description=True)


def analysis():
    finding = Finding(
        RULE,
        Severity.WARNING,
        USER,
        USER + len('user = "root"'),
        "aws_iam_access_key.k: an active access key for the root user",
        "aws_iam_access_key.k",
        Fix('Set status to "Inactive"', (TextEdit(ACTIVE, ACTIVE + 8, '"Inactive"'),)),
        (Related(STATUS, STATUS + len('status = "Active"'), "status is Active here"),),
    )
    problem = Problem(BROKEN, BROKEN + 6, "this block is not closed", "syntax")
    return SimpleNamespace(text=TEXT, findings=[finding], problems=[problem], index=LineIndex(TEXT))


def rng(sl, sc, el, ec):
    return types.Range(types.Position(sl, sc), types.Position(el, ec))


def test_finding_and_problem_in_utf16() -> None:
    finding, problem = to_diagnostics(URI, analysis(), "utf-16", ALL)
    assert finding.range == rng(1, 16, 1, 29)
    assert finding.severity == types.DiagnosticSeverity.Warning
    assert finding.code == RULE and finding.source == "tfguard"
    assert finding.code_description == types.CodeDescription(
        "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/iam_access_key"
    )
    assert finding.message == "aws_iam_access_key.k: an active access key for the root user"
    assert list(finding.related_information) == [
        types.DiagnosticRelatedInformation(types.Location(URI, rng(2, 2, 2, 19)), "status is Active here")
    ]
    assert finding.data == {
        "rule": RULE,
        "fix": {
            "title": 'Set status to "Inactive"',
            "edits": [
                {
                    "range": {"start": {"line": 2, "character": 11}, "end": {"line": 2, "character": 19}},
                    "newText": '"Inactive"',
                }
            ],
        },
    }
    assert problem.range == rng(4, 0, 4, 6)
    assert problem.severity == types.DiagnosticSeverity.Error
    assert (problem.code, problem.source, problem.message) == (
        "syntax",
        "tfguard",
        "this block is not closed",
    )


def test_columns_follow_the_negotiated_encoding() -> None:
    for encoding, start, end in (("utf-8", 22, 35), ("utf-16", 16, 29), ("utf-32", 15, 28)):
        (finding, _) = to_diagnostics(URI, analysis(), encoding, ALL)
        assert finding.range == rng(1, start, 1, end), encoding


def test_related_information_and_links_only_for_clients_that_declare_them() -> None:
    (finding, _) = to_diagnostics(URI, analysis(), "utf-16", ClientFeatures())
    assert finding.related_information is None
    assert finding.code_description is None


def test_an_engine_failure_is_one_visible_error() -> None:
    (diag,) = to_diagnostics(URI, None, "utf-16", ALL, error="RuntimeError: boom")
    assert diag.severity == types.DiagnosticSeverity.Error
    assert diag.code == "internal-error" and "RuntimeError: boom" in diag.message
    assert diag.range == rng(0, 0, 0, 0)


def test_capabilities_of_real_clients() -> None:
    from pytest_lsp import client_capabilities

    vscode = ClientFeatures.from_capabilities(client_capabilities("visual-studio-code"))
    assert (vscode.pull_diagnostics, vscode.code_description, vscode.document_changes) == (False, True, True)
    nvim07 = ClientFeatures.from_capabilities(client_capabilities("neovim@v0.7.0"))
    assert (nvim07.pull_diagnostics, nvim07.is_preferred, nvim07.document_changes) == (False, False, False)
    nvim11 = ClientFeatures.from_capabilities(client_capabilities("neovim@v0.11"))
    assert (nvim11.pull_diagnostics, nvim11.related_information) == (True, True)
    emacs = ClientFeatures.from_capabilities(client_capabilities("emacs"))
    assert (emacs.pull_diagnostics, emacs.related_information, emacs.document_changes) == (False, False, True)


def test_related_information_in_another_file(tmp_path) -> None:
    import dataclasses

    if "path" not in {f.name for f in dataclasses.fields(Related)}:
        import pytest

        pytest.skip("the engine does not point into other files yet")
    other = tmp_path / "variables.tf"
    other.write_bytes(b'variable "status" {\n  default = "Active"\n}\n')
    at = other.read_text().index('default = "Active"')
    result = analysis()
    finding = dataclasses.replace(
        result.findings[0],
        related=(Related(at, at + len('default = "Active"'), "the default keeps it active", str(other)),),
    )
    result.findings = [finding]
    (diag, _) = to_diagnostics(URI, result, "utf-16", ALL)
    (related,) = diag.related_information
    assert related.location == types.Location(other.resolve().as_uri(), rng(1, 2, 1, 20))
    missing = dataclasses.replace(finding, related=(Related(0, 1, "gone", str(tmp_path / "missing.tf")),))
    result.findings = [missing]
    (diag, _) = to_diagnostics(URI, result, "utf-16", ALL)
    assert diag.related_information is None
