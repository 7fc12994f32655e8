"""``python -m tfguard.lsp [--tcp HOST:PORT]``: the language server on stdio (or TCP)."""

from __future__ import annotations

import argparse
import sys


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
