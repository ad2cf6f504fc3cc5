"""Pose records kept on disk during a run, for the exports written at its end.

An export (npz, CSV, BVH, glTF) needs every frame, so it is written when the run ends. Keeping
the records in memory until then grows with the clip; a spool writes each record as a JSON line
to a hidden file beside the export as it comes and reads them back at the end, so memory stays
flat however long the run (a run with a pose log reads that instead). The file is removed when
the spool closes.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


class SpoolError(OSError):
    """The spool cannot be written (the message names its file)."""


class RecordSpool:
    """Records (JSON-ready dicts) written to ``folder/.hdr-live-records.<random>.jsonl`` one
    line each and read back in order; a context manager that removes the file.

    Raises:
        OSError: the file cannot be created or written (the message names it).
    """

    def __init__(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f".hdr-live-records.{os.getpid()}-{secrets.token_hex(4)}.jsonl"
        self._file = open(self.path, "w", encoding="utf-8")
        self.count = 0

    def add(self, record: Mapping[str, Any]) -> None:
        """Append one record.

        Raises:
            SpoolError: it cannot be written (e.g. a full disk), naming the file.
        """
        try:
            self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        except OSError as exc:
            raise SpoolError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        self.count += 1

    def records(self) -> Iterator[dict[str, Any]]:
        """The records added so far, in order (flushes the file first)."""
        self._file.flush()
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    def close(self) -> None:
        """Close and remove the file (safe to call twice)."""
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def __enter__(self) -> "RecordSpool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
