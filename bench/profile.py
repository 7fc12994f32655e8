"""Profile the server and the CLI with py-spy (sampling, all threads, native-free) in the benchmark's scenarios.

    .venv/bin/pip install py-spy            # once
    .venv/bin/python -m bench.profile typing|open50k|cold|cli [--top 25]

``typing``: py-spy attaches to the server after the 10k-line file is open and records the typing run;
``open50k``: it attaches to a warm server and records the 50k-line open until the diagnostics arrive;
``cold``: it starts the server and records up to the first diagnostics of a small file;
``cli``: ``tfguard check`` on the corpus, worker processes included.
Raw stacks go to bench/out/prof-<scenario>.raw (collapsed format, flamegraph.pl/speedscope can read it); the
top functions by self and by inclusive time are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import run
from bench.lspclient import Client

RATE = 500
# frames where a thread only waits (py-spy counts them as active): an idle executor worker, the event loop's poll
IDLE = ("_worker (concurrent/futures/thread.py:81)", "EpollSelector.select (selectors.py:468)")


def py_spy() -> str:
    exe = Path(sys.executable).parent / "py-spy"
    if exe.exists():
        return str(exe)
    found = shutil.which("py-spy")
    if not found:
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


def attach(pid: int, out: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([py_spy(), "record", "-r", str(RATE), "--format", "raw", "-o", str(out), "--pid",
                             str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # let it attach
    return proc


async def scenario_typing(out: Path, edits: int) -> None:
    text = run.big_file(10_000, 1, 0.0)
    client = await Client.spawn(run.tfguard_argv() + ["lsp"], env=run.server_env())
    root = run.workspace("prof-typing")
    await client.initialize(str(root))
    uri = run.uri_of("prof-typing.tf", root)
    await client.did_open(uri, text)
    await client.next_diagnostics(uri, 300)
    spy = attach(client.pid, out)
    version = 1
    current = text
    lat = []
    for edit in run.plan_edits(text, edits, 20):
        version += 1
        line, char = run.utf16_position(current, edit.offset)
        eline, echar = run.utf16_position(current, edit.offset + edit.delete)
        current = current[: edit.offset] + edit.insert + current[edit.offset + edit.delete :]
        t0 = await client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": char},
                                          "end": {"line": eline, "character": echar}}, "text": edit.insert}]})
        while True:
            n = await client.next_diagnostics(uri, 60)
            if n is None or n.params.get("version") == version:
                break
        lat.append(n.t - t0 if n else float("nan"))
    print(f"typing under py-spy: p50 {run.ms(run.median(lat))}, p95 {run.ms(run.p95(lat))}", file=sys.stderr)
    await client.close()
    spy.wait(60)


async def scenario_open50k(out: Path) -> None:
    text = run.big_file(50_000, 2, 0.004)
    client = await Client.spawn(run.tfguard_argv() + ["lsp"], env=run.server_env())
    root = run.workspace("prof-open", {"warm.tf": run.SMALL})
    await client.initialize(str(root))
    await client.did_open(run.uri_of("warm.tf", root), run.SMALL)
    await client.next_diagnostics(run.uri_of("warm.tf", root), 60)
    spy = attach(client.pid, out)
    uri = run.uri_of("prof-open50k.tf", root)
    t0 = await client.did_open(uri, text)
    n = await client.next_diagnostics(uri, 300)
    print(f"50k open under py-spy: {run.ms(n.t - t0) if n else 'no diagnostics'}", file=sys.stderr)
    await client.close()
    spy.wait(60)


def summarize(raw: Path, top: int) -> None:
    self_t: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames or frames[-1] in IDLE:
            continue
        total += n
        self_t[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    print(f"\n{raw.name}: {total} samples at {RATE}/s (~{total / RATE:.1f} s in threads not idle)")
    for title, counter in (("self", self_t), ("inclusive", incl)):
        print(f"\n-- top {top} by {title} time --")
        for name, n in counter.most_common(top):
            print(f"{100 * n / total:5.1f}%  {name}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("scenario", choices=("typing", "open50k", "cold", "cli"))
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--edits", type=int, default=300)
    p.add_argument("--corpus", default=str(run.ROOT.parent / "shared" / "corpus"))
    args = p.parse_args(argv)
    run.OUT.mkdir(parents=True, exist_ok=True)
    out = run.OUT / f"prof-{args.scenario}.raw"
    if args.scenario == "typing":
        asyncio.run(scenario_typing(out, args.edits))
    elif args.scenario == "open50k":
        asyncio.run(scenario_open50k(out))
    elif args.scenario == "cold":
        # py-spy starts the server; the client talks to it through py-spy's inherited pipes
        async def cold() -> None:
            client = await Client.spawn([py_spy(), "record", "-r", str(RATE), "--format", "raw", "-o", str(out),
                                         "--"] + run.tfguard_argv() + ["lsp"], env=run.server_env())
            root = run.workspace("prof-cold", {"small.tf": run.SMALL})
            await client.initialize(str(root))
            await client.did_open(run.uri_of("small.tf", root), run.SMALL)
            n = await client.next_diagnostics(run.uri_of("small.tf", root), 60)
            print(f"cold start under py-spy: {run.ms(n.t - client.t_spawn) if n else 'none'}", file=sys.stderr)
            await client.close()
            await asyncio.sleep(1)

        asyncio.run(cold())
    else:
        subprocess.run([py_spy(), "record", "--subprocesses", "-r", str(RATE), "--format", "raw", "-o", str(out),
                        "--"] + run.tfguard_argv() + ["check", "--format", "json", args.corpus],
                       stdout=subprocess.DEVNULL)
    summarize(out, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
