"""The benchmark's inputs are what the benchmark claims they are (not a timing test).

The generator must give the same text for the same seed, valid Terraform that python-hcl2 parses whole (so the
from-scratch comparison is fair), about 1% access-key blocks with exactly the non-compliant ones tfguard flags,
one syntax error per broken block, and typing edits that change the finding set and give the text back.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import gen  # noqa: E402
from bench.run import plan_edits  # noqa: E402
from tfguard.engine import Analyzer  # noqa: E402


def test_same_seed_same_text_and_another_seed_another_text():
    assert gen.generate(800, seed=7) == gen.generate(800, seed=7)
    assert gen.generate(800, seed=7) != gen.generate(800, seed=8)


def test_generated_file_is_valid_terraform_with_the_flagged_access_keys():
    g = gen.Gen(5)
    text = g.text(3000)
    assert 3000 <= text.count("\n") < 3100
    analysis = Analyzer().analyze(text)
    assert analysis.problems == []
    assert g.noncompliant > 0
    assert len(analysis.findings) == g.noncompliant
    blocks = sum(text.count(f"\n{kw} ") for kw in ("resource", "data", "module", "variable", "output"))
    assert 0.003 <= g.access_keys / blocks <= 0.03
    for feature in ("<<EOF", "<<-EOT", "for_each", "dynamic \"ingress\"", "jsonencode({", "/*", "//", "# "):
        assert feature in text
    import hcl2

    hcl2.parses_to_tree(text)  # the whole file parses: the benchmark's from-scratch baseline is a real parse


def test_broken_blocks_give_one_syntax_error_each_and_leave_the_rest_alone():
    g = gen.Gen(3)
    text = g.text(5000, broken=0.01)
    clean = gen.Gen(3).text(5000)
    assert g.broken > 0
    assert len(Analyzer().analyze(text).problems) == g.broken
    assert len(text.splitlines()) == len(clean.splitlines())


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_generated_file_is_terraform_fmt_clean(tmp_path):
    path = tmp_path / "gen.tf"
    path.write_text(gen.generate(1500, seed=11))
    proc = subprocess.run(["terraform", "fmt", "-check", "-diff", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_typing_edits_flip_findings_and_give_the_text_back():
    text = gen.generate(10_000, seed=1)
    edits = plan_edits(text, 300, 20)
    assert len(edits) == 300
    assert sum(e.flip for e in edits) == 20
    analyzer = Analyzer()
    counts = {len(analyzer.analyze(text).findings)}
    current = text
    for e in edits:
        if not e.flip:
            assert (e.delete, len(e.insert)) in ((0, 1), (1, 0))
            assert current[e.offset - 1] not in '"\n'  # inside a string value
        current = current[: e.offset] + e.insert + current[e.offset + e.delete :]
        counts.add(len(analyzer.analyze(current).findings))
    assert current == text
    assert len(counts) > 1  # the finding set changes while typing


def test_tree_has_the_requested_number_of_files(tmp_path):
    paths = gen.generate_tree(str(tmp_path), 120, seed=2)
    assert len(paths) == len(set(paths)) == 120
    assert len(list(tmp_path.rglob("*.tf"))) == 120
    assert gen.generate_tree(str(tmp_path / "again"), 20, seed=2)[0].endswith("main.tf")
    first = (tmp_path / "stack000" / "module0" / "main.tf").read_text()
    assert first == (tmp_path / "again" / "stack000" / "module0" / "main.tf").read_text()
