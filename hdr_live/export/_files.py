"""Write an export next to its destination and rename it into place when it is complete."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from hdr_live.io.part_files import part_path


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; rename it to ``path`` when the block succeeds.

    The temporary name keeps ``path``'s suffix (``.name.<random>.part.npz``), so writers that
    look at the suffix behave the same. The folder is created when missing. When the block
    raises, the temporary file is removed and ``path`` is left as it was (absent, or its old
    content).

    Raises:
        OSError: the folder cannot be created or the rename fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = part_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
