"""HDRM's inputs: the per-hand crop and its de-occlusion and removal masks (HDR paper §3.3).

For a target hand t and the other hand o, the frame and the four masks are cropped around t's
amodal mask (a left-looking hand is mirrored to look like a right hand), and

    M_D  = M_ta · (1 − M_tv)            region where t is hidden (de-occlusion)   eq. (2)
    M_R  = (1 − M_ta) · M_ov            region of the distracting hand (removal)  eq. (2)
    I_D  = I_s · (1 − M_D),  I_R = I_s · (1 − M_R),  M_bv = (1 − M_ta)(1 − M_oa)   eq. (3)

This module computes those inputs (:func:`build_crop_inputs`); a restorer
(:class:`hdr_live.stages.hdrm.stage.Restorer`) turns them into the restored crop I_o.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.geometry import Roi, apply_affine, crop_affine, invert_affine, warp_crop
from hdr_live.joints import BONES, PALM_POLYGON, Side, hand_scale_px
from hdr_live.types import Frame, HandMasks


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
        prior_band: where the target's joint prior is known (the tracked or detected joints),
            M_R leaves out a band along its bones and over its palm, this fraction of the
            hand's size (wrist to middle MCP) wide: a predicted amodal mask that falls short of
            the target's fingers would otherwise hand them to the restorer as the other hand.
            0 = eq. (2) as written.
        removal_grow_px: the other hand's visible mask M_ov is grown by a disc of this radius
            (crop pixels) before eq. (2), so M_R also covers the distractor's rim that a
            predicted mask misses (0 = eq. (2) as written). Only M_R changes;
            :attr:`CropInputs.other_visible` stays the mask as given. Every restorer sees the
            grown M_R; :class:`~hdr_live.stages.hdrm.inpaint.InpaintRestorerBaseline` grows it
            again by its own ``grow_px`` for the pixels it fills.
    """

    size_px: int = 256
    context: float = 2.2
    min_side_px: float = 48.0
    removal_grow_px: int = 0
    prior_band: float = 0.0


def skeleton_band(joints_px: np.ndarray, size_px: int, width_frac: float) -> np.ndarray:
    """A hand's skeleton drawn thick: its bones as segments and its palm polygon filled.

    Args:
        joints_px: (21, 2) float64 joints in the (size_px × size_px) image's pixels.
        size_px: the image side.
        width_frac: segment width as a fraction of the hand's size (wrist to middle MCP).

    Returns:
        (size_px, size_px) bool; all false when a joint is not finite.
    """
    band = np.zeros((size_px, size_px), np.uint8)
    if not np.isfinite(joints_px).all():
        return band.astype(bool)
    width = max(1, round(width_frac * hand_scale_px(joints_px)))
    pts = np.round(joints_px).astype(np.int32)
    for a, b in BONES:
        cv2.line(band, tuple(map(int, pts[a])), tuple(map(int, pts[b])), 1, width)
    cv2.fillPoly(band, [pts[list(PALM_POLYGON)]], 1)
    return band.astype(bool)


def build_crop_inputs(
    frame: Frame, masks: HandMasks, side: Side, input_mirrored: bool, options: CropOptions,
    prior_px: np.ndarray | None = None,
) -> CropInputs | None:
    """Crop the frame and masks around ``side``'s amodal mask (HDR paper §3.3).

    The crop is square and axis-aligned, centred on the amodal box. It is mirrored when the
    hand looks like a left hand in the image: the person's left hand in an un-mirrored image, or
    the person's right hand in a mirrored one.

    Args:
        prior_px: (21, 2) float64 frame pixels, the target's joint prior, or None; with
            :attr:`CropOptions.prior_band` > 0 its skeleton band is left out of M_R.

    Returns:
        The inputs, or None when ``side`` has an empty amodal mask.
    """
    box = masks.amodal_box(side)
    if box is None:
        return None
    side_px = max(max(box.width, box.height) * options.context, options.min_side_px)
    mirror = (side is Side.LEFT) != input_mirrored
    affine = crop_affine(Roi(box.center, side_px), options.size_px, mirror=mirror)
    s = options.size_px
    # the masks are evaluated on the crop's own grid (HASM's region grid → crop, one warp):
    # nothing frame-sized is made
    planes = masks.in_crop(affine, s)
    own = 2 if side is Side.LEFT else 0
    ta, tv = planes[own], planes[own + 1]
    oa, ov = planes[2 - own], planes[3 - own]
    m_d, m_r = deocclusion_removal_masks(ta, tv, grow_mask(ov, options.removal_grow_px))
    if prior_px is not None and options.prior_band > 0:
        prior_crop = apply_affine(invert_affine(affine), np.asarray(prior_px, np.float64))
        m_r = m_r & ~skeleton_band(prior_crop, s, options.prior_band)
    image = warp_crop(frame.rgb, affine, s)
    return CropInputs(side, image, ta, tv, oa, ov, m_d, m_r, affine, mirror)
