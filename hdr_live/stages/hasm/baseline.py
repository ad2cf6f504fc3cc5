"""The landmark-baseline HASM: four masks drawn from MediaPipe Hands' full-frame landmarks.

A stand-in for the learned HASM (:mod:`hdr_live.stages.hasm.learned`): the silhouettes are a palm
polygon and thick bones per hand, depth-ordered (:mod:`hdr_live.stages.hasm.silhouette`). It is a
:class:`~hdr_live.stages.hasm.interface.TwoPhaseHasm`; its detector may skip frames on a schedule
(:class:`DetectSchedule`) and run on a shrunk frame.
"""

from __future__ import annotations

import dataclasses
import time

import cv2
import numpy as np

from hdr_live.joints import Side, hand_scale_px
from hdr_live.stages.hasm.interface import HasmDetections
from hdr_live.stages.hasm.mediapipe_hands import HandDetection, MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.hasm.silhouette import masks_from_joints
from hdr_live.types import Frame, HandGeometry, HandPose, Hands, HasmOutput


def downscaled(frame: Frame, max_side_px: int | None) -> tuple[Frame, np.ndarray | None]:
    """``frame`` shrunk (INTER_AREA) so its longer side is at most ``max_side_px``.

    Returns:
        (frame, scale_xy): scale_xy is the (2,) float64 small-over-full pixel ratio per axis, or
        None (and the same frame) when no shrinking is needed or ``max_side_px`` is None.
    """
    longer = max(frame.height, frame.width)
    if max_side_px is None or longer <= max_side_px:
        return frame, None
    scale = max_side_px / longer
    size = (max(2, round(frame.width * scale)), max(2, round(frame.height * scale)))
    small = cv2.resize(frame.rgb, size, interpolation=cv2.INTER_AREA)
    scale_xy = np.array([size[0] / frame.width, size[1] / frame.height])
    return Frame(small, frame.index, frame.t_capture_s), scale_xy


@dataclasses.dataclass(frozen=True)
class DetectSchedule:
    """When HASM's detector may skip a frame and the masks are drawn from the previous frame's
    poses instead (reusing the tracked hands while they move little, as MediaPipe's own tracker
    reuses landmarks instead of re-running its palm detector).

    A frame is skipped only when the last detection found both hands, fewer than ``every``
    frames ago, and the image inside those hands' box (grown by a fifth) changed by at most
    ``max_motion`` since then: mean absolute difference of grey levels (0-255) on a thumbnail
    subsampled every ``thumb_step`` pixels.

    Attributes:
        every: run the detector at least every N frames (1 = every frame, never skip).
        max_motion: the change limit in grey levels.
        thumb_step: thumbnail subsampling step, pixels.
    """

    every: int = 1
    max_motion: float = 10.0
    thumb_step: int = 8

    def __post_init__(self) -> None:
        if self.every < 1 or self.thumb_step < 1 or not self.max_motion >= 0:
            raise ValueError(f"invalid DetectSchedule: {self}")


class _SkipState:
    """What :class:`DetectSchedule` compares against: the last detection's thumbnail and box."""

    def __init__(self) -> None:
        self.thumb: np.ndarray | None = None
        self.box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 thumbnail pixels
        self.since = 0


def _thumbnail(frame: Frame, step: int) -> np.ndarray:
    """(ceil(H/step), ceil(W/step)) float32 grey thumbnail (plain subsampling: it is cheap)."""
    small = np.ascontiguousarray(frame.rgb[::step, ::step])
    return cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32)


def _hands_box(dets: tuple[HandDetection, ...], step: int, shape: tuple[int, ...]):
    pts = np.concatenate([d.joints_px for d in dets]) / step
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    grow = (hi - lo) / 5.0
    x0, y0 = np.floor(np.maximum(lo - grow, 0)).astype(int)
    x1, y1 = np.ceil(np.minimum(hi + grow + 1, [shape[1], shape[0]])).astype(int)
    return (int(x0), int(y0), int(x1), int(y1)) if x1 > x0 and y1 > y0 else None


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
    the amodal masks minus the nearer other hand (landmark depth,
    :mod:`~hdr_live.stages.hasm.silhouette`).

    Implements :class:`~hdr_live.stages.hasm.interface.TwoPhaseHasm`. With
    ``detect_max_side_px`` the detector sees a copy of the frame shrunk to that longer side
    (masks are still drawn at full resolution from the detector's joints scaled back to frame
    pixels). ``schedule`` lets the detector skip frames (:class:`DetectSchedule`); on a skipped
    frame both hands are carried over.
    """

    name = "baseline-landmarks"

    def __init__(
        self,
        detector_options: MediaPipeHandsOptions = MediaPipeHandsOptions(),
        tracking: TrackingOptions = TrackingOptions(),
        detect_max_side_px: int | None = None,
        schedule: DetectSchedule = DetectSchedule(),
    ) -> None:
        if detect_max_side_px is not None and detect_max_side_px < 32:
            raise ValueError(f"detect_max_side_px must be >= 32, got {detect_max_side_px}")
        self._detector = MediaPipeHands(detector_options)
        self._tracking = tracking
        self._detect_max_side_px = detect_max_side_px
        self._schedule = schedule
        self._skip = _SkipState()  # used by detect() only
        self._held = {Side.LEFT: 0, Side.RIGHT: 0}  # used by segment_detected() only

    def segment(self, frame: Frame, previous: Hands[HandPose]) -> HasmOutput:
        """Four masks from detected or carried-over landmarks; see :class:`Hasm`."""
        return self.segment_detected(frame, self.detect(frame), previous)

    def detect(self, frame: Frame) -> HasmDetections:
        """MediaPipe Hands on ``frame`` (shrunk per ``detect_max_side_px``); joints in frame px."""
        t0 = time.perf_counter()
        sched = self._schedule
        thumb = _thumbnail(frame, sched.thumb_step) if sched.every > 1 else None
        if thumb is not None and self._may_skip(thumb):
            self._skip.since += 1
            return HasmDetections((), 1e3 * (time.perf_counter() - t0), ran=False)
        small, scale_xy = downscaled(frame, self._detect_max_side_px)
        dets = self._detector.detect(small)
        if scale_xy is not None:
            # MediaPipe's pixels are normalised coordinates times the image size, so they scale
            # by the size ratio alone.
            dets = [dataclasses.replace(d, joints_px=d.joints_px / scale_xy) for d in dets]
        if thumb is not None:
            self._skip.thumb, self._skip.since = thumb, 0
            both = len(dets) == 2
            self._skip.box = _hands_box(tuple(dets), sched.thumb_step, thumb.shape) if both else None
        return HasmDetections(tuple(dets), 1e3 * (time.perf_counter() - t0))

    def _may_skip(self, thumb: np.ndarray) -> bool:
        st, sched = self._skip, self._schedule
        if st.box is None or st.thumb is None or st.since + 1 >= sched.every:
            return False
        if st.thumb.shape != thumb.shape:
            return False
        x0, y0, x1, y1 = st.box
        change = np.abs(thumb[y0:y1, x0:x1] - st.thumb[y0:y1, x0:x1]).mean()
        return bool(change <= sched.max_motion)

    def segment_detected(
        self, frame: Frame, detected: HasmDetections, previous: Hands[HandPose]
    ) -> HasmOutput:
        """Four masks from ``detected`` hands and carried-over ``previous`` poses."""
        geoms: Hands[HandGeometry] = Hands()
        for det in detected.detections:
            geoms = geoms.with_side(det.side, HandGeometry(det.joints_px, det.joints_rel_m))
            self._held[det.side] = 0
        for side in (Side.RIGHT, Side.LEFT):
            if geoms.get(side) is None:
                carried = self._carry_over(side, previous, geoms.get(side.other))
                geoms = geoms.with_side(side, carried)
        masks = masks_from_joints(geoms, frame.height, frame.width)
        return HasmOutput(masks, geoms.map(lambda _, g: g.joints_px))

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
        self._skip = _SkipState()
        self._detector.reset()

    def close(self) -> None:
        self._detector.close()
