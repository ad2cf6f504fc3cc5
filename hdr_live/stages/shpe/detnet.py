"""A DetNet-style single-hand pose estimator trained on synthetic single-hand crops, for the
HDR ablation (paper Table 5).

The paper's ablation runs "the same SHPE trained on the IH26M-SH set", i.e. a pose estimator
that has only seen single hands, on crops with and without de-occlusion and removal (§5.5). Our
pipeline's SHPE (MediaPipe's landmark network) has never seen our synthetic hands and finds only
a minority of them, so on synthetic data it measures the synthetic-to-real gap more than HDR.
This module is the in-domain counterpart: trained here on the single-hand targets I_o* of the
synthetic samples (the other hand removed, the hand whole), as the paper's SHPE is trained on
single-hand images.

Architecture (after MinimalHand's DetNet, HDR §3.4): a backbone with per-joint heat maps and
location maps at 1/4 of the input; the 2D joint is the heat-map peak (refined to sub-pixel by a
parabola through the log heat values), its 3D position is read from the location maps at that
peak. Backbone: ResNet-18 from ``transformers`` (random init; no pretrained weights can be
downloaded here) with a light multi-scale head.

Losses: DetNet's L_heat + L_loc (eq. 5 without the delta maps, which serve DetNet's bone
directions for IKNet, not used here; the weight-decay term is AdamW's), with one change: L_heat
is a cross-entropy between each joint's spatial softmax and its normalised Gaussian target
instead of an L2 on the maps. The loss and the backbone were chosen by the held-out 2D EPE of
clean single-hand views (:func:`training.train_shpe.evaluate`; the figures are in
docs/benchmarks.md).

Two passes, as MediaPipe's landmark tracking does: the first on the whole HDRM crop, the second
on an upright region fitted to the first pass's joints (:func:`hdr_live.geometry.roi_from_joints`),
where the hand fills the input. The network is trained on both kinds of view.

Conventions: the HDRM crop is 256² and right-hand-looking (a left hand's crop is mirrored);
2D joints are returned in its pixels; 3D joints are wrist-relative metres in its axes (x right,
y down, z away from the camera). Inside, a *view* is the network input (``input_px``²) and
joints are in view pixels.
"""

from __future__ import annotations

import numpy as np
import torch

from hdr_live.geometry import Roi, affine_rotation, apply_affine, crop_affine, roi_from_joints, warp_crop
from hdr_live.stages.shpe.interface import CropPose
from hdr_live.models.detnet import MODEL_KIND, DetNet, DetNetSpec, decode, network_input


def view_affine(roi, spec: DetNetSpec) -> np.ndarray:
    """(2, 3) view → crop affine of an upright region ``roi`` (crop pixels) at ``input_px``."""
    return crop_affine(roi, spec.input_px)


def whole_view_affine(spec: DetNetSpec) -> np.ndarray:
    """(2, 3) view → crop affine of the first pass's view: the whole crop, resized."""
    c = (spec.crop_px - 1) / 2.0
    return view_affine(Roi((c, c), float(spec.crop_px)), spec)


def view_to_crop_rel(rel_view_m: np.ndarray, view_to_crop: np.ndarray) -> np.ndarray:
    """Wrist-relative 3D joints ((21, 3) metres) from a view's axes into the crop's: x/y turn
    with the view's rotation (no mirror: views are never mirrored), z is unchanged."""
    rel = np.array(rel_view_m, dtype=np.float64)
    rel[:, :2] = rel[:, :2] @ affine_rotation(view_to_crop).T
    return rel


class DetNetShpe:
    """The synthetic SHPE with the pipeline SHPE's interface (``estimate(crop, prior)`` →
    
    :class:`~hdr_live.stages.shpe.interface.CropPose`, an :class:`~hdr_live.stages.shpe.interface.Shpe`), for the ablation benchmark: a first pass on the
    whole crop, a second on the upright region around its joints.

    DetNet has no hand-presence output: ``presence`` is always 1 (every hand is scored).
    """

    name = "detnet-synthetic"

    def __init__(self, model: DetNet, spec: DetNetSpec) -> None:
        self.model, self.spec = model.eval(), spec

    def _run(self, crop_rgb: np.ndarray, view_to_crop: np.ndarray):
        view = warp_crop(crop_rgb, view_to_crop, self.spec.input_px)
        x = torch.from_numpy(network_input(view, self.spec)[None])
        with torch.inference_mode():
            heat, loc = self.model(x)
        joints_view, rel_view = decode(heat[0].numpy(), loc[0].numpy(), self.spec)
        return apply_affine(view_to_crop, joints_view), view_to_crop_rel(rel_view, view_to_crop)

    def estimate(self, crop, prior_crop_px: np.ndarray | None = None):
        """Joints of the hand in ``crop.rgb`` ((crop_px, crop_px, 3) uint8); the prior is ignored.

        Raises:
            ValueError: the crop has another size or dtype.
        """
        s = self.spec.crop_px
        if crop.rgb.dtype != np.uint8 or crop.rgb.shape != (s, s, 3):
            raise ValueError(f"SHPE crop must be uint8 ({s}, {s}, 3), got {crop.rgb.dtype} "
                             f"{crop.rgb.shape}")
        first, _ = self._run(crop.rgb, whole_view_affine(self.spec))
        roi = roi_from_joints(first, self.spec.roi_scale)
        joints, rel = self._run(crop.rgb, view_affine(roi, self.spec))
        return CropPose(joints, rel, 1.0)


def load_detnet(path) -> DetNetShpe:
    """The synthetic SHPE from a weights file (safetensors + metadata, strict load).

    Raises:
        hdr_live.weights.WeightsError: missing/corrupt file, wrong kind, or keys that do not fit.
    """
    from hdr_live.weights import load_state_dict_strict, read_metadata

    meta = read_metadata(path, MODEL_KIND)
    spec = DetNetSpec.from_json(meta["spec"])
    model = DetNet(spec)
    load_state_dict_strict(model, path)
    return DetNetShpe(model, spec)
