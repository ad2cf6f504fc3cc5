"""The joint prior HASM is conditioned on: per-hand skeleton maps rendered from 21 joints.

For each hand (right first, then left) six channels: the filled palm polygon and one polyline per
finger (thumb, index, middle, ring, pinky), drawn with a width proportional to the hand's size and
blurred, values in [0, 1]. A hand without a prior gives six zero channels. Conditioning the
segmenter on such a prior is this project's change to HASM (HDR paper §3.2 uses RGB only): a
probe showed RGB-only SegFormer trained briefly on CPU could not separate left from right.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.geometry import apply_affine
from hdr_live.joints import FINGERS, PALM_POLYGON, Side, hand_scale_px
from hdr_live.types import Hands

CHANNELS_PER_HAND = 6
PRIOR_CHANNELS = 2 * CHANNELS_PER_HAND
#: Side order of the prior channels and of the four output masks' hands.
SIDE_ORDER = (Side.RIGHT, Side.LEFT)


@dataclasses.dataclass(frozen=True)
class PriorStyle:
    """How the prior is drawn.

    Attributes:
        width_frac: line width as a fraction of the hand size (wrist→middle MCP), in pixels.
        blur_frac: Gaussian sigma as a fraction of the hand size.
    """

    width_frac: float = 0.18
    blur_frac: float = 0.08


def render_prior(
    joints: Hands[np.ndarray],
    frame_to_input: np.ndarray,
    size_px: int,
    style: PriorStyle = PriorStyle(),
) -> np.ndarray:
    """Rasterise the joint prior of both hands into the network's input grid.

    Args:
        joints: per side (21, 2) float frame pixels, or None for a hand without prior.
        frame_to_input: (2, 3) affine from frame pixels to input pixels.
        size_px: input side S.
        style: line width and blur.

    Returns:
        (12, S, S) float32 in [0, 1]: right palm, right thumb…pinky, left palm, left thumb…pinky.
    """
    out = np.zeros((PRIOR_CHANNELS, size_px, size_px), np.float32)
    for k, side in enumerate(SIDE_ORDER):
        j = joints.get(side)
        if j is None:
            continue
        pts = apply_affine(frame_to_input, j)
        scale = max(hand_scale_px(pts), 2.0)
        width = max(1, int(round(style.width_frac * scale)))
        sigma = max(0.5, style.blur_frac * scale)
        base = k * CHANNELS_PER_HAND
        canvases = [np.zeros((size_px, size_px), np.uint8) for _ in range(CHANNELS_PER_HAND)]
        ipts = np.round(pts * 16).astype(np.int32)  # 4 fractional bits for sub-pixel drawing
        cv2.fillPoly(canvases[0], [ipts[list(PALM_POLYGON)]], 255, cv2.LINE_AA, shift=4)
        for f, chain in enumerate(FINGERS):
            cv2.polylines(canvases[1 + f], [ipts[list(chain)]], False, 255, width, cv2.LINE_AA,
                          shift=4)
        # one multi-channel blur: the same numbers as one blur per channel, in half the time
        blurred = cv2.GaussianBlur(np.dstack(canvases), (0, 0), sigma)
        out[base:base + CHANNELS_PER_HAND] = np.moveaxis(blurred, -1, 0).astype(np.float32) / 255.0
    return out
