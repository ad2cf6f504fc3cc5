"""Figures counted from pose logs: frames with both hands, left/right swaps, jitter.

A *swap* is a frame where both hands are seen, both were seen in an earlier frame at most
``MAX_GAP`` frames before (the last such frame), and exchanging the labels would bring the hands'
mean joints closer to that frame's (sum of distances). Counting across short gaps catches a swap
that happens while one hand is briefly lost. An inferred (hidden) hand's joints are the app's
guess of where it is, not a seen hand that could carry the wrong label, so ``swaps`` compares
seen hands; ``swaps with inferred`` also compares inferred ones (the count before inferred
hands were marked apart), where a hand that reappears next to where its inferred self was
guessed can look exchanged.

    python benchmarks/pose_log_stats.py out/clip_hdr.jsonl out/clip_mediapipe.jsonl
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from hdr_live.io.pose_log import read_pose_log

#: Longest gap (frames) across which a swap is still counted.
MAX_GAP = 15


def _swaps(records: list[dict], with_inferred: bool) -> int:
    """Left/right swaps (see the module docstring)."""
    def present(hand) -> bool:
        return hand is not None and (with_inferred or not hand.get("inferred", False))

    swaps, prev, prev_i = 0, None, -MAX_GAP - 1
    for i, r in enumerate(records):
        if not (present(r["hands"]["left"]) and present(r["hands"]["right"])):
            continue
        cur = {k: np.array(r["hands"][k]["joints_px"]).mean(axis=0) for k in ("left", "right")}
        if prev is not None and i - prev_i <= MAX_GAP:
            keep = sum(np.linalg.norm(cur[k] - prev[k]) for k in cur)
            swap = np.linalg.norm(cur["left"] - prev["right"]) + np.linalg.norm(cur["right"] - prev["left"])
            swaps += int(swap < keep)
        prev, prev_i = cur, i
    return swaps


def log_stats(path: Path) -> str:
    """One line of figures for the pose log at ``path``."""
    records = list(read_pose_log(path))
    both = [r["hands"]["left"] is not None and r["hands"]["right"] is not None for r in records]
    any_hand = [r["hands"]["left"] is not None or r["hands"]["right"] is not None for r in records]
    return (f"{path}: frames {len(records)}, both hands {100 * np.mean(both):.1f}%, "
            f"at least one {100 * np.mean(any_hand):.1f}%, left/right swaps "
            f"{_swaps(records, False)} (with inferred {_swaps(records, True)})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("logs", type=Path, nargs="+")
    for path in p.parse_args().logs:
        print(log_stats(path))


if __name__ == "__main__":
    main()
