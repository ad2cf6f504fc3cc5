"""Which HASM / HDRM backend a pipeline uses, and building them from the bundled weights.

Learned backends need their weight files in ``weights/``; a missing or corrupt file raises
:class:`~hdr_live.weights.WeightsError` naming the path (no silent fallback).
"""

from __future__ import annotations

import enum
from pathlib import Path

from hdr_live.stages.hand_tracker import HandPriorTracker, TrackerOptions
from hdr_live.stages.hasm import Hasm, LandmarkHasmBaseline
from hdr_live.stages.hdrm import InpaintRestorerBaseline, Restorer
from hdr_live.stages.mediapipe_hands import MediaPipeHands, MediaPipeHandsOptions
from hdr_live.stages.palm_detector import PalmReacquirer, ReacquireOptions
from hdr_live.stages.shpe import MediaPipeLandmarkShpe
from hdr_live.weights import WEIGHTS_DIR

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
               weights: Path = DEFAULT_HASM_WEIGHTS) -> Hasm:
    """The HASM stage of ``kind``.

    The learned HASM's prior comes from :class:`HandPriorTracker` (MediaPipe Hands plus palm
    re-acquisition: every frame for stills, every third frame with a hand missing in video).

    Raises:
        hdr_live.weights.WeightsError: learned weights missing or corrupt.
    """
    detector_options = MediaPipeHandsOptions(static_image_mode=still_images,
                                             input_mirrored=input_mirrored)
    if kind is HasmKind.BASELINE:
        return LandmarkHasmBaseline(detector_options)
    from hdr_live.stages.hasm_learned import LearnedHasm, load_mask_net

    net, spec = load_mask_net(weights)
    reacquirer = PalmReacquirer(MediaPipeLandmarkShpe(),
                                ReacquireOptions(input_mirrored=input_mirrored))
    tracker = HandPriorTracker(MediaPipeHands(detector_options),
                               TrackerOptions(reacquire_every=1 if still_images else 3),
                               reacquirer)
    return LearnedHasm(net, spec, tracker)


def build_restorer(kind: HdrmKind, weights: Path = DEFAULT_HDRM_WEIGHTS) -> Restorer:
    """The HDRM restorer of ``kind``.

    Raises:
        hdr_live.weights.WeightsError: learned weights missing or corrupt.
    """
    if kind is HdrmKind.BASELINE:
        return InpaintRestorerBaseline()
    from hdr_live.stages.hdrm_learned import load_hdrm

    return load_hdrm(weights)
