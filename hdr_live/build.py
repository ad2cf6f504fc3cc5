"""The one builder: a :class:`~hdr_live.config.PipelineConfig` → a pipeline.

This is the only place that hands the mirroring, the input kind and the device to the stages.
Learned backends need their weight files; a missing or corrupt file raises
:class:`~hdr_live.weights.WeightsError` naming the path (no silent fallback). On a CUDA device the
learned networks run with PyTorch, each calling thread on its own stream, optionally compiled
with torch-tensorrt (:mod:`hdr_live.accel`); on the CPU with ONNX Runtime where the checkpoint
has an ONNX twin.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from hdr_live.accel.device import Device
from hdr_live.config import HasmKind, HdrmKind, InputKind, Mode, PipelineConfig, ShpeKind
from hdr_live.config import ThreeDConfig

if TYPE_CHECKING:  # the 3D stage's modules load only when a pipeline has one
    from hdr_live.threed.stage import ThreeD
from hdr_live.pipeline import HdrPipeline, MediaPipePipeline, StagedPipeline
from hdr_live.stages.hasm.baseline import DetectSchedule, LandmarkHasmBaseline
from hdr_live.stages.hasm.budget import DetectBudget
from hdr_live.stages.hasm.interface import Hasm
from hdr_live.stages.hasm.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.body.tracker import BodyTracker
from hdr_live.stages.hasm.from_body import BodyHands
from hdr_live.stages.hasm.palm_hands import PalmHands
from hdr_live.stages.hasm.palm import PalmReacquirer, ReacquireOptions
from hdr_live.stages.hasm.tracker import HandPriorTracker, TrackerOptions
from hdr_live.stages.hdrm.gate import GatedRestorer
from hdr_live.stages.hdrm.identity import IdentityRestorer
from hdr_live.stages.hdrm.inpaint import InpaintRestorerBaseline
from hdr_live.stages.hdrm.masks import CropOptions
from hdr_live.stages.hdrm.stage import Hdrm, Restorer
from hdr_live.stages.shpe.interface import Shpe
from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe, ShpeOptions
from hdr_live.temporal.crop_consistency import CropConsistency

_log = logging.getLogger(__name__)

#: In tracking mode a detection belongs to a track only within half a hand size (mean joint
#: distance): the track's pose is not refreshed by it, so a looser match would let a detection
#: of the other hand (two hands crossing) vanish into the wrong track instead of starting its
#: own.
TRACKING_MATCH_DIST = 0.5


def build_pipeline(config: PipelineConfig) -> StagedPipeline:
    """The pipeline ``config`` describes.

    Raises:
        hdr_live.weights.WeightsError: a model file is missing, corrupt or does not fit.
    """
    if config.mode is Mode.MEDIAPIPE:
        return MediaPipePipeline(lambda: MediaPipeHands(detector_options(config)),
                                 config.shpe.min_pose_score)
    use_flow = config.crop_consistency is not None and config.input_kind.tracks
    return HdrPipeline(
        build_hasm(config),
        Hdrm(build_restorer(config), CropOptions(prior_band=config.hdrm.prior_band),
             input_mirrored=config.mirrored),
        build_shpe(config),
        config.shpe,
        tracks=config.input_kind.tracks,
        consistency=CropConsistency(config.crop_consistency) if use_flow else None,
        second_shpe=build_shpe(config) if config.parallel_hands else None,
        threed=build_threed(config.threed, config.input_kind.tracks),
    )


def build_threed(threed: ThreeDConfig | None, tracks: bool) -> ThreeD | None:
    """The 3D stage (:class:`hdr_live.threed.stage.ThreeD`) of ``threed``, or None when it is
    off or does nothing (neither lifting nor fitting).

    Raises:
        hdr_live.weights.WeightsError: the lifting network's files are missing or corrupt.
    """
    if threed is None or not (threed.lift or threed.fit):
        return None
    from hdr_live.fitting.fitter import HandFitter
    from hdr_live.fitting.options import FitOptions
    from hdr_live.lift.lifter import Lifter
    from hdr_live.threed.stage import ThreeD

    lifter = Lifter.load(threed.lift_weights) if threed.lift else None
    # without hidden hands the fitter keeps no track of a side without evidence (it would
    # still push the visible hand away)
    hidden_s = threed.max_hidden_s if threed.infer_hidden and tracks else 0.0
    fitter = (HandFitter(FitOptions(iterations=threed.fit_iterations, max_hidden_s=hidden_s))
              if threed.fit else None)
    return ThreeD(lifter, fitter, threed.focal_px, tracks=tracks,
                  infer_hidden=threed.infer_hidden, max_hidden_s=threed.max_hidden_s,
                  principal_px=threed.principal_px, silhouettes=threed.fit_silhouettes)


def build_shpe(config: PipelineConfig) -> Shpe:
    """The SHPE of ``config`` (a new estimator each call: one per thread).

    Raises:
        hdr_live.weights.WeightsError: the model file is missing or corrupt.
    """
    if config.shpe.backend is ShpeKind.DETNET:
        from hdr_live.stages.shpe.detnet import load_detnet

        return load_detnet(config.shpe.detnet_weights)
    return MediaPipeLandmarkShpe(ShpeOptions(refine_with_prior=config.shpe.refine_with_prior,
                                             retry_below=config.shpe.min_pose_score,
                                             num_threads=config.shpe.cpu_threads))


def detector_options(config: PipelineConfig) -> MediaPipeHandsOptions:
    """MediaPipe Hands' options for ``config`` (stills detect on every image)."""
    return MediaPipeHandsOptions(
        static_image_mode=config.input_kind is InputKind.IMAGES,
        model_complexity=config.hasm.detector_model_complexity,
        input_mirrored=config.mirrored,
    )


def build_hasm(config: PipelineConfig) -> Hasm:
    """The HASM stage of ``config``.

    The learned HASM's prior comes from :class:`HandPriorTracker` (MediaPipe Hands plus palm
    re-acquisition; for stills every frame, no coasting, no flow).

    Raises:
        hdr_live.weights.WeightsError: learned weights missing or corrupt.
    """
    hasm = config.hasm
    if hasm.backend is HasmKind.BASELINE:
        b = hasm.baseline
        return LandmarkHasmBaseline(detector_options(config),
                                    detect_max_side_px=b.detect_max_side_px,
                                    schedule=DetectSchedule(b.detect_every, b.detect_max_motion))
    from hdr_live.stages.hasm.learned import LearnedHasm, load_mask_net

    if config.device.is_cuda:
        net, spec = load_device_mask_net(hasm.weights, config.device, config.tensorrt)
    else:
        net, spec = load_mask_net(hasm.weights, threads=hasm.cpu_threads)
    t = hasm.tracker
    tracking_mode = config.input_kind.tracks and t.budget is not None
    reacquirer = PalmReacquirer(MediaPipeLandmarkShpe(),
                                ReacquireOptions(input_mirrored=config.mirrored))
    if config.input_kind.tracks:
        tracker_options = TrackerOptions(reacquire_every=t.reacquire_every,
                                         reacquire_at_wrists=t.reacquire_at_wrists,
                                         coast_frames=t.coast_frames, flow=t.flow,
                                         refresh_live=not tracking_mode,
                                         match_dist=TRACKING_MATCH_DIST if tracking_mode
                                         else TrackerOptions.match_dist)
    else:
        tracker_options = TrackerOptions(reacquire_every=1, coast_frames=0, flow=None,
                                         arm_flip_after=1)
    budget = DetectBudget(t.budget) if tracking_mode else None
    # in tracking mode the detector runs now and then: each run is a fresh detection (palm
    # detector + landmarks), since MediaPipe's own tracking would start from a stale frame
    options = detector_options(config)
    if budget is not None:
        options = dataclasses.replace(options, static_image_mode=True)
    detector = (PalmHands(options, palms=reacquirer) if hasm.own_detector
                else MediaPipeHands(options))
    body = None if t.body is None else BodyHands(
        BodyTracker(config.input_kind.tracks, t.body, input_mirrored=config.mirrored),
        reacquirer.landmarks)
    return LearnedHasm(net, spec, HandPriorTracker(detector, tracker_options, reacquirer, body),
                       budget=budget)


def build_restorer(config: PipelineConfig) -> Restorer:
    """The HDRM restorer of ``config``.

    Raises:
        hdr_live.weights.WeightsError: learned weights missing or corrupt.
    """
    hdrm = config.hdrm
    if hdrm.backend is HdrmKind.OFF:
        return IdentityRestorer()
    if hdrm.backend is HdrmKind.BASELINE:
        return InpaintRestorerBaseline(work_scale=hdrm.inpaint_scale)
    if hdrm.backend is HdrmKind.GATED:
        return GatedRestorer(InpaintRestorerBaseline(work_scale=hdrm.inpaint_scale), hdrm.gate)
    if config.device.is_cuda:
        return load_device_hdrm(hdrm.weights, config.device, config.tensorrt)
    from hdr_live.stages.hdrm.learned import load_hdrm

    return load_hdrm(hdrm.weights)


def load_device_mask_net(weights: Path, device: Device, tensorrt: bool = False):
    """(HASM network callable, spec) with eager PyTorch on ``device`` (:mod:`hdr_live.accel`).

    Raises:
        hdr_live.weights.WeightsError: weights missing, corrupt or not fitting.
    """
    from hdr_live.accel.streams import DeviceMaskNet
    from hdr_live.stages.hasm.learned import load_torch_module

    model, spec = load_torch_module(weights)
    shape = (1, spec.in_channels, spec.input_px, spec.input_px)
    return DeviceMaskNet(_on_device(model, [shape], device, tensorrt, "HASM")), spec


def load_device_hdrm(weights: Path, device: Device, tensorrt: bool = False) -> Restorer:
    """HDRNet restorer with eager PyTorch on ``device`` (:mod:`hdr_live.accel`).

    Raises:
        hdr_live.weights.WeightsError: weights missing, corrupt or not fitting.
    """
    from hdr_live.accel.streams import DeviceHdrNet
    from hdr_live.stages.hdrm.learned import LearnedRestorer, load_torch_hdrnet

    model, spec = load_torch_hdrnet(weights)
    n = spec.input_px
    module = _on_device(model, [(1, 8, n, n), (1, 2, n, n)], device, tensorrt, "HDRNet")
    return LearnedRestorer(DeviceHdrNet(module), spec)


def _on_device(model, shapes: list[tuple[int, ...]], device: Device, tensorrt: bool, name: str):
    """``model`` in a :class:`~hdr_live.accel.streams.DeviceModule`, compiled with
    torch-tensorrt when asked and possible; why it was not compiled goes to the log."""
    from hdr_live.accel.streams import DeviceModule
    from hdr_live.accel.tensorrt import maybe_compile

    module = DeviceModule(model, device)
    if tensorrt:
        result = maybe_compile(module.model, shapes, device)
        module.model = result.module
        (_log.info if result.compiled else _log.warning)("%s: %s", name, result.note)
    return module
