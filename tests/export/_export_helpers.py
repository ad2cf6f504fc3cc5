"""Helpers of the export tests: a synthetic moving-hands pose log and an independent retarget."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from hdr_live.io.pose_log import PoseLogWriter
from hdr_live.joints import BONES, FINGERS, NUM_JOINTS, Side
from hdr_live.types import Frame, FrameResult, HandMasks, HandPose, Hands, StageTimings

#: Rows where a hand is absent in the synthetic log.
ABSENT = {Side.RIGHT: (3, 4, 5), Side.LEFT: (0, 1, 10)}
FRAMES = 16
FPS = 30.0
_BASES = np.array([[0.025, 0.03, 0.0], [0.022, 0.085, 0.0], [0.0, 0.09, 0.0],
                   [-0.02, 0.085, 0.0], [-0.038, 0.075, 0.0]])
_PHALANGES = np.array([[0.035, 0.03, 0.028], [0.04, 0.025, 0.022], [0.045, 0.028, 0.024],
                       [0.042, 0.026, 0.023], [0.032, 0.02, 0.02]])


def _right_hand(t: float) -> np.ndarray:
    """(21, 3) a right hand in its own frame, fingers flexing with t, bone lengths varying."""
    joints = np.zeros((NUM_JOINTS, 3))
    for f, chain in enumerate(FINGERS):
        wobble = 1.0 + 0.06 * np.sin(3.0 * t + f)  # the estimator's lengths vary per frame
        joints[chain[1]] = _BASES[f] * wobble
        spread = 0.5 if f == 0 else 0.1 * (2 - f)
        for k, (p, c) in enumerate(zip(chain[1:-1], chain[2:])):
            flex = (k + 1) * (0.4 + 0.35 * np.sin(2.0 * t + 0.7 * f))
            direction = np.array([np.sin(spread), np.cos(flex), -np.sin(flex)])
            direction /= np.linalg.norm(direction)
            joints[c] = joints[p] + _PHALANGES[f, k] * wobble * direction
    return joints


def _pose(side: Side, i: int) -> HandPose:
    t = i / FPS
    local = _right_hand(t)
    if side is Side.LEFT:
        local[:, 0] = -local[:, 0]
    turn = Rotation.from_rotvec([0.3 * np.sin(t), 0.5 * t, 0.2]) * Rotation.from_euler("x", 180,
                                                                                    degrees=True)
    rel = turn.apply(local)  # camera axes, y down: fingers up on the image
    wrist = np.array([500.0 if side is Side.RIGHT else 800.0, 450.0]) + 60.0 * np.array(
        [np.cos(2 * t), np.sin(2 * t)])
    px = wrist + 2000.0 * rel[:, :2] / (1.0 + rel[:, 2:] * 3.0)
    visible = np.arange(NUM_JOINTS) % 5 != (i % 5)
    return HandPose(side, px, rel, visible, 0.5 + 0.03 * i)


def synthetic_results(frames: int = FRAMES) -> list[FrameResult]:
    """``frames`` results with two moving hands, each absent on the rows of :data:`ABSENT`."""
    results = []
    for i in range(frames):
        poses = Hands.of(lambda side, i=i: None if i in ABSENT[side] else _pose(side, i))
        frame = Frame(np.zeros((4, 4, 3), np.uint8), i, i / FPS)
        results.append(FrameResult(frame, HandMasks.empty(4, 4), Hands(), poses, StageTimings()))
    return results


def write_synthetic_log(path) -> None:
    """Write :func:`synthetic_results` as a pose log at ``path`` (through the project's writer)."""
    with PoseLogWriter(path) as writer:
        for result in synthetic_results():
            writer.write(result)


def to_y_up(points: np.ndarray) -> np.ndarray:
    """Camera axes (x right, y down, z away) → Y up, z towards the camera."""
    return np.asarray(points) * np.array([1.0, -1.0, -1.0])


def retarget(joints: np.ndarray, present: np.ndarray) -> np.ndarray:
    """(F, 21, 3) wrist-relative joints rebuilt with each bone at its median length over the
    ``present`` rows (F,) and its own direction per row."""
    lengths = [np.median(np.linalg.norm(joints[present, c] - joints[present, p], axis=-1))
               for p, c in BONES]
    out = np.zeros_like(joints)
    for (p, c), length in zip(BONES, lengths):
        bone = joints[:, c] - joints[:, p]
        out[:, c] = out[:, p] + length * bone / np.linalg.norm(bone, axis=-1, keepdims=True)
    return out


def last_present(present: np.ndarray) -> np.ndarray:
    """(F,) for each row the last present row at or before it (the first present one before)."""
    rows = np.flatnonzero(present)
    index = np.searchsorted(rows, np.arange(len(present)), side="right") - 1
    return rows[np.maximum(index, 0)]
