"""Which HASM / HDRM backend a pipeline uses, and building them from the bundled weights.

Learned backends need their weight files in ``weights/``; a missing or corrupt file raises
:class:`~hdr_live.weights.WeightsError` naming the path (no silent fallback).
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path

from hdr_live.accel.device import CPU, Device
from hdr_live.stages.hand_tracker import HandPriorTracker, TrackerOptions
from hdr_live.stages.hasm import Hasm, LandmarkHasmBaseline
from hdr_live.stages.hdrm import InpaintRestorerBaseline, Restorer
from hdr_live.stages.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.palm_detector import PalmReacquirer, ReacquireOptions
from hdr_live.stages.shpe import MediaPipeLandmarkShpe
from hdr_live.weights import WEIGHTS_DIR

_log = logging.getLogger(__name__)

DEFAULT_HASM_WEIGHTS = WEIGHTS_DIR / "hasm_mitb0.safetensors"
DEFAULT_HDRM_WEIGHTS = WEIGHTS_DIR / "hdrm_hdrnet.safetensors"


class HasmKind(str, enum.Enum):
    """HASM backend: landmark silhouettes (baseline) or the prior-conditioned SegFormer."""

    BASELINE = "baseline"
    LEARNED = "learned"


class HdrmKind(str, enum.Enum):
    """HDRM restorer: OpenCV inpainting (baseline) or HDRNet."""

    BASELINE = "baseline"
    LEARNED = "learned"


def build_hasm(kind: HasmKind, input_mirrored: bool, still_images: bool,
               weights: Path = DEFAULT_HASM_WEIGHTS, device: Device = CPU,
               tensorrt: bool = False) -> Hasm:
    """The HASM stage of ``kind``.

    The learned HASM's prior comes from :class:`HandPriorTracker` (MediaPipe Hands plus palm
    re-acquisition: every frame for stills, every third frame with a hand missing in video).
    Its network runs with ONNX Runtime on the CPU, or with PyTorch on CUDA (own stream per
    thread, pinned transfers, optional torch-tensorrt; :mod:`hdr_live.accel`) when ``device``
    is a CUDA device.

    Raises:
        hdr_live.weights.WeightsError: learned weights missing or corrupt.
    """
    detector_options = MediaPipeHandsOptions(static_image_mode=still_images,
                                             input_mirrored=input_mirrored)
    if kind is HasmKind.BASELINE:
        return LandmarkHasmBaseline(detector_options)
    from hdr_live.stages.hasm_learned import LearnedHasm, load_mask_net

    net, spec = load_device_mask_net(weights, device, tensorrt) if device.is_cuda \
        else load_mask_net(weights)
    reacquirer = PalmReacquirer(MediaPipeLandmarkShpe(),
                                ReacquireOptions(input_mirrored=input_mirrored))
    tracker = HandPriorTracker(MediaPipeHands(detector_options),
                               TrackerOptions(reacquire_every=3) if not still_images else
                               TrackerOptions(reacquire_every=1, coast_frames=0, flow=None),
                               reacquirer)
    return LearnedHasm(net, spec, tracker)


def build_restorer(kind: HdrmKind, weights: Path = DEFAULT_HDRM_WEIGHTS, device: Device = CPU,
                   tensorrt: bool = False) -> Restorer:
    """The HDRM restorer of ``kind`` (learned: ONNX Runtime or PyTorch per the checkpoint on the
    CPU, PyTorch with CUDA streams on a CUDA ``device``).

    Raises:
        hdr_live.weights.WeightsError: learned weights missing or corrupt.
    """
    if kind is HdrmKind.BASELINE:
        return InpaintRestorerBaseline()
    from hdr_live.stages.hdrm_learned import load_hdrm

    if device.is_cuda:
        return load_device_hdrm(weights, device, tensorrt)
    return load_hdrm(weights)


def load_device_mask_net(weights: Path, device: Device, tensorrt: bool = False):
    """(HASM network callable, spec) with eager PyTorch on ``device`` (:mod:`hdr_live.accel`).

    Raises:
        hdr_live.weights.WeightsError: weights missing, corrupt or not fitting.
    """
    from hdr_live.accel.streams import DeviceMaskNet
    from hdr_live.stages.hasm_learned import load_torch_module

    model, spec = load_torch_module(weights)
    shape = (1, spec.in_channels, spec.input_px, spec.input_px)
    return DeviceMaskNet(_on_device(model, [shape], device, tensorrt, "HASM")), spec


def load_device_hdrm(weights: Path, device: Device, tensorrt: bool = False) -> Restorer:
    """HDRNet restorer with eager PyTorch on ``device`` (:mod:`hdr_live.accel`).

    Raises:
        hdr_live.weights.WeightsError: weights missing, corrupt or not fitting.
    """
    from hdr_live.accel.streams import DeviceHdrNet
    from hdr_live.stages.hdrm_learned import LearnedRestorer, load_torch_hdrnet

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
