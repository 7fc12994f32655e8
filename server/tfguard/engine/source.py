"""Reading Terraform files from disk."""

from __future__ import annotations

import os


class SourceError(ValueError):
    """A file that cannot be read as Terraform text. The message says why in plain words and does not repeat
    the path, which the caller shows next to it."""


def read_source(path: str | os.PathLike[str]) -> str:
    """The file's text, decoded as UTF-8 (Terraform's encoding), line endings kept as they are."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError as exc:
        raise SourceError("it is a directory, not a file") from exc
    except OSError as exc:
        raise SourceError(f"cannot read it: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "Terraform files must be UTF-8"
        ) from exc
