"""Options of the test-time hand fitter (:mod:`hdr_live.fitting.fitter`).

Each residual term is divided by its ``*_sigma_*`` (its weight is 1/σ, in the term's units),
so the cost is a sum of squared normalised errors (a Gaussian / robust negative log-likelihood,
as in the energy of Baek et al. CVPR 2019, eq. 4-8, and of model-based trackers generally).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """Fitter settings (frozen).

    Attributes:
        iterations: Levenberg–Marquardt iterations per hand and frame once the hand is tracked
            (the live setting: warm-started from the previous frame's fit, a few iterations
            reach the optimum of a smoothly moving hand; the applications set it from
            :class:`hdr_live.config.ThreeDConfig`, ``process`` with more than live).
        init_iterations: iterations for a hand's first fit of a track (no warm start: from
            the evidence-based initialisation of :mod:`hdr_live.fitting.init`).
        reproj_sigma_px: 2D joint reprojection scale, frame pixels (1/weight).
        reproj_robust_px: soft-L1 knee of the reprojection term, pixels: errors beyond it count
            about linearly (outlier joints from SHPE).
        prior_sigma_m: lifted 3D pose prior scale, metres, wrist-relative camera axes.
        silhouette_sigma_px: silhouette scale (capsule axes outside the mask and mask pixels not
            covered by the capsules), frame pixels.
        silhouette_samples: mask pixels sampled for the coverage residual (fixed count).
        temporal_sigma_deg: change of joint angles and global rotation from the previous fit
            per frame, degrees.
        temporal_sigma_m: change of the wrist position from the previous fit per frame, metres.
        penetration_sigma_m: capsule–capsule penetration between the two hands, metres.
        shape_sigma: spread of the relative bone-scale factors (palm, fingers) around the
            global one, dimensionless (a weak shape prior that removes their redundancy).
        shape_frames: confident frames whose bone scales are averaged before the shape is frozen.
        shape_min_weight: mean joint weight a frame needs to count towards the shape.
        max_hidden_s: seconds a hand without 2D evidence keeps an inferred fit; later it is
            dropped.
        hidden_velocity_decay_s: time constant of the velocity decay of a hidden hand's
            constant-velocity model, seconds.
        hidden_behind_m: a hand hidden by the other hand is placed this far behind it (the
            other hand's median depth plus this), metres: about a hand's thickness.
    """

    iterations: int = 3
    init_iterations: int = 25
    reproj_sigma_px: float = 3.0
    reproj_robust_px: float = 10.0
    prior_sigma_m: float = 0.008
    silhouette_sigma_px: float = 4.0
    silhouette_samples: int = 32
    temporal_sigma_deg: float = 12.0
    temporal_sigma_m: float = 0.03
    penetration_sigma_m: float = 0.002
    shape_sigma: float = 0.05
    shape_frames: int = 10
    shape_min_weight: float = 0.6
    max_hidden_s: float = 1.0
    hidden_velocity_decay_s: float = 0.1
    hidden_behind_m: float = 0.03

    def __post_init__(self) -> None:
        if self.iterations < 0 or self.init_iterations < 0:
            raise ValueError("FitOptions iterations must be >= 0")
        if self.shape_frames < 1 or self.silhouette_samples < 1:
            raise ValueError("FitOptions.shape_frames and silhouette_samples must be >= 1")
        sigmas = (self.reproj_sigma_px, self.reproj_robust_px, self.prior_sigma_m,
                  self.silhouette_sigma_px, self.temporal_sigma_deg, self.temporal_sigma_m,
                  self.penetration_sigma_m, self.shape_sigma, self.hidden_velocity_decay_s)
        if min(sigmas) <= 0 or self.max_hidden_s < 0 or self.hidden_behind_m < 0:
            raise ValueError("FitOptions scales must be > 0, max_hidden_s and hidden_behind_m >= 0")
