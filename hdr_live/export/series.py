"""A whole run's poses as numpy arrays: the common input of every export format.

Hand order along every "hand" axis is :data:`HAND_ORDER` = (right, left), the person's own
hands (see :mod:`hdr_live.joints`). Joint order is :class:`hdr_live.joints.Joint` (0 wrist,
1-4 thumb CMC→tip, 5-8 index MCP→tip, 9-12 middle, 13-16 ring, 17-20 pinky).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hdr_live.io.pose_log import read_pose_log
from hdr_live.joints import NUM_JOINTS, Joint, Side
from hdr_live.types import FrameResult

#: Order of the hand axis in every array.
HAND_ORDER: tuple[Side, Side] = (Side.RIGHT, Side.LEFT)
#: Joint names in index order, e.g. ``"wrist"``, ``"thumb_cmc"``, ``"pinky_tip"``.
JOINT_NAMES: tuple[str, ...] = tuple(j.name.lower() for j in Joint)

_FIELDS = {  # name: (shape after the frame axis, dtype)
    "frame": ((), np.int64),
    "t_s": ((), np.float64),
    "joints_px": ((2, NUM_JOINTS, 2), np.float64),
    "joints_rel_m": ((2, NUM_JOINTS, 3), np.float64),
    "presence": ((2,), np.bool_),
    "visible": ((2, NUM_JOINTS), np.bool_),
    "score": ((2,), np.float64),
    "joints_cam_m": ((2, NUM_JOINTS, 3), np.float64),
    "inferred": ((2,), np.bool_),
}


@dataclasses.dataclass(frozen=True)
class PoseSeries:
    """F frames of both hands' poses (arrays are read-only).

    Attributes:
        frame: (F,) int64 input frame index of each row (rows follow the log; gaps possible).
        t_s: (F,) float64 capture time in seconds (NaN where the log has none).
        joints_px: (F, 2, 21, 2) float64 frame pixels (x right, y down); NaN where absent.
        joints_rel_m: (F, 2, 21, 3) float64 metres relative to the wrist, camera axes
            (x right, y down, z away from the camera); NaN where absent.
        presence: (F, 2) bool, whether the hand was estimated in the frame.
        visible: (F, 2, 21) bool, joint on its hand's visible mask (False where absent).
        score: (F, 2) float64 presence confidence in [0, 1]; NaN where absent.
        joints_cam_m: (F, 2, 21, 3) float64 absolute camera-frame metres of the fitted hand
            model (:mod:`hdr_live.threed`); NaN where absent or without a 3D stage. None in the
            constructor means all NaN.
        inferred: (F, 2) bool, the hand was hidden and its pose inferred. None means all False.

    Raises:
        TypeError: a field is not a numpy array of its dtype.
        ValueError: a field's shape does not match the others.
    """

    frame: np.ndarray
    t_s: np.ndarray
    joints_px: np.ndarray
    joints_rel_m: np.ndarray
    presence: np.ndarray
    visible: np.ndarray
    score: np.ndarray
    joints_cam_m: np.ndarray | None = None
    inferred: np.ndarray | None = None

    def __post_init__(self) -> None:
        count = np.shape(self.frame)[0] if np.ndim(self.frame) else -1
        if self.joints_cam_m is None:
            object.__setattr__(self, "joints_cam_m",
                               np.full((max(count, 0), 2, NUM_JOINTS, 3), np.nan))
        if self.inferred is None:
            object.__setattr__(self, "inferred", np.zeros((max(count, 0), 2), dtype=bool))
        for name, (tail, dtype) in _FIELDS.items():
            value = getattr(self, name)
            if not isinstance(value, np.ndarray) or value.dtype != dtype:
                raise TypeError(f"PoseSeries.{name} must be a {np.dtype(dtype)} numpy array")
            if value.shape != (count, *tail):
                raise ValueError(f"PoseSeries.{name} must have shape {(count, *tail)} "
                                 f"(F = len(frame)), got {value.shape}")
            value.setflags(write=False)

    @property
    def num_frames(self) -> int:
        """F, the number of rows."""
        return int(self.frame.shape[0])

    @staticmethod
    def from_records(records: Iterable[Mapping[str, Any]]) -> "PoseSeries":
        """Build from pose-log records (the dicts of :func:`hdr_live.io.pose_log.pose_record`).

        ``null`` numbers become NaN. A hand record that is ``null`` or missing is absent.

        Raises:
            ValueError: a record lacks ``frame`` or its hand arrays have the wrong shape (the
                message names the record's position, counting from 0).
        """
        rows = [_record_row(i, r) for i, r in enumerate(records)]
        return _stack(rows)

    @staticmethod
    def from_pose_log(path: Path) -> "PoseSeries":
        """Read a JSON Lines pose log (see :mod:`hdr_live.io.pose_log`).

        Raises:
            OSError: the file cannot be read.
            ValueError: a line is not JSON or a record is malformed (see :meth:`from_records`).
        """
        return PoseSeries.from_records(read_pose_log(Path(path)))

    @staticmethod
    def from_results(results: Iterable[FrameResult]) -> "PoseSeries":
        """Build from pipeline :class:`~hdr_live.types.FrameResult` objects, at full precision."""
        rows = []
        for result in results:
            hands = [_pose_hand(result.poses.get(side)) for side in HAND_ORDER]
            rows.append((int(result.frame.index), float(result.frame.t_capture_s), hands))
        return _stack(rows)


#: joints_px, joints_rel_m, visible, score, joints_cam_m (None: no 3D), inferred
_Hand = tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray | None, bool] | None


def _pose_hand(pose) -> _Hand:
    if pose is None:
        return None
    return (pose.joints_px, pose.joints_rel_m, pose.visible, float(pose.score),
            pose.joints_cam_m, bool(pose.inferred))


def _floats(value: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)  # None -> nan
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: not an array of numbers ({exc})") from exc
    if arr.shape != shape:
        raise ValueError(f"{where}: expected shape {shape}, got {arr.shape}")
    return arr


def _record_hand(hand: Mapping[str, Any] | None, where: str) -> _Hand:
    if hand is None:
        return None
    try:
        px = _floats(hand["joints_px"], (NUM_JOINTS, 2), f"{where}.joints_px")
        rel = _floats(hand["joints_rel_m"], (NUM_JOINTS, 3), f"{where}.joints_rel_m")
        visible = np.array(hand.get("visible", [False] * NUM_JOINTS), dtype=bool)
        score = hand.get("score")
        cam = hand.get("joints_cam_m")
        cam = None if cam is None else _floats(cam, (NUM_JOINTS, 3), f"{where}.joints_cam_m")
        inferred = bool(hand.get("inferred", False))
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{where}: missing or invalid field {exc}") from exc
    if visible.shape != (NUM_JOINTS,):
        raise ValueError(f"{where}.visible: expected {NUM_JOINTS} booleans")
    return (px, rel, visible, float("nan") if score is None else float(score), cam, inferred)


def _record_row(number: int, record: Mapping[str, Any]) -> tuple[int, float, list[_Hand]]:
    where = f"pose record {number}"
    try:
        frame = int(record["frame"])
        t_s = record.get("t_s")
        hands = record.get("hands") or {}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: missing or invalid 'frame' ({exc})") from exc
    parsed = [_record_hand(hands.get(side.value), f"{where}.{side.value}") for side in HAND_ORDER]
    return frame, float("nan") if t_s is None else float(t_s), parsed


def _stack(rows: list[tuple[int, float, list[_Hand]]]) -> PoseSeries:
    n = len(rows)
    out = {name: np.full((n, *tail), np.nan if dtype is np.float64 else 0, dtype=dtype)
           for name, (tail, dtype) in _FIELDS.items()}
    for i, (frame, t_s, hands) in enumerate(rows):
        out["frame"][i], out["t_s"][i] = frame, t_s
        for h, hand in enumerate(hands):
            if hand is not None:
                px, rel, visible, score, cam, inferred = hand
                out["joints_px"][i, h], out["joints_rel_m"][i, h] = px, rel
                out["visible"][i, h], out["score"][i, h] = visible, score
                out["presence"][i, h], out["inferred"][i, h] = True, inferred
                if cam is not None:
                    out["joints_cam_m"][i, h] = cam
    return PoseSeries(**out)
