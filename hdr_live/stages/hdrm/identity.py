"""The identity HDRM restorer (``--hdrm off``): the crop as it is, I_o = I_s.

HDRM's crop, mirroring and masks are kept (SHPE sees the same region, right-hand-looking), but
nothing is de-occluded or removed: the HDR paper's Table 5 row #1 ("SHPE alone") inside the
running pipeline, so users can A/B the restorers on their own footage.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.stages.hdrm.masks import CropInputs


@dataclasses.dataclass(frozen=True)
class IdentityRestorer:
    """Returns the crop I_s unchanged (a copy), whatever M_D and M_R hold."""

    name: str = "off"

    def restore(self, inputs: CropInputs) -> np.ndarray:
        """(S, S, 3) uint8: a copy of ``inputs.image_rgb``."""
        return inputs.image_rgb.copy()
