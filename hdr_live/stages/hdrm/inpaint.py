"""The inpainting HDRM restorer: OpenCV Telea inpainting of the removal region M_R (HDR eq. 2),
the de-occlusion region M_D left as it is. A baseline beside HDRNet
(:mod:`hdr_live.stages.hdrm.learned`).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.stages.hdrm.masks import CropInputs, grow_mask


@dataclasses.dataclass(frozen=True)
class InpaintRestorerBaseline:
    """Baseline restorer: OpenCV Telea inpainting of the removal region; M_D left as is.

    M_D is excluded from the inpainting *sources* too (it holds the occluder's pixels, which
    would otherwise bleed into M_R), and put back unchanged afterwards.

    Attributes:
        radius_px: inpainting neighbourhood radius, crop pixels.
        grow_px: M_R is grown by this many pixels (outside the target's amodal mask) so the
            distractor's edge goes too.
        work_scale: inpaint on a copy shrunk by this factor in (0, 1] (INTER_AREA; the unknown
            region is grown to cover every partly unknown pixel), then upsample the fill
            (bilinear) into the grown M_R only. 1.0 = full crop resolution. The fill is smooth,
            so 0.5 changes it little while inpainting a quarter of the pixels.
    """

    radius_px: float = 5.0
    grow_px: int = 3
    work_scale: float = 1.0
    name: str = "baseline-inpaint"

    def __post_init__(self) -> None:
        if not 0.0 < self.work_scale <= 1.0:
            raise ValueError(f"work_scale must be in (0, 1], got {self.work_scale}")

    def restore(self, inputs: CropInputs) -> np.ndarray:
        if not inputs.m_r.any():
            return inputs.image_rgb.copy()
        grown = grow_mask(inputs.m_r, self.grow_px) & ~inputs.target_amodal
        unknown = (grown | inputs.m_d).view(np.uint8) * 255
        if self.work_scale < 1.0:
            fill = self._inpaint_small(inputs.image_rgb, unknown)
        else:
            fill = cv2.inpaint(inputs.image_rgb, unknown, self.radius_px, cv2.INPAINT_TELEA)
        out = inputs.image_rgb.copy()
        out[grown] = fill[grown]
        return out

    def _inpaint_small(self, image: np.ndarray, unknown: np.ndarray) -> np.ndarray:
        """Inpaint at ``work_scale`` and return the fill upsampled to ``image``'s size."""
        h, w = image.shape[:2]
        size = (max(8, round(w * self.work_scale)), max(8, round(h * self.work_scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        small_unknown = cv2.resize(unknown, size, interpolation=cv2.INTER_AREA)
        small_unknown = np.where(small_unknown > 0, np.uint8(255), np.uint8(0))
        radius = max(1.0, self.radius_px * self.work_scale)
        fill = cv2.inpaint(small, small_unknown, radius, cv2.INPAINT_TELEA)
        return cv2.resize(fill, (w, h), interpolation=cv2.INTER_LINEAR)
