"""The MediaPipe-landmark SHPE (HDR paper §3.4 with MediaPipe's network as the estimator).

MediaPipe's hand-landmark network (``hand_landmark_full``, from the mediapipe 0.10.21 wheel,
vendored in ONNX: :mod:`hdr_live.models.vendored`, run with ONNX Runtime; the original TFLite
file through ``ai-edge-litert`` when :attr:`ShpeOptions.model_path` names one) on a
rotation-normalised 224×224 crop (hand upright, wrist at the bottom) sampled from the restored
HDRM crop. A first pass uses a region from the joint prior (or the whole crop); a second pass
re-crops from the first pass's joints, as MediaPipe's own tracker does.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from hdr_live.geometry import (
    Roi,
    affine_rotation,
    apply_affine,
    crop_affine,
    roi_from_joints,
    warp_crop,
)
from hdr_live.joints import NUM_JOINTS
from hdr_live.stages.shpe.interface import CropPose
from hdr_live.types import HandCrop
from hdr_live.weights import WeightsError

MODEL_INPUT_PX = 224


def bundled_landmark_model_path() -> Path:
    """Path of ``hand_landmark_full.tflite`` inside the installed mediapipe wheel.

    Raises:
        WeightsError: mediapipe is not installed or the file is absent.
    """
    try:
        import mediapipe
    except ImportError as exc:
        raise WeightsError("mediapipe is not installed (pip install mediapipe==0.10.21)") from exc
    path = Path(os.path.dirname(mediapipe.__file__)) / "modules/hand_landmark/hand_landmark_full.tflite"
    if not path.is_file():
        raise WeightsError(f"hand landmark model not found at {path} (needs mediapipe==0.10.21)")
    return path


#: The network's outputs by name: landmarks (63), presence (1), handedness (1), world (63).
_OUTPUTS = ("Identity", "Identity_1", "Identity_2", "Identity_3")


def _vendored_net(threads: int):
    """The vendored ONNX network as ``tensor -> (landmarks, presence, handedness, world)``."""
    from hdr_live.models.vendored import HAND_LANDMARK, VendoredModel

    model = VendoredModel(HAND_LANDMARK, threads)
    if model.input_shape != (1, MODEL_INPUT_PX, MODEL_INPUT_PX, 3) or \
            set(model.output_shapes) != set(_OUTPUTS):
        raise WeightsError(f"{model.path} is not a 224x224 RGB hand landmark model")

    def run(tensor: np.ndarray):
        out = model.run(tensor)
        return tuple(out[name] for name in _OUTPUTS)

    return run


def _litert_net(path: Path, threads: int):
    """A TFLite hand-landmark file through LiteRT, as :func:`_vendored_net`."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as exc:
        raise WeightsError(f"running {path} needs LiteRT: pip install 'hdr-live[litert]'") from exc
    if not path.is_file():
        raise WeightsError(f"SHPE model file not found: {path}")
    try:
        interp = Interpreter(model_path=str(path), num_threads=threads)
        interp.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise WeightsError(f"cannot load SHPE model {path}: {exc}") from exc
    inp = interp.get_input_details()
    if len(inp) != 1 or tuple(inp[0]["shape"]) != (1, MODEL_INPUT_PX, MODEL_INPUT_PX, 3):
        raise WeightsError(f"{path} is not a 224x224 RGB hand landmark model")
    outs = sorted(interp.get_output_details(), key=lambda d: d["name"])
    if len(outs) != 4:
        raise WeightsError(f"{path}: expected 4 outputs, got {len(outs)}")

    def run(tensor: np.ndarray):
        interp.set_tensor(inp[0]["index"], tensor)
        interp.invoke()
        return tuple(interp.get_tensor(d["index"]) for d in outs)

    return run


@dataclasses.dataclass(frozen=True)
class ShpeOptions:
    """Options of :class:`MediaPipeLandmarkShpe`.

    Attributes:
        model_path: a .tflite file run with LiteRT; None = the vendored ONNX network
            (:mod:`hdr_live.models.vendored`, ONNX Runtime).
        refine: run a second pass on a region re-fitted to the first pass's joints.
        refine_with_prior: also refine when the first region came from a joint prior. False
            refines only a first pass over the whole crop; a prior from the same frame (HASM's
            landmarks) or from the previous frame's SHPE is then used once, as MediaPipe's own
            tracker does (one network pass per hand instead of two).
        retry_below: with a prior and no refinement, a first pass whose presence is below this
            is retried as without a prior (the whole crop, then refined) and the best pass is
            kept: a prior that slid off the hand (a fast move between two frames) costs two
            more passes on that frame only, not the hand (0 = never retry). The retried pass is
            kept only with a presence of at least ``retry_accept``: searching the whole crop
            may find a hand-like shape (a face) where the hand is hidden.
        num_threads: the network's threads (ONNX Runtime or LiteRT).
    """

    model_path: Path | None = None
    refine: bool = True
    refine_with_prior: bool = True
    retry_below: float = 0.5
    retry_accept: float = 0.8
    num_threads: int = 1


class MediaPipeLandmarkShpe:
    """SHPE backend: MediaPipe's hand-landmark network on rotation-normalised crops."""

    name = "mediapipe-landmark"

    def __init__(self, options: ShpeOptions = ShpeOptions()) -> None:
        if options.model_path is None:
            self._net = _vendored_net(options.num_threads)
        else:
            self._net = _litert_net(Path(options.model_path), options.num_threads)
        self.options = options

    def run_roi(self, image_rgb: np.ndarray, roi: Roi) -> CropPose:
        """One network pass on ``roi`` of ``image_rgb``.

        Args:
            image_rgb: (S, S, 3) uint8 image (the HDRM crop).
            roi: region in that image (hand upright after the ROI's rotation).

        Returns:
            Joints in ``image_rgb`` pixels, world joints in its axes, presence.
        """
        model_to_image = crop_affine(roi, MODEL_INPUT_PX)
        patch = warp_crop(image_rgb, model_to_image, MODEL_INPUT_PX)
        tensor = (patch.astype(np.float32) / 255.0)[None]
        lm, presence, right, world = self._net(tensor)
        lm = lm.reshape(NUM_JOINTS, 3)
        world = world.reshape(NUM_JOINTS, 3).astype(np.float64)
        presence, right = float(presence.reshape(-1)[0]), float(right.reshape(-1)[0])
        joints = apply_affine(model_to_image, lm[:, :2].astype(np.float64))
        world[:, :2] = world[:, :2] @ affine_rotation(model_to_image).T
        world -= world[0]
        return CropPose(joints, world, float(np.clip(presence, 0.0, 1.0)),
                        float(np.clip(right, 0.0, 1.0)))

    def estimate(self, crop: HandCrop, prior_crop_px: np.ndarray | None) -> CropPose:
        """21 joints of the hand in a restored HDRM crop.

        Args:
            crop: the restored crop (the target hand looks like a right hand).
            prior_crop_px: (21, 2) joint prior in crop pixels, or None (then the whole crop,
                upright, is the first region).

        Returns:
            The better (higher presence) of the first and the refined pass (the first pass
            alone when refining is off for this case, unless it is retried; see
            :class:`ShpeOptions`).
        """
        if prior_crop_px is not None:
            first = self.run_roi(crop.rgb, roi_from_joints(prior_crop_px))
            if not self.options.refine:
                return first
            if not self.options.refine_with_prior:
                if first.presence >= self.options.retry_below:
                    return first
                retried = self._whole_crop(crop)
                confident = retried.presence >= self.options.retry_accept
                return retried if confident and retried.presence > first.presence else first
            return self._refined(crop, first)
        return self._whole_crop(crop)

    def _whole_crop(self, crop: HandCrop) -> CropPose:
        """The first pass over the whole crop, upright, then (with ``refine``) the refined one."""
        c = (crop.size_px - 1) / 2.0
        first = self.run_roi(crop.rgb, Roi((c, c), crop.size_px / 1.1, 0.0))
        return self._refined(crop, first) if self.options.refine else first

    def _refined(self, crop: HandCrop, first: CropPose) -> CropPose:
        """The better of ``first`` and a pass on the region re-fitted to its joints."""
        return self.refit(crop.rgb, first)

    def refit(self, image_rgb: np.ndarray, first: CropPose) -> CropPose:
        """The better (higher presence) of ``first`` and a pass on the region re-fitted to its
        joints (MediaPipe's landmarks→region rule, :func:`~hdr_live.geometry.roi_from_joints`),
        both in ``image_rgb`` pixels."""
        second = self.run_roi(image_rgb, roi_from_joints(first.joints_crop_px))
        return second if second.presence >= first.presence else first

    def run_roi_refined(self, image_rgb: np.ndarray, roi: Roi) -> CropPose:
        """:meth:`run_roi` on ``roi``, then :meth:`refit` (two passes): how a hand region that
        came from elsewhere (a palm box, an arm) is verified."""
        return self.refit(image_rgb, self.run_roi(image_rgb, roi))
