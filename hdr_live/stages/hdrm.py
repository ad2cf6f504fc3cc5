"""HDRM: hand de-occlusion and removal (HDR paper §3.3), one restored crop per hand.

For a target hand t and the other hand o, the frame and the four masks are cropped around t's
amodal mask (a left-looking hand is mirrored to look like a right hand), and

    M_D  = M_ta · (1 − M_tv)            region where t is hidden (de-occlusion)   eq. (2)
    M_R  = (1 − M_ta) · M_ov            region of the distracting hand (removal)  eq. (2)
    I_D  = I_s · (1 − M_D),  I_R = I_s · (1 − M_R),  M_bv = (1 − M_ta)(1 − M_oa)   eq. (3)

A :class:`Restorer` turns these into the restored crop I_o. Today's only restorer is
:class:`InpaintRestorerBaseline` (OpenCV inpainting of M_R, nothing for M_D), a **baseline**
until the learned HDRNet exists.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import cv2
import numpy as np

from hdr_live.geometry import Roi, box_from_mask, crop_affine, warp_crop
from hdr_live.joints import Side
from hdr_live.types import Frame, HandCrop, HandMasks, Hands


@dataclasses.dataclass(frozen=True)
class CropInputs:
    """Everything a restorer sees for one hand (crop pixels, S×S).

    Attributes:
        side: target hand.
        image_rgb: (S, S, 3) uint8 crop I_s of the frame.
        target_amodal, target_visible, other_amodal, other_visible: (S, S) bool cropped masks.
        m_d, m_r: (S, S) bool, eq. (2).
        crop_to_frame: (2, 3) float64 crop→frame affine (mirror included).
        mirrored: whether the crop is mirrored.
    """

    side: Side
    image_rgb: np.ndarray
    target_amodal: np.ndarray
    target_visible: np.ndarray
    other_amodal: np.ndarray
    other_visible: np.ndarray
    m_d: np.ndarray
    m_r: np.ndarray
    crop_to_frame: np.ndarray
    mirrored: bool

    @property
    def m_bv(self) -> np.ndarray:
        """(S, S) bool background-visible mask M_bv = (1 − M_ta)(1 − M_oa), eq. (3)."""
        return ~self.target_amodal & ~self.other_amodal


def deocclusion_removal_masks(
    target_amodal: np.ndarray, target_visible: np.ndarray, other_visible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """M_D and M_R of HDR paper eq. (2).

    Args:
        target_amodal: (H, W) bool M_ta.
        target_visible: (H, W) bool M_tv.
        other_visible: (H, W) bool M_ov.

    Returns:
        (M_D, M_R), each (H, W) bool.
    """
    m_d = target_amodal & ~target_visible
    m_r = ~target_amodal & other_visible
    return m_d, m_r


def grow_mask(mask: np.ndarray, radius_px: int) -> np.ndarray:
    """``mask`` dilated by an elliptic disc of ``radius_px`` (OpenCV ``dilate``).

    Args:
        mask: (H, W) bool, C-contiguous.
        radius_px: disc radius in pixels; 0 returns ``mask`` itself.

    Returns:
        (H, W) bool.
    """
    if radius_px <= 0:
        return mask
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius_px + 1,) * 2)
    return cv2.dilate(mask.view(np.uint8), disc).astype(bool)


@dataclasses.dataclass(frozen=True)
class CropOptions:
    """Crop policy.

    Attributes:
        size_px: crop side S in pixels (the paper's HDRM input is 256).
        context: crop side as a multiple of the amodal box's longer side.
        min_side_px: smallest crop side in frame pixels.
        removal_grow_px: the other hand's visible mask M_ov is grown by a disc of this radius
            (crop pixels) before eq. (2), so M_R also covers the distractor's rim that a
            predicted mask misses (0 = eq. (2) as written). Only M_R changes;
            :attr:`CropInputs.other_visible` stays the mask as given. Every restorer sees the
            grown M_R; :class:`InpaintRestorerBaseline` grows it again by its own ``grow_px``
            (3 px) for the pixels it fills.
    """

    size_px: int = 256
    context: float = 2.2
    min_side_px: float = 48.0
    removal_grow_px: int = 0


def build_crop_inputs(
    frame: Frame, masks: HandMasks, side: Side, input_mirrored: bool, options: CropOptions
) -> CropInputs | None:
    """Crop the frame and masks around ``side``'s amodal mask (HDR paper §3.3).

    The crop is square and axis-aligned, centred on the amodal box. It is mirrored when the
    hand looks like a left hand in the image: the person's left hand in an un-mirrored image, or
    the person's right hand in a mirrored one.

    Returns:
        The inputs, or None when ``side`` has an empty amodal mask.
    """
    box = box_from_mask(masks.amodal(side))
    if box is None:
        return None
    side_px = max(max(box.width, box.height) * options.context, options.min_side_px)
    mirror = (side is Side.LEFT) != input_mirrored
    affine = crop_affine(Roi(box.center, side_px), options.size_px, mirror=mirror)
    s = options.size_px

    def cut(mask: np.ndarray) -> np.ndarray:
        return warp_crop(mask, affine, s, nearest=True)

    ta, tv = cut(masks.amodal(side)), cut(masks.visible(side))
    oa, ov = cut(masks.amodal(side.other)), cut(masks.visible(side.other))
    m_d, m_r = deocclusion_removal_masks(ta, tv, grow_mask(ov, options.removal_grow_px))
    image = warp_crop(frame.rgb, affine, s)
    return CropInputs(side, image, ta, tv, oa, ov, m_d, m_r, affine, mirror)


class Restorer(Protocol):
    """Restores a crop: de-occludes M_D and removes M_R, returning I_o."""

    name: str

    def restore(self, inputs: CropInputs) -> np.ndarray:
        """(S, S, 3) uint8 restored crop I_o."""
        ...


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
            so 0.5 changes it little and costs about a quarter.
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


class Hdrm:
    """The HDRM stage: crops each hand and restores it with a :class:`Restorer`."""

    def __init__(
        self,
        restorer: Restorer = InpaintRestorerBaseline(),
        crop: CropOptions = CropOptions(),
        input_mirrored: bool = False,
    ) -> None:
        self.restorer = restorer
        self.crop = crop
        self.input_mirrored = input_mirrored

    @property
    def name(self) -> str:
        return self.restorer.name

    def process(self, frame: Frame, masks: HandMasks) -> Hands[HandCrop]:
        """One :class:`HandCrop` per hand with a non-empty amodal mask."""
        crops: Hands[HandCrop] = Hands()
        for side in (Side.RIGHT, Side.LEFT):
            crops = crops.with_side(side, self.process_side(frame, masks, side))
        return crops

    def process_side(self, frame: Frame, masks: HandMasks, side: Side) -> HandCrop | None:
        """The restored crop of one hand, or None when its amodal mask is empty.

        Touches no state, so the two hands may run on two threads at once.
        """
        inputs = build_crop_inputs(frame, masks, side, self.input_mirrored, self.crop)
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
