"""The ``tfguard`` command: ``tfguard check`` for people and CI, ``tfguard lsp`` for editors.

``tfguard check [PATH ...]`` checks files and folders (default ``.``); a folder is searched recursively for
``*.tf`` files, in sorted order, skipping ``.terraform`` and ``.git`` folders. ``--format`` picks the output
(see :mod:`tfguard.report`), ``--fix`` repairs every fixable finding in place first.

Exit status: 1 when any finding is reported (after fixing, with ``--fix``); otherwise 2 when any input could
not be read or parsed, or on a usage error; otherwise 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from tfguard import __version__

if TYPE_CHECKING:
    from tfguard.report import FileReport

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERRORS = 2

SKIP_DIRS = frozenset({".terraform", ".git"})
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 64


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tfguard", description="Find and fix security problems in Terraform files."
    )
    parser.add_argument("--version", action="version", version=f"tfguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = sub.add_parser(
        "check",
        help="check Terraform files and folders",
        description="Check Terraform files; folders are searched recursively for *.tf files "
        "(skipping .terraform and .git). Exit status: 1 when there are findings, otherwise 2 when an "
        "input could not be read or parsed, otherwise 0.",
    )
    check.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="files or folders (default: .)"
    )
    check.add_argument(
        "--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)"
    )
    check.add_argument(
        "--fix", action="store_true", help="apply every available fix in place, then report what remains"
    )

    lsp = sub.add_parser("lsp", help="run the language server (stdio by default)")
    lsp.add_argument(
        "--tcp", metavar="HOST:PORT", type=_host_port, help="listen on a TCP socket instead of stdio"
    )
    lsp.add_argument("--stdio", action="store_true", help="use stdin/stdout (the default)")
    return parser


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "lsp":
        from tfguard.lsp.server import run  # pygls is only imported by the language server

        return int(run(args.tcp) or 0)
    return check(args.paths, fmt=args.format, fix=args.fix)


# --- check -------------------------------------------------------------------------------------------------


def check(paths: Sequence[str], *, fmt: str = "text", fix: bool = False) -> int:
    """Run ``tfguard check`` on ``paths``, print the report to stdout and return the exit status."""
    from tfguard.report import FileReport, render

    inputs = collect(paths)
    files = [path for path, error in inputs if error is None]
    done = dict(zip(files, analyze_files(files, fix=fix)))
    reports = [done[path] if error is None else FileReport(path, error=error) for path, error in inputs]

    if fmt == "text" and hasattr(sys.stdout, "reconfigure"):
        # A terminal that cannot show a character gets an escape rather than a crash. (JSON and SARIF are
        # written as ASCII, so they survive any locale.)
        sys.stdout.reconfigure(errors="backslashreplace")
    if fix:
        # Keep stdout machine-readable in json/sarif mode.
        stream = sys.stdout if fmt == "text" else sys.stderr
        for r in reports:
            if r.fixed:
                print(f"fixed {r.fixed} finding{'' if r.fixed == 1 else 's'} in {r.path}", file=stream)
            if r.fix_error:
                print(f"{r.path}: could not write the fixes: {r.fix_error}", file=sys.stderr)
    document = render(fmt, reports)
    try:
        sys.stdout.write(document)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``tfguard check | head``): the exit status still tells the truth.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return exit_code(reports)


def exit_code(reports: Iterable[FileReport]) -> int:
    reports = list(reports)
    if any(r.analysis is not None and r.analysis.findings for r in reports):
        return EXIT_FINDINGS
    if any(r.error is not None or (r.analysis is not None and r.analysis.problems) for r in reports):
        return EXIT_ERRORS
    return EXIT_CLEAN


def collect(paths: Sequence[str]) -> list[tuple[str, str | None]]:
    """The inputs to check as ``(path, error)`` pairs: ``error`` is ``None`` for a file to read, or says why
    the path cannot be checked (it does not exist, a folder cannot be listed).

    Paths keep the order of the command line; the ``*.tf`` files under a folder come sorted by their path,
    skipping ``.terraform`` and ``.git`` folders. Each file is listed once. A file named explicitly is
    checked whatever its name. Paths are shown as given (normalised), so relative to the current folder
    when given relative.
    """
    inputs: list[tuple[str, str | None]] = []
    seen: set[str] = set()

    def add(path: str, error: str | None = None) -> None:
        key = os.path.realpath(path) if error is None else "\0" + path
        if key not in seen:
            seen.add(key)
            inputs.append((path, error))

    for given in paths:
        if os.path.isdir(given):
            found: list[str] = []
            problems: list[OSError] = []
            for folder, dirs, names in os.walk(given, onerror=problems.append):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                found.extend(os.path.normpath(os.path.join(folder, n)) for n in names if n.endswith(".tf"))
            for path in sorted(found):
                if os.path.isfile(path):
                    add(path)
            for problem in problems:
                add(os.path.normpath(problem.filename or given), _reason(problem))
        elif os.path.exists(given):
            add(os.path.normpath(given))
        else:
            add(os.path.normpath(given), "no such file or folder")
    return inputs


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def analyze_files(files: Sequence[str], *, fix: bool = False) -> list[FileReport]:
    """One report per file, in the order given; uses every core when there are many files."""
    workers = os.cpu_count() or 1
    if len(files) >= PARALLEL_THRESHOLD and workers > 1:
        chunk = max(1, len(files) // (workers * 4))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(check_file, files, [fix] * len(files), chunksize=chunk))
    return [check_file(path, fix) for path in files]


def check_file(path: str, fix: bool = False) -> FileReport:
    """Read, optionally fix, and analyse one file. Runs in a worker process when there are many files."""
    from tfguard.engine import SourceError, analyze_text, fix_text, read_source
    from tfguard.report import FileReport

    try:
        text = read_source(path)
    except (SourceError, OSError) as error:
        return FileReport(path, error=str(error) if isinstance(error, SourceError) else _reason(error))
    if fix:
        new_text, fixed = fix_text(text)
        if new_text != text:
            try:
                write_atomic(path, new_text)
            except OSError as error:
                return FileReport(path, analysis=analyze_text(text), fix_error=_reason(error))
            return FileReport(path, analysis=analyze_text(new_text), fixed=fixed)
    return FileReport(path, analysis=analyze_text(text))


def write_atomic(path: str, text: str) -> None:
    """Replace the file's content with ``text`` (UTF-8, line endings as they are in ``text``): write a
    temporary file in the same folder with the same permission bits, then rename it over the original, so a
    reader never sees half a file. A symbolic link is followed: the file it points to is replaced."""
    target = os.path.realpath(path)
    mode = stat.S_IMODE(os.stat(target).st_mode)
    fd, temp = tempfile.mkstemp(
        dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
