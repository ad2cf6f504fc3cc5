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
location maps at 1/4 of the input; the 2D joint is the heat-map peak (refined to sub-pixel
by a parabola through the log heat values), its 3D position is read from the location maps at that peak. Backbone: SegFormer
MiT-B0 from ``transformers`` (random init; no pretrained weights can be downloaded here).
Loss: DetNet's L_heat + L_loc (eq. 5 without the delta maps, which serve DetNet's bone
directions for IKNet, not used here; the weight-decay term is AdamW's).

Conventions: input is the 256² HDRM crop (right-hand-looking: a left hand's crop is mirrored),
resized to ``input_px``; 2D joints are crop pixels of that 256² crop; 3D joints are
wrist-relative metres in the crop's axes (x right, y down, z away from the camera).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from hdr_live.joints import NUM_JOINTS

MODEL_KIND = "shpe-detnet-synthetic"


@dataclasses.dataclass(frozen=True)
class DetNetSpec:
    """Architecture and preprocessing of a synthetic SHPE checkpoint.

    Attributes:
        crop_px: side of the HDRM crop the estimator reads (the pipeline's 256).
        input_px: network input side (the crop is resized to it, INTER_AREA).
        sigma_map_px: Gaussian σ of the target heat maps, in heat-map pixels (input/4).
        loc_scale_m: location maps hold wrist-relative metres divided by this.
        rgb_mean, rgb_std: normalisation of RGB in [0, 1].
        hidden_sizes, depths, num_heads, sr_ratios, decoder_hidden_size: MiT-B0 sizes.
    """

    crop_px: int = 256
    input_px: int = 128
    sigma_map_px: float = 1.5
    loc_scale_m: float = 0.1
    rgb_mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    rgb_std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    hidden_sizes: tuple[int, ...] = (32, 64, 160, 256)
    depths: tuple[int, ...] = (2, 2, 2, 2)
    num_heads: tuple[int, ...] = (1, 2, 5, 8)
    sr_ratios: tuple[int, ...] = (8, 4, 2, 1)
    decoder_hidden_size: int = 128

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
    """forward: (B, 3, S, S) normalised RGB → (heat (B, 21, S/4, S/4) logits-free maps,
    loc (B, 21, 3, S/4, S/4) scaled wrist-relative 3D)."""

    def __init__(self, spec: DetNetSpec) -> None:
        super().__init__()
        from transformers import SegformerConfig, SegformerForSemanticSegmentation

        self.spec = spec
        config = SegformerConfig(
            num_channels=3, num_labels=4 * NUM_JOINTS, hidden_sizes=list(spec.hidden_sizes),
            depths=list(spec.depths), num_attention_heads=list(spec.num_heads),
            sr_ratios=list(spec.sr_ratios), decoder_hidden_size=spec.decoder_hidden_size)
        self.segformer = SegformerForSemanticSegmentation(config)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.segformer(pixel_values=x).logits
        b, _, h, w = out.shape
        return out[:, :NUM_JOINTS], out[:, NUM_JOINTS:].reshape(b, NUM_JOINTS, 3, h, w)


def network_input(crop_rgb: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """(3, input_px, input_px) float32 normalised input from a (crop_px, crop_px, 3) uint8 crop.

    Raises:
        ValueError: the crop is not (crop_px, crop_px, 3) uint8.
    """
    if crop_rgb.dtype != np.uint8 or crop_rgb.shape != (spec.crop_px, spec.crop_px, 3):
        raise ValueError(f"SHPE crop must be uint8 ({spec.crop_px}, {spec.crop_px}, 3), "
                         f"got {crop_rgb.dtype} {crop_rgb.shape}")
    small = cv2.resize(crop_rgb, (spec.input_px, spec.input_px), interpolation=cv2.INTER_AREA)
    x = (small.astype(np.float32) / 255.0 - np.float32(spec.rgb_mean)) / np.float32(spec.rgb_std)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def _to_map(joints_crop_px: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """Crop pixels → heat-map pixels (pixel centres at integers in both)."""
    scale = spec.map_px / spec.crop_px
    return (joints_crop_px + 0.5) * scale - 0.5


def heatmap_targets(joints_crop_px: np.ndarray, spec: DetNetSpec) -> np.ndarray:
    """(21, S/4, S/4) float32 Gaussian heat maps (peak 1) of (21, 2) crop-pixel joints; a joint
    outside the map gives a clipped or empty Gaussian."""
    m = spec.map_px
    grid = np.arange(m, dtype=np.float32)
    pts = _to_map(joints_crop_px, spec).astype(np.float32)
    gx = np.exp(-((grid[None, :] - pts[:, :1]) ** 2) / (2 * spec.sigma_map_px ** 2))
    gy = np.exp(-((grid[None, :] - pts[:, 1:]) ** 2) / (2 * spec.sigma_map_px ** 2))
    return gy[:, :, None] * gx[:, None, :]


def detnet_loss(heat: torch.Tensor, loc: torch.Tensor, heat_t: torch.Tensor,
                rel_t: torch.Tensor, has_3d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """DetNet losses (MinimalHand; HDR eq. 5 without delta maps).

    Args:
        heat: (B, 21, M, M) predicted heat maps; loc: (B, 21, 3, M, M) predicted location maps.
        heat_t: (B, 21, M, M) target heat maps; rel_t: (B, 21, 3) target scaled 3D joints;
        has_3d: (B,) float 1 where the 3D target is exact.

    Returns:
        (L_heat, L_loc): mean squared heat-map error summed over joints, and the location-map
        error weighted by the target heat map (so only the region at the joint counts).
    """
    l_heat = ((heat - heat_t) ** 2).sum(dim=1).mean()
    diff = (loc - rel_t[..., None, None]) ** 2  # (B, 21, 3, M, M)
    weighted = (heat_t[:, :, None] * diff).sum(dim=(1, 2)).mean(dim=(1, 2))  # (B,)
    l_loc = (weighted * has_3d).sum() / has_3d.sum().clamp(min=1.0)
    return l_heat, l_loc


def decode(heat: np.ndarray, loc: np.ndarray, spec: DetNetSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joints from one crop's maps.

    Args:
        heat: (21, M, M) float heat maps; loc: (21, 3, M, M) float location maps.

    Returns:
        joints_crop_px (21, 2) float64 in crop pixels (peak refined by a parabola through the
        log heat values, exact for a Gaussian), joints_rel_m
        (21, 3) float64 wrist-relative metres (location maps at the peak, wrist set to 0), and
        peak (21,) float64 heat values (a confidence).
    """
    m = spec.map_px
    flat = heat.reshape(NUM_JOINTS, -1).argmax(axis=1)
    iy, ix = np.divmod(flat, m)
    pts = np.stack([ix, iy], axis=1).astype(np.float64)
    log_h = np.log(np.clip(heat, 1e-6, None).astype(np.float64))
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
    joints_crop = (pts + 0.5) * (spec.crop_px / m) - 0.5
    rel = (rel - rel[0]) * spec.loc_scale_m
    peaks = heat.reshape(NUM_JOINTS, -1).max(axis=1).astype(np.float64)
    return joints_crop, rel, peaks


class DetNetShpe:
    """The synthetic SHPE with the pipeline SHPE's interface (``estimate(crop, prior)`` →
    :class:`hdr_live.stages.shpe.CropPose`), for the ablation benchmark.

    DetNet has no hand-presence output: ``presence`` is the mean heat-map peak over the 21
    joints (≈ 1 for a clear hand), so every hand is scored unless a caller thresholds it.
    """

    name = "detnet-synthetic"

    def __init__(self, model: DetNet, spec: DetNetSpec) -> None:
        self.model, self.spec = model.eval(), spec

    def estimate(self, crop, prior_crop_px: np.ndarray | None = None):
        """Joints of the hand in ``crop.rgb`` ((crop_px, crop_px, 3) uint8); the prior is ignored.

        Raises:
            ValueError: the crop has another size or dtype.
        """
        from hdr_live.stages.shpe import CropPose

        x = torch.from_numpy(network_input(crop.rgb, self.spec)[None])
        with torch.inference_mode():
            heat, loc = self.model(x)
        joints, rel, peaks = decode(heat[0].numpy(), loc[0].numpy(), self.spec)
        return CropPose(joints, rel, float(np.clip(peaks.mean(), 0.0, 1.0)))


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
