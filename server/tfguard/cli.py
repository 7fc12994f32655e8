"""The ``tfguard`` command: ``tfguard check`` for people and CI, ``tfguard lsp`` for editors, ``tfguard explain``
for a rule's documentation.

``tfguard check [PATH ...]`` checks files and folders (default ``.``); a folder is searched recursively for
Terraform files (``*.tf``, ``*.tf.json``) and the variable files that feed them (``terraform.tfvars``,
``*.auto.tfvars`` and their ``.json`` forms), in sorted order, skipping ``.terraform`` and ``.git`` folders.
Each file is analysed in its module (the files of its folder), so ``var.``, ``local.`` and user references
resolve as Terraform resolves them; tfvars files are reported only when they do not parse. Settings come from
the nearest ``.tfguard.toml`` (or ``--config FILE``): per-rule severity or ``off``, and ``exclude`` globs.
``--format`` picks the output (see :mod:`tfguard.report`), ``--fix`` repairs every fixable finding in place
first, ``--show-suppressed`` also shows the findings suppression comments hide.

Exit status: 1 when any finding is reported (after fixing, with ``--fix``; suppressed findings do not count);
otherwise 2 when any input could not be read or parsed, a settings file is wrong, or on a usage error;
otherwise 0. ``tfguard explain`` exits 2 for an unknown rule id.
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
    from tfguard.engine import Analysis
    from tfguard.engine.settings import Settings
    from tfguard.engine.workspace import Workspace
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
        description="Check Terraform files; folders are searched recursively for *.tf and *.tf.json files "
        "and the tfvars files that feed them (skipping .terraform and .git). Exit status: 1 when there are "
        "findings, otherwise 2 when an input could not be read or parsed or a settings file is wrong, "
        "otherwise 0.",
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
    check.add_argument(
        "--show-suppressed",
        action="store_true",
        help="also show the findings suppression comments hide (SARIF always carries them)",
    )
    check.add_argument(
        "--config",
        metavar="FILE",
        help="settings file to use instead of the nearest .tfguard.toml",
    )
    check.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=None,
        metavar="N",
        help="worker processes for many files (default: one per core; 1 checks in this process)",
    )

    explain = sub.add_parser(
        "explain",
        help="print a rule's documentation",
        description="Print a rule's documentation: what it checks, why, examples and the fix.",
    )
    explain.add_argument(
        "rule", metavar="RULE-ID", help="a rule id (or its KICS, Checkov, tfsec or trivy id)"
    )
    explain.add_argument(
        "--markdown", action="store_true", help="print the Markdown page (as in docs/rules/RULE-ID.md)"
    )

    lsp = sub.add_parser("lsp", help="run the language server (stdio by default)")
    lsp.add_argument(
        "--tcp", metavar="HOST:PORT", type=_host_port, help="listen on a TCP socket instead of stdio"
    )
    lsp.add_argument("--stdio", action="store_true", help="use stdin/stdout (the default)")
    return parser


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value!r}")
    return int(value)


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
    if args.command == "explain":
        return explain(args.rule, markdown=args.markdown)
    return check(
        args.paths,
        fmt=args.format,
        fix=args.fix,
        show_suppressed=args.show_suppressed,
        config=args.config,
        jobs=args.jobs,
    )


# --- explain -----------------------------------------------------------------------------------------------


def explain(rule: str, *, markdown: bool = False) -> int:
    """Print the documentation of ``rule`` (an id or an alias); 2 with the known ids when there is none."""
    from tfguard.report import rule_docs

    doc = rule_docs.find(rule)
    if doc is None:
        known = "\n".join(f"  {d.id}  {d.title}" for d in rule_docs.all_docs())
        print(f"tfguard explain: unknown rule {rule!r}; the rules are:\n{known}", file=sys.stderr)
        return EXIT_ERRORS
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.stdout.write(doc.markdown() if markdown else doc.text())
    return EXIT_CLEAN


# --- check -------------------------------------------------------------------------------------------------


def check(
    paths: Sequence[str],
    *,
    fmt: str = "text",
    fix: bool = False,
    show_suppressed: bool = False,
    config: str | None = None,
    jobs: int | None = None,
) -> int:
    """Run ``tfguard check`` on ``paths``, print the report to stdout and return the exit status."""
    from tfguard.report import FileReport, render

    inputs = collect(paths)
    named = {os.path.realpath(p) for p in paths if os.path.isfile(p)}
    finder = SettingsFinder(config)
    items: list[tuple[str, Settings]] = []
    kept: list[tuple[str, str | None]] = []
    for path, error in inputs:
        if error is None:
            settings, root = finder.for_path(path)
            if settings.excluded(os.path.abspath(path), root):
                continue
            items.append((path, settings))
        kept.append((path, error))
    done = dict(zip((path for path, _ in items), analyze_files(items, fix=fix, jobs=jobs)))
    reports = []
    for path, error in kept:
        report = done[path] if error is None else FileReport(path, error=error)
        if _quiet(report, named):
            continue
        reports.append(report)

    if hasattr(sys.stderr, "reconfigure"):
        sys.stderr.reconfigure(errors="backslashreplace")
    for line in finder.problems:
        print(line, file=sys.stderr)
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
    document = render(fmt, reports, show_suppressed=show_suppressed)
    try:
        sys.stdout.write(document)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``tfguard check | head``): the exit status still tells the truth.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    status = exit_code(reports)
    if finder.problems and status == EXIT_CLEAN:
        status = EXIT_ERRORS
    return status


def _quiet(report: FileReport, named: set[str]) -> bool:
    """A tfvars file found in a folder feeds resolution; it is reported only when it has a problem."""
    from tfguard.engine.resolve import is_tfvars

    return (
        is_tfvars(report.path)
        and os.path.realpath(report.path) not in named
        and report.error is None
        and not (report.analysis is not None and report.analysis.problems)
    )


def exit_code(reports: Iterable[FileReport]) -> int:
    """1 when a finding is shown (suppressed findings do not count), else 2 when an input has an error."""
    reports = list(reports)
    if any(r.analysis is not None and r.analysis.findings for r in reports):
        return EXIT_FINDINGS
    if any(r.error is not None or (r.analysis is not None and r.analysis.problems) for r in reports):
        return EXIT_ERRORS
    return EXIT_CLEAN


def is_input(name: str) -> bool:
    """The files a folder search picks: Terraform (``.tf``, ``.tf.json``) and the variable files that feed
    them (``terraform.tfvars``, ``*.auto.tfvars`` and their ``.json`` forms)."""
    from tfguard.engine.workspace import is_module_file

    return is_module_file(name)


def collect(paths: Sequence[str]) -> list[tuple[str, str | None]]:
    """The inputs to check as ``(path, error)`` pairs: ``error`` is ``None`` for a file to read, or says why
    the path cannot be checked (it does not exist, a folder cannot be listed).

    Paths keep the order of the command line; the module files under a folder (``*.tf``, ``*.tf.json`` and
    tfvars files) come sorted by their path, skipping ``.terraform`` and ``.git`` folders. Each file is listed
    once. A file named explicitly is checked whatever its name. Paths are shown as given (normalised), so
    relative to the current folder when given relative.
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
                found.extend(os.path.normpath(os.path.join(folder, n)) for n in names if is_input(n))
            # symbolic links are followed only where they stay inside the folder given (folder links are not
            # followed at all, so a link loop cannot recur)
            root = os.path.realpath(given)
            for path in sorted(found):
                real = os.path.realpath(path)
                if os.path.isfile(path) and (real == root or real.startswith(root.rstrip(os.sep) + os.sep)):
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


# --- settings ----------------------------------------------------------------------------------------------


class SettingsFinder:
    """The settings for each checked file: ``--config FILE`` when given, else the nearest ``.tfguard.toml``
    from the file's folder up to the repository root. Each settings file is read once; its problems are kept
    as ``FILE:LINE:COL: error settings MESSAGE`` lines (what a wrong setting got is its default)."""

    def __init__(self, config: str | None = None) -> None:
        self.config = os.path.abspath(config) if config else None
        self.problems: list[str] = []
        self._nearest: dict[str, str | None] = {}
        self._loaded: dict[str, Settings] = {}

    def for_path(self, path: str) -> tuple[Settings, str | None]:
        """The settings for ``path`` and the folder its exclude globs are relative to."""
        from tfguard.engine.settings import Settings, find_settings_file

        file = self.config
        if file is None:
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in self._nearest:
                self._nearest[folder] = find_settings_file(folder)
            file = self._nearest[folder]
        if file is None:
            return Settings(), None
        return self._load(file), os.path.dirname(file)

    def _load(self, file: str) -> Settings:
        from tfguard.engine.settings import load_settings
        from tfguard.hcl.text import LineIndex

        if file not in self._loaded:
            settings, problems = load_settings(file)
            self._loaded[file] = settings
            try:
                with open(file, encoding="utf-8", newline="") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                text = ""
            index = LineIndex(text)
            shown = _shown_path(file)
            for problem in problems:
                line, col = index.column(min(problem.start, len(text)))
                message = problem.message.removeprefix(".tfguard.toml: ")
                self.problems.append(f"{shown}:{line}:{col}: error settings {message}")
        return self._loaded[file]


def _shown_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith(os.pardir) else rel


# --- analysis ----------------------------------------------------------------------------------------------


def analyze_files(
    items: Sequence[tuple[str, Settings]], *, fix: bool = False, jobs: int | None = None
) -> list[FileReport]:
    """One report per ``(path, settings)``, in the order given. Files are grouped by folder (a Terraform
    module), each group analysed by one ``Workspace`` so references resolve through the module; with many
    files the groups are spread over every core."""
    groups: dict[str, list[tuple[str, Settings]]] = {}
    for path, settings in items:
        groups.setdefault(os.path.dirname(os.path.abspath(path)), []).append((path, settings))
    batches = list(groups.values())
    workers = jobs or os.cpu_count() or 1
    if len(items) >= PARALLEL_THRESHOLD and workers > 1 and len(batches) > 1:
        chunk = max(1, len(batches) // (workers * 4))
        with ProcessPoolExecutor(max_workers=min(workers, len(batches))) as pool:
            done = list(pool.map(check_group, batches, [fix] * len(batches), chunksize=chunk))
    else:
        done = [check_group(batch, fix) for batch in batches]
    by_path = {report.path: report for group in done for report in group}
    return [by_path[path] for path, _ in items]


def check_file(path: str, fix: bool = False, settings: Settings | None = None) -> FileReport:
    """Read, optionally fix, and analyse one file in its module."""
    from tfguard.engine.settings import Settings

    return check_group([(path, settings or Settings())], fix)[0]


def check_group(items: Sequence[tuple[str, Settings]], fix: bool = False) -> list[FileReport]:
    """Check the files of one module with one workspace. Runs in a worker process when there are many files."""
    workspace = _run_workspace()
    return [_check_one(workspace, path, settings, fix) for path, settings in items]


def _run_workspace() -> Workspace:
    """A workspace for one run of ``check``: files do not change under it (``--fix`` tells it what it wrote
    with ``set_buffer``), so each file is read, and each folder listed, once. Without this, analysing the N
    files of one folder would look at the disk N x N times."""
    from tfguard.engine.workspace import Workspace

    class RunWorkspace(Workspace):
        def __init__(self) -> None:
            super().__init__()
            self._texts: dict[str, str | None] = {}
            self._listed: dict[str, list[str]] = {}

        def text(self, path: str) -> str | None:
            path = os.path.abspath(path)
            if path not in self._texts:
                self._texts[path] = super().text(path)
            return self._texts[path]

        def set_buffer(self, path: str, text: str) -> None:
            super().set_buffer(path, text)
            self._texts.pop(os.path.abspath(path), None)

        def module_paths(self, path: str) -> list[str]:
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in self._listed:
                self._listed[folder] = super().module_paths(path)
            return self._listed[folder]

    return RunWorkspace()


def _check_one(workspace: Workspace, path: str, settings: Settings, fix: bool) -> FileReport:
    from tfguard.engine import SourceError, read_source
    from tfguard.report import FileReport

    try:
        text = read_source(path)
    except (SourceError, OSError) as error:
        return FileReport(path, error=str(error) if isinstance(error, SourceError) else _reason(error))
    analysis = _analyze(workspace, path, text, settings)
    if fix:
        new_text, fixed = _fix(workspace, path, text, settings)
        if new_text != text:
            try:
                write_atomic(path, new_text)
            except OSError as error:
                return _report(workspace, path, analysis, fix_error=_reason(error))
            workspace.set_buffer(path, new_text)  # the module sees the fixed text from now on
            return _report(workspace, path, _analyze(workspace, path, new_text, settings), fixed=fixed)
    return _report(workspace, path, analysis)


def _analyze(workspace: Workspace, path: str, text: str, settings: Settings) -> Analysis:
    """The file's analysis in its module, with the settings' severities applied and rules that are off gone."""
    from dataclasses import replace

    analysis = workspace.analyze(os.path.abspath(path), text)
    assert analysis is not None  # the text is given
    return replace(
        analysis, findings=settings.apply(analysis.findings), suppressed=settings.apply(analysis.suppressed)
    )


def _fix(workspace: Workspace, path: str, text: str, settings: Settings) -> tuple[str, int]:
    """Fix the shown findings (not the suppressed ones, not those of rules that are off) until none is left
    to fix; the new text and how many findings were fixed."""
    from tfguard.engine import apply_edits, fix_all_edits

    def fixable(analysis: Analysis) -> int:
        return sum(f.fix is not None for f in analysis.findings)

    analysis = _analyze(workspace, path, text, settings)
    before = fixable(analysis)
    for _ in range(8):
        edits = fix_all_edits(analysis)
        if not edits:
            break
        new_text = apply_edits(text, edits)
        if new_text == text:
            break
        text = new_text
        analysis = _analyze(workspace, path, text, settings)
    return text, max(0, before - fixable(analysis))


def _report(workspace: Workspace, path: str, analysis: Analysis, **kwargs: object) -> FileReport:
    """The report, with the texts of the other files its related locations point into."""
    from tfguard.report import FileReport

    others: dict[str, str] = {}
    for finding in (*analysis.findings, *analysis.suppressed):
        for related in finding.related:
            if related.path is not None and related.path not in others:
                text = workspace.text(related.path)
                if text is not None:
                    others[related.path] = text
    return FileReport(path, analysis=analysis, others=others, **kwargs)  # type: ignore[arg-type]


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
