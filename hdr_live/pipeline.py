"""Frame in, result out: HASM → HDRM → SHPE (HDR paper Fig. 2) → 3D. No threads, no UI.

Two pipelines share the :class:`Pipeline` interface:
- :class:`HdrPipeline`: the HDR framework with swappable stage backends.
- :class:`MediaPipePipeline`: MediaPipe Hands on the full frame, no HDR (the A/B reference).

Both also implement :class:`StagedPipeline`: ``process(frame)`` is ``finish(prepare(frame))``,
where ``prepare`` holds the heavy work that needs no earlier frame's result (HASM's detector), so
a pipelined runtime (:class:`hdr_live.runtime.Runtime` with ``prepare``) runs ``prepare`` of
frame t+1 on one core while ``finish`` of frame t runs on the other, with the same outputs.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

import numpy as np

from hdr_live.config import ShpeConfig
from hdr_live.geometry import Box, joints_box
from hdr_live.joints import Side, hand_scale_px
from hdr_live.stages.hasm.interface import Hasm, HasmDetections, TwoPhaseHasm
from hdr_live.stages.hasm.mediapipe_hands import MediaPipeHands
from hdr_live.stages.hasm.silhouette import masks_from_joints
from hdr_live.stages.hdrm.stage import Hdrm
from hdr_live.stages.shpe.interface import Shpe, frame_to_crop_points
from hdr_live.temporal.crop_consistency import CropConsistency
from hdr_live.types import (
    Frame,
    FrameResult,
    HandCrop,
    HandGeometry,
    HandMasks,
    HandPose,
    Hands,
    HasmOutput,
    StageTimings,
)

if TYPE_CHECKING:  # the 3D stage's modules load only when a pipeline has one
    from hdr_live.threed.stage import ThreeD

T = TypeVar("T")


class Pipeline(Protocol):
    """Anything that turns a frame into a :class:`FrameResult`.

    Attributes:
        description: one line naming the mode and the stage backends (the CLI prints it).
    """

    description: str

    def process(self, frame: Frame) -> FrameResult:
        """The result of one frame, the next of the current sequence.

        Args:
            frame: the frame. It was checked when it was built (an image of the wrong type,
                dtype or shape, or smaller than :attr:`~hdr_live.types.Frame.MIN_SIDE_PX`, is
                refused there with :class:`hdr_live.types.FrameError`, a ``ValueError``), so
                ``process`` raises no ``ValueError`` for a frame's content: any valid frame,
                of any size or content, gives a result (tests/fuzz/test_fuzz_frames.py).

        Returns:
            The :class:`FrameResult` of ``frame``: its masks (frame-sized), the restored crops
            (none in ``mediapipe`` mode), the poses of the hands found (joints in frame pixels
            and wrist-relative metres; a hand not found is absent) and per-stage milliseconds.
            A pipeline for a sequence uses the previous frame's poses as this one's prior.
        """

    def reset(self) -> None:
        """Start a new sequence: forget what earlier frames left behind (the previous poses
        that are HASM's prior, the detector's and tracker's state, the crop consistency's last
        crops), so the next frame is processed as a first one. The pipeline stays usable (the
        ``mediapipe`` mode makes a fresh MediaPipe Hands for it)."""

    def close(self) -> None:
        """Release the models (native graphs and sessions, e.g. MediaPipe's) and any helper
        thread; the pipeline is not used afterwards."""


@dataclasses.dataclass(frozen=True)
class PreparedFrame:
    """A frame after :meth:`StagedPipeline.prepare`.

    Attributes:
        frame: the input frame.
        detected: the detector's hands (a :class:`~hdr_live.stages.hasm.interface.TwoPhaseHasm`'s
            ``detect`` in ``hdr`` mode, MediaPipe Hands in ``mediapipe`` mode), or None when the
            pipeline's HASM has no separable detector (``finish`` then runs all of HASM).
        prepare_ms: wall-clock milliseconds ``prepare`` took.
    """

    frame: Frame
    detected: HasmDetections | None
    prepare_ms: float


@runtime_checkable
class StagedPipeline(Pipeline, Protocol):
    """A :class:`Pipeline` split in two: ``process(f) == finish(prepare(f))``.

    ``prepare`` is called in frame order from one thread and ``finish`` in frame order from
    another; the two may overlap for consecutive frames. ``reset``/``close`` only when idle.
    """

    def prepare(self, frame: Frame) -> PreparedFrame: ...

    def finish(self, prepared: PreparedFrame) -> FrameResult: ...


def joint_visibility(joints_px: np.ndarray, visible_mask: np.ndarray) -> np.ndarray:
    """Per-joint visibility: the joint's pixel lies on its own hand's visible mask.

    Args:
        joints_px: (21, 2) frame pixels.
        visible_mask: (H, W) bool visible mask of the same hand.

    Returns:
        (21,) bool; joints outside the frame are not visible.
    """
    h, w = visible_mask.shape
    xy = np.round(joints_px).astype(np.int64)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    out = np.zeros(len(xy), dtype=bool)
    out[inside] = visible_mask[xy[inside, 1], xy[inside, 0]]
    return out


#: A hand's masks are kept within its joints' box grown by this many hand sizes on every side.
MASK_MARGIN_HAND_SCALES = 0.5


def posed_masks(masks: HandMasks, poses: Hands[HandPose]) -> HandMasks:
    """The masks a result shows: only a hand with a pose (seen or inferred) keeps its masks,
    and only inside its joints' box grown by :data:`MASK_MARGIN_HAND_SCALES` hand sizes (wrist
    to middle MCP) and clipped to the frame; HASM's region for a hand SHPE did not confirm, or
    its mask spilling over the scene far from the skeleton, is a phantom, not a hand.

    Args:
        masks: HASM's four masks of the frame.
        poses: the frame's poses (joints in frame pixels).

    Returns:
        The masks kept (:meth:`~hdr_live.hand_masks.HandMasks.kept_within`).
    """
    def box(side: Side) -> Box | None:
        pose = poses.get(side)
        if pose is None or not np.isfinite(pose.joints_px).all():
            return None
        return joints_box(pose.joints_px, masks.height, masks.width, MASK_MARGIN_HAND_SCALES)

    return masks.kept_within((box(Side.RIGHT), box(Side.LEFT)))


#: Two poses whose mean joint distance is below this many hand sizes lie on the same pixels.
SEEN_TWICE_HAND_SCALES = 0.6
#: A crop, turned to look like a right hand, whose SHPE right-hand score is below this shows the
#: other side's hand.
OTHER_SIDE_SCORE = 0.2


def seen_twice(poses: Hands[HandPose], other_side: Hands[bool]) -> Side | None:
    """The side whose pose is the other hand posed a second time, or None: when the two poses
    lie on the same pixels (mean joint distance under :data:`SEEN_TWICE_HAND_SCALES` hand sizes,
    wrist to middle MCP, of the larger) and the landmark network says exactly one of them shows
    the other side's hand (its crop, mirrored for a left hand as HDR's crops are, scored below
    :data:`OTHER_SIDE_SCORE` as a right hand), that one. Clasped or praying hands are two
    hands of opposite looks and stay.

    Args:
        poses: the frame's poses (joints in frame pixels).
        other_side: per side, whether its crop shows the other side's hand.
    """
    right, left = poses.right, poses.left
    if right is None or left is None or bool(other_side.right) == bool(other_side.left):
        return None
    scale = max(hand_scale_px(right.joints_px), hand_scale_px(left.joints_px), 1.0)
    if float(np.linalg.norm(right.joints_px - left.joints_px, axis=1).mean()) \
            >= SEEN_TWICE_HAND_SCALES * scale:
        return None
    return Side.RIGHT if other_side.right else Side.LEFT


#: A hidden hand is not anchored at its arm's wrist when that wrist lies within this many hand
#: sizes of the other, seen hand's joints (the body model then confuses the two wrists).
ANCHOR_CLEARANCE_HAND_SCALES = 0.5


def hidden_wrist_anchor(side: Side, poses: Hands[HandPose],
                        hasm_out: HasmOutput) -> np.ndarray | None:
    """Where a hand that SHPE did not pose must have its wrist: the end of its own arm when a
    body is in view (:attr:`HasmOutput.arm_wrists_px`), (2,) float64 frame pixels; None when
    the hand was posed, no body is in view, or that wrist lies on the other, seen hand
    (within :data:`ANCHOR_CLEARANCE_HAND_SCALES` of its joints)."""
    wrist = hasm_out.arm_wrists_px.get(side)
    if poses.get(side) is not None or wrist is None:
        return None
    other = poses.get(side.other)
    if other is not None and not other.inferred:
        scale = max(hand_scale_px(other.joints_px), 1.0)
        if float(np.linalg.norm(other.joints_px - wrist, axis=1).min()) \
                < ANCHOR_CLEARANCE_HAND_SCALES * scale:
            return None
    return wrist


@dataclasses.dataclass(frozen=True)
class _HandDone:
    """One hand's HDRM crop and SHPE pose (either may be None) and their milliseconds."""

    crop: HandCrop | None
    pose: HandPose | None
    other_side: bool  # SHPE says the crop shows the other side's hand
    hdrm_ms: float
    shpe_ms: float
    lift_ms: float


class HdrPipeline:
    """HASM → HDRM → SHPE → 3D with the previous frame's poses fed back to HASM as its prior.

    The 3D stage (:mod:`hdr_live.threed`) lifts each posed hand beside its SHPE, then fits the
    hand model to both; the hands it infers while hidden are outputs only: HASM's prior is the
    poses the networks saw.

    With ``second_shpe`` the two hands' HDRM (+ crop consistency) and SHPE run at the same time,
    the left hand on a helper thread with its own estimator (TFLite, OpenCV and the flow release
    the GIL); the outputs are the same as one after the other. The frame's HDRM and SHPE
    milliseconds are then the slower hand's.
    """

    def __init__(
        self,
        hasm: Hasm,
        hdrm: Hdrm,
        shpe: Shpe,
        shpe_config: ShpeConfig = ShpeConfig(),
        tracks: bool = True,
        consistency: CropConsistency | None = None,
        second_shpe: Shpe | None = None,
        threed: ThreeD | None = None,
    ) -> None:
        """Args:
            hasm, hdrm, shpe: the three stages.
            shpe_config: which hands get a pose (:class:`~hdr_live.config.ShpeConfig`).
            tracks: frames are a sequence: the previous frame's poses are HASM's prior and the
                crop consistency runs (False for unrelated stills).
            consistency: optical-flow consistency of the restored crops, or None.
            second_shpe: a second estimator for the left hand on a helper thread (both hands
                at once), or None (one after the other).
            threed: the 3D stage (lifting, model fitting), or None.
        """
        self.hasm, self.hdrm, self.shpe, self.shpe_config = hasm, hdrm, shpe, shpe_config
        self.tracks = tracks
        self._second_shpe = second_shpe
        self._helper = (
            None
            if second_shpe is None
            else ThreadPoolExecutor(1, thread_name_prefix="hdr-live-left-hand")
        )
        self._consistency = consistency
        self._threed = threed
        self._previous: Hands[HandPose] = Hands()
        flow = ", crop flow consistency" if consistency is not None else ""
        three = f", 3D {threed.name}" if threed is not None else ""
        self.description = (f"hdr (HASM {hasm.name}, HDRM {hdrm.name}{flow}, SHPE {shpe.name}"
                            f"{three})")

    def process(self, frame: Frame) -> FrameResult:
        """Run the three stages on one frame; see the module docstring."""
        return self.finish(self.prepare(frame))

    def prepare(self, frame: Frame) -> PreparedFrame:
        """HASM's detector on ``frame`` when the HASM is two-phase; else nothing."""
        if isinstance(self.hasm, TwoPhaseHasm):
            detected = self.hasm.detect(frame)
            return PreparedFrame(frame, detected, detected.detect_ms)
        return PreparedFrame(frame, None, 0.0)

    def finish(self, prepared: PreparedFrame) -> FrameResult:
        """The rest of HASM (masks), HDRM and SHPE for a prepared frame."""
        frame = prepared.frame
        t0 = time.perf_counter()
        previous = self._previous if self.tracks else Hands()
        if prepared.detected is not None and isinstance(self.hasm, TwoPhaseHasm):
            hasm_out = self.hasm.segment_detected(frame, prepared.detected, previous)
        else:
            hasm_out = self.hasm.segment(frame, previous)
        masks = hasm_out.masks
        t1 = time.perf_counter()
        # per hand, HDRM then SHPE in one task, so the two hands meet only once
        done = self._per_hand(lambda side, shpe: self._hand(frame, hasm_out, side, shpe))
        poses = done.map(lambda _, d: d.pose)
        twice = seen_twice(poses, done.map(lambda _, d: d.other_side))
        if twice is not None:
            poses = poses.with_side(twice, None)
        self._previous = poses
        crops = done.map(lambda _, d: d.crop)
        t2 = time.perf_counter()
        if self._threed is not None:
            anchors = Hands.of(lambda side: hidden_wrist_anchor(side, poses, hasm_out))
            gone = frozenset() if twice is None else frozenset({twice})
            poses = self._threed.fit(frame, masks, poses, anchors, gone)
        masks = posed_masks(masks, poses)
        fit_ms = 1e3 * (time.perf_counter() - t2)
        # with the two hands at once a stage's time is the slower hand's, else their sum
        total = sum if self._helper is None else (lambda v: max(v, default=0.0))
        hdrm_ms = total([d.hdrm_ms for _, d in done.items()])
        shpe_ms = total([d.shpe_ms for _, d in done.items()])
        lift_ms = total([d.lift_ms for _, d in done.items()])
        timings = StageTimings(prepared.prepare_ms + 1e3 * (t1 - t0), hdrm_ms, shpe_ms,
                               threed_ms=lift_ms + fit_ms)
        camera = None if self._threed is None else self._threed.intrinsics(frame)
        return FrameResult(frame, masks, crops, poses, timings, camera)

    def _hand(self, frame: Frame, hasm_out: HasmOutput, side: Side, shpe: Shpe) -> _HandDone:
        """HDRM, SHPE and lifting of one hand (touches no shared state but its own SHPE)."""
        t0 = time.perf_counter()
        crop = self._crop(frame, hasm_out, side)
        t1 = time.perf_counter()
        min_score = (self.shpe_config.min_coasting_score if side in hasm_out.coasting
                     else self.shpe_config.min_pose_score)
        pose, other_side = self._estimate(side, crop, hasm_out.prior_joints_px.get(side),
                                          hasm_out.masks, shpe, min_score)
        t2 = time.perf_counter()
        if pose is not None and crop is not None and self._threed is not None:
            pose = self._threed.lift(frame, crop, pose)
        return _HandDone(crop, pose, other_side, 1e3 * (t1 - t0), 1e3 * (t2 - t1),
                         1e3 * (time.perf_counter() - t2))

    def _per_hand(
        self, work: Callable[[Side, Shpe], T | None]
    ) -> Hands[T]:
        """``work(side, shpe)`` for both sides, concurrently when there is a helper thread."""
        if self._helper is None or self._second_shpe is None:
            return Hands.of(lambda side: work(side, self.shpe))
        left = self._helper.submit(work, Side.LEFT, self._second_shpe)
        right = work(Side.RIGHT, self.shpe)
        return Hands(right=right, left=left.result())

    def _crop(self, frame: Frame, hasm_out: HasmOutput, side: Side) -> HandCrop | None:
        if self.shpe_config.pose_needs_prior and hasm_out.prior_joints_px.get(side) is None:
            return None
        crop = self.hdrm.process_side(frame, hasm_out.masks, side,
                                      hasm_out.prior_joints_px.get(side))
        if self._consistency is not None:
            crop = self._consistency.update_side(side, crop)
        return crop

    def _estimate(
        self,
        side: Side,
        crop: HandCrop | None,
        prior_px: np.ndarray | None,
        masks: HandMasks,
        shpe: Shpe,
        min_score: float,
    ) -> tuple[HandPose | None, bool]:
        """The hand's pose (None below ``min_score``) and whether SHPE says its crop shows the
        other side's hand (:data:`OTHER_SIDE_SCORE`)."""
        if crop is None:
            return None, False
        prior_crop = None if prior_px is None else frame_to_crop_points(crop, prior_px)
        est = shpe.estimate(crop, prior_crop)
        if est.presence < min_score:
            return None, False
        joints_px, rel_m = est.to_frame(crop)
        visible = masks.visible_at(side, joints_px)
        return (HandPose(side, joints_px, rel_m, visible, est.presence),
                est.right_score < OTHER_SIDE_SCORE)

    def reset(self) -> None:
        self._previous = Hands()
        self.hasm.reset()
        if self._consistency is not None:
            self._consistency.reset()
        if self._threed is not None:
            self._threed.reset()

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True)
        self.hasm.close()


class MediaPipePipeline:
    """Reference mode: MediaPipe Hands on the full frame, no HDR stages.

    Masks are drawn from its landmarks only to decide per-joint visibility.
    """

    description = "mediapipe (full-frame MediaPipe Hands, no HDR)"

    def __init__(self, make_detector: Callable[[], MediaPipeHands],
                 min_pose_score: float = 0.5) -> None:
        """Args:
            make_detector: makes a fresh MediaPipe Hands (again on :meth:`reset`).
            min_pose_score: the lowest score a kept hand reports.
        """
        self._make_detector = make_detector
        self.min_pose_score = min_pose_score
        self._detector = make_detector()

    def process(self, frame: Frame) -> FrameResult:
        return self.finish(self.prepare(frame))

    def prepare(self, frame: Frame) -> PreparedFrame:
        """MediaPipe Hands on the full frame."""
        t0 = time.perf_counter()
        dets = tuple(self._detector.detect(frame))
        ms = 1e3 * (time.perf_counter() - t0)
        return PreparedFrame(frame, HasmDetections(dets, ms), ms)

    def finish(self, prepared: PreparedFrame) -> FrameResult:
        """Visibility masks and poses from the prepared detections."""
        t0 = time.perf_counter()
        frame = prepared.frame
        dets = () if prepared.detected is None else prepared.detected.detections
        geoms: Hands[HandGeometry] = Hands()
        for det in dets:
            geoms = geoms.with_side(det.side, HandGeometry(det.joints_px, det.joints_rel_m))
        masks = masks_from_joints(geoms, frame.height, frame.width)
        poses: Hands[HandPose] = Hands()
        for det in dets:
            visible = masks.visible_at(det.side, det.joints_px)
            # The legacy solution does not expose landmark presence; a kept hand passed its
            # tracking threshold, so its handedness score stands in as confidence.
            score = float(np.clip(max(det.side_score, self.min_pose_score), 0, 1))
            pose = HandPose(det.side, det.joints_px, det.joints_rel_m, visible, score)
            poses = poses.with_side(det.side, pose)
        ms = prepared.prepare_ms + 1e3 * (time.perf_counter() - t0)
        return FrameResult(frame, masks, Hands(), poses, StageTimings(reference_ms=ms))

    def reset(self) -> None:
        self._detector.close()
        self._detector = self._make_detector()

    def close(self) -> None:
        self._detector.close()
