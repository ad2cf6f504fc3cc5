"""HDRM only where it helps: a per-hand choice of restorer from what HASM's masks say.

Restoring a crop (HDR paper §3.3, eq. 2–3) pays off only when the removal region M_R holds
enough of the other hand to mislead SHPE and the restorer fills it with something better than
the other hand's pixels. On real appearance the fill of a region where the target itself is
largely hidden (a large M_D) or where the masks are unsure costs accuracy: an inpainted blob
across a half-hidden hand reads to SHPE as a hand of another shape. The gate reads, per hand,

- ``removal``: |M_R| / |M_ta|, the other hand's visible pixels in the crop outside the target,
  relative to the target's amodal area;
- ``deocclusion``: |M_D| / |M_ta|, the share of the target that is hidden;

and restores with its restorer only when ``removal`` is at least
:attr:`GateOptions.min_removal` and ``deocclusion`` at most :attr:`GateOptions.max_deocclusion`;
otherwise the crop passes as it is (the identity restorer). The thresholds were chosen on the
real-appearance benchmark (``benchmarks/ablation_real.py``; figures in docs/benchmarks.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.stages.hdrm.masks import CropInputs
from hdr_live.stages.hdrm.stage import Restorer


@dataclasses.dataclass(frozen=True)
class GateOptions:
    """When the gate restores (see the module docstring).

    Attributes:
        min_removal: restore only when |M_R| / |M_ta| is at least this (≥ 0).
        max_deocclusion: restore only when |M_D| / |M_ta| is at most this, in [0, 1].
    """

    min_removal: float = 0.3
    max_deocclusion: float = 0.2

    def __post_init__(self) -> None:
        if not self.min_removal >= 0:
            raise ValueError(f"GateOptions.min_removal must be >= 0, got {self.min_removal}")
        if not 0 <= self.max_deocclusion <= 1:
            raise ValueError("GateOptions.max_deocclusion must be in [0, 1], "
                             f"got {self.max_deocclusion}")


@dataclasses.dataclass(frozen=True)
class GateFeatures:
    """What the gate reads of one hand's crop inputs.

    Attributes:
        removal: |M_R| / |M_ta| (0 when the amodal mask is empty).
        deocclusion: |M_D| / |M_ta|, in [0, 1].
    """

    removal: float
    deocclusion: float

    @staticmethod
    def of(inputs: CropInputs) -> GateFeatures:
        """The features of ``inputs`` (HDR eq. 2's masks on the crop)."""
        area = float(np.count_nonzero(inputs.target_amodal))
        if area == 0:
            return GateFeatures(0.0, 0.0)
        return GateFeatures(np.count_nonzero(inputs.m_r) / area,
                            np.count_nonzero(inputs.m_d) / area)


@dataclasses.dataclass(frozen=True)
class GatedRestorer:
    """Restores a hand's crop with ``restorer`` only where :class:`GateOptions` says it helps,
    else returns the crop as it is; a :class:`~hdr_live.stages.hdrm.stage.Restorer` itself.

    Attributes:
        restorer: the restorer used where the gate opens (inpainting by default).
        options: the gate's thresholds.
    """

    restorer: Restorer
    options: GateOptions = GateOptions()

    @property
    def name(self) -> str:
        return f"gated-{self.restorer.name}"

    def opens(self, features: GateFeatures) -> bool:
        """Whether a hand with ``features`` is restored."""
        o = self.options
        return features.removal >= o.min_removal and features.deocclusion <= o.max_deocclusion

    def restore(self, inputs: CropInputs) -> np.ndarray:
        """(S, S, 3) uint8: ``restorer``'s I_o where the gate opens, else a copy of I_s."""
        if self.opens(GateFeatures.of(inputs)):
            return self.restorer.restore(inputs)
        return inputs.image_rgb.copy()
