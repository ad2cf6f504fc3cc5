"""The DetNet-style single-hand network (after MinimalHand's DetNet, HDR §3.4): a ResNet-18
backbone (``transformers``, random init) with per-joint heat maps and location maps at 1/4 of the
input, its checkpoint spec (preprocessing travels with the weights) and the map decoding.

The SHPE stage around it is :mod:`hdr_live.stages.shpe.detnet`; its losses and trainer live in
``training/`` (:mod:`training.shpe_detnet`, :mod:`training.train_shpe`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

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


def view_to_map_px(joints_view_px: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """View pixels → heat-map pixels (pixel centres at integers in both)."""
    return (joints_view_px + 0.5) * (spec.map_px / spec.input_px) - 0.5


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
