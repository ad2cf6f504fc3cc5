"""Frame in, result out: HASM → HDRM → SHPE (HDR paper Fig. 2). No threads, no UI.

Two pipelines share the :class:`Pipeline` interface:
- :class:`HdrPipeline`: the HDR framework with swappable stage backends.
- :class:`MediaPipePipeline`: MediaPipe Hands on the full frame, no HDR (the A/B reference).
"""

from __future__ import annotations

import dataclasses
import enum
import time
from typing import Protocol

import numpy as np

from hdr_live.joints import Side
from hdr_live.stages.hasm import Hasm, LandmarkHasmBaseline
from hdr_live.stages.hdrm import Hdrm
from hdr_live.stages.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.shpe import MediaPipeLandmarkShpe, frame_to_crop_points
from hdr_live.stages.silhouette import HandGeometry, masks_from_joints
from hdr_live.types import Frame, FrameResult, HandCrop, HandPose, Hands, StageTimings


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
    """

    input_mirrored: bool = False
    still_images: bool = False
    min_pose_score: float = 0.5


class Pipeline(Protocol):
    """Anything that turns a frame into a :class:`FrameResult`."""

    description: str

    def process(self, frame: Frame) -> FrameResult: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


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
    """HASM → HDRM → SHPE with the previous frame's poses fed back to HASM as its prior."""

    def __init__(
        self,
        hasm: Hasm,
        hdrm: Hdrm,
        shpe: MediaPipeLandmarkShpe,
        options: PipelineOptions = PipelineOptions(),
    ) -> None:
        self.hasm, self.hdrm, self.shpe, self.options = hasm, hdrm, shpe, options
        self._previous: Hands[HandPose] = Hands()
        self.description = f"hdr (HASM {hasm.name}, HDRM {hdrm.name}, SHPE {shpe.name})"

    def process(self, frame: Frame) -> FrameResult:
        """Run the three stages on one frame; see the module docstring."""
        t0 = time.perf_counter()
        previous = Hands() if self.options.still_images else self._previous
        hasm_out = self.hasm.segment(frame, previous)
        t1 = time.perf_counter()
        crops = self.hdrm.process(frame, hasm_out.masks)
        t2 = time.perf_counter()
        poses: Hands[HandPose] = Hands()
        for side, crop in crops.items():
            pose = self._estimate(side, crop, hasm_out.prior_joints_px.get(side), hasm_out.masks)
            poses = poses.with_side(side, pose)
        t3 = time.perf_counter()
        self._previous = poses
        timings = StageTimings(1e3 * (t1 - t0), 1e3 * (t2 - t1), 1e3 * (t3 - t2))
        return FrameResult(frame, hasm_out.masks, crops, poses, timings)

    def _estimate(self, side: Side, crop: HandCrop, prior_px, masks) -> HandPose | None:
        prior_crop = None if prior_px is None else frame_to_crop_points(crop, prior_px)
        est = self.shpe.estimate(crop, prior_crop)
        if est.presence < self.options.min_pose_score:
            return None
        joints_px, rel_m = est.to_frame(crop)
        visible = joint_visibility(joints_px, masks.visible(side))
        return HandPose(side, joints_px, rel_m, visible, est.presence)

    def reset(self) -> None:
        self._previous = Hands()
        self.hasm.reset()

    def close(self) -> None:
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
        t0 = time.perf_counter()
        dets = self._detector.detect(frame)
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
        ms = 1e3 * (time.perf_counter() - t0)
        return FrameResult(frame, masks, Hands(), poses, StageTimings(reference_ms=ms))

    def reset(self) -> None:
        self._detector.close()
        self._detector = self._make_detector()

    def close(self) -> None:
        self._detector.close()


def build_pipeline(mode: Mode, options: PipelineOptions = PipelineOptions()) -> Pipeline:
    """The default pipeline for ``mode`` (today: baseline HASM and HDRM, MediaPipe SHPE).

    Raises:
        hdr_live.stages.shpe.WeightsError: a bundled model file is missing or corrupt.
    """
    if mode is Mode.MEDIAPIPE:
        return MediaPipePipeline(options)
    hasm = LandmarkHasmBaseline(
        MediaPipeHandsOptions(
            static_image_mode=options.still_images, input_mirrored=options.input_mirrored
        )
    )
    hdrm = Hdrm(input_mirrored=options.input_mirrored)
    return HdrPipeline(hasm, hdrm, MediaPipeLandmarkShpe(), options)
