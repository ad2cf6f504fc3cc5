"""The per-frame pose log: JSON Lines, one line per input frame, flushed as it goes.

Schema of one line (sides are the person's own hands)::

    {"frame": int, "t_s": float,
     "hands": {"left":  null | {"joints_px": [[x, y] × 21],          # frame pixels
                                "joints_rel_m": [[x, y, z] × 21],    # metres, wrist-relative,
                                                                     #   camera axes
                                "visible": [bool × 21],
                                "score": float},
               "right": ...}}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from hdr_live.joints import Side
from hdr_live.types import FrameResult, HandPose


def _hand_record(pose: HandPose | None) -> dict[str, Any] | None:
    if pose is None:
        return None
    return {
        "joints_px": [[round(float(x), 2), round(float(y), 2)] for x, y in pose.joints_px],
        "joints_rel_m": [[round(float(v), 5) for v in p] for p in pose.joints_rel_m],
        "visible": [bool(v) for v in pose.visible],
        "score": round(float(pose.score), 4),
    }


def pose_record(result: FrameResult) -> dict[str, Any]:
    """The JSON-ready record of one frame (see the module docstring for the schema)."""
    return {
        "frame": int(result.frame.index),
        "t_s": round(float(result.frame.t_capture_s), 6),
        "hands": {side.value: _hand_record(result.poses.get(side)) for side in Side},
    }


class PoseLogWriter:
    """Appends one JSON line per frame and flushes it at once (nothing is lost on a crash)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w", encoding="utf-8")
        self.lines_written = 0

    def write(self, result: FrameResult) -> None:
        """Write and flush the line for ``result``."""
        self._file.write(json.dumps(pose_record(result), separators=(",", ":")) + "\n")
        self._file.flush()
        self.lines_written += 1

    def close(self) -> None:
        """Close the file (safe to call twice)."""
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> "PoseLogWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_pose_log(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a pose log, in order.

    Raises:
        ValueError: a line is not valid JSON (the line number is named).
    """
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not a JSON line ({exc})") from exc
