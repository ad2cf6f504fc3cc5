"""What an arm says about the hand at its end: where to look for it (a hand region from the
wrist and the knuckles, Holistic's hand-from-pose idea), whether a hand is at its end, and whose
side it is.

Source of the idea: MediaPipe Holistic (hand regions re-cropped from the pose's wrist and hand
points; Grishchenko and Bazarevsky, "MediaPipe Holistic", Google AI Blog, 2020).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from hdr_live.geometry import Roi
from hdr_live.joints import Side, hand_scale_px
from hdr_live.stages.body.pose import Arm, BodyPose

#: Wrist→knuckles over elbow→wrist for an adult hand (used when the knuckles are not seen).
_KNUCKLES_PER_FOREARM = 0.4


@dataclasses.dataclass(frozen=True)
class ArmOptions:
    """Options of the arm rules.

    Attributes:
        min_visibility: an arm point counts as seen from this visibility on.
        roi_size: a hand region's side in wrist→knuckle lengths.
        roi_centre: the region's centre from the wrist toward the knuckles, in wrist→knuckle
            lengths.
        reach: a hand is at the end of an arm when its wrist lies within this many hand sizes
            (wrist→middle MCP, at least the arm's wrist→knuckle length) of the arm's wrist.
        side_margin: the arm decides a hand's side when the other arm's wrist is at least this
            many times farther from the hand's wrist.
    """

    min_visibility: float = 0.5
    roi_size: float = 4.5
    roi_centre: float = 0.9
    reach: float = 1.0
    side_margin: float = 2.0


def _hand_vector(arm: Arm, options: ArmOptions) -> np.ndarray:
    v = arm.knuckles_px - arm.wrist_px
    forearm = arm.wrist_px - arm.elbow_px
    if arm.visibility[3] < options.min_visibility or np.linalg.norm(v) < 1.0:
        v = forearm * _KNUCKLES_PER_FOREARM
    return v


def hand_roi(arm: Arm, options: ArmOptions = ArmOptions()) -> Roi | None:
    """The region where the hand of ``arm`` should be (frame pixels, up from wrist to
    knuckles), or None when its wrist is not seen or the arm is degenerate."""
    if arm.visibility[2] < options.min_visibility:
        return None
    v = _hand_vector(arm, options)
    length = float(np.linalg.norm(v))
    if length < 1.0:
        return None
    centre = arm.wrist_px + options.roi_centre * v
    return Roi((float(centre[0]), float(centre[1])), options.roi_size * length,
               math.atan2(v[0], -v[1]))


def arm_reach_px(arm: Arm, hand_px: np.ndarray, options: ArmOptions = ArmOptions()) -> float:
    """How far a hand's wrist may lie from ``arm``'s wrist and still hang from it, pixels."""
    scale = max(hand_scale_px(hand_px), float(np.linalg.norm(_hand_vector(arm, options))), 1.0)
    return options.reach * scale


def hangs_from(arm: Arm, joints_px: np.ndarray, options: ArmOptions = ArmOptions()) -> bool:
    """Whether a hand ((21, 2) frame pixels) is at the end of ``arm`` (its wrist seen)."""
    if arm.visibility[2] < options.min_visibility:
        return False
    gap = float(np.linalg.norm(joints_px[0] - arm.wrist_px))
    return gap <= arm_reach_px(arm, joints_px, options)


def side_from_arms(body: BodyPose, joints_px: np.ndarray,
                   options: ArmOptions = ArmOptions()) -> Side | None:
    """The side of the arm a hand hangs from, or None when neither or both could be its arm.

    A hand's side is decided by an arm when the hand hangs from it (:func:`hangs_from`) and
    the other arm's wrist is ``side_margin`` times farther from the hand's wrist (or unseen).
    """
    gaps = {}
    for side in (Side.LEFT, Side.RIGHT):
        arm = body.arm(side)
        if arm.visibility[2] >= options.min_visibility:
            gaps[side] = float(np.linalg.norm(joints_px[0] - arm.wrist_px))
    for side, gap in gaps.items():
        other = gaps.get(side.other, math.inf)
        if hangs_from(body.arm(side), joints_px, options) and other >= options.side_margin * gap:
            return side
    return None
