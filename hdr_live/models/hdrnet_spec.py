"""HDRNet checkpoint spec and input construction (HDR paper eq. 2–3), numpy only (no torch
import), so the ONNX Runtime path can use an HDRNet checkpoint without PyTorch.

The network itself is :class:`hdr_live.models.hdrnet.HdrNet`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

MODEL_KIND = "hdrm-hdrnet"
IN_CHANNELS = 8
#: Channels of ``x`` that are images (I_D: 0–2, I_R: 4–6) and normalised by the spec.
IMAGE_SLICES = ((0, 3), (4, 7))


@dataclasses.dataclass(frozen=True)
class HdrmSpec:
    """Architecture and preprocessing of an HDRNet checkpoint (saved in its metadata).

    Attributes:
        input_px: network input side S; the restorer resizes the HDRM crop to S and the
            prediction back (the paper uses 256; 128 is this project's CPU default, for speed:
            docs/benchmarks.md).
        channels: encoder widths, one per stride-2 partial-conv level (decoder mirrors them).
        kernels: kernel size of each encoder level (Liu et al. use 7, 5, 5, 3, …).
        transformer_depth: PVTv2 blocks at the bottleneck (S / 2**levels per side).
        num_heads: attention heads of those blocks (must divide ``channels[-1]``).
        sr_ratio: spatial-reduction ratio of the attention's keys/values.
        mlp_ratio: hidden width of the conv feed-forward as a multiple of the block width.
        rgb_mean, rgb_std: normalisation of the image channels (values in [0, 1]).

    Raises:
        ValueError: inconsistent sizes (S not divisible by 2**levels, heads, reduction).
    """

    input_px: int = 128
    channels: tuple[int, ...] = (24, 48, 96, 128)
    kernels: tuple[int, ...] = (5, 5, 3, 3)
    transformer_depth: int = 2
    num_heads: int = 2
    sr_ratio: int = 1
    mlp_ratio: int = 4
    rgb_mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    rgb_std: tuple[float, float, float] = (0.229, 0.224, 0.225)

    def __post_init__(self) -> None:
        if len(self.channels) != len(self.kernels) or not self.channels:
            raise ValueError("channels and kernels need one entry per level")
        if self.input_px % (2 ** len(self.channels)):
            raise ValueError(f"input_px {self.input_px} not divisible by 2**{len(self.channels)}")
        if self.channels[-1] % self.num_heads:
            raise ValueError(f"num_heads {self.num_heads} does not divide {self.channels[-1]}")
        if self.bottleneck_px % self.sr_ratio:
            raise ValueError(f"sr_ratio {self.sr_ratio} does not divide {self.bottleneck_px}")

    @property
    def bottleneck_px(self) -> int:
        """Side of the bottleneck feature map."""
        return self.input_px // 2 ** len(self.channels)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> "HdrmSpec":
        """Inverse of :meth:`to_json`. Raises TypeError on unknown fields, ValueError on bad sizes."""
        fields = {f.name for f in dataclasses.fields(HdrmSpec)}
        unknown = set(data) - fields
        if unknown:
            raise TypeError(f"unknown HdrmSpec fields: {sorted(unknown)}")
        return HdrmSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def make_network_input(image_rgb: np.ndarray, m_d: np.ndarray, m_r: np.ndarray,
                       target_visible: np.ndarray, m_bv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """HDRNet input from one crop (HDR paper eq. 2–3), numpy only.

    Args:
        image_rgb: (S, S, 3) uint8 crop I_s.
        m_d, m_r: (S, S) bool de-occlusion / removal regions (eq. 2).
        target_visible: (S, S) bool M_tv (the paper's M_rv for a right-looking crop).
        m_bv: (S, S) bool background-visible mask (eq. 3).

    Returns:
        x: (8, S, S) float32 = [I_D, M_rv, I_R, M_bv] with I_D = I_s (1 − M_D),
            I_R = I_s (1 − M_R), images in [0, 1].
        valid: (2, S, S) float32 = [1 − M_D, 1 − M_R].
    """
    img = image_rgb.astype(np.float32).transpose(2, 0, 1) / 255.0
    v_d, v_r = (~m_d).astype(np.float32), (~m_r).astype(np.float32)
    x = np.concatenate([img * v_d, target_visible[None].astype(np.float32), img * v_r,
                        m_bv[None].astype(np.float32)], axis=0)
    return x, np.stack([v_d, v_r])
