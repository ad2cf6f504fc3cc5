"""The per-frame pose log: JSON Lines, one line per input frame, flushed as it goes.

Non-finite numbers are written as ``null`` (every line is strict JSON). Pixel positions are in
the frame as players show it: images and videos are turned upright by their EXIF orientation or
display matrix first (``--no-autorotate``: the stored frame), and ``size_wh`` is that frame's.

Schema of one line (sides are the person's own hands)::

    {"frame": int, "t_s": float,
     "size_wh": [int, int],   # the frame's width and height in pixels (as displayed)
     "file": str,             # only for image inputs: the image's file name
     "hands": {"left":  null | {"joints_px": [[x, y] × 21],          # frame pixels
                                "joints_rel_m": [[x, y, z] × 21],    # metres, wrist-relative,
                                                                     #   camera axes
                                "visible": [bool × 21],
                                "score": float,
                                "inferred": bool,   # hidden hand, estimated (hdr_live.threed)
                                # only when the 3D stage ran (hdr_live.threed):
                                "joints_cam_m": [[x, y, z] × 21],  # metres, camera frame,
                                                                   #   absolute (fitted model)
                                "lifted_rel_m": [[x, y, z] × 21],  # metres, wrist-relative
                                                                   #   (PSJNet + EN)
                                # only when the joints were smoothed: the raw ones
                                "joints_px_raw": [[x, y] × 21],
                                "joints_rel_m_raw": [[x, y, z] × 21],
                                # ... and with the 3D stage too:
                                "joints_cam_m_raw": [[x, y, z] × 21],
                                "lifted_rel_m_raw": [[x, y, z] × 21]},
               "right": ...},
     "focal_px": float,   # only when the 3D stage ran: the focal length it assumed
     "principal_px": [cx, cy]}   # ... and the principal point (hdr_live.camera)
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterator

from hdr_live.joints import Side
from hdr_live.types import FrameResult, HandPose


class PoseLogError(OSError):
    """The pose log cannot be created or written (the message names the file)."""


def _number(value: float, digits: int) -> float | None:
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def _hand_record(pose: HandPose | None) -> dict[str, Any] | None:
    if pose is None:
        return None
    record: dict[str, Any] = {
        "joints_px": [[_number(v, 2) for v in p] for p in pose.joints_px],
        "joints_rel_m": [[_number(v, 5) for v in p] for p in pose.joints_rel_m],
        "visible": [bool(v) for v in pose.visible],
        "score": _number(pose.score, 4),
        "inferred": bool(pose.inferred),
    }
    for name in ("joints_cam_m", "lifted_rel_m"):
        value = getattr(pose, name)
        if value is not None:
            record[name] = [[_number(v, 5) for v in p] for p in value]
    return record


def pose_record(result: FrameResult, raw: FrameResult | None = None) -> dict[str, Any]:
    """The JSON-ready record of one frame (see the module docstring for the schema).

    Args:
        result: the frame's result (smoothed, when a filter ran).
        raw: the same frame before smoothing; its joints go beside the smoothed ones as
            ``joints_px_raw`` / ``joints_rel_m_raw`` (and ``joints_cam_m_raw`` /
            ``lifted_rel_m_raw`` with the 3D stage; None: no filter ran, no raw keys).
    """
    hands = {side.value: _hand_record(result.poses.get(side)) for side in Side}
    if raw is not None:
        for side in Side:
            pose, before = hands[side.value], raw.poses.get(side)
            if pose is not None and before is not None:
                pose["joints_px_raw"] = [[_number(v, 2) for v in p] for p in before.joints_px]
                pose["joints_rel_m_raw"] = [[_number(v, 5) for v in p]
                                            for p in before.joints_rel_m]
                for name in ("joints_cam_m", "lifted_rel_m"):
                    value = getattr(before, name)
                    if value is not None and name in pose:
                        pose[f"{name}_raw"] = [[_number(v, 5) for v in p] for p in value]
    h, w = result.frame.rgb.shape[:2]
    record = {
        "frame": int(result.frame.index),
        "t_s": _number(result.frame.t_capture_s, 6),
        "size_wh": [int(w), int(h)],
        "hands": hands,
    }
    if result.frame.source_name is not None:
        record["file"] = result.frame.source_name
    if result.intrinsics is not None:
        record["focal_px"] = _number(result.intrinsics.focal_px, 2)
        record["principal_px"] = [_number(result.intrinsics.cx_px, 2),
                                  _number(result.intrinsics.cy_px, 2)]
    return record


def _open_log(path: Path):
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "wb", buffering=0)
    except OSError as exc:
        raise PoseLogError(f"cannot create pose log {path}: {exc.strerror or exc}") from exc


class PoseLogWriter:
    """Appends one JSON line per frame, each written whole or not at all, straight to the file
    (unbuffered: nothing is lost on a crash). A line that cannot be written whole (a full disk,
    a file-size limit) is cut off again, so the log always ends after a complete line.

    Raises:
        PoseLogError: the file cannot be created (its folder is created when missing).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = _open_log(self.path)
        self._end = 0  # bytes of complete lines
        self.lines_written = 0

    def write(self, result: FrameResult, raw: FrameResult | None = None) -> None:
        """Write and flush the line for ``result`` (with ``raw``'s joints beside, see
        :func:`pose_record`).

        Raises:
            PoseLogError: the line cannot be written (e.g. the disk is full).
        """
        line = json.dumps(pose_record(result, raw), separators=(",", ":"), allow_nan=False)
        data = (line + "\n").encode("utf-8")
        try:
            written = 0
            while written < len(data):
                written += self._file.write(data[written:])
        except OSError as exc:
            self._cut_back()
            raise PoseLogError(f"cannot write pose log {self.path}: {exc.strerror or exc}") from exc
        self._end += len(data)
        self.lines_written += 1

    def _cut_back(self) -> None:
        """Remove the part of a line that was written before a failure (best effort)."""
        try:
            self._file.truncate(self._end)
            self._file.seek(self._end)
        except OSError:
            pass

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
