"""HASM: hand amodal segmentation (HDR paper §3.2), four masks per frame.

Backends implement :class:`Hasm`. Today's only backend is :class:`LandmarkHasmBaseline`, a
**baseline** that draws the masks from MediaPipe's full-frame hand landmarks instead of a learned
SegFormer (the learned HASM is a separate piece of work).
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np

from hdr_live.joints import Side, hand_scale_px
from hdr_live.stages.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.silhouette import HandGeometry, masks_from_joints
from hdr_live.types import Frame, HandPose, Hands, HasmOutput


class Hasm(Protocol):
    """A hand amodal segmentation backend."""

    #: Short human-readable name shown in the CLI and the video overlay.
    name: str

    def segment(self, frame: Frame, previous: Hands[HandPose]) -> HasmOutput:
        """Four masks for ``frame``.

        Args:
            frame: the input frame.
            previous: the pipeline's poses of the previous frame of the same sequence (empty for
                the first frame or a still image); a backend may use them as a joint prior.
        """
        ...

    def reset(self) -> None:
        """Forget all state carried between frames (new sequence)."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


@dataclasses.dataclass(frozen=True)
class TrackingOptions:
    """When a hand MediaPipe lost is carried over from the pipeline's previous pose.

    Attributes:
        min_score: the previous pose's presence score needed to carry it over.
        max_hold_frames: at most this many consecutive frames without a fresh detection.
        min_separation: a carried-over hand whose joints lie closer than this many hand sizes
            (mean distance) to the other hand's joints is a duplicate and is dropped.
    """

    min_score: float = 0.5
    max_hold_frames: int = 30
    min_separation: float = 0.35


class LandmarkHasmBaseline:
    """Baseline HASM: masks drawn from MediaPipe Hands landmarks (not a learned model).

    Each hand comes from MediaPipe's full-frame detection, or, when MediaPipe loses it, from the
    pipeline's own pose of the previous frame (see :class:`TrackingOptions`). Visible masks are
    the amodal masks minus the nearer other hand (landmark depth, :mod:`silhouette`).
    """

    name = "baseline-landmarks"

    def __init__(
        self,
        detector_options: MediaPipeHandsOptions = MediaPipeHandsOptions(),
        tracking: TrackingOptions = TrackingOptions(),
    ) -> None:
        self._detector_options = detector_options
        self._detector = MediaPipeHands(detector_options)
        self._tracking = tracking
        self._held = {Side.LEFT: 0, Side.RIGHT: 0}

    def segment(self, frame: Frame, previous: Hands[HandPose]) -> HasmOutput:
        """Four masks from detected or carried-over landmarks; see :class:`Hasm`."""
        geoms: Hands[HandGeometry] = Hands()
        for det in self._detector.detect(frame):
            geoms = geoms.with_side(det.side, HandGeometry(det.joints_px, det.joints_rel_m))
            self._held[det.side] = 0
        for side in (Side.RIGHT, Side.LEFT):
            if geoms.get(side) is None:
                carried = self._carry_over(side, previous, geoms.get(side.other))
                geoms = geoms.with_side(side, carried)
        masks = masks_from_joints(geoms, frame.height, frame.width)
        prior = Hands(
            left=None if geoms.left is None else geoms.left.joints_px,
            right=None if geoms.right is None else geoms.right.joints_px,
        )
        return HasmOutput(masks, prior)

    def _carry_over(
        self, side: Side, previous: Hands[HandPose], other: HandGeometry | None
    ) -> HandGeometry | None:
        pose = previous.get(side)
        opts = self._tracking
        if pose is None or pose.score < opts.min_score or self._held[side] >= opts.max_hold_frames:
            self._held[side] = 0
            return None
        if other is not None:
            gap = np.linalg.norm(pose.joints_px - other.joints_px, axis=1).mean()
            if gap < opts.min_separation * max(hand_scale_px(other.joints_px), 1.0):
                self._held[side] = 0
                return None
        self._held[side] += 1
        return HandGeometry(pose.joints_px, pose.joints_rel_m)

    def reset(self) -> None:
        self._held = {Side.LEFT: 0, Side.RIGHT: 0}
        self._detector.close()
        self._detector = MediaPipeHands(self._detector_options)

    def close(self) -> None:
        self._detector.close()
