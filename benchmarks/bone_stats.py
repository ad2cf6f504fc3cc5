"""Bone-length stability and hand presence counted from pose logs (issue 16).

Per hand: frames present (a record, visible or ``"inferred"``), frames inferred, and the
standard deviation over frames of each bone's length (mm, :func:`hdr_live.metrics3d.
bone_length_stats`), averaged over the 20 bones, for ``joints_rel_m`` and, where the log has it,
``joints_cam_m``. A rigid hand keeps its bone lengths, so a steady estimate has a small value.
Per log: the share of frames with both hands present and the line of
:func:`pose_log_stats.log_stats` (left/right swaps counted the same way).

    python benchmarks/bone_stats.py out/clip_hdr.jsonl [more.jsonl ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hdr_live.io.pose_log import read_pose_log  # noqa: E402
from hdr_live.joints import NUM_JOINTS, Side  # noqa: E402
from hdr_live.metrics3d import BoneLengthStats, bone_length_stats  # noqa: E402
from pose_log_stats import log_stats  # noqa: E402


@dataclasses.dataclass(frozen=True)
class HandLogStats:
    """One hand's figures in one pose log.

    Attributes:
        side: the person's hand. frames: lines in the log. present: frames with the hand
            (visible or inferred). inferred: frames where it is marked ``"inferred"``.
        rel: bone-length statistics of ``joints_rel_m`` over the frames the hand was seen
            (not inferred).
        cam: the same for ``joints_cam_m``, or None when no frame has it.
    """

    side: Side
    frames: int
    present: int
    inferred: int
    rel: BoneLengthStats
    cam: BoneLengthStats | None


def _joints_m(hand: dict | None, key: str) -> np.ndarray:
    """(21, 3) float64 metres of ``hand[key]`` (JSON nulls → NaN); all NaN when absent."""
    value = None if hand is None else hand.get(key)
    if value is None:
        return np.full((NUM_JOINTS, 3), math.nan)
    arr = np.array(value, dtype=np.float64)
    if arr.shape != (NUM_JOINTS, 3):
        raise ValueError(f"{key} must be {NUM_JOINTS} × 3 numbers, got shape {arr.shape}")
    return arr


def hand_log_stats(records: list[dict], side: Side) -> HandLogStats:
    """The :class:`HandLogStats` of ``side`` over pose-log ``records`` (schema:
    :mod:`hdr_live.io.pose_log`; optional per-hand keys ``joints_cam_m`` and ``inferred``).

    Raises:
        ValueError: a joints entry is not 21 × 3 numbers.
    """
    hands = [r["hands"].get(side.value) for r in records]
    # the old 3D (SHPE's joints) exists only where a network saw the hand: an inferred
    # hand's joints_rel_m are the fitted model's
    seen = [None if h is not None and h.get("inferred", False) else h for h in hands]
    rel = np.stack([_joints_m(h, "joints_rel_m") for h in seen]) if hands else \
        np.zeros((0, NUM_JOINTS, 3))
    has_cam = any(h is not None and h.get("joints_cam_m") is not None for h in hands)
    cam = np.stack([_joints_m(h, "joints_cam_m") for h in hands]) if has_cam else None
    return HandLogStats(side, len(records), sum(h is not None for h in hands),
                        sum(bool(h.get("inferred", False)) for h in hands if h is not None),
                        bone_length_stats(rel), None if cam is None else bone_length_stats(cam))


def both_hands_share(records: list[dict]) -> float:
    """Share of frames in which both hands are present (NaN for an empty log)."""
    if not records:
        return math.nan
    return float(np.mean([all(r["hands"].get(s.value) is not None for s in Side)
                          for r in records]))


def _mm(stats: BoneLengthStats | None) -> str:
    if stats is None:
        return "n/a"
    return "n/a" if not math.isfinite(stats.mean_std_mm) else f"{stats.mean_std_mm:.2f} mm"


def describe(path: Path) -> str:
    """The lines printed for the pose log at ``path``."""
    records = list(read_pose_log(path))
    lines = [log_stats(path), f"  both hands present {100 * both_hands_share(records):.1f}%"]
    for side in (Side.RIGHT, Side.LEFT):
        s = hand_log_stats(records, side)
        lines.append(f"  {side.value}: present {s.present}/{s.frames}, inferred {s.inferred}, "
                     f"bone-length std joints_rel_m {_mm(s.rel)}, joints_cam_m {_mm(s.cam)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("logs", type=Path, nargs="+")
    for path in p.parse_args(argv).logs:
        print(describe(path))


if __name__ == "__main__":
    main()
