"""AIH_Syn-like samples from the user's own footage of single hands.

Frames are labelled with MediaPipe Hands, each hand is cut out with a GrabCut mask seeded by the
landmarks (sure foreground along the bones and palm, probable foreground near them, background
further out), and hands of different frames are pasted over each other
(:func:`training.synth.paste.paste_hand`).

Usage::

    python -m training.synth.real_cutout --video my_hands.mp4 --out DIR --count 200 [--mirrored]
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib

import cv2
import numpy as np

from hdr_live.joints import BONES, PALM_POLYGON, Joint, Side, hand_scale_px
from training.synth.paste import HandCutout, paste_hand, unknown_joints
from training.synth.sample import SampleSource, SynthSample
from training.synth.storage import make_folders, write_index, write_sample


@dataclasses.dataclass(frozen=True)
class LabelledHand:
    """A hand MediaPipe found in a frame.

    Attributes:
        frame_index: position of the frame in the input. side: the person's hand.
        joints_px: (21, 2) float64 landmark pixels. score: handedness confidence in [0, 1].
    """

    frame_index: int
    side: Side
    joints_px: np.ndarray
    score: float


def person_side(mediapipe_label: str, mirrored_input: bool) -> Side:
    """The person's hand from MediaPipe's handedness label.

    MediaPipe labels hands as if the image were a mirrored selfie; on an un-mirrored camera
    image its "Left" is the person's right hand.
    """
    is_right_label = mediapipe_label.lower() == "right"
    return Side.RIGHT if is_right_label == mirrored_input else Side.LEFT


def label_frames(
    frames: list[np.ndarray], mirrored_input: bool = False, min_score: float = 0.8
) -> list[LabelledHand]:
    """Run MediaPipe Hands (static images, up to 2 hands) on each frame.

    Args:
        frames: (H, W, 3) uint8 RGB images. mirrored_input: True for selfie-mirrored footage.
        min_score: drop hands whose handedness score is lower.

    Returns:
        The hands found, in frame order.
    """
    import mediapipe as mp

    out: list[LabelledHand] = []
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=1) as hands:
        for i, rgb in enumerate(frames):
            res = hands.process(rgb)
            h, w = rgb.shape[:2]
            for lms, handed in zip(res.multi_hand_landmarks or [], res.multi_handedness or []):
                cls = handed.classification[0]
                if cls.score < min_score:
                    continue
                px = np.array([[p.x * w, p.y * h] for p in lms.landmark], dtype=np.float64)
                out.append(LabelledHand(i, person_side(cls.label, mirrored_input), px, float(cls.score)))
    return out


def grabcut_hand_mask(rgb: np.ndarray, joints_px: np.ndarray, iterations: int = 4) -> np.ndarray:
    """Segment one hand with GrabCut seeded by its 21 landmarks.

    Args:
        rgb: (H, W, 3) uint8 RGB image. joints_px: (21, 2) landmark pixels.
        iterations: GrabCut iterations.

    Returns:
        (H, W) bool hand mask (the connected part that holds the palm), without the forearm.
    """
    h, w = rgb.shape[:2]
    scale = max(hand_scale_px(joints_px), 10.0)
    seed = np.full((h, w), cv2.GC_BGD, np.uint8)
    hull = cv2.convexHull(np.round(joints_px).astype(np.int32))
    near = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(near, hull, 1)
    seed[cv2.dilate(near, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(scale) | 1,) * 2)) > 0] = (
        cv2.GC_PR_BGD
    )
    seed[cv2.dilate(near, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(0.3 * scale) | 1,) * 2)) > 0] = (
        cv2.GC_PR_FGD
    )
    sure = np.zeros((h, w), np.uint8)
    pts = np.round(joints_px).astype(np.int32)
    for a, b in BONES:
        cv2.line(sure, tuple(pts[a]), tuple(pts[b]), 1, max(1, int(0.08 * scale)))
    palm = pts[list(PALM_POLYGON)]
    cv2.fillConvexPoly(sure, cv2.convexHull(((palm - palm.mean(0)) * 0.7 + palm.mean(0)).astype(np.int32)), 1)
    seed[sure > 0] = cv2.GC_FGD
    x0, y0 = np.maximum(pts.min(0) - int(1.2 * scale), 0)
    x1, y1 = np.minimum(pts.max(0) + int(1.2 * scale), [w - 1, h - 1])
    roi = seed[y0 : y1 + 1, x0 : x1 + 1].copy()
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(
        np.ascontiguousarray(rgb[y0 : y1 + 1, x0 : x1 + 1, ::-1]),
        roi,
        None,
        bgd,
        fgd,
        iterations,
        cv2.GC_INIT_WITH_MASK,
    )
    mask = np.zeros((h, w), bool)
    mask[y0 : y1 + 1, x0 : x1 + 1] = (roi == cv2.GC_FGD) | (roi == cv2.GC_PR_FGD)
    n, comp = cv2.connectedComponents(mask.astype(np.uint8))
    centre = np.round(joints_px[[Joint.WRIST, Joint.MIDDLE_MCP]].mean(0)).astype(int)
    keep = comp[np.clip(centre[1], 0, h - 1), np.clip(centre[0], 0, w - 1)]
    return (comp == keep) & mask if keep > 0 else mask


def cutouts(frames: list[np.ndarray], labelled: list[LabelledHand]) -> list[HandCutout]:
    """GrabCut every labelled hand into a :class:`HandCutout` (unknown 3D joints)."""
    out = []
    for hand in labelled:
        mask = grabcut_hand_mask(frames[hand.frame_index], hand.joints_px)
        if mask.sum() > 200:
            out.append(
                HandCutout(frames[hand.frame_index], mask, hand.side, hand.joints_px, unknown_joints()[1])
            )
    return out


def real_paste_samples(cuts: list[HandCutout], count: int, size: int, seed: int) -> list[SynthSample]:
    """``count`` pasted pairs of random cut-outs (a hand from another frame over each base).

    Raises:
        ValueError: fewer than two cut-outs.
    """
    if len(cuts) < 2:
        raise ValueError("need at least two hand cut-outs")
    samples = []
    for i in range(count):
        rng = np.random.default_rng([seed, i, 0x8EA1])
        a, b = rng.choice(len(cuts), size=2, replace=False)
        samples.append(paste_hand(cuts[int(a)], cuts[int(b)], size, rng, SampleSource.REAL_PASTE, seed, i))
    return samples


def read_video(path: pathlib.Path, step: int) -> list[np.ndarray]:
    """Every ``step``-th frame of a video as (H, W, 3) uint8 RGB (PyAV)."""
    import av

    with av.open(str(path)) as container:
        return [
            f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i % step == 0
        ]


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: video of single hands -> dataset folder of pasted pairs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=pathlib.Path, required=True)
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--step", type=int, default=5, help="use every STEP-th frame")
    parser.add_argument("--mirrored", action="store_true", help="the footage is selfie-mirrored")
    args = parser.parse_args(argv)
    frames = read_video(args.video, args.step)
    cuts = cutouts(frames, label_frames(frames, args.mirrored))
    make_folders(args.out)
    entries = [write_sample(args.out, s) for s in real_paste_samples(cuts, args.count, args.size, args.seed)]
    write_index(args.out, entries, args.seed, args.size)
    print(f"{len(cuts)} hands cut from {len(frames)} frames; wrote {len(entries)} samples to {args.out}")


if __name__ == "__main__":
    main()
