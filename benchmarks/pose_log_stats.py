"""Figures counted from pose logs: frames with both hands, left/right swaps, jitter.

A *swap* is a frame where both hands are present in it and in the previous frame and exchanging
the labels would bring the hands' mean joints closer to the previous frame's (sum of distances).

    python benchmarks/pose_log_stats.py out/clip_hdr.jsonl out/clip_mediapipe.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from hdr_live.io.pose_log import read_pose_log


def log_stats(path: Path) -> str:
    """One line of figures for the pose log at ``path``."""
    records = list(read_pose_log(path))
    both = [r["hands"]["left"] is not None and r["hands"]["right"] is not None for r in records]
    swaps, prev = 0, None
    for r, b in zip(records, both):
        if not b:
            prev = None
            continue
        cur = {k: np.array(r["hands"][k]["joints_px"]).mean(axis=0) for k in ("left", "right")}
        if prev is not None:
            keep = sum(np.linalg.norm(cur[k] - prev[k]) for k in cur)
            swap = np.linalg.norm(cur["left"] - prev["right"]) + np.linalg.norm(cur["right"] - prev["left"])
            swaps += int(swap < keep)
        prev = cur
    any_hand = [r["hands"]["left"] is not None or r["hands"]["right"] is not None for r in records]
    return (f"{path}: frames {len(records)}, both hands {100 * np.mean(both):.1f}%, "
            f"at least one {100 * np.mean(any_hand):.1f}%, left/right swaps {swaps}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("logs", type=Path, nargs="+")
    for path in p.parse_args().logs:
        print(log_stats(path))


if __name__ == "__main__":
    main()
