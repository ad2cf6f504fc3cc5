"""Occlusion-robust lifting of one hand's SHPE output (seed 003: PSJNet + EN), ONNX Runtime.

Given the SHPE's 21 joints in the HDRM crop (px), HASM's per-joint visibility and the SHPE's
wrist-relative world landmarks, the exported PSJNet + EN (:mod:`hdr_live.lift.psjnet`) returns
refined 2D joints and the relative depths d_i = (z_i − z_root)/s (seed 003 eq. 1, s = keybone
|J10 − J9|). :func:`hdr_live.lift.reconstruct.reconstruct_by_size_m` (or the keybone-only
:func:`~hdr_live.lift.reconstruct.reconstruct_camera_m`) turns them into camera
metres. No torch at inference: the ``.onnx`` twin beside the weights runs on the CPU.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from hdr_live.lift.features import MIN_SPREAD_FRACTION, normalise
from hdr_live.weights import WEIGHTS_DIR, WeightsError, read_metadata, sha256_of

MODEL_KIND = "lift-psjnet-en"  # == hdr_live.lift.psjnet.MODEL_KIND (that module needs torch)
DEFAULT_LIFT_WEIGHTS = WEIGHTS_DIR / "lift_psjnet.safetensors"
#: The input normalisation the weights were trained with (hdr_live.lift.features).
SPEC_NORMALISATION = "2d: (p - mean) / rms-spread; world: / 3d rms-spread; vis 0/1"


@dataclasses.dataclass(frozen=True)
class LiftedPose:
    """The lifter's output for one hand, in the HDRM crop.

    Attributes:
        joints_crop_px: (21, 2) float64 refined 2D in the crop's pixels.
        rel_depth: (21,) float64 d_i = (z_i − z_root)/s (seed 003 eq. 1); the crop's depth axis
            is the camera's (a mirrored crop flips x only).
    """

    joints_crop_px: np.ndarray
    rel_depth: np.ndarray


class Lifter:
    """PSJNet + EN through ONNX Runtime, one hand per call (its cost is in the weights'
    metadata, ``metrics.single_call_ms_median``)."""

    def __init__(self, session, path: Path) -> None:
        self._session = session
        self.path = path

    @staticmethod
    def load(path: Path = DEFAULT_LIFT_WEIGHTS, threads: int = 1) -> Lifter:
        """Load the weights' ONNX twin, strictly.

        Raises:
            WeightsError: the weights, metadata or ``.onnx`` file is missing, corrupt (sha256),
                of another model kind, or trained with another input normalisation; the
                message names the path.
        """
        from hdr_live.models.onnx_export import cpu_session

        path = Path(path)
        meta = read_metadata(path, MODEL_KIND)
        onnx_path = path.with_suffix(".onnx")
        if not onnx_path.is_file():
            raise WeightsError(f"ONNX twin of the lifter not found: {onnx_path}")
        if sha256_of(onnx_path) != meta.get("onnx_sha256"):
            raise WeightsError(f"{onnx_path} is corrupt or replaced: sha256 does not match "
                               f"{path.with_suffix('.json')}")
        spec = meta.get("spec", {})
        if spec.get("normalisation") != SPEC_NORMALISATION or \
                spec.get("min_spread_fraction") != MIN_SPREAD_FRACTION:
            raise WeightsError(f"{path} was trained with another input normalisation: {spec}")
        return Lifter(cpu_session(onnx_path, threads), path)

    def lift(self, joints_crop_px: np.ndarray, visible: np.ndarray, world_rel_m: np.ndarray,
             crop_size_px: int) -> LiftedPose:
        """Lift one hand.

        Args:
            joints_crop_px: (21, 2) float SHPE joints in crop px.
            visible: (21,) bool, True where the joint is on its own hand's visible mask.
            world_rel_m: (21, 3) float SHPE wrist-relative metres in the crop's axes.
            crop_size_px: the crop side S (floors the 2D normalisation scale).

        Returns:
            :class:`LiftedPose`.

        Raises:
            ValueError: wrong shapes or non-finite inputs.
        """
        inp = normalise(np.asarray(joints_crop_px)[None], np.asarray(visible)[None],
                        np.asarray(world_rel_m)[None], crop_size_px)
        out = self._session.run(None, {"q": inp.joints_norm, "world": inp.world_norm,
                                       "vis": inp.visible})[0].astype(np.float64)
        return LiftedPose(inp.to_crop_px(out[..., :2])[0], out[0, :, 2].copy())
