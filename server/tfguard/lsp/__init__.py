"""The tfguard language server. This package is the only place that imports pygls and lsprotocol.

Start it with :func:`tfguard.lsp.server.run` (``tfguard lsp`` or ``python -m tfguard.lsp``).
"""
