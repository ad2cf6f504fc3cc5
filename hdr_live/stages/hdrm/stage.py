"""The HDRM stage: per hand, crop around the amodal mask and restore the crop (HDR paper §3.3).

A :class:`Restorer` (inpainting or HDRNet) turns the crop inputs of
:func:`hdr_live.stages.hdrm.masks.build_crop_inputs` into the restored crop I_o.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from hdr_live.joints import Side
from hdr_live.stages.hdrm.masks import CropInputs, CropOptions, build_crop_inputs
from hdr_live.types import Frame, HandCrop, HandMasks, Hands


class Restorer(Protocol):
    """Restores a crop: de-occludes M_D and removes M_R, returning I_o."""

    name: str

    def restore(self, inputs: CropInputs) -> np.ndarray:
        """(S, S, 3) uint8 restored crop I_o."""
        ...


class Hdrm:
    """The HDRM stage: crops each hand and restores it with a :class:`Restorer`."""

    def __init__(
        self,
        restorer: Restorer,
        crop: CropOptions = CropOptions(),
        input_mirrored: bool = False,
    ) -> None:
        self.restorer = restorer
        self.crop = crop
        self.input_mirrored = input_mirrored

    @property
    def name(self) -> str:
        return self.restorer.name

    def process(self, frame: Frame, masks: HandMasks,
                prior_px: Hands[np.ndarray] = Hands()) -> Hands[HandCrop]:
        """One :class:`HandCrop` per hand with a non-empty amodal mask."""
        return Hands.of(lambda side: self.process_side(frame, masks, side, prior_px.get(side)))

    def process_side(self, frame: Frame, masks: HandMasks, side: Side,
                     prior_px: np.ndarray | None = None) -> HandCrop | None:
        """The restored crop of one hand, or None when its amodal mask is empty.

        Args:
            frame, masks: the frame and HASM's four masks.
            side: the target hand.
            prior_px: (21, 2) float64 frame pixels, the target's joint prior (HASM's), or None;
                it keeps the target's own skeleton out of M_R (:attr:`CropOptions.prior_band`).

        Touches no state, so the two hands may run on two threads at once.
        """
        inputs = build_crop_inputs(frame, masks, side, self.input_mirrored, self.crop, prior_px)
        if inputs is None:
            return None
        restored = self.restorer.restore(inputs)
        return HandCrop(
            side=side,
            rgb=restored,
            input_rgb=inputs.image_rgb,
            crop_to_frame=inputs.crop_to_frame,
            mirrored=inputs.mirrored,
            m_d=inputs.m_d,
            m_r=inputs.m_r,
            visible=inputs.target_visible,
        )
