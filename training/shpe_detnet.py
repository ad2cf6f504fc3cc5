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
instead of an L2 on the maps.

Measured here while choosing (held-out clean single-hand views, 2D EPE in 256²-crop pixels):
with the L2 heat loss (MiT-B0, whole-crop views only) the EPE stalled at 31.7 px from step 500
to 1000, with peak heights ≈ 0.2 (blurred, under-confident maps); with the cross-entropy a
SegFormer MiT-B0 backbone reached a second-pass EPE of 23.1 px after 750 steps, the ResNet-18
20.5 px after 250 (on the first 200 held-out hands).

Two passes, as MediaPipe's landmark tracking does: the first on the whole HDRM crop, the second
on an upright region fitted to the first pass's joints (:func:`hdr_live.geometry.roi_from_joints`),
where the hand fills the input. The network is trained on both kinds of view.

Conventions: the HDRM crop is 256² and right-hand-looking (a left hand's crop is mirrored);
2D joints are returned in its pixels; 3D joints are wrist-relative metres in its axes (x right,
y down, z away from the camera). Inside, a *view* is the network input (``input_px``²) and
joints are in view pixels.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from hdr_live.geometry import (Roi, affine_rotation, apply_affine, crop_affine, roi_from_joints,
                               warp_crop)
from hdr_live.joints import NUM_JOINTS

MODEL_KIND = "shpe-detnet-synthetic"


@dataclasses.dataclass(frozen=True)
class DetNetSpec:
    """Architecture and preprocessing of a synthetic SHPE checkpoint.

    Attributes:
        crop_px: side of the HDRM crop the estimator reads (the pipeline's 256).
        input_px: network input side (view side).
        roi_scale: the second pass's region side as a multiple of the first pass's joint box
            (:func:`hdr_live.geometry.roi_from_joints`).
        sigma_map_px: Gaussian σ of the target heat maps, in heat-map pixels (input/4).
        loc_scale_m: location maps hold wrist-relative metres divided by this.
        rgb_mean, rgb_std: normalisation of RGB in [0, 1].
        embedding_size, hidden_sizes, depths: ResNet sizes (ResNet-18: 64; 64-128-256-512;
            2-2-2-2, basic blocks).
        head_channels: width of the head that merges the four stages at 1/4 resolution.
    """

    crop_px: int = 256
    input_px: int = 128
    roi_scale: float = 2.2
    sigma_map_px: float = 1.5
    loc_scale_m: float = 0.1
    rgb_mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    rgb_std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    embedding_size: int = 64
    hidden_sizes: tuple[int, ...] = (64, 128, 256, 512)
    depths: tuple[int, ...] = (2, 2, 2, 2)
    head_channels: int = 128

    @property
    def map_px(self) -> int:
        return self.input_px // 4

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> "DetNetSpec":
        """Inverse of :meth:`to_json`. Raises TypeError on unknown fields."""
        conv = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return DetNetSpec(**conv)


class DetNet(nn.Module):
    """forward: (B, 3, S, S) normalised RGB → (heat (B, 21, S/4, S/4) logits of each joint's
    spatial softmax, loc (B, 21, 3, S/4, S/4) wrist-relative 3D divided by ``loc_scale_m``).

    Backbone: ``transformers``' ResNet (random init); its four stages (1/4 … 1/32) are projected
    to ``head_channels``, upsampled to 1/4 and summed (a light FPN-style merge), then a 3×3
    conv block gives the 21 heat maps and 63 location maps.
    """

    def __init__(self, spec: DetNetSpec) -> None:
        super().__init__()
        from transformers import ResNetBackbone, ResNetConfig

        self.spec = spec
        config = ResNetConfig(embedding_size=spec.embedding_size,
                              hidden_sizes=list(spec.hidden_sizes), depths=list(spec.depths),
                              layer_type="basic",
                              out_features=[f"stage{i + 1}" for i in range(len(spec.depths))])
        self.backbone = ResNetBackbone(config)
        self.lateral = nn.ModuleList(nn.Conv2d(c, spec.head_channels, 1) for c in spec.hidden_sizes)
        self.head = nn.Sequential(
            nn.Conv2d(spec.head_channels, spec.head_channels, 3, padding=1),
            nn.BatchNorm2d(spec.head_channels), nn.ReLU(inplace=True),
            nn.Conv2d(spec.head_channels, 4 * NUM_JOINTS, 1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.backbone(x).feature_maps
        size = feats[0].shape[-2:]
        merged = sum(F.interpolate(lat(f), size=size, mode="bilinear", align_corners=False)
                     for lat, f in zip(self.lateral, feats))
        out = self.head(merged)
        b, _, h, w = out.shape
        return out[:, :NUM_JOINTS], out[:, NUM_JOINTS:].reshape(b, NUM_JOINTS, 3, h, w)


def network_input(view_rgb: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """(3, P, P) float32 normalised input from a (P, P, 3) uint8 view, P = ``input_px``.

    Raises:
        ValueError: the view is not (P, P, 3) uint8.
    """
    p = spec.input_px
    if view_rgb.dtype != np.uint8 or view_rgb.shape != (p, p, 3):
        raise ValueError(f"SHPE view must be uint8 ({p}, {p}, 3), got {view_rgb.dtype} "
                         f"{view_rgb.shape}")
    x = (view_rgb.astype(np.float32) / 255.0 - np.float32(spec.rgb_mean)) / np.float32(spec.rgb_std)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def _to_map(joints_view_px: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """View pixels → heat-map pixels (pixel centres at integers in both)."""
    return (joints_view_px + 0.5) * (spec.map_px / spec.input_px) - 0.5


def heatmap_targets(joints_view_px: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """(21, M, M) float32 Gaussian heat maps (peak 1), M = input_px / 4, of (21, 2) view-pixel
    joints; a joint outside the map gives a clipped or empty Gaussian."""
    m = spec.map_px
    grid = np.arange(m, dtype=np.float32)
    pts = _to_map(joints_view_px, spec).astype(np.float32)
    gx = np.exp(-((grid[None, :] - pts[:, :1]) ** 2) / (2 * spec.sigma_map_px ** 2))
    gy = np.exp(-((grid[None, :] - pts[:, 1:]) ** 2) / (2 * spec.sigma_map_px ** 2))
    return gy[:, :, None] * gx[:, None, :]


def detnet_loss(heat: torch.Tensor, loc: torch.Tensor, heat_t: torch.Tensor,
                rel_t: torch.Tensor, has_3d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The SHPE losses (DetNet's, HDR eq. 5, with a cross-entropy heat term; module docstring).

    Args:
        heat: (B, 21, M, M) predicted logits; loc: (B, 21, 3, M, M) predicted location maps.
        heat_t: (B, 21, M, M) target Gaussians (peak 1); rel_t: (B, 21, 3) target scaled 3D
            joints; has_3d: (B,) float 1 where the 3D target is exact.

    Returns:
        (L_heat, L_loc): the spatial cross-entropy per joint (joints whose Gaussian falls off
        the map are left out), and the squared location-map error weighted by the target
        Gaussian (so only the region at the joint counts), over exact-3D examples.
    """
    b, j, m, _ = heat.shape
    mass = heat_t.sum(dim=(2, 3))  # (B, 21)
    inside = (mass > 1.0).float()
    target = heat_t / mass.clamp(min=1e-6)[..., None, None]
    log_p = F.log_softmax(heat.reshape(b, j, m * m), dim=2).reshape(b, j, m, m)
    ce = -(target * log_p).sum(dim=(2, 3))
    l_heat = (ce * inside).sum() / inside.sum().clamp(min=1.0)
    diff = (loc - rel_t[..., None, None]) ** 2  # (B, 21, 3, M, M)
    weighted = (heat_t[:, :, None] * diff).sum(dim=(1, 2)).mean(dim=(1, 2))  # (B,)
    l_loc = (weighted * has_3d).sum() / has_3d.sum().clamp(min=1.0)
    return l_heat, l_loc


def decode(log_heat: np.ndarray, loc: np.ndarray, spec: DetNetSpec
           ) -> tuple[np.ndarray, np.ndarray]:
    """Joints from one view's maps.

    Args:
        log_heat: (21, M, M) log heat maps (the network's logits, or the log of Gaussians);
        loc: (21, 3, M, M) location maps.

    Returns:
        joints_view_px (21, 2) float64 in view pixels (peak refined by a parabola through the
        log heat values, exact for a Gaussian) and joints_rel_m (21, 3) float64 wrist-relative
        metres in the view's axes (location maps at the peak, wrist set to 0).
    """
    m = spec.map_px
    log_h = np.asarray(log_heat, dtype=np.float64)
    flat = log_h.reshape(NUM_JOINTS, -1).argmax(axis=1)
    iy, ix = np.divmod(flat, m)
    pts = np.stack([ix, iy], axis=1).astype(np.float64)
    for j in range(NUM_JOINTS):
        for axis, (y, x) in enumerate(((0, 1), (1, 0))):
            c = (iy[j], ix[j])
            lo = (c[0] - y, c[1] - x)
            hi = (c[0] + y, c[1] + x)
            if min(lo) < 0 or max(hi) >= m:
                continue
            a, b, d = log_h[j][lo], log_h[j][c], log_h[j][hi]
            curve = a - 2 * b + d
            if curve < 0:
                pts[j, axis] += float(np.clip(0.5 * (a - d) / curve, -0.5, 0.5))
    rel = loc[np.arange(NUM_JOINTS), :, iy, ix].astype(np.float64)
    joints_view = (pts + 0.5) * (spec.input_px / m) - 0.5
    return joints_view, (rel - rel[0]) * spec.loc_scale_m


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
    :class:`hdr_live.stages.shpe.CropPose`), for the ablation benchmark: a first pass on the
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
        from hdr_live.stages.shpe import CropPose

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
