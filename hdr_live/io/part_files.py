"""Temporary names for files written whole and renamed into place (``os.replace``)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: How much of the final name a temporary name keeps (a file system takes 255 bytes a name).
KEPT_NAME_CHARS = 80


def part_path(path: Path) -> Path:
    """A fresh temporary path beside ``path``: hidden, unique to this process and call, at most
    about 110 characters whatever ``path``'s length, ending in ``.part`` + ``path``'s suffix
    (writers that look at the suffix behave the same)."""
    path = Path(path)
    return path.with_name(f".{path.name[:KEPT_NAME_CHARS]}.{os.getpid()}-{secrets.token_hex(4)}"
                          f".part{path.suffix}")
