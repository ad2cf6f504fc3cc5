"""HDRM only where it helps: a per-hand choice, from what HASM's masks say, whether to restore.

Restoring a crop (HDR paper §3.3, eq. 2–3) pays off when the other hand really lies over the
target and the masks say so consistently; where the masks contradict themselves, restoring
with them removes or smears the target's own fingers, and SHPE does better on the crop as it is
(interlaced fingers of a real clasped pair: figures in docs/benchmarks.md). The gate reads, per
hand (:class:`GateFeatures`),

- ``removal``: |M_R| / |M_ta|, how much of the other hand is in the crop;
- ``deocclusion``: |M_D| / |M_ta|, how much of the target is hidden;
- ``occluder_cover``: |M_D ∩ M_ov| / |M_D|, how much of the hidden part the other hand's
  visible mask covers: a hidden part with nothing in front of it is a mask error, not an
  occlusion (HASM's four masks disagree);

and restores only when each lies in the range :class:`GateOptions` gives; otherwise the crop
passes as it is (the identity restorer, ``--hdrm off``). Hands apart (nothing hidden) are never
restored. The thresholds were chosen on the real-appearance benchmark
(``benchmarks/ablation_real.py``, evaluation media only) and checked on the real ground-truth
frames (``hdr-live eval-2d --gt-dir ../shared/real``).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.stages.hdrm.masks import CropInputs
from hdr_live.stages.hdrm.stage import Restorer


@dataclasses.dataclass(frozen=True)
class GateOptions:
    """When the gate restores (see the module docstring): every bound must hold.

    Attributes:
        min_removal: |M_R| / |M_ta| at least this (≥ 0).
        min_deocclusion, max_deocclusion: |M_D| / |M_ta| within these, in [0, 1].
        min_occluder_cover: |M_D ∩ M_ov| / |M_D| at least this, in [0, 1].
    """

    min_removal: float = 0.0
    min_deocclusion: float = 0.02
    max_deocclusion: float = 1.0
    min_occluder_cover: float = 0.6

    def __post_init__(self) -> None:
        if not self.min_removal >= 0:
            raise ValueError(f"GateOptions.min_removal must be >= 0, got {self.min_removal}")
        for name in ("min_deocclusion", "max_deocclusion", "min_occluder_cover"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"GateOptions.{name} must be in [0, 1], got {value}")


@dataclasses.dataclass(frozen=True)
class GateFeatures:
    """What the gate reads of one hand's crop inputs.

    Attributes:
        removal: |M_R| / |M_ta| (0 when the amodal mask is empty).
        deocclusion: |M_D| / |M_ta|, in [0, 1].
        occluder_cover: |M_D ∩ M_ov| / |M_D|, how much of the hidden part the other hand's
            visible mask covers (1 when the other hand is what hides the target; 0 when M_D
            is empty).
    """

    removal: float
    deocclusion: float
    occluder_cover: float = 0.0

    @staticmethod
    def of(inputs: CropInputs) -> GateFeatures:
        """The features of ``inputs`` (HDR eq. 2's masks on the crop)."""
        area = float(np.count_nonzero(inputs.target_amodal))
        hidden = np.count_nonzero(inputs.m_d)
        if area == 0:
            return GateFeatures(0.0, 0.0)
        cover = np.count_nonzero(inputs.m_d & inputs.other_visible) / hidden if hidden else 0.0
        return GateFeatures(np.count_nonzero(inputs.m_r) / area, hidden / area, float(cover))


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
        return (features.removal >= o.min_removal
                and o.min_deocclusion <= features.deocclusion <= o.max_deocclusion
                and features.occluder_cover >= o.min_occluder_cover)

    def restore(self, inputs: CropInputs) -> np.ndarray:
        """(S, S, 3) uint8: ``restorer``'s I_o where the gate opens, else a copy of I_s."""
        if self.opens(GateFeatures.of(inputs)):
            return self.restorer.restore(inputs)
        return inputs.image_rgb.copy()
