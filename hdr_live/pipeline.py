"""Frame in, result out: HASM → HDRM → SHPE (HDR paper Fig. 2). No threads, no UI.

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
import enum
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np

from hdr_live.accel.device import CPU, Device
from hdr_live.joints import Side
from hdr_live.stages.hasm import Hasm, HasmDetections, TwoPhaseHasm
from hdr_live.stages.builders import HasmKind, HdrmKind, build_hasm, build_restorer
from hdr_live.stages.hdrm import Hdrm
from hdr_live.stages.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.shpe import MediaPipeLandmarkShpe, frame_to_crop_points
from hdr_live.stages.silhouette import HandGeometry, masks_from_joints
from hdr_live.temporal.crop_consistency import CropConsistency
from hdr_live.temporal.flow import FlowOptions
from hdr_live.types import (
    Frame,
    FrameResult,
    HandCrop,
    HandMasks,
    HandPose,
    Hands,
    HasmOutput,
    StageTimings,
)

T = TypeVar("T")


class Mode(str, enum.Enum):
    """Which pipeline runs."""

    HDR = "hdr"
    MEDIAPIPE = "mediapipe"


@dataclasses.dataclass(frozen=True)
class PipelineOptions:
    """Options shared by both pipelines.

    Attributes:
        input_mirrored: frames are a mirrored (selfie) view of the person.
        still_images: frames are unrelated stills (no tracking between frames).
        min_pose_score: SHPE presence below this drops the hand.
        pose_needs_prior: give a crop and a pose only to a hand that had a joint prior (a
            tracked or detected hand). A hand the learned HASM finds on its own keeps its masks
            (they still guide the other hand's removal) but gets neither: its side rests on the
            network's channel alone, with no tracked evidence (the one-frame false hands on
            faces came from there).
        crop_consistency: optical-flow consistency of the restored crops between HDRM and SHPE
            (:mod:`hdr_live.temporal.flow`), or None for off. Ignored for still images and in
            ``mediapipe`` mode. Off by default: on the real two-hand clip it halves the crops'
            warping error (12.2 → 6.0 levels, ``benchmarks/flow_consistency.py``) but leaves
            the joints' jitter as it was (7.00 → 6.88 px/frame²) and costs a fifth or more of
            the frame rate on this 2-core CPU.
        hasm: HASM backend (``hdr`` mode); the learned one by default (it beats the baseline
            on the real clip and images: see README).
        hdrm: HDRM restorer (``hdr`` mode).
        device: where the learned networks run (:func:`hdr_live.accel.device.resolve_device`);
            the CPU by default.
        tensorrt: compile the learned networks with torch-tensorrt (CUDA only; ignored on the
            CPU, see :func:`hdr_live.accel.tensorrt.maybe_compile`).
    """

    input_mirrored: bool = False
    still_images: bool = False
    min_pose_score: float = 0.5
    pose_needs_prior: bool = True
    crop_consistency: FlowOptions | None = None
    hasm: HasmKind = HasmKind.LEARNED
    hdrm: HdrmKind = HdrmKind.BASELINE
    device: Device = CPU
    tensorrt: bool = False


class Pipeline(Protocol):
    """Anything that turns a frame into a :class:`FrameResult`."""

    description: str

    def process(self, frame: Frame) -> FrameResult: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


@dataclasses.dataclass(frozen=True)
class PreparedFrame:
    """A frame after :meth:`StagedPipeline.prepare`.

    Attributes:
        frame: the input frame.
        detected: the detector's hands (a :class:`~hdr_live.stages.hasm.TwoPhaseHasm`'s
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


class HdrPipeline:
    """HASM → HDRM → SHPE with the previous frame's poses fed back to HASM as its prior.

    With ``second_shpe`` the two hands' HDRM (+ crop consistency) and then their SHPE run at
    the same time, the left hand on a helper thread with its own estimator (TFLite, OpenCV and
    the flow release the GIL); the outputs are the same as one after the other.
    """

    def __init__(
        self,
        hasm: Hasm,
        hdrm: Hdrm,
        shpe: MediaPipeLandmarkShpe,
        options: PipelineOptions = PipelineOptions(),
        second_shpe: MediaPipeLandmarkShpe | None = None,
    ) -> None:
        self.hasm, self.hdrm, self.shpe, self.options = hasm, hdrm, shpe, options
        self._second_shpe = second_shpe
        self._helper = (
            None
            if second_shpe is None
            else ThreadPoolExecutor(1, thread_name_prefix="hdr-live-left-hand")
        )
        use_flow = options.crop_consistency is not None and not options.still_images
        self._consistency = CropConsistency(options.crop_consistency) if use_flow else None
        self._previous: Hands[HandPose] = Hands()
        flow = ", crop flow consistency" if use_flow else ""
        self.description = f"hdr (HASM {hasm.name}, HDRM {hdrm.name}{flow}, SHPE {shpe.name})"

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
        previous = Hands() if self.options.still_images else self._previous
        if prepared.detected is not None and isinstance(self.hasm, TwoPhaseHasm):
            hasm_out = self.hasm.segment_detected(frame, prepared.detected, previous)
        else:
            hasm_out = self.hasm.segment(frame, previous)
        masks = hasm_out.masks
        t1 = time.perf_counter()
        crops = self._per_hand(lambda side, _: self._crop(frame, hasm_out, side))
        t2 = time.perf_counter()
        poses = self._per_hand(
            lambda side, shpe: self._estimate(
                side, crops.get(side), hasm_out.prior_joints_px.get(side), masks, shpe
            )
        )
        t3 = time.perf_counter()
        self._previous = poses
        timings = StageTimings(
            prepared.prepare_ms + 1e3 * (t1 - t0), 1e3 * (t2 - t1), 1e3 * (t3 - t2)
        )
        return FrameResult(frame, masks, crops, poses, timings)

    def _per_hand(
        self, work: Callable[[Side, MediaPipeLandmarkShpe], T | None]
    ) -> Hands[T]:
        """``work(side, shpe)`` for both sides, concurrently when there is a helper thread."""
        if self._helper is None or self._second_shpe is None:
            return Hands(right=work(Side.RIGHT, self.shpe), left=work(Side.LEFT, self.shpe))
        left = self._helper.submit(work, Side.LEFT, self._second_shpe)
        right = work(Side.RIGHT, self.shpe)
        return Hands(right=right, left=left.result())

    def _crop(self, frame: Frame, hasm_out: HasmOutput, side: Side) -> HandCrop | None:
        if self.options.pose_needs_prior and hasm_out.prior_joints_px.get(side) is None:
            return None
        crop = self.hdrm.process_side(frame, hasm_out.masks, side)
        if self._consistency is not None:
            crop = self._consistency.update_side(side, crop)
        return crop

    def _estimate(
        self,
        side: Side,
        crop: HandCrop | None,
        prior_px: np.ndarray | None,
        masks: HandMasks,
        shpe: MediaPipeLandmarkShpe,
    ) -> HandPose | None:
        if crop is None:
            return None
        prior_crop = None if prior_px is None else frame_to_crop_points(crop, prior_px)
        est = shpe.estimate(crop, prior_crop)
        if est.presence < self.options.min_pose_score:
            return None
        joints_px, rel_m = est.to_frame(crop)
        visible = joint_visibility(joints_px, masks.visible(side))
        return HandPose(side, joints_px, rel_m, visible, est.presence)

    def reset(self) -> None:
        self._previous = Hands()
        self.hasm.reset()
        if self._consistency is not None:
            self._consistency.reset()

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True)
        self.hasm.close()


class MediaPipePipeline:
    """Reference mode: MediaPipe Hands on the full frame, no HDR stages.

    Masks are drawn from its landmarks only to decide per-joint visibility.
    """

    description = "mediapipe (full-frame MediaPipe Hands, no HDR)"

    def __init__(self, options: PipelineOptions = PipelineOptions()) -> None:
        self.options = options
        self._detector = self._make_detector()

    def _make_detector(self) -> MediaPipeHands:
        return MediaPipeHands(
            MediaPipeHandsOptions(
                static_image_mode=self.options.still_images,
                input_mirrored=self.options.input_mirrored,
            )
        )

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
            visible = joint_visibility(det.joints_px, masks.visible(det.side))
            # The legacy solution does not expose landmark presence; a kept hand passed its
            # tracking threshold, so its handedness score stands in as confidence.
            score = float(np.clip(max(det.side_score, self.options.min_pose_score), 0, 1))
            pose = HandPose(det.side, det.joints_px, det.joints_rel_m, visible, score)
            poses = poses.with_side(det.side, pose)
        ms = prepared.prepare_ms + 1e3 * (time.perf_counter() - t0)
        return FrameResult(frame, masks, Hands(), poses, StageTimings(reference_ms=ms))

    def reset(self) -> None:
        self._detector.close()
        self._detector = self._make_detector()

    def close(self) -> None:
        self._detector.close()


def build_pipeline(mode: Mode, options: PipelineOptions = PipelineOptions()) -> Pipeline:
    """The pipeline for ``mode`` with the backends in ``options`` (by default the learned HASM,
    the inpainting HDRM and MediaPipe's landmark network as SHPE).

    Raises:
        hdr_live.weights.WeightsError: a bundled model file is missing or corrupt.
    """
    if mode is Mode.MEDIAPIPE:
        return MediaPipePipeline(options)
    hasm = build_hasm(options.hasm, options.input_mirrored, options.still_images,
                      device=options.device, tensorrt=options.tensorrt)
    hdrm = Hdrm(restorer=build_restorer(options.hdrm, device=options.device,
                                        tensorrt=options.tensorrt),
                input_mirrored=options.input_mirrored)
    return HdrPipeline(hasm, hdrm, MediaPipeLandmarkShpe(), options)
