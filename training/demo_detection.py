"""Measure how often MediaPipe Hands finds the hands in a video (acceptance check of the demo clip).

Usage::

    python -m training.demo_detection assets/demo_two_hands.mp4 [--sheet frames.png]
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib

import av
import cv2
import numpy as np


@dataclasses.dataclass(frozen=True)
class DetectionStats:
    """Per-frame MediaPipe hand counts of one video.

    Attributes:
        counts: (N,) int64 number of hands found in each frame.
    """

    counts: np.ndarray

    @property
    def at_least_one(self) -> float:
        """Share of frames with >= 1 hand."""
        return float(np.mean(self.counts >= 1))

    def two_in(self, frames: np.ndarray) -> float:
        """Share of the frames selected by the (N,) bool ``frames`` with 2 hands."""
        return float(np.mean(self.counts[frames] >= 2)) if frames.any() else float("nan")


def read_frames(path: pathlib.Path) -> list[np.ndarray]:
    """Decode every frame of a video as (H, W, 3) uint8 RGB."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def count_hands(frames: list[np.ndarray]) -> DetectionStats:
    """Run MediaPipe Hands in video mode (``static_image_mode=False, max_num_hands=2,
    model_complexity=1``) over the frames in order and count the hands per frame."""
    import mediapipe as mp

    counts = []
    with mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1) as hands:
        for rgb in frames:
            result = hands.process(rgb)
            counts.append(len(result.multi_hand_landmarks or []))
    return DetectionStats(np.asarray(counts, dtype=np.int64))


def contact_sheet(frames: list[np.ndarray], indices: list[int], width: int = 320) -> np.ndarray:
    """Frames side by side (resized to ``width``), labelled with their index; (h, W, 3) uint8 RGB."""
    tiles = []
    for i in indices:
        f = frames[i]
        tile = cv2.resize(f, (width, int(f.shape[0] * width / f.shape[1])), interpolation=cv2.INTER_AREA)
        cv2.putText(tile, f"#{i}", (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 0), 2)
        tiles.append(tile)
    return np.concatenate(tiles, axis=1)


def main(argv: list[str] | None = None) -> None:
    """Print detection rates of a clip made by :mod:`training.make_demo_clip`."""
    from training.make_demo_clip import contact_amount

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=pathlib.Path)
    parser.add_argument("--sheet", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    frames = read_frames(args.video)
    stats = count_hands(frames)
    n = len(frames)
    t = np.arange(n) / max(n - 1, 1)
    apart = np.array([contact_amount(x) < 0.05 for x in t])
    print(
        f"frames: {n}  >=1 hand: {stats.at_least_one:.1%}  "
        f"2 hands (all): {stats.two_in(np.ones(n, bool)):.1%}  "
        f"2 hands (apart frames, {int(apart.sum())}): {stats.two_in(apart):.1%}"
    )
    print("counts:", "".join(str(c) for c in stats.counts))
    if args.sheet is not None:
        idx = [int(round(x)) for x in np.linspace(0, n - 1, 6)]
        sheet = contact_sheet(frames, idx)
        cv2.imwrite(str(args.sheet), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
