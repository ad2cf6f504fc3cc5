"""The live configuration: which pipeline, how it is made fast, smoothing and flow settings.

The speed-ups (all measured by ``benchmarks/bench_live.py``; none drops a stage):

- HASM's MediaPipe detector runs on the frame shrunk to ``detect_max_side_px`` (640): HASM only
  needs coarse joints to draw its masks and place the crops. It costs the same as at full
  resolution (MediaPipe's time is its networks' fixed-size passes: 22.4 vs 21.9 ms a frame) but
  on the real clip the joints came out steadier (jitter raw 7.00 vs 7.75 px/frame², smoothed
  3.12 vs 3.61), so it is kept.
- HASM's detector skips frames while both hands are tracked and the image around them changes
  little (:class:`~hdr_live.stages.hasm.DetectSchedule`); the masks are then drawn from the
  previous frame's poses.
- HDRM inpaints at ``inpaint_scale`` of the crop and upsamples the fill into M_R only.
- SHPE runs one network pass per hand when it has a joint prior (HASM's landmarks of the same
  frame, or the previous frame's pose), as MediaPipe's own tracker does.
- The two hands' HDRM and SHPE run at the same time (two TFLite interpreters).
- The runtime is pipelined: HASM's detector of frame t+1 runs while HDRM/SHPE of frame t run.

Measured and left off: HASM detector's lite landmark model (``detect_model_complexity=0``) is
cheaper but loses hands (both hands in 83 % of the frames instead of 87 %); SHPE with the lite
model is 6 ms a frame cheaper but worse (jitter 8.5 vs 7.0, 2D distance to MediaPipe p90 10.9
vs 6.3 px); the constant-velocity carry-over of skipped hands did not help.
"""

from __future__ import annotations

import dataclasses
import enum

from hdr_live.pipeline import (
    HdrPipeline,
    MediaPipePipeline,
    Mode,
    PipelineOptions,
    StagedPipeline,
)
from hdr_live.accel.device import CPU, Device
from hdr_live.stages.builders import HasmKind, HdrmKind, build_hasm, build_restorer
from hdr_live.stages.hasm import DetectSchedule, LandmarkHasmBaseline
from hdr_live.stages.hdrm import Hdrm, InpaintRestorerBaseline
from hdr_live.stages.mediapipe_hands import MediaPipeHandsOptions
from hdr_live.stages.shpe import MediaPipeLandmarkShpe, ShpeOptions
from hdr_live.temporal.filters import KalmanOptions, OneEuroOptions
from hdr_live.temporal.flow import FlowOptions
from hdr_live.temporal.smoothing import DEFAULT_KALMAN_M, DEFAULT_ONE_EURO_M, SmootherOptions

#: Pixel-channel filters of the live app, tuned on the real 1280×720 two-hand clip (hands about
#: 120 px wrist to middle MCP) with ``benchmarks/jitter.py``: jitter 3.1 px/frame² (raw 7.0,
#: MediaPipe 6.4) with 0.8 frame of added latency. The library defaults
#: (:data:`hdr_live.temporal.smoothing.DEFAULT_ONE_EURO_PX`) assume a 640×480 webcam with 40 px
#: hands and smooth these larger, faster-moving hands too little (4.3 px/frame², 0.35 frame).
LIVE_ONE_EURO_PX = OneEuroOptions(min_cutoff_hz=0.5, beta=0.007, d_cutoff_hz=1.0)
LIVE_KALMAN_PX = KalmanOptions(measurement_std=3.0, acceleration_std=250.0, initial_velocity_std=300.0)


@dataclasses.dataclass(frozen=True)
class SpeedOptions:
    """How the live HDR pipeline is made fast (see the module docstring).

    Attributes:
        detect_max_side_px: HASM detector input's longer side in pixels (None = full frame).
        detect_model_complexity: HASM detector's landmark model, 0 (lite) or 1 (full).
        detect_every: run HASM's detector at least every N frames (1 = always).
        detect_max_motion: skip it only below this image change (grey levels, see
            :class:`~hdr_live.stages.hasm.DetectSchedule`).
        inpaint_scale: HDRM inpainting resolution as a fraction of the crop, in (0, 1].
        refine_with_prior: SHPE's second pass also when a joint prior exists.
        parallel_hands: run the two hands' HDRM and SHPE concurrently.
        pipelined: run HASM's detector of the next frame on its own thread.
        hasm: HASM backend; None = the learned one on a CUDA ``device``, the landmark baseline
            on the CPU (the learned HASM measured 54 ms a frame on 2 quiet CPU cores, the
            baseline 25).
        hdrm: HDRM restorer; None = HDRNet on a CUDA ``device``, inpainting on the CPU.
        device: where learned networks run (:func:`hdr_live.accel.device.resolve_device`). On
            CUDA each thread has its own stream: HASM's detector of frame t+1 (pipelined) and the
            two hands' HDRNet calls (parallel_hands) overlap on the GPU.
        tensorrt: compile learned networks with torch-tensorrt (CUDA only).
    """

    detect_max_side_px: int | None = 640
    detect_model_complexity: int = 1
    detect_every: int = 3
    detect_max_motion: float = 10.0
    inpaint_scale: float = 0.5
    refine_with_prior: bool = False
    parallel_hands: bool = True
    pipelined: bool = True
    hasm: HasmKind | None = None
    hdrm: HdrmKind | None = None
    device: Device = CPU
    tensorrt: bool = False

    def hasm_kind(self) -> HasmKind:
        """The HASM backend to build (see ``hasm``)."""
        if self.hasm is not None:
            return self.hasm
        return HasmKind.LEARNED if self.device.is_cuda else HasmKind.BASELINE

    def hdrm_kind(self) -> HdrmKind:
        """The HDRM restorer to build (see ``hdrm``)."""
        if self.hdrm is not None:
            return self.hdrm
        return HdrmKind.LEARNED if self.device.is_cuda else HdrmKind.BASELINE

    @staticmethod
    def reference() -> SpeedOptions:
        """The unaccelerated settings of ``hdr-live process`` (for A/B measurements)."""
        return SpeedOptions(None, 1, 1, 0.0, 1.0, True, False, False)


class Smoothing(str, enum.Enum):
    """Temporal smoothing choice of the live app."""

    OFF = "off"
    ONE_EURO = "one_euro"
    KALMAN = "kalman"

    def smoother_options(self) -> SmootherOptions | None:
        """The :class:`PoseSmoother` options, or None for off."""
        if self is Smoothing.OFF:
            return None
        if self is Smoothing.KALMAN:
            return SmootherOptions(px=LIVE_KALMAN_PX, rel_m=DEFAULT_KALMAN_M)
        return SmootherOptions(px=LIVE_ONE_EURO_PX, rel_m=DEFAULT_ONE_EURO_M)


@dataclasses.dataclass(frozen=True)
class LiveSettings:
    """What the user can switch while the app runs.

    Attributes:
        mode: ``hdr`` or the ``mediapipe`` reference.
        smoothing: joint smoothing filter.
        crop_flow: optical-flow consistency of the restored crops (``hdr`` mode).
        mirror: show and process the image mirrored (selfie view); sides stay the person's own.
    """

    mode: Mode = Mode.HDR
    smoothing: Smoothing = Smoothing.ONE_EURO
    crop_flow: bool = False
    mirror: bool = False


def build_live_pipeline(
    settings: LiveSettings, speed: SpeedOptions = SpeedOptions()
) -> StagedPipeline:
    """The pipeline for ``settings``, made fast per ``speed``.

    Raises:
        hdr_live.weights.WeightsError: a bundled model file is missing or corrupt.
    """
    options = PipelineOptions(
        input_mirrored=settings.mirror,
        crop_consistency=FlowOptions() if settings.crop_flow else None,
    )
    if settings.mode is Mode.MEDIAPIPE:
        return MediaPipePipeline(options)
    if speed.hasm_kind() is HasmKind.LEARNED:
        hasm = build_hasm(HasmKind.LEARNED, settings.mirror, False, device=speed.device,
                          tensorrt=speed.tensorrt)
    else:
        hasm = LandmarkHasmBaseline(
            MediaPipeHandsOptions(
                model_complexity=speed.detect_model_complexity, input_mirrored=settings.mirror
            ),
            detect_max_side_px=speed.detect_max_side_px,
            schedule=DetectSchedule(speed.detect_every, speed.detect_max_motion),
        )
    if speed.hdrm_kind() is HdrmKind.LEARNED:
        restorer = build_restorer(HdrmKind.LEARNED, device=speed.device, tensorrt=speed.tensorrt)
    else:
        restorer = InpaintRestorerBaseline(work_scale=speed.inpaint_scale)
    hdrm = Hdrm(restorer, input_mirrored=settings.mirror)
    shpe_options = ShpeOptions(refine_with_prior=speed.refine_with_prior)
    second = MediaPipeLandmarkShpe(shpe_options) if speed.parallel_hands else None
    return HdrPipeline(hasm, hdrm, MediaPipeLandmarkShpe(shpe_options), options, second)
