"""Moves a hand's joints from the previous frame to the current one with sparse optical flow, so
the tracker's prior (issue: "the previous frame's joints, moved forward by a motion model or
optical flow") sits where the hand is now, not where it was.

Pyramidal Lucas–Kanade (OpenCV ``calcOpticalFlowPyrLK``; Bouguet 2001) on a downscaled grey
frame, with a forward–backward check (Kalman, Mikolajczyk & Matas 2010): a joint whose
backward-tracked position misses its start by more than ``max_fb_error_px`` (or that LK lost)
is unreliable, e.g. hidden behind the other hand or on a textureless spot. Unreliable joints move
with the median displacement of the reliable ones; with too few reliable joints the hand is not
moved at all (a stale prior beats a wrong one).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.joints import NUM_JOINTS


@dataclasses.dataclass(frozen=True)
class JointFlowOptions:
    """Options of :class:`JointFlow`.

    Attributes:
        scale: the grey frames are resized by this factor before the flow (speed).
        window_px: LK window side in pixels of the downscaled frame.
        levels: pyramid levels above the base (each halves the size).
        max_fb_error_px: forward–backward error limit, in full-frame pixels.
        min_reliable: fewest reliable joints needed to move the hand.
    """

    scale: float = 0.5
    window_px: int = 21
    levels: int = 3
    max_fb_error_px: float = 2.0
    min_reliable: int = 6


@dataclasses.dataclass(frozen=True)
class FlowedJoints:
    """Result of :meth:`JointFlow.advance`.

    Attributes:
        joints_px: (21, 2) float64 joints in the current frame's pixels.
        reliable: (21,) bool joints the flow tracked both ways within the limit.
        moved: False when too few joints were reliable and the input was returned unchanged.
    """

    joints_px: np.ndarray
    reliable: np.ndarray
    moved: bool


class JointFlow:
    """Keeps the previous grey frame and moves joints from it to the current one."""

    def __init__(self, options: JointFlowOptions = JointFlowOptions()) -> None:
        if not 0.0 < options.scale <= 1.0:
            raise ValueError(f"JointFlowOptions.scale must be in (0, 1], got {options.scale}")
        self.options = options
        self._previous: np.ndarray | None = None
        self._current: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the frames (a new sequence starts)."""
        self._previous = self._current = None

    def push(self, rgb: np.ndarray) -> None:
        """Make ``rgb`` ((H, W, 3) uint8 RGB) the current frame and the old current the previous.
        A frame of another size than the last one starts over (no previous frame)."""
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if self.options.scale != 1.0:
            grey = cv2.resize(grey, None, fx=self.options.scale, fy=self.options.scale,
                              interpolation=cv2.INTER_AREA)
        same = self._current is not None and self._current.shape == grey.shape
        self._previous = self._current if same else None
        self._current = grey

    def advance(self, joints_px: np.ndarray) -> FlowedJoints:
        """Joints of the previous frame ((21, 2) float frame pixels) moved into the current one.

        Without a previous frame (first frame, or after :meth:`reset`) the joints are returned
        unchanged with ``moved`` False.

        Raises:
            ValueError: ``joints_px`` is not (21, 2).
        """
        joints_px = np.asarray(joints_px, dtype=np.float64)
        if joints_px.shape != (NUM_JOINTS, 2):
            raise ValueError(f"joints_px must be (21, 2), got {joints_px.shape}")
        unmoved = FlowedJoints(joints_px.copy(), np.zeros(NUM_JOINTS, bool), False)
        if self._previous is None or self._current is None:
            return unmoved
        o, s = self.options, self.options.scale
        pts = (joints_px * s).astype(np.float32).reshape(-1, 1, 2)
        lk = dict(winSize=(o.window_px, o.window_px), maxLevel=o.levels,
                  criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
        fwd, st_f, _ = cv2.calcOpticalFlowPyrLK(self._previous, self._current, pts, None, **lk)
        back, st_b, _ = cv2.calcOpticalFlowPyrLK(self._current, self._previous, fwd, None, **lk)
        fb_error = np.linalg.norm((back - pts).reshape(-1, 2), axis=1) / s
        reliable = (st_f.ravel() == 1) & (st_b.ravel() == 1) & (fb_error <= o.max_fb_error_px)
        if reliable.sum() < o.min_reliable:
            return FlowedJoints(unmoved.joints_px, reliable, False)
        moved = fwd.reshape(-1, 2).astype(np.float64) / s
        shift = np.median(moved[reliable] - joints_px[reliable], axis=0)
        out = np.where(reliable[:, None], moved, joints_px + shift)
        return FlowedJoints(out, reliable, True)
