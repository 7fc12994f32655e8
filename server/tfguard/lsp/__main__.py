"""``python -m tfguard.lsp [--tcp HOST:PORT]``: the language server on stdio (or TCP)."""

from __future__ import annotations

import argparse
import os
import sys

# ``python -m`` puts the current folder first on sys.path; in a Terraform workspace a file there would then run
# as tfguard's own code. Drop it before anything else is imported (the tfguard package is already loaded).
if sys.path and sys.path[0] in ("", os.getcwd()) and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]


def _address(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tfguard.lsp", description="tfguard language server")
    parser.add_argument("--tcp", metavar="HOST:PORT", type=_address, help="serve on TCP instead of stdio")
    args = parser.parse_args(argv)
    from tfguard.lsp.server import run

    return run(tcp=args.tcp)


if __name__ == "__main__":
    sys.exit(main())
