"""Silhouette residuals: a soft capsule rasteriser against a hand's amodal mask.

Two one-sided terms (in the spirit of the silhouette energies of Baek et al. CVPR 2019 and of
model-based hand trackers, e.g. Sridhar et al. / Tzionas et al.):

- *inside*: points on the projected capsule axes should lie in the mask; the residual is the
  distance transform of the mask's complement (0 inside; ``cv2.distanceTransform`` with the
  5×5 chamfer approximation of the L2 distance, Borgefors 1986), bilinearly sampled and
  converted to frame pixels;
- *coverage*: a fixed-size, evenly spread sample of mask pixels should be covered by the
  projected capsules; the residual is ``max(0, min_c(dist(q, segment_c) − radius_c))`` px.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.fitting.evidence import Silhouette
from hdr_live.hand_model.capsules import point_segment_distance

#: The distance transform is computed on the mask's bounding box grown by this fraction of its
#: larger side (plus 4 cells); beyond it the distance grows with the distance to the crop.
CROP_MARGIN = 0.5


@dataclasses.dataclass(frozen=True)
class SilhouetteField:
    """Precomputed look-ups for one mask.

    Attributes:
        dist_px: (h', w') float64 distance to the mask in frame pixels (0 on the mask), on the
            mask grid cropped around the mask (:data:`CROP_MARGIN`).
        frame_to_mask: (2, 3) float64 affine frame px → cropped mask-grid px.
        samples_px: (M, 2) float64 mask pixel centres in frame pixels (the coverage sample).
        px_per_cell: frame pixels per mask-grid pixel (sqrt of the affine's |det|).
        cover: the coverage term applies (:attr:`~hdr_live.fitting.evidence.Silhouette.cover`).
    """

    dist_px: np.ndarray
    frame_to_mask: np.ndarray
    samples_px: np.ndarray
    px_per_cell: float
    cover: bool = True


def silhouette_field(sil: Silhouette, num_samples: int) -> SilhouetteField | None:
    """Build the :class:`SilhouetteField` of ``sil``; None when the mask is empty.

    Args:
        sil: the mask and its affine to frame pixels.
        num_samples: coverage sample size M (≥ 1); evenly spaced in raster order over the mask
            pixels (all of them when there are fewer).
    """
    bx, by, bw, bh = cv2.boundingRect(sil.mask.view(np.uint8))
    if bw == 0 or bh == 0:
        return None
    h, w = sil.mask.shape
    margin = int(CROP_MARGIN * max(bw, bh)) + 4
    x0, y0 = max(bx - margin, 0), max(by - margin, 0)
    x1, y1 = min(bx + bw + margin, w), min(by + bh + margin, h)
    crop = sil.mask[y0:y1, x0:x1]
    dist = cv2.distanceTransform((~crop).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_5)
    ys, xs = np.nonzero(crop)
    (a, b), (c, d) = sil.mask_to_frame[:, :2]
    px_per_cell = float(np.sqrt(abs(a * d - b * c)))
    pick = np.unique(np.linspace(0, len(xs) - 1, min(num_samples, len(xs))).round().astype(int))
    grid = np.stack([xs[pick] + x0, ys[pick] + y0], axis=1).astype(np.float64)
    samples = grid @ sil.mask_to_frame[:, :2].T + sil.mask_to_frame[:, 2]
    to_mask = sil.frame_to_mask()
    to_mask[:, 2] -= (x0, y0)  # into the cropped grid
    return SilhouetteField(dist.astype(np.float64) * px_per_cell, to_mask, samples, px_per_cell,
                           sil.cover)


def _bilinear(img: np.ndarray, xy: np.ndarray, beyond_scale: float) -> np.ndarray:
    """Bilinear sample of ``img`` at (..., 2) grid coords, border-clamped, plus the distance
    beyond the border times ``beyond_scale`` (so the value keeps growing outside the grid)."""
    h, w = img.shape
    clipped = np.clip(xy, 0.0, [w - 1.0, h - 1.0])
    beyond = np.sqrt(np.sum((xy - clipped) ** 2, axis=-1))
    x0 = np.minimum(clipped[..., 0].astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(clipped[..., 1].astype(np.intp), max(h - 2, 0))
    fx, fy = clipped[..., 0] - x0, clipped[..., 1] - y0
    flat = img.ravel()
    i00 = y0 * w + x0
    dx, dy = (1 if w > 1 else 0), (w if h > 1 else 0)
    top = flat[i00] * (1 - fx) + flat[i00 + dx] * fx
    bottom = flat[i00 + dy] * (1 - fx) + flat[i00 + dy + dx] * fx
    return top * (1 - fy) + bottom * fy + beyond * beyond_scale


def inside_residual(field: SilhouetteField, points_px: np.ndarray, sigma_px: float) -> np.ndarray:
    """Distance outside the mask of projected capsule-axis points.

    Args:
        field: the mask look-ups.
        points_px: (B, N, 2) float64 frame pixels.
        sigma_px: scale (1/weight), pixels.

    Returns:
        (B, N) float64 residuals, dimensionless (0 for points on the mask).
    """
    grid = points_px @ field.frame_to_mask[:, :2].T + field.frame_to_mask[:, 2]
    return _bilinear(field.dist_px, grid, field.px_per_cell) / sigma_px


def nearest_capsules(field: SilhouetteField, seg_a_px: np.ndarray, seg_b_px: np.ndarray,
                     radius_px: np.ndarray, k: int) -> np.ndarray:
    """For each coverage sample, the ``k`` capsules of batch item 0 whose surfaces are nearest
    (the candidates the coverage residual checks during one solve).

    Args:
        field: the mask look-ups (M samples).
        seg_a_px, seg_b_px: (B, C, 2) float64 projected capsule axis ends, frame pixels.
        radius_px: (B, C) float64 projected radii, pixels.
        k: candidates per sample (clipped to C).

    Returns:
        (M, k) int capsule indices.
    """
    gap = point_segment_distance(field.samples_px[None], seg_a_px[:1], seg_b_px[:1])[0]
    gap = gap - radius_px[0]
    k = min(k, gap.shape[1])
    return np.argsort(gap, axis=1)[:, :k]


def coverage_residual(field: SilhouetteField, seg_a_px: np.ndarray, seg_b_px: np.ndarray,
                      radius_px: np.ndarray, candidates: np.ndarray, sigma_px: float) -> np.ndarray:
    """How far each sampled mask pixel lies outside its candidate projected capsules.

    Args:
        field: the mask look-ups (its ``samples_px``, M points).
        seg_a_px, seg_b_px: (B, C, 2) float64 projected capsule axis ends, frame pixels.
        radius_px: (B, C) float64 projected radii, pixels.
        candidates: (M, K) int capsules checked per sample (:func:`nearest_capsules`).
        sigma_px: scale (1/weight), pixels.

    Returns:
        (B, M) float64 residuals ``max(0, min_k(dist − radius)) / σ``, dimensionless.
    """
    a, u = seg_a_px[:, candidates], (seg_b_px - seg_a_px)[:, candidates]  # (B, M, K, 2)
    rel = field.samples_px[None, :, None] - a
    uu = np.maximum(np.sum(u * u, axis=-1), 1e-12)
    s = np.clip(np.sum(rel * u, axis=-1) / uu, 0.0, 1.0)
    diff = rel - s[..., None] * u
    gap = np.sqrt(np.sum(diff * diff, axis=-1)) - radius_px[:, candidates]
    return np.maximum(gap.min(axis=2), 0.0) / sigma_px
