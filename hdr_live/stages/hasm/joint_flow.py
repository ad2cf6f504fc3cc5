"""Moves a hand's joints from the previous frame to the current one with sparse optical flow, so
the tracker's prior (issue: "the previous frame's joints, moved forward by a motion model or
optical flow") sits where the hand is now, not where it was.

Pyramidal Lucas–Kanade (OpenCV ``calcOpticalFlowPyrLK``; Bouguet 2001) with a forward–backward
check (Kalman, Mikolajczyk & Matas 2010): a joint whose backward-tracked position misses its
start by more than ``max_fb_error_px`` (or that LK lost) is unreliable, e.g. hidden behind the
other hand or on a textureless spot. Unreliable joints move with the median displacement of the
reliable ones; with too few reliable joints the hand is not moved at all (a stale prior beats a
wrong one).

The flow runs on a small grey image around the hand only, not on the frame: the joints' box
grown by ``margin`` hand sizes (wrist→middle MCP) is cut from the previous and the current frame
(a view, no copy) and shrunk so that the hand measures about ``work_hand_px`` pixels. The cost is
therefore flat in the frame size, and the flow sees the same image of a hand at any resolution.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.joints import NUM_JOINTS, hand_scale_px


@dataclasses.dataclass(frozen=True)
class JointFlowOptions:
    """Options of :class:`JointFlow`.

    Attributes:
        work_hand_px: the hand's size (wrist→middle MCP) in the flow's work image, pixels; a
            hand smaller than this is not enlarged (scale at most 1).
        margin: the work region is the joints' box grown by this many hand sizes per side (the
            farthest a hand can move between two frames and still be followed).
        window_px: LK window side in work-image pixels.
        levels: pyramid levels above the base (each halves the size).
        max_fb_error_px: forward–backward error limit, in work-image pixels.
        min_reliable: fewest reliable joints needed to move the hand.
    """

    work_hand_px: float = 40.0
    margin: float = 1.0
    window_px: int = 21
    levels: int = 3
    max_fb_error_px: float = 1.0
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
    """Keeps the previous frame and moves joints from it to the current one."""

    def __init__(self, options: JointFlowOptions = JointFlowOptions()) -> None:
        if not options.work_hand_px > 0 or not options.margin >= 0:
            raise ValueError("JointFlowOptions.work_hand_px must be > 0 and margin >= 0, got "
                             f"{options.work_hand_px}, {options.margin}")
        self.options = options
        self._previous: np.ndarray | None = None
        self._current: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the frames (a new sequence starts)."""
        self._previous = self._current = None

    def push(self, rgb: np.ndarray) -> None:
        """Make ``rgb`` ((H, W, 3) uint8 RGB, kept by reference and not written to) the current
        frame and the old current the previous. A frame of another size than the last one
        starts over (no previous frame)."""
        same = self._current is not None and self._current.shape == rgb.shape
        self._previous = self._current if same else None
        self._current = rgb

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
        if self._previous is None or self._current is None or not np.isfinite(joints_px).all():
            return unmoved
        o = self.options
        h, w = self._current.shape[:2]
        hand = max(hand_scale_px(joints_px), 4.0)
        grow = o.margin * hand + o.window_px
        x0, y0 = np.clip(np.floor(joints_px.min(axis=0) - grow), 0, (w - 1, h - 1)).astype(int)
        x1, y1 = np.clip(np.ceil(joints_px.max(axis=0) + grow), 0, (w - 1, h - 1)).astype(int)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return unmoved
        scale = min(1.0, o.work_hand_px / hand)
        size = (max(int(round((x1 - x0 + 1) * scale)), 8), max(int(round((y1 - y0 + 1) * scale)), 8))
        sx, sy = size[0] / (x1 - x0 + 1), size[1] / (y1 - y0 + 1)
        prev, cur = (self._work_image(img, x0, y0, x1, y1, size)
                     for img in (self._previous, self._current))
        to_work = np.array([sx, sy])
        origin = np.array([x0, y0], dtype=np.float64)
        # pixel centres: frame x ↔ work (x - x0 + 0.5) * sx - 0.5
        pts = (((joints_px - origin) + 0.5) * to_work - 0.5).astype(np.float32).reshape(-1, 1, 2)
        lk = dict(winSize=(o.window_px, o.window_px), maxLevel=o.levels,
                  criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
        fwd, st_f, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, **lk)
        back, st_b, _ = cv2.calcOpticalFlowPyrLK(cur, prev, fwd, None, **lk)
        fb_error = np.linalg.norm((back - pts).reshape(-1, 2), axis=1)
        reliable = (st_f.ravel() == 1) & (st_b.ravel() == 1) & (fb_error <= o.max_fb_error_px)
        if reliable.sum() < o.min_reliable:
            return FlowedJoints(unmoved.joints_px, reliable, False)
        moved = (fwd.reshape(-1, 2).astype(np.float64) + 0.5) / to_work - 0.5 + origin
        shift = np.median(moved[reliable] - joints_px[reliable], axis=0)
        out = np.where(reliable[:, None], moved, joints_px + shift)
        return FlowedJoints(out, reliable, True)

    @staticmethod
    def _work_image(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int,
                    size: tuple[int, int]) -> np.ndarray:
        """The grey work image of the region [x0, x1] × [y0, y1] of ``rgb`` at ``size`` (w, h)."""
        grey = cv2.cvtColor(rgb[y0:y1 + 1, x0:x1 + 1], cv2.COLOR_RGB2GRAY)
        if grey.shape[::-1] != size:
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        return grey
