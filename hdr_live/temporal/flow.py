"""Optical-flow temporal consistency of HDRM's restored crops, and its flicker metric.

HDRM (HDR paper §3.3) restores every frame independently, so the de-occluded (M_D) and removed
(M_R) regions can flicker. The temporal extension proposed for HDR: carry the previous restored
crop along the optical flow and blend it into the current restored crop inside those regions
only, a recursive filter along motion paths (blind video consistency, cf. Lai et al., "Learning
Blind Video Temporal Consistency", ECCV 2018, whose *warping error* is the metric here).

Geometry: the previous and current crops have their own crop→frame affines ``A_p``, ``A_c``
(see :mod:`hdr_live.geometry`). A current-crop pixel ``u`` sits at frame pixel ``A_c·u``, i.e. at
previous-crop pixel ``M·u`` with ``M = A_p⁻¹ ∘ A_c`` (mirroring included). The previous *input*
crop is resampled through ``M``; dense flow ``f`` from the current input crop to it gives
``cur(u) ≈ prev_resampled(u + f(u))``; the previous restored crop is then sampled once, at
``M·(u + f(u))``, with ``cv2.remap``.

Inside M_D the input shows the occluding hand and inside M_R the hand being removed, so the raw
flow there follows the wrong object. With ``fill_hidden_flow`` the flow in M_D is replaced by an
affine motion fitted (RANSAC, ``cv2.estimateAffine2D``) to the target hand's visible pixels, and in
M_R by one fitted to the background (outside both hands).
"""

from __future__ import annotations

import dataclasses
import enum

import cv2
import numpy as np

from hdr_live.geometry import compose_affine
from hdr_live.types import HandCrop

_MAX_FIT_POINTS = 2000


class FlowMethod(enum.Enum):
    """OpenCV dense optical flow used between input crops."""

    DIS_FAST = "dis_fast"  # cv2.DISOpticalFlow, PRESET_FAST (Kroeger et al., ECCV 2016)
    DIS_MEDIUM = "dis_medium"  # cv2.DISOpticalFlow, PRESET_MEDIUM
    FARNEBACK = "farneback"  # cv2.calcOpticalFlowFarneback (Farnebäck, SCIA 2003)


@dataclasses.dataclass(frozen=True)
class FlowOptions:
    """Options of the crop consistency.

    Attributes:
        method: dense flow algorithm. DIS falls back to Farneback when this OpenCV build has
            no ``cv2.DISOpticalFlow_create``.
        blend_weight: weight in [0, 1] of the warped previous restored crop inside the inpainted
            regions (0 = off, 1 = copy the past).
        feather_px: the weight ramps from 0 to ``blend_weight`` over this many pixels inside the
            region border (distance transform), pixels (>= 1).
        fill_hidden_flow: replace the flow inside M_D / M_R by affine motions fitted to the
            visible target hand / the background (see module docstring).
        min_support_px: fewest pixels a region's motion fit needs; with fewer, the median flow
            of all non-inpainted pixels is used, and with none, the raw flow is kept.
        ransac_threshold_px: RANSAC inlier threshold of the affine fits, pixels.
    """

    method: FlowMethod = FlowMethod.DIS_FAST
    blend_weight: float = 0.6
    feather_px: float = 4.0
    fill_hidden_flow: bool = True
    min_support_px: int = 64
    ransac_threshold_px: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.blend_weight <= 1.0:
            raise ValueError(f"blend_weight must be in [0, 1], got {self.blend_weight}")
        if (
            not self.feather_px >= 1.0
            or self.min_support_px < 3
            or not self.ransac_threshold_px > 0
        ):
            raise ValueError(f"invalid FlowOptions: {self}")


@dataclasses.dataclass(frozen=True)
class WarpedPrevious:
    """The previous restored crop carried into the current crop.

    Attributes:
        rgb: (S, S, 3) uint8, current-crop geometry (S = current crop size).
        valid: (S, S) bool, True where the sample fell inside the previous crop.
    """

    rgb: np.ndarray
    valid: np.ndarray


def cur_to_prev_affine(prev: HandCrop, cur: HandCrop) -> np.ndarray:
    """``M = A_p⁻¹ ∘ A_c``: (2, 3) float64 affine from current-crop to previous-crop pixels.

    Raises:
        ValueError: ``prev.crop_to_frame`` is singular.
    """
    (a, b), (c, d) = prev.crop_to_frame[:, :2]
    if abs(a * d - b * c) < 1e-12:
        raise ValueError("prev.crop_to_frame is singular")
    frame_to_prev = cv2.invertAffineTransform(prev.crop_to_frame)
    return compose_affine(frame_to_prev, cur.crop_to_frame)


def dense_flow(cur_rgb: np.ndarray, prev_rgb: np.ndarray, method: FlowMethod) -> np.ndarray:
    """Backward dense flow: ``cur(u) ≈ prev(u + flow(u))``.

    Args:
        cur_rgb: (S, S, 3) uint8 RGB image.
        prev_rgb: (S, S, 3) uint8 RGB image, same geometry.
        method: the OpenCV algorithm.

    Returns:
        (S, S, 2) float32 flow (dx, dy) in pixels, at the current image's pixels.
    """
    cur = cv2.cvtColor(cur_rgb, cv2.COLOR_RGB2GRAY)
    prev = cv2.cvtColor(prev_rgb, cv2.COLOR_RGB2GRAY)
    if method is not FlowMethod.FARNEBACK and hasattr(cv2, "DISOpticalFlow_create"):
        preset = (
            cv2.DISOpticalFlow_PRESET_FAST
            if method is FlowMethod.DIS_FAST
            else cv2.DISOpticalFlow_PRESET_MEDIUM
        )
        return cv2.DISOpticalFlow_create(preset).calc(cur, prev, None)
    return cv2.calcOpticalFlowFarneback(cur, prev, None, 0.5, 4, 15, 3, 5, 1.2, 0)


def _fill_region_flow(
    flow: np.ndarray,
    region: np.ndarray,
    support: np.ndarray,
    known: np.ndarray,
    options: FlowOptions,
) -> None:
    """Overwrite ``flow`` inside ``region`` by an affine motion fitted on ``support`` pixels,
    or by the median flow of the ``known`` pixels when the fit is impossible."""
    if not region.any():
        return
    ys, xs = np.nonzero(support)
    if ys.size >= options.min_support_px:
        stride = max(1, ys.size // _MAX_FIT_POINTS)
        src = np.stack([xs[::stride], ys[::stride]], axis=1).astype(np.float32)
        dst = src + flow[ys[::stride], xs[::stride]]
        affine, _ = cv2.estimateAffine2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=options.ransac_threshold_px
        )
        if affine is not None:
            ry, rx = np.nonzero(region)
            pts = np.stack([rx, ry], axis=1).astype(np.float64)
            moved = pts @ affine[:, :2].T + affine[:, 2]
            flow[ry, rx] = (moved - pts).astype(np.float32)
            return
    if known.any():
        flow[region] = np.median(flow[known], axis=0)


def _crop_flow(prev: HandCrop, cur: HandCrop, m: np.ndarray, options: FlowOptions) -> np.ndarray:
    """(S, S, 2) float32 flow from the current crop into the resampled previous crop."""
    s = cur.size_px
    prev_input = cv2.warpAffine(
        prev.input_rgb,
        m,
        (s, s),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    flow = dense_flow(cur.input_rgb, prev_input, options.method)
    if options.fill_hidden_flow:
        inpainted = cur.m_d | cur.m_r
        known = ~inpainted
        background = known & ~cur.visible
        _fill_region_flow(flow, cur.m_d, cur.visible & known, known, options)
        _fill_region_flow(flow, cur.m_r & ~cur.m_d, background, known, options)
    return flow


def warp_previous(prev: HandCrop, cur: HandCrop, options: FlowOptions) -> WarpedPrevious:
    """Carry ``prev.rgb`` (the previous restored crop) into ``cur``'s geometry along the flow.

    Args:
        prev: the same side's crop in the previous frame.
        cur: the current crop; sizes may differ.
        options: flow options.

    Returns:
        The warped previous restored crop and its validity mask, in current-crop pixels.

    Raises:
        ValueError: the crops are of different sides, or ``prev.crop_to_frame`` is singular.
    """
    if prev.side is not cur.side:
        raise ValueError(f"crops of different sides: {prev.side.value} vs {cur.side.value}")
    m = cur_to_prev_affine(prev, cur)
    flow = _crop_flow(prev, cur, m, options)
    s = cur.size_px
    grid_x, grid_y = np.meshgrid(np.arange(s, dtype=np.float32), np.arange(s, dtype=np.float32))
    px, py = grid_x + flow[..., 0], grid_y + flow[..., 1]
    map_x = (m[0, 0] * px + m[0, 1] * py + m[0, 2]).astype(np.float32)
    map_y = (m[1, 0] * px + m[1, 1] * py + m[1, 2]).astype(np.float32)
    rgb = cv2.remap(prev.rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    last = prev.size_px - 1
    valid = (map_x >= 0) & (map_x <= last) & (map_y >= 0) & (map_y <= last)
    return WarpedPrevious(rgb=rgb, valid=valid)


def blend_weights(cur: HandCrop, valid: np.ndarray, options: FlowOptions) -> np.ndarray:
    """(S, S) float32 per-pixel weight of the warped previous crop: ``blend_weight`` inside
    ``m_d | m_r`` feathered over ``feather_px`` from its border, 0 outside it and where
    ``valid`` is False."""
    region = (cur.m_d | cur.m_r).astype(np.uint8)
    if not region.any():
        return np.zeros(region.shape, dtype=np.float32)
    dist = cv2.distanceTransform(region, cv2.DIST_L2, 3)
    feather = np.clip(dist / np.float32(options.feather_px), 0.0, 1.0)
    return (options.blend_weight * feather * valid).astype(np.float32)


def consistent_crop(prev: HandCrop, cur: HandCrop, options: FlowOptions) -> HandCrop:
    """Blend the flow-warped previous restored crop into ``cur.rgb`` inside ``m_d | m_r``.

    ``out = cur + w · (warp(prev) − cur)`` with ``w`` from :func:`blend_weights`. Pass the
    previous *output* of this function as ``prev`` to get a recursive filter along motion.

    Args:
        prev: the same side's (consistent) crop in the previous frame.
        cur: the current crop from HDRM.
        options: flow options.

    Returns:
        ``cur`` with ``rgb`` replaced ((S, S, 3) uint8); pixels outside ``m_d | m_r`` unchanged.

    Raises:
        ValueError: crops of different sides, or a singular ``prev.crop_to_frame``.
    """
    if not (cur.m_d | cur.m_r).any() or options.blend_weight == 0.0:
        return cur
    warped = warp_previous(prev, cur, options)
    w = blend_weights(cur, warped.valid, options)[..., None]
    cur_f = cur.rgb.astype(np.float32)
    out = cur_f + w * (warped.rgb.astype(np.float32) - cur_f)
    return dataclasses.replace(cur, rgb=np.clip(np.rint(out), 0, 255).astype(np.uint8))


def warping_error(prev: HandCrop, cur: HandCrop, options: FlowOptions | None = None) -> float:
    """Flicker metric: mean |warp(prev.rgb) − cur.rgb| inside the current inpainted regions.

    The warping error of Lai et al. (ECCV 2018) restricted to ``cur.m_d | cur.m_r`` and to pixels
    whose warp falls inside the previous crop; averaged over pixels and the 3 channels.

    Args:
        prev: the same side's crop in the previous frame.
        cur: the current crop.
        options: flow options (only ``method`` and the flow filling matter); defaults if None.

    Returns:
        Mean absolute difference in 8-bit intensity levels [0, 255]; NaN when no such pixel.

    Raises:
        ValueError: crops of different sides, or a singular ``prev.crop_to_frame``.
    """
    region = cur.m_d | cur.m_r
    if not region.any():
        return float("nan")
    warped = warp_previous(prev, cur, options or FlowOptions())
    mask = region & warped.valid
    if not mask.any():
        return float("nan")
    diff = np.abs(warped.rgb.astype(np.float32) - cur.rgb.astype(np.float32))
    return float(diff[mask].mean())
