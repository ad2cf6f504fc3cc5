"""Reading a small JSON file that must hold one object (ground truth, box labels)."""

from __future__ import annotations

import json
from pathlib import Path

from hdr_live.io.sources import InputError


def read_json_object(path: Path, what: str) -> dict:
    """The JSON object in ``path``.

    Args:
        path: the file.
        what: what the file is, for the message (e.g. ``"ground truth"``, ``"labels"``).

    Raises:
        InputError: unreadable, not UTF-8, not JSON, or not an object (one line naming the
            file).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{what} {path}: expected a JSON object, got {type(data).__name__}")
    return data
