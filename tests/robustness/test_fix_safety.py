"""Fixes never break a file: on every fixture, on the shared corpus (with access-key blocks injected between
its real blocks) and on 1,000 generated access-key blocks in varied formatting, fix-all leaves no finding of the
rule, the file still parses (tfguard and python-hcl2), python-hcl2's data differs from the original only in
``status``, and ``terraform fmt -check`` accepts the result wherever it accepted the original."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from support import FIXTURES, TERRAFORM
from tfguard.engine import Analyzer, fix_text

RULE = "terraform-aws-iam-access-key-is-exposed"
HERE = Path(__file__).parent
CORPUS = Path(os.environ.get("TFGUARD_CORPUS", HERE.parents[1] / ".." / "shared" / "corpus")).resolve()
SAMPLE = HERE / "data" / "corpus-sample"


# --- generated access-key blocks ----------------------------------------------------------------------------


def access_key_block(rng: random.Random, name: str) -> str:
    """One aws_iam_access_key resource with a root user, formatted one of many ways."""
    pad = rng.choice(["  ", "    ", "\t", " "])
    comment = lambda: rng.choice(["# note", "// note", "/* note */", "# tfsec says no", "#", "// a = b"])  # noqa: E731
    eq = lambda name, width: name + (" " * (width - len(name)) if rng.random() < 0.5 else " ") + "= "  # noqa: E731
    status = rng.choice([None, None, '"Active"', '"active"', '"ACTIVE"', '"Active"'])
    attrs: list[tuple[str, str]] = [("user", '"root"')]
    if rng.random() < 0.4:
        attrs.append(("pgp_key", '"keybase:someone"'))
    if status is not None:
        attrs.insert(rng.choice([0, len(attrs)]), ("status", status))
        if rng.random() < 0.15:  # a duplicate status (Terraform rejects it; the last one wins in python-hcl2)
            attrs.append(("status", rng.choice(['"Active"', '"Inactive"', '"active"'])))
    if rng.random() < 0.12 and len(attrs) == 1:
        return f'resource "aws_iam_access_key" "{name}" {{ user = "root" }}' + rng.choice(["", " # one line"]) + "\n"
    width = max(len(a) for a, _ in attrs)
    lines = []
    if rng.random() < 0.3:
        lines.append(comment())
    lines.append(f'resource "aws_iam_access_key" "{name}" {{' + (" " + comment() if rng.random() < 0.1 else ""))
    for attr, value in attrs:
        if rng.random() < 0.15:
            lines.append(pad + comment())
        if rng.random() < 0.1:
            lines.append("")
        line = pad + eq(attr, width) + value
        if rng.random() < 0.25:
            line += " " + comment()
        lines.append(line)
    lines.append("}" + (" " + comment() if rng.random() < 0.1 else ""))
    if rng.random() < 0.3:
        lines.append(comment())
    return "\n".join(lines) + "\n"


def generated_files(count: int, seed: int = 6) -> dict[str, str]:
    rng = random.Random(seed)
    files = {}
    for i in range(count):
        blocks = [access_key_block(rng, f"k{i}_{j}") for j in range(rng.choice([1, 1, 2, 3]))]
        text = "\n".join(blocks)
        if rng.random() < 0.2:
            text = text.replace("\n", "\r\n")
        files[f"gen{i:04d}.tf"] = text
    return files


# --- checks -----------------------------------------------------------------------------------------------


def _strip_status(data):
    """python-hcl2's data with the status of every aws_iam_access_key removed."""
    for resource in data.get("resource", []):
        for rtype, named in resource.items():
            if rtype.strip('"') == "aws_iam_access_key":
                for body in named.values():
                    body.pop("status", None)
    return data


def _without_comments(value):
    """python-hcl2 8 reports comments as data (``__comments__``); they carry no meaning, so compare without."""
    if isinstance(value, dict):
        return {k: _without_comments(v) for k, v in value.items() if not k.startswith("__comments")}
    if isinstance(value, list):
        return [_without_comments(v) for v in value]
    return value


def _hcl2(text: str):
    try:
        return _without_comments(hcl2.loads(text))
    except Exception:
        return None


_ANALYZER = Analyzer(cache_size=100_000)  # shared: chunks repeat between the originals and their fixes


def check_fix(name: str, text: str) -> str:
    """Fix ``text`` and check everything but terraform fmt; returns the fixed text."""
    before = _ANALYZER.analyze(text)
    fixed, _ = fix_text(text, _ANALYZER)
    after = _ANALYZER.analyze(fixed)
    assert [f for f in after.findings if f.rule_id == RULE and f.fix is not None] == [], name
    assert len(after.problems) <= len(before.problems), (name, after.problems, fixed)
    if not before.findings:
        assert fixed == text, f"{name}: a file with no finding was changed"
        return fixed
    if "\r\n" in text and "\n" not in text.replace("\r\n", ""):
        assert "\n" not in fixed.replace("\r\n", ""), f"{name}: line endings changed"
    original_data = _hcl2(text)
    if original_data is not None:
        fixed_data = _hcl2(fixed)
        assert fixed_data is not None, f"{name}: python-hcl2 no longer parses the fixed file\n{fixed}"
        for resource in fixed_data.get("resource", []):
            for rtype, named in resource.items():
                for body in named.values() if rtype.strip('"') == "aws_iam_access_key" else ():
                    if body.get("user") == '"root"':
                        assert body.get("status") == '"Inactive"', (name, fixed)
        assert _strip_status(fixed_data) == _strip_status(original_data), f"{name}: more than status changed"
    return fixed


_ERROR_FILE = re.compile(r"on (\S+) line \d+")


def fmt_verdicts(folder: Path, *, write: bool = False) -> dict[str, str]:
    """``terraform fmt -check`` over every .tf file under ``folder`` in as few runs as possible:
    {relative path: "ok" | "unformatted" | "invalid"}. With ``write``, format the valid files in place instead
    (terraform stops at the first file with a syntax error, so those are set aside and the run repeated)."""
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.devnull, CHECKPOINT_DISABLE="1")
    verdicts: dict[str, str] = {}
    mode = ["-list=false"] if write else ["-check", "-list=true"]
    for _ in range(500):
        result = subprocess.run(
            [TERRAFORM, "fmt", *mode, "-recursive", "-no-color", "."],
            cwd=folder, capture_output=True, text=True, env=env, timeout=300,
        )
        if result.returncode == 2:  # syntax errors: set those files aside and run again
            bad = set(_ERROR_FILE.findall(result.stderr))
            assert bad, result.stderr
            for rel in bad:
                verdicts[os.path.normpath(rel)] = "invalid"
                (folder / rel).rename(folder / (rel + ".invalid"))
            continue
        for rel in result.stdout.split():
            verdicts[os.path.normpath(rel)] = "unformatted"
        break
    for path in folder.rglob("*.tf.invalid"):
        path.rename(path.with_suffix(""))
    for path in folder.rglob("*.tf"):
        verdicts.setdefault(os.path.normpath(str(path.relative_to(folder))), "ok")
    return verdicts


def check_fmt(tmp_path: Path, originals: dict[str, str], fixed: dict[str, str]) -> tuple[int, int]:
    """terraform fmt accepts each fixed file wherever it accepted the original. Returns (accepted, total)."""
    if TERRAFORM is None:
        pytest.skip("terraform is not installed (the fmt oracle)")
    changed = [name for name in originals if fixed[name] != originals[name]]
    for side, texts in (("before", originals), ("after", fixed)):
        for name in changed:
            path = tmp_path / side / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(texts[name].encode("utf-8"))
    if not changed:
        return 0, 0
    before, after = fmt_verdicts(tmp_path / "before"), fmt_verdicts(tmp_path / "after")
    broken = [name for name in changed if before[os.path.normpath(name)] == "ok" and after[os.path.normpath(name)] != "ok"]
    assert broken == [], "terraform fmt accepted these before the fix but not after:\n" + "\n".join(
        f"--- {n}\n{originals[n]}\n+++\n{fixed[n]}" for n in broken[:5]
    )
    accepted = sum(1 for name in changed if before[os.path.normpath(name)] == "ok")
    return accepted, len(changed)


# --- the tests --------------------------------------------------------------------------------------------


def test_fix_all_on_every_fixture(tmp_path: Path) -> None:
    files = {str(p.relative_to(FIXTURES)): p.read_bytes().decode("utf-8") for p in FIXTURES.rglob("*.tf")}
    assert len(files) >= 4
    fixed = {name: check_fix(name, text) for name, text in files.items()}
    assert sum(fixed[n] != files[n] for n in files) >= 2  # the positive fixtures had something to fix
    check_fmt(tmp_path, files, fixed)


def test_fix_all_on_a_thousand_generated_access_keys(tmp_path: Path) -> None:
    files = generated_files(1000)
    fixed = {name: check_fix(name, text) for name, text in files.items()}
    # every file has a finding except where a duplicate status ends with "Inactive" (check_fix asserts those
    # are left byte for byte as they were)
    changed = sum(fixed[n] != files[n] for n in files)
    assert changed >= 950
    accepted, total = check_fmt(tmp_path, files, fixed)
    print(f"\n1,000 generated files: fixed {changed}; terraform fmt accepted {accepted} originals, and their fixes")
    assert total == changed


def test_fix_all_on_a_thousand_fmt_clean_access_keys(tmp_path: Path) -> None:
    """The same 1,000 files after ``terraform fmt``: every original is fmt-clean, so every fix must be."""
    if TERRAFORM is None:
        pytest.skip("terraform is not installed (the fmt oracle)")
    files = generated_files(1000)
    folder = tmp_path / "formatted"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    fmt_verdicts(folder, write=True)
    formatted = {name: (folder / name).read_bytes().decode("utf-8") for name in files}
    fixed = {name: check_fix(name, text) for name, text in formatted.items()}
    accepted, total = check_fmt(tmp_path / "check", formatted, fixed)
    print(f"\n1,000 fmt-clean files: fixed {total}; terraform fmt accepted {accepted} originals, and their fixes")
    assert accepted >= 800 and total >= 950  # the rest repeat status, which terraform rejects


def _corpus_files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_bytes().decode("utf-8") for p in sorted(root.rglob("*.tf"))}


def _inject(text: str, rng: random.Random, name: str) -> str:
    """Put an access-key block between two top-level blocks of a real file (at a line that starts one)."""
    starts = [m.start() for m in re.finditer(r"(?m)^(?:resource|data|module|locals|variable|output) ", text)]
    at = rng.choice(starts) if starts else len(text)
    block = access_key_block(rng, name)
    if "\r\n" in text:
        block = block.replace("\n", "\r\n")
    return text[:at] + block + ("\n" if at < len(text) else "") + text[at:]


@pytest.mark.parametrize("source", ["corpus", "sample"])
def test_fix_all_on_the_corpus(tmp_path: Path, source: str) -> None:
    root = CORPUS if source == "corpus" else SAMPLE
    if source == "corpus" and not root.is_dir():
        pytest.skip(f"the shared corpus is not at {root} (set TFGUARD_CORPUS); the vendored sample still runs")
    files = _corpus_files(root)
    assert files
    # as they are: no finding, so fix-all changes nothing
    for name, text in files.items():
        check_fix(name, text)
    # with access keys injected among their real blocks
    rng = random.Random(7)
    injected = {name: _inject(text, rng, f"injected{i}") for i, (name, text) in enumerate(files.items())}
    if TERRAFORM is not None:  # formatted as their authors keep them, so terraform fmt's verdict means something
        folder = tmp_path / "formatted"
        for name, text in injected.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(text.encode("utf-8"))
        fmt_verdicts(folder, write=True)
        injected = {name: (folder / name).read_bytes().decode("utf-8") for name in injected}
    fixed = {name: check_fix(name, text) for name, text in injected.items()}
    accepted, total = check_fmt(tmp_path / "check", injected, fixed)
    print(f"\n{source}: {len(files)} files; injected and fixed {total}; terraform fmt accepted {accepted} and their fixes")
