"""HASM checkpoint spec and input preprocessing, numpy only (no torch import), so the ONNX
Runtime path and the live app can use a HASM checkpoint without PyTorch.

The network itself is :class:`hdr_live.models.hasm_net.HasmNet`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from hdr_live.models.prior import PRIOR_CHANNELS, PriorStyle

#: Output channel order.
MASK_NAMES = ("right_amodal", "right_visible", "left_amodal", "left_visible")
MODEL_KIND = "hasm-segformer"


@dataclasses.dataclass(frozen=True)
class HasmSpec:
    """Architecture and preprocessing of a HASM checkpoint (saved in its metadata).

    Attributes:
        input_px: network input side S (square region around the hands, resized).
        uses_prior: input has the 12 prior channels after RGB (else RGB only, as in the paper).
        rgb_mean, rgb_std: normalisation of RGB in [0, 1].
        prior_width_frac, prior_blur_frac: :class:`PriorStyle` of the prior channels.
        region_context: the input region's side as a multiple of the prior hands' joint box.
        threshold: probability above which a pixel is in a mask.
        hidden_sizes, depths, num_heads, sr_ratios, decoder_hidden_size: MiT / decoder sizes
            (MiT-B0: 32-64-160-256, depths 2-2-2-2).
    """

    input_px: int = 128
    uses_prior: bool = True
    rgb_mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    rgb_std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    prior_width_frac: float = 0.18
    prior_blur_frac: float = 0.08
    region_context: float = 1.6
    threshold: float = 0.5
    hidden_sizes: tuple[int, ...] = (32, 64, 160, 256)
    depths: tuple[int, ...] = (2, 2, 2, 2)
    num_heads: tuple[int, ...] = (1, 2, 5, 8)
    sr_ratios: tuple[int, ...] = (8, 4, 2, 1)
    decoder_hidden_size: int = 128

    @property
    def in_channels(self) -> int:
        return 3 + (PRIOR_CHANNELS if self.uses_prior else 0)

    @property
    def prior_style(self) -> PriorStyle:
        return PriorStyle(self.prior_width_frac, self.prior_blur_frac)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> "HasmSpec":
        """Inverse of :meth:`to_json`. Raises TypeError on unknown fields."""
        fields = {f.name: f for f in dataclasses.fields(HasmSpec)}
        unknown = set(data) - set(fields)
        if unknown:
            raise TypeError(f"unknown HasmSpec fields: {sorted(unknown)}")
        conv = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return HasmSpec(**conv)


def normalise_input(rgb: np.ndarray, prior: np.ndarray | None, spec: HasmSpec) -> np.ndarray:
    """Network input from an RGB region and its prior.

    Args:
        rgb: (S, S, 3) uint8 RGB.
        prior: (12, S, S) float32 prior channels, or None for an RGB-only spec.
        spec: the checkpoint's spec.

    Returns:
        (C, S, S) float32.

    Raises:
        ValueError: the prior does not match ``spec.uses_prior``.
    """
    x = (rgb.astype(np.float32) / 255.0 - np.array(spec.rgb_mean, np.float32)) / np.array(
        spec.rgb_std, np.float32
    )
    x = x.transpose(2, 0, 1)
    if spec.uses_prior != (prior is not None):
        raise ValueError("prior given for an RGB-only HASM or missing for a prior-conditioned one")
    return np.concatenate([x, prior], axis=0) if prior is not None else np.ascontiguousarray(x)
