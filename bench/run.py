"""tfguard benchmark: one command, one table.

    .venv/bin/python -m bench            # from the repository root; about 5-10 minutes on 2 cores

Drives ``tfguard lsp`` over stdio as an editor does (bench/lspclient.py), runs ``tfguard check`` on the corpus and
on a generated tree, and measures python-hcl2 and Checkov beside them in the same run. Generated data goes to
bench/out/ (reused while the generator and seed are unchanged); Checkov gets its own virtualenv in
bench/.venv-checkov (created with pip on first use; skipped with a message where that fails). Progress goes to
stderr, the table (Markdown) to stdout, the raw numbers to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import gen
from bench.lspclient import Client, vm_status

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
CHECKOV_VENV = BENCH / ".venv-checkov"
CHECKOV_SPEC = "checkov"
CHECKOV_BUDGET_S = 180.0
# Checkov on the real-world corpus is slow (its graph of module calls and variables): 555 files took ~10 min.
CHECKOV_CORPUS_LIMIT_S = 60.0

SMALL = """resource "aws_iam_access_key" "positive1" {
  user = "root"
  status = "Active"
}

resource "aws_iam_access_key" "positive2" {
  user = "root"
}
"""


def log(*args: Any) -> None:
    print("[bench]", *args, file=sys.stderr, flush=True)


# --- statistics -------------------------------------------------------------------------------------------


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def p95(xs: list[float]) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(0.95 * (len(s) - 1)))))
    return s[k]


def ms(x: float) -> str:
    if x != x:
        return "n/a"
    return f"{x * 1000:,.1f} ms" if x < 1 else f"{x:,.2f} s"


# --- the server command -----------------------------------------------------------------------------------


def tfguard_argv() -> list[str]:
    script = Path(sys.executable).parent / "tfguard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tfguard"]


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TFGUARD_LOG_LEVEL", None)
    if extra:
        env.update(extra)
    return env


def workspace(scenario: str, on_disk: dict[str, str] | None = None) -> Path:
    """A workspace folder of its own for one scenario, holding only ``on_disk`` (the server scans the folder
    it is given: bench/out with its 5,000-file tree would be a different benchmark). Files opened but not listed
    here are not on disk, so their time is the didOpen analysis alone."""
    root = OUT / "ws" / scenario
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for name, text in (on_disk or {}).items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def uri_of(name: str, root: Path | None = None) -> str:
    return f"file://{root or OUT}/{name}"


def expected(text: str) -> tuple[int, int]:
    """(findings, problems) the CLI engine reports for ``text``."""
    from tfguard.engine import Analyzer

    a = Analyzer().analyze(text)
    return len(a.findings), len(a.problems)


def is_finding(diag: dict[str, Any]) -> bool:
    return str(diag.get("code", "")).startswith("terraform-")


# --- 1. cold start ----------------------------------------------------------------------------------------


async def cold_start_once(env: dict[str, str] | None = None) -> float:
    client = await Client.spawn(tfguard_argv() + ["lsp"], env=server_env(env))
    try:
        root = workspace("cold", {"small.tf": SMALL})
        await client.initialize(str(root))
        uri = uri_of("small.tf", root)
        await client.did_open(uri, SMALL)
        n = await client.next_diagnostics(uri, timeout=60)
        if n is None:
            raise RuntimeError("no diagnostics for the small file: " + "\n".join(client.stderr_tail))
        return n.t - client.t_spawn
    finally:
        await client.close()


async def bench_cold_start(runs: int) -> dict[str, Any]:
    await cold_start_once()  # warm the OS page cache and the grammar cache
    times = [await cold_start_once() for _ in range(runs)]
    fresh = tempfile.mkdtemp(prefix="tfguard-bench-cache-")
    try:
        first = await cold_start_once({"TFGUARD_CACHE_DIR": fresh})
        second = await cold_start_once({"TFGUARD_CACHE_DIR": fresh})
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return {"times": times, "fresh_cache_first": first, "fresh_cache_second": second}


# --- 2/5. open a big file ---------------------------------------------------------------------------------


async def open_once(name: str, text: str, want: int, probe_code_action: bool = False) -> dict[str, Any]:
    client = await Client.spawn(tfguard_argv() + ["lsp"], env=server_env())
    try:
        root = workspace("open", {"warm.tf": SMALL})
        await client.initialize(str(root))
        # the server is up and warm (as when the editor already had another file open)
        await client.did_open(uri_of("warm.tf", root), SMALL)
        if await client.next_diagnostics(uri_of("warm.tf", root), 60) is None:
            raise RuntimeError("no diagnostics for the warm-up file")
        await asyncio.sleep(0.5)  # let a workspace scan of the folder finish
        rss_before = vm_status(client.pid)
        uri = uri_of(name, root)
        t0 = await client.did_open(uri, text)
        probe: asyncio.Future[Any] | None = None
        t_probe = 0.0
        if probe_code_action:
            await asyncio.sleep(0.2)
            t_probe, probe = client.request_nowait(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                    "context": {"diagnostics": []},
                },
            )
        first_finding = last = None
        notes = 0
        counts = []
        complete = None
        while True:
            # wait long for the complete set, then ~1 s of silence after it
            n = await client.next_diagnostics(uri, timeout=1.0 if complete is not None else 300.0)
            if n is None:
                break
            notes += 1
            diags = n.params["diagnostics"]
            counts.append(len(diags))
            last = n.t - t0
            if first_finding is None and any(is_finding(d) for d in diags):
                first_finding = n.t - t0
            if len(diags) == want:
                complete = n.t - t0
        result: dict[str, Any] = {
            "first_finding": first_finding,
            "complete": complete,
            "last": last,
            "notifications": notes,
            "counts": counts,
            "hwm_kb": vm_status(client.pid).get("VmHWM"),
            "rss_kb": vm_status(client.pid).get("VmRSS"),
            "rss_before_kb": rss_before.get("VmRSS"),
        }
        if probe is not None:
            _, t_reply = await asyncio.wait_for(probe, 300)
            result["code_action_s"] = t_reply - t_probe
            result["code_action_before_complete"] = complete is not None and (t_reply - t0) < complete
        return result
    finally:
        await client.close()


# --- 3. typing --------------------------------------------------------------------------------------------


@dataclass
class Edit:
    offset: int  # code point offset in the current text
    delete: int
    insert: str
    flip: bool = False


def plan_edits(text: str, count: int, flips: int) -> list[Edit]:
    """``count`` edits: pairs of (insert one character inside a string value, delete it again) at sites spread
    through the file, and ``flips`` edits that turn ``status = "Active"`` of a root access key into
    ``"Inactive"`` and back (the finding appears and disappears). Every pair restores the text, so offsets stay
    valid."""
    sites = [m.start(1) + len(m.group(1)) // 2 for m in re.finditer(r'(?m)^ +\w+ += "([A-Za-z0-9 ._-]{2,})"$', text)]
    keys = []
    for m in re.finditer(r'resource "aws_iam_access_key" "[^"]+" \{\n  user += "root"\n  status += "(Active|Inactive)"', text):
        keys.append((m.start(1), m.group(1)))
    flips = flips if keys else 0
    pairs = (count - flips) // 2
    step = max(1, len(sites) // max(1, pairs))
    chosen = sites[::step][:pairs]
    edits: list[Edit] = []
    for i, off in enumerate(chosen):
        edits.append(Edit(off, 0, "abcdefghijklmnopqrstuvwxyz"[i % 26]))
        edits.append(Edit(off, 1, ""))
    # interleave the flips through the sequence
    flip_edits: list[Edit] = []
    for i in range(flips // 2):
        off, word = keys[i % len(keys)]
        other = "Inactive" if word == "Active" else "Active"
        flip_edits.append(Edit(off, len(word), other, True))
        flip_edits.append(Edit(off, len(other), word, True))
    if flip_edits:
        every = max(2, len(edits) // (len(flip_edits) // 2 + 1))
        every += every % 2
        merged: list[Edit] = []
        fi = 0
        for i in range(0, len(edits), 2):
            merged += edits[i : i + 2]
            if (i // 2 + 1) % (every // 2) == 0 and fi < len(flip_edits):
                merged += flip_edits[fi : fi + 2]
                fi += 2
        merged += flip_edits[fi:]
        edits = merged
    return edits


def utf16_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return line, len(text[start:offset].encode("utf-16-le")) // 2


async def bench_typing(name: str, text: str, count: int, flips: int) -> dict[str, Any]:
    from tfguard.engine import Analyzer

    edits = plan_edits(text, count, flips)
    oracle = Analyzer()
    oracle.analyze(text)
    client = await Client.spawn(tfguard_argv() + ["lsp"], env=server_env())
    try:
        root = workspace("typing")
        await client.initialize(str(root))
        uri = uri_of(name, root)
        version = 1
        await client.did_open(uri, text, version)
        want = sum(expected(text))
        deadline = time.perf_counter() + 120
        while True:
            n = await client.next_diagnostics(uri, max(0.1, deadline - time.perf_counter()))
            if n is None:
                raise RuntimeError(f"no complete diagnostics ({want}) within 120 s of opening the typing file; "
                                   "server stderr: " + " | ".join(client.stderr_tail[-5:]))
            if n.params.get("version") == version and len(n.params["diagnostics"]) == want:
                break
        latencies, flip_latencies = [], []
        wrong = 0
        finding_counts = set()
        current = text
        for edit in edits:
            version += 1
            line, char = utf16_position(current, edit.offset)
            eline, echar = utf16_position(current, edit.offset + edit.delete)
            change = {
                "range": {"start": {"line": line, "character": char}, "end": {"line": eline, "character": echar}},
                "text": edit.insert,
            }
            current = current[: edit.offset] + edit.insert + current[edit.offset + edit.delete :]
            t0 = await client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            while True:
                n = await client.next_diagnostics(uri, 60)
                if n is None:
                    raise RuntimeError(f"no diagnostics for version {version}")
                if n.params.get("version") == version:
                    break
            dt = n.t - t0
            (flip_latencies if edit.flip else latencies).append(dt)
            a = oracle.analyze(current)
            got = n.params["diagnostics"]
            finding_counts.add(sum(1 for d in got if is_finding(d)))
            if len(got) != len(a.findings) + len(a.problems) or sum(1 for d in got if is_finding(d)) != len(a.findings):
                wrong += 1
        return {
            "latencies": latencies,
            "flip_latencies": flip_latencies,
            "all": latencies + flip_latencies,
            "edits": len(edits),
            "wrong": wrong,
            "finding_counts": sorted(finding_counts),
            "hwm_kb": vm_status(client.pid).get("VmHWM"),
        }
    finally:
        await client.close()


def scratch_parse(text: str, runs: int) -> list[float]:
    import hcl2

    hcl2.parses_to_tree('a = "b"\n')  # grammar loaded
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        hcl2.parses_to_tree(text)
        times.append(time.perf_counter() - t)
    return times


# --- 4. command line --------------------------------------------------------------------------------------


def count_tf(path: Path) -> int:
    n = 0
    for folder, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if d not in (".terraform", ".git")]
        n += sum(1 for x in names if x.endswith(".tf"))
    return n


CPU: dict[str, float] = {}  # CPU seconds (user + sys, children included) of the last timed() command, by argv[0..2]


def timed(argv: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0, 1)) -> tuple[float, str]:
    """Wall time of a command (stdout to /dev/null); its CPU time goes to ``CPU["last"]``: on a machine shared
    with other work, CPU seconds still compare fairly where wall time does not."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    dt = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in ok:
        raise RuntimeError(f"{argv[:3]}... exited {proc.returncode}: {proc.stderr[-2000:]}")
    return dt, proc.stderr


def single_process_argv(path: Path) -> tuple[list[str], str]:
    """``tfguard check`` forced onto one process: ``--jobs 1`` or ``TFGUARD_JOBS=1`` where the CLI has them,
    else the same ``main`` with ``os.cpu_count`` patched to 1 (cli.py decides parallelism from it)."""
    help_text = subprocess.run(tfguard_argv() + ["check", "--help"], capture_output=True, text=True).stdout
    if "--jobs" in help_text:
        return tfguard_argv() + ["check", "--jobs", "1", "--format", "json", str(path)], "--jobs 1"
    code = (
        "import os, sys; os.cpu_count = lambda: 1; from tfguard.cli import main; "
        f"sys.exit(main(['check', '--format', 'json', {str(path)!r}]))"
    )
    return [sys.executable, "-c", code], "os.cpu_count patched to 1 (the CLI has no --jobs switch)"


LOADS_SCRIPT = r"""
import os, sys, hcl2
root = sys.argv[1]
paths = []
for folder, dirs, names in os.walk(root):
    dirs[:] = sorted(d for d in dirs if d not in (".terraform", ".git"))
    paths += [os.path.join(folder, n) for n in names if n.endswith(".tf")]
failed = 0
for p in sorted(paths):
    with open(p, encoding="utf-8", newline="") as fh:
        text = fh.read()
    try:
        hcl2.loads(text)
    except Exception:
        failed += 1
print(len(paths), failed, file=sys.stderr)
"""


def checkov_bin() -> Path | None:
    exe = CHECKOV_VENV / "bin" / "checkov"
    if exe.exists():
        return exe
    log("creating Checkov's own virtualenv in", CHECKOV_VENV, "(pip install checkov; a few minutes, once)")
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "--quiet", CHECKOV_SPEC], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        log("Checkov could not be installed:", exc)
        return None
    return exe if exe.exists() else None


def checkov_version(exe: Path) -> str:
    try:
        return subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=120).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return "?"


def run_checkov(exe: Path, path: Path, limit: float | None = None) -> tuple[float, str]:
    """Checkov's wall time and failed-check count; with ``limit``, stopped after that many seconds and the time
    returned as ``inf`` (the rate is then at most files/limit)."""
    argv = [str(exe), "-d", str(path), "--check", "CKV_AWS_348", "--framework", "terraform", "--quiet", "--compact"]
    t = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
                              timeout=limit)
    except subprocess.TimeoutExpired:
        return float("inf"), "?"
    dt = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"checkov exited {proc.returncode}: {proc.stderr[-2000:]}")
    return dt, str(proc.stdout.count("FAILED for resource"))


# --- data -------------------------------------------------------------------------------------------------


def generator_key(*parts: Any) -> str:
    h = hashlib.sha256((BENCH / "gen.py").read_bytes())
    h.update(repr(parts).encode())
    return h.hexdigest()[:16]


def ensure_tree(path: Path, files: int, seed: int) -> Path:
    stamp = path / ".stamp"
    key = generator_key(files, seed)
    if stamp.exists() and stamp.read_text() == key:
        return path
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    t = time.perf_counter()
    gen.generate_tree(str(path), files, seed)
    stamp.write_text(key)
    log(f"generated {files} files in {path} ({time.perf_counter() - t:.1f} s)")
    return path


def big_file(lines: int, seed: int, broken: float) -> str:
    path = OUT / f"gen-{lines}-{seed}-{broken}.tf"
    text = gen.generate(lines, seed, broken=broken)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return text


SERVER_REV: str | None = None


def use_server_rev(rev: str) -> None:
    """Make this process and every process it starts import tfguard from ``rev``'s server/ folder."""
    global SERVER_REV
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    dest = OUT / f"server-{sha}"
    if not (dest / "server" / "tfguard" / "__init__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", sha, "server"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    src = str(dest / "server")
    if "tfguard" in sys.modules:
        raise RuntimeError("--server-rev must be applied before tfguard is imported")
    sys.path.insert(0, src)
    os.environ["PYTHONPATH"] = src + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")
    SERVER_REV = sha
    log(f"benchmarking tfguard from {rev} ({sha}) in {src}")


def versions(checkov: str | None) -> dict[str, str]:
    def v(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "server"], capture_output=True,
                           text=True).stdout.strip()
    return {
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "python-hcl2": v("python-hcl2"),
        "lark": v("lark"),
        "pygls": v("pygls"),
        "lsprotocol": v("lsprotocol"),
        "tfguard": f"{v('tfguard')} ({SERVER_REV} as committed)" if SERVER_REV else
        f"{v('tfguard')} (work tree at {rev.stdout.strip() or '?'}{' + uncommitted server changes' if dirty else ''})",
        "checkov": checkov or "not run",
    }


# --- the table --------------------------------------------------------------------------------------------


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def add(self, measure: str, tfguard: str, beside: str = "", ratio: str = "", target: str = "",
            ok: bool | None = None) -> None:
        mark = "" if ok is None else ("yes" if ok else "**NO**")
        self.rows.append((measure, tfguard, beside, ratio, target, mark))

    def render(self) -> str:
        head = ("measure", "tfguard (median / p95)", "beside it, same run", "ratio", "target", "ok?")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


def guarded(name: str, fn: Any, table: Table, results: dict[str, Any]) -> None:
    """Run one section; a failure becomes a row (and the traceback goes to stderr) and the run goes on."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the table must still come out
        import traceback

        traceback.print_exc()
        results[f"error_{name}"] = f"{type(exc).__name__}: {exc}"
        table.add(f"{name}: FAILED", f"{type(exc).__name__}: {str(exc)[:300]}", "", "", "", False)


def fmt_rate(files: int, seconds: float) -> str:
    return f"{files / seconds:,.0f} files/s ({seconds:.1f} s)"


# --- how much of the machine we get ---------------------------------------------------------------------


def _burn(n: int) -> float:
    t = time.perf_counter()
    x = 0
    for i in range(n):
        x += i
    return time.perf_counter() - t


def calibrate(n: int = 8_000_000) -> dict[str, float]:
    """A pure-Python loop alone and in 2 processes at once: 2.0 means two cores are really free (other work on
    the machine, e.g. a test suite, lowers it, and with it every parallel number in the table)."""
    import multiprocessing

    one = min(_burn(n) for _ in range(2))
    procs = min(2, os.cpu_count() or 1)
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        t = time.perf_counter()
        pool.map(_burn, [n] * procs)
        both = time.perf_counter() - t
    return {"one_s": one, "parallel_s": both, "effective_cores": procs * one / both,
            "loadavg": os.getloadavg()[0]}


# --- main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description="tfguard benchmark (prints one table)")
    p.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"),
                   help="real-world Terraform folder (default: ../shared/corpus next to the clone)")
    p.add_argument("--files", type=int, default=5000, help="files in the generated tree (default 5000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cold-runs", type=int, default=10)
    p.add_argument("--open-runs", type=int, default=3, help="opens of the 10k-line file (50k: one fewer, min 1)")
    p.add_argument("--edits", type=int, default=300)
    p.add_argument("--no-checkov", action="store_true", help="skip Checkov")
    p.add_argument("--server-rev", metavar="REV",
                   help="benchmark tfguard's server/ as committed at REV (e.g. HEAD) instead of the work tree: "
                   "exported with git archive to bench/out/server-REV and put first on PYTHONPATH")
    p.add_argument("--quick", action="store_true", help="smaller everything, for trying the bench itself")
    args = p.parse_args(argv)
    if args.quick:
        args.files, args.cold_runs, args.open_runs, args.edits = 500, 3, 1, 60
    OUT.mkdir(parents=True, exist_ok=True)
    if args.server_rev:
        use_server_rev(args.server_rev)
    t_start = time.perf_counter()
    results: dict[str, Any] = {"args": vars(args)}
    table = Table()

    checkov = None if args.no_checkov else checkov_bin()
    ver = versions(checkov_version(checkov) if checkov else ("skipped (--no-checkov)" if args.no_checkov else
                                                              "not installable here: skipped"))
    results["versions"] = ver

    cal_start = calibrate()
    results["calibration_start"] = cal_start

    # data
    text10 = big_file(10_000, args.seed, 0.0)
    open10 = big_file(10_000, args.seed, 0.004)
    open50 = big_file(50_000, args.seed + 1, 0.004)
    tree = ensure_tree(OUT / f"tree{args.files}", args.files, args.seed)
    subset = ensure_tree(OUT / "tree500", min(500, args.files), args.seed)

    checkov_rates: dict[str, tuple[float, str]] = {}

    # 1. cold start
    def _section0() -> None:
        log("cold start ...")
        cold = asyncio.run(bench_cold_start(args.cold_runs))
        results["cold_start"] = cold
        table.add(f"cold start: spawn `tfguard lsp` -> first diagnostics, small file (n={args.cold_runs})",
                  f"{ms(median(cold['times']))} / {ms(p95(cold['times']))}", "", "", "<= 0.5 s median",
                  median(cold["times"]) <= 0.5)
        table.add("cold start, first process with an empty grammar cache dir (TFGUARD_CACHE_DIR)",
                  ms(cold["fresh_cache_first"]), f"next process, same dir: {ms(cold['fresh_cache_second'])}", "",
                  "grammar never rebuilt per process", cold["fresh_cache_second"] <= 0.5)

    guarded('cold start', _section0, table, results)

    def _section1() -> None:
        # 2 + 5. big opens
        for label, text, runs, t_first, t_done in (
            ("10k", open10, args.open_runs, 0.3, 1.0),
            ("50k", open50, max(1, args.open_runs - 1), 1.5, 5.0),
        ):
            lines = text.count("\n")
            nf, np_ = expected(text)
            log(f"open {label} ({lines} lines, expecting {nf} findings + {np_} syntax errors) x{runs} ...")
            runs_r = [asyncio.run(open_once(f"open{label}.tf", text, nf + np_)) for _ in range(runs)]
            results[f"open_{label}"] = runs_r
            firsts = [r["first_finding"] for r in runs_r if r["first_finding"] is not None]
            dones = [r["complete"] for r in runs_r if r["complete"] is not None]
            notes = "/".join(str(r["notifications"]) for r in runs_r)
            table.add(f"open {label}-line file ({lines:,} lines): didOpen -> first rule findings (n={runs})",
                      f"{ms(median(firsts))} / {ms(p95(firsts))}" if firsts else "never", "", "", f"<= {t_first} s",
                      bool(firsts) and median(firsts) <= t_first)
            table.add(f"open {label}: -> complete ({nf} findings + {np_} syntax errors; {notes} publish(es) per open)",
                      f"{ms(median(dones))} / {ms(p95(dones))}" if len(dones) == runs else
                      f"incomplete in {runs - len(dones)} of {runs}", "", "", f"<= {t_done} s",
                      len(dones) == runs and median(dones) <= t_done)
            if label == "50k":
                hwm = max(r["hwm_kb"] or 0 for r in runs_r) / 1024
                table.add("server peak RSS (VmHWM) with the 50k-line file open",
                          f"{hwm:,.0f} MB", f"RSS before the open: {runs_r[0]['rss_before_kb'] / 1024:,.0f} MB",
                          "", "<= 250 MB", hwm <= 250)
                log("open 50k with a code action sent 0.2 s after didOpen ...")
                probe = asyncio.run(open_once("probe50k.tf", text, nf + np_, probe_code_action=True))
                results["code_action_probe"] = probe
                table.add("code action sent 0.2 s into the 50k open: time to its answer",
                          ms(probe["code_action_s"]), f"analysis complete at {ms(probe['complete'] or float('nan'))}",
                          "", "answered before the analysis completes", bool(probe["code_action_before_complete"]))

    guarded('big opens', _section1, table, results)

    def _section2() -> None:
        # 3. typing
        log(f"typing: {args.edits} edits in the 10k-line file ...")
        typing = asyncio.run(bench_typing("typing10k.tf", text10, args.edits, max(2, args.edits // 15)))
        scratch = scratch_parse(text10, 3)
        results["typing"] = typing
        results["scratch_parse_10k"] = scratch
        allv = typing["all"]
        ratio = median(scratch) / median(allv)
        table.add(f"typing, 10k-line file: didChange -> publishDiagnostics for that version "
                  f"({typing['edits']} edits, {len(typing['flip_latencies'])} of them flipping an access key; "
                  f"findings seen: {typing['finding_counts']}; results that differ from the engine: {typing['wrong']})",
                  f"{ms(median(allv))} / {ms(p95(allv))}",
                  f"hcl2.parses_to_tree of the same text: {ms(median(scratch))}", f"{ratio:,.0f}x faster",
                  "p50 <= 5 ms, p95 <= 10 ms, >= 100x", median(allv) <= 0.005 and p95(allv) <= 0.010 and ratio >= 100
                  and typing["wrong"] == 0)
        table.add("typing: only the single-character edits / only the access-key flips",
                  f"{ms(median(typing['latencies']))} / {ms(p95(typing['latencies']))}",
                  f"flips: {ms(median(typing['flip_latencies']))} / {ms(p95(typing['flip_latencies']))}")

    guarded('typing', _section2, table, results)

    def _section3() -> None:
        # 4. command line
        corpus = Path(args.corpus)
        sets = [("generated tree", tree)]
        if corpus.is_dir():
            sets.insert(0, ("corpus", corpus))
        else:
            log(f"no corpus at {corpus}: skipped")
            table.add(f"CLI on the corpus ({corpus})", "skipped: folder not found")
        for label, path in sets:
            n = count_tf(path)
            log(f"CLI on {label}: {n} files ...")
            par, _ = timed(tfguard_argv() + ["check", "--format", "json", str(path)])
            cpu_par = CPU["last"]
            single_argv, how = single_process_argv(path)
            one, _ = timed(single_argv)
            cpu_one = CPU["last"]
            loads, err = timed([sys.executable, "-c", LOADS_SCRIPT, str(path)], ok=(0,))
            cpu_loads = CPU["last"]
            failed = err.split()[-1] if err.split() else "?"
            results[f"cli_{label}"] = {"files": n, "parallel": par, "single": one, "loads": loads, "how": how,
                                       "loads_failed": failed,
                                       "cpu_parallel": cpu_par, "cpu_single": cpu_one, "cpu_loads": cpu_loads}
            table.add(f"`tfguard check --format json` on the {label} ({n:,} files), {os.cpu_count()} cores",
                      fmt_rate(n, par) + f"; CPU {cpu_par:.1f} s",
                      f"single process: {fmt_rate(n, one)}; CPU {cpu_one:.1f} s", f"{one / par:.2f}x", ">= 1.7x",
                      one / par >= 1.7)
            table.add(f"  ... vs plain single-process `hcl2.loads` of every file ({failed} files it rejects)",
                      fmt_rate(n, par), f"hcl2.loads: {fmt_rate(n, loads)}; CPU {cpu_loads:.1f} s",
                      f"{loads / par:.2f}x", ">= 3x",
                      loads / par >= 3)
            if checkov is not None:
                rate, note = checkov_rate(checkov, label, path, n, subset)
                checkov_rates[label] = (rate, note)
                results[f"checkov_{label}"] = {"files_per_s": rate, "note": note}
                ours = n / par
                table.add(f"  ... vs Checkov (`checkov -d DIR --check CKV_AWS_348 --framework terraform`)",
                          fmt_rate(n, par), f"Checkov: {'<= ' if 'stopped' in note else ''}{rate:,.1f} files/s ({note})",
                      f"{'>= ' if 'stopped' in note else ''}{ours / rate:,.0f}x", ">= 100x",
                          ours / rate >= 100)
            else:
                table.add("  ... vs Checkov", "", "skipped: " + ("--no-checkov" if args.no_checkov else
                                                               "Checkov could not be installed (see the log)"))

    guarded('command line', _section3, table, results)

    cal_end = calibrate()
    results["calibration_end"] = cal_end
    table.add("machine check: a pure-Python loop in 2 processes at once vs alone (start / end of the run)",
              f"{cal_start['effective_cores']:.2f} / {cal_end['effective_cores']:.2f} cores free",
              f"1-min load average {cal_start['loadavg']:.1f} / {cal_end['loadavg']:.1f}", "",
              ">= 1.9 for a clean measurement", min(cal_start["effective_cores"], cal_end["effective_cores"]) >= 1.9)
    elapsed = time.perf_counter() - t_start
    header = [
        f"tfguard benchmark — {ver['cores']} cores ({platform.machine()}), python {ver['python']}, "
        f"python-hcl2 {ver['python-hcl2']}, lark {ver['lark']}, pygls {ver['pygls']}, "
        f"lsprotocol {ver['lsprotocol']}, tfguard {ver['tfguard']}, checkov {ver['checkov']}; "
        f"seed {args.seed}; whole run {elapsed / 60:.1f} min",
        "",
    ]
    report = "\n".join(header) + table.render() + "\n"
    notes = [
        "",
        "Times are wall-clock, client side, from the message being written to the server's stdin to its reply being",
        "read. Ratios: `beside / tfguard` for times, `tfguard / beside` for rates.",
        f"Single process forced by: {results.get('cli_generated tree', {}).get('how', '-')}.",
    ]
    for label, (_, note) in checkov_rates.items():
        if "scaled" in note:
            notes.append(f"Checkov on the {label}: {note}.")
    report += "\n".join(notes) + "\n"
    print(report)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    (OUT / "table.md").write_text(report)
    log(f"done in {elapsed:.0f} s; raw numbers in {OUT / 'results.json'}")
    return 0


def checkov_rate(exe: Path, label: str, path: Path, n: int, subset: Path) -> tuple[float, str]:
    """Checkov's files/s on ``path``; on the big tree, measured on the 500-file subset first and run in full only
    if that projects under the budget."""
    if label == "generated tree" and n > 500:
        m = count_tf(subset)
        log(f"Checkov on the {m}-file subset ...")
        t_sub, failed = run_checkov(exe, subset)
        projected = t_sub * n / m
        if projected > CHECKOV_BUDGET_S:
            return m / t_sub, (f"measured on the first {m} files in {t_sub:.0f} s ({failed} failed checks); "
                               f"the full {n} would take ~{projected / 60:.0f} min: rate scaled")
        log(f"Checkov on all {n} files (projected {projected:.0f} s) ...")
    limit = None if label == "generated tree" else CHECKOV_CORPUS_LIMIT_S
    t, failed = run_checkov(exe, path, limit)
    if t == float("inf"):
        return n / CHECKOV_CORPUS_LIMIT_S, f"stopped after {CHECKOV_CORPUS_LIMIT_S:.0f} s: the rate is at most this"
    return n / t, f"{t:.0f} s, {failed} failed checks"


if __name__ == "__main__":
    sys.exit(main())
