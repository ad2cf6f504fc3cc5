"""The SHPE error model the lifter's synthetic inputs are degraded with (seed 003 adaptation).

Fitted by :mod:`training.shpe_errors` from the real MediaPipe-landmark SHPE run on synthetic HDRM
crops. Errors are in scale-free units so the model carries across crop framings:

- 2D: joint error vector / the GT 2D RMS spread of the hand (:func:`hdr_live.lift.features.spread`);
- world: SHPE world / its 3D RMS spread − GT world / its 3D RMS spread, per axis.

Per joint j and visibility class c (0 visible, 1 occluded) a robust Gaussian σ (1.4826 × MAD
per axis, averaged over axes) over the inliers, and an outlier rate: the share of joints whose
2D error exceeds :data:`OUTLIER_SPREADS` spreads, with the RMS σ of those outliers (a joint
"pulled" somewhere else). Classes with fewer than :data:`MIN_COUNT` joints use the class pool.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.lift.features import spread

#: 2D errors above this many hand spreads count as outliers.
OUTLIER_SPREADS = 0.5
#: Fewest joints for a per-joint estimate.
MIN_COUNT = 20


@dataclasses.dataclass(frozen=True)
class ErrorModel:
    """Per-joint SHPE error statistics (see the module docstring).

    Attributes:
        sigma2d: (2, 21) float64 inlier σ of the 2D error, spreads; row 0 visible, 1 occluded.
        sigma_world: (2, 21) float64 inlier σ of the normalised world error (per axis).
        outlier_rate: (2, 21) float64 share of outliers.
        outlier_sigma2d: (2,) float64 RMS 2D error of the outliers per class, spreads.
    """

    sigma2d: np.ndarray
    sigma_world: np.ndarray
    outlier_rate: np.ndarray
    outlier_sigma2d: np.ndarray

    def to_json(self) -> dict:
        """JSON-ready lists (rounded to 5 decimals)."""
        return {f.name: np.round(getattr(self, f.name), 5).tolist() for f in dataclasses.fields(self)}

    @staticmethod
    def from_json(obj: dict) -> ErrorModel:
        """Inverse of :meth:`to_json`. Raises KeyError / ValueError on a bad object."""
        return ErrorModel(**{f.name: np.asarray(obj[f.name], dtype=np.float64)
                             for f in dataclasses.fields(ErrorModel)})

    def scaled(self, factor: float) -> ErrorModel:
        """The same model with σ and outlier rates multiplied by ``factor`` (rates ≤ 0.9)."""
        return ErrorModel(self.sigma2d * factor, self.sigma_world * factor,
                          np.minimum(self.outlier_rate * factor, 0.9), self.outlier_sigma2d)


def _robust_sigma(err: np.ndarray) -> float:
    """1.4826 × median absolute deviation from the median, averaged over the last axis."""
    med = np.median(err, axis=0)
    return float((1.4826 * np.median(np.abs(err - med), axis=0)).mean())


def fit_error_model(gt_px: np.ndarray, shpe_px: np.ndarray, gt_rel_m: np.ndarray,
                    shpe_rel_m: np.ndarray, visible: np.ndarray) -> ErrorModel:
    """Fit :class:`ErrorModel` from H found hands.

    Args:
        gt_px, shpe_px: (H, 21, 2) crop px. gt_rel_m, shpe_rel_m: (H, 21, 3) metres, crop axes.
        visible: (H, 21) bool GT visibility.

    Raises:
        ValueError: fewer than :data:`MIN_COUNT` hands.
    """
    if gt_px.shape[0] < MIN_COUNT:
        raise ValueError(f"need at least {MIN_COUNT} hands to fit, got {gt_px.shape[0]}")
    e2 = (shpe_px - gt_px) / spread(gt_px)[:, None, None]
    ew = shpe_rel_m / spread(shpe_rel_m)[:, None, None] - gt_rel_m / spread(gt_rel_m)[:, None, None]
    out = np.linalg.norm(e2, axis=-1) > OUTLIER_SPREADS
    s2, sw, rate, osig = np.zeros((2, 21)), np.zeros((2, 21)), np.zeros((2, 21)), np.zeros(2)
    for c, cls in enumerate((visible, ~visible)):
        pool_in = cls & ~out
        pool_out = cls & out
        osig[c] = np.sqrt((e2[pool_out] ** 2).sum(-1).mean() / 2) if pool_out.sum() else 1.0
        for j in range(21):
            m, mi = cls[:, j], pool_in[:, j]
            if mi.sum() >= MIN_COUNT:
                s2[c, j], sw[c, j] = _robust_sigma(e2[mi, j]), _robust_sigma(ew[mi, j])
            else:
                s2[c, j], sw[c, j] = _robust_sigma(e2[pool_in]), _robust_sigma(ew[pool_in])
            rate[c, j] = out[m, j].mean() if m.sum() >= MIN_COUNT else out[cls].mean()
    return ErrorModel(s2, sw, rate, osig)


def degrade(model: ErrorModel, gt_px: np.ndarray, gt_rel_m: np.ndarray, visible: np.ndarray,
            severity: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """SHPE-like noisy 2D joints and world landmarks for B hands.

    Args:
        model: the error model. gt_px: (B, 21, 2) crop px. gt_rel_m: (B, 21, 3) metres.
        visible: (B, 21) bool. severity: (B,) float factor on σ and outlier rates (1 = as
            measured). rng: numpy generator (consumed).

    Returns:
        (shpe_px (B, 21, 2) crop px, shpe_rel_m (B, 21, 3) metres, wrist row zero), float64.
    """
    b = gt_px.shape[0]
    cls = (~visible).astype(int)
    jj = np.broadcast_to(np.arange(21), (b, 21))
    sev = severity[:, None]
    r2 = spread(gt_px)[:, None, None]
    noise = rng.normal(size=(b, 21, 2)) * (model.sigma2d[cls, jj] * sev)[..., None]
    is_out = rng.random((b, 21)) < np.minimum(model.outlier_rate[cls, jj] * sev, 0.9)
    pull = rng.normal(size=(b, 21, 2)) * model.outlier_sigma2d[cls][..., None]
    px = gt_px + r2 * np.where(is_out[..., None], pull, noise)
    r3 = spread(gt_rel_m)[:, None, None]
    wn = rng.normal(size=(b, 21, 3)) * (model.sigma_world[cls, jj] * sev)[..., None]
    # an outlier in 2D also drags its depth: its world noise is 3× larger
    wn = np.where(is_out[..., None], 3.0 * wn, wn)
    world = gt_rel_m + r3 * wn
    return px, world - world[:, :1]
