"""The CLI's own error: a user-facing problem, printed as one line ``hdr-live: error: …``."""

from __future__ import annotations


class CliError(RuntimeError):
    """A user-facing error: printed as one line, exit code 2."""
