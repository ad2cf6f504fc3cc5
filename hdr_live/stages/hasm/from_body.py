"""Hands from the body: a hand looked for at the end of each arm (a region from the pose's
wrist and knuckles, verified by the hand-landmark network's presence), a hand's side decided by
the arm it hangs from, and a hidden hand kept only while its arm says it can be hidden.

Rules (:mod:`hdr_live.stages.body.arms` for the arm geometry):

- proposal: for a side with no live hand, the arm's hand region (at ``roi_scales``) is given to
  the landmark network twice (the second pass re-fitted to the first's joints); a hand whose
  presence reaches ``min_presence`` and whose wrist lies at the arm's wrist is a detection of
  the arm's side;
- sides: a detection or track that hangs from exactly one arm takes that arm's side;
- no hand where the body says there is none: a hand inside the body's box (its landmarks' box
  grown by ``body_margin`` shoulder widths) while both of its wrists are seen, more than
  ``refuse_reach`` hand sizes from either, is refused (a face, a neck or a sleeve taken for a
  hand); hands outside that box (other people) are not judged;
- hidden hands: a lost hand whose arm's wrist left the frame is dropped, and so is one whose
  arm's wrist is not near the other hand (nothing there to hide it: a wrist in view with no hand
  on it, or a hand gone elsewhere); one whose wrist is at the other hand is kept and moved so
  that its wrist sits at the arm's wrist.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.geometry import Roi
from hdr_live.joints import Side, hand_scale_px
from hdr_live.stages.body.arms import ArmOptions, hand_roi, hangs_from, side_from_arms
from hdr_live.stages.body.pose import BodyPose
from hdr_live.stages.body.tracker import BodyTracker
from hdr_live.stages.hasm.mediapipe_hands import HandDetection
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe
from hdr_live.types import Frame


@dataclasses.dataclass(frozen=True)
class BodyHandsOptions:
    """Options of :class:`BodyHands` (see the module docstring).

    Attributes:
        arms: the arm geometry's options.
        roi_scales: multiples of the arm's hand region tried, in order.
        min_presence: the landmark network's presence needed to accept a proposal.
        near_other: a hidden hand's wrist is plausibly covered when it lies within this many hand
            sizes of the other hand's joints.
        refuse_reach: see the module docstring (hand sizes, as :func:`~hdr_live.stages.body.
            arms.arm_reach_px`).
        body_margin: see the module docstring (shoulder widths).
    """

    arms: ArmOptions = ArmOptions()
    roi_scales: tuple[float, ...] = (1.0, 1.5)
    min_presence: float = 0.5
    near_other: float = 1.0
    refuse_reach: float = 2.0
    body_margin: float = 0.25


class BodyHands:
    """The body tracker and the rules of the module docstring."""

    def __init__(self, body: BodyTracker, landmarks: MediaPipeLandmarkShpe,
                 options: BodyHandsOptions = BodyHandsOptions()) -> None:
        self.body, self.landmarks, self.options = body, landmarks, options

    def reset(self) -> None:
        """Forget the tracked body."""
        self.body.reset()

    def update(self, frame: Frame) -> BodyPose | None:
        """The body on ``frame`` (:meth:`BodyTracker.update`)."""
        return self.body.update(frame)

    @property
    def measured(self) -> bool:
        """The landmark network ran on the last frame (proposals follow its budget)."""
        return self.body.ran[0]

    def propose(self, frame: Frame, body: BodyPose, side: Side) -> HandDetection | None:
        """A verified hand at the end of ``body``'s ``side`` arm, or None."""
        arm = body.arm(side)
        roi = hand_roi(arm, self.options.arms)
        if roi is None:
            return None
        best = None
        for k in self.options.roi_scales:
            est = self.landmarks.run_roi_refined(
                frame.rgb, dataclasses.replace(roi, size_px=roi.size_px * k))
            if best is None or est.presence > best.presence:
                best = est
            if best.presence >= self.options.min_presence:
                break
        if best.presence < self.options.min_presence or not hangs_from(
                arm, best.joints_crop_px, self.options.arms):
            return None
        return HandDetection(side, best.joints_crop_px, best.joints_world_m, best.presence)

    def hand_region(self, frame: Frame, body: BodyPose, side: Side) -> Roi | None:
        """Where ``body``'s ``side`` hand must be (:func:`~hdr_live.stages.body.arms.hand_roi`,
        frame pixels), or None when that arm's wrist is not seen or the region's centre lies
        outside ``frame``."""
        roi = hand_roi(body.arm(side), self.options.arms)
        if roi is None:
            return None
        x, y = roi.center_xy
        return roi if 0 <= x < frame.width and 0 <= y < frame.height else None

    def side_of(self, body: BodyPose, joints_px: np.ndarray) -> Side | None:
        """The side of the arm a hand hangs from (None: undecided)."""
        return side_from_arms(body, joints_px, self.options.arms)

    def refuses(self, body: BodyPose, joints_px: np.ndarray) -> bool:
        """Whether the body says a hand ((21, 2) frame pixels) cannot be there (see the module
        docstring)."""
        o = self.options
        arms = [body.arm(side) for side in (Side.LEFT, Side.RIGHT)]
        if any(arm.visibility[2] < o.arms.min_visibility for arm in arms):
            return False
        seen = body.landmarks_px[body.visibility >= o.arms.min_visibility]
        pad = o.body_margin * body.shoulder_width_px
        lo, hi = seen.min(axis=0) - pad, seen.max(axis=0) + pad
        centre = joints_px.mean(axis=0)
        if not (np.all(centre >= lo) and np.all(centre <= hi)):
            return False
        reach = dataclasses.replace(o.arms, reach=o.refuse_reach)
        return not any(hangs_from(arm, joints_px, reach) for arm in arms)

    def hidden_hand(self, frame: Frame, body: BodyPose, side: Side, joints_px: np.ndarray,
                    other_px: np.ndarray | None) -> np.ndarray | None:
        """A lost hand's joints anchored at its arm's wrist, or None when it must be dropped
        (see the module docstring)."""
        arm = body.arm(side)
        x, y = arm.wrist_px
        if not (0 <= x < frame.width and 0 <= y < frame.height):
            return None
        near = False
        if other_px is not None:
            scale = max(hand_scale_px(other_px), 1.0)
            near = float(np.linalg.norm(other_px - arm.wrist_px, axis=1).min()) \
                <= self.options.near_other * scale
        if not near:
            return None
        return joints_px + (arm.wrist_px - joints_px[0])
