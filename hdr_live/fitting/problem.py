"""One hand's least-squares problem in one frame: the evidence turned into a batched residual.

``residuals(θ)`` stacks, for a batch of parameter vectors, the terms of
:mod:`hdr_live.fitting.terms` and :mod:`hdr_live.fitting.silhouette` that have evidence:
2D joints, lifted 3D prior, silhouette inside/coverage, temporal change, the weak shape prior
(while the shape is free) and the penetration into the other hand (fixed). Joint limits are the
solver's bounds (:func:`hdr_live.hand_model.kinematics.param_bounds`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.fitting.options import FitOptions
from hdr_live.fitting.silhouette import (SilhouetteField, coverage_residual, inside_residual,
                                         nearest_capsules)
from hdr_live.fitting.terms import (near_pairs, penetration_residual, prior_residual,
                                    reprojection_residual, shape_prior_residual, temporal_residual)
from hdr_live.camera import MIN_DEPTH_M, Intrinsics, project
from hdr_live.hand_model.capsules import Capsules, hand_capsules
from hdr_live.hand_model.kinematics import (ANGLES, BONE_SCALE, NUM_PARAMS, ROT, TRANS,
                                            joints_cam_batch)
from hdr_live.joints import Side

#: Capsule pairs closer than this at the start of a solve get a penetration residual, metres.
PAIR_MARGIN_M = 0.03
#: Candidate capsules per mask sample in the coverage term (nearest at the start of a solve).
COVER_CANDIDATES = 2


def fd_steps() -> np.ndarray:
    """(NUM_PARAMS,) float64 forward-difference steps: 0.02° per angle, 1e-4 per bone scale,
    2e-4 rad per rotation entry, 2e-5 m per translation entry."""
    steps = np.empty(NUM_PARAMS)
    steps[ANGLES], steps[BONE_SCALE], steps[ROT], steps[TRANS] = 0.02, 1e-4, 2e-4, 2e-5
    return steps


@dataclasses.dataclass(frozen=True)
class HandProblem:
    """The evidence of one hand prepared for the solver.

    Attributes:
        side: the person's hand.
        intrinsics: the camera.
        options: term scales.
        target_px: (21, 2) float64 SHPE joints, frame px, or None.
        weight: (21,) float64 joint weights.
        prior_rel_m: (21, 3) float64 lifted pose (wrist-relative, camera axes, m) or None.
        field: the silhouette look-ups or None.
        temporal_target: (P,) float64 previous / predicted parameters, or None.
        temporal_scale: factor (≥ 1) on the temporal scales for frame gaps longer than nominal.
        other: the other hand's capsules (1, 20) in the camera, or None.
        pairs: ((K,), (K,)) int capsule pairs (this hand, other hand) checked for penetration.
        shape_free: whether the bone scales are optimised (adds the weak shape prior).
        cover_candidates: (M, K) int capsules checked per silhouette sample (None without a
            silhouette), see :func:`hdr_live.fitting.silhouette.nearest_capsules`.
    """

    side: Side
    intrinsics: Intrinsics
    options: FitOptions
    target_px: np.ndarray | None
    weight: np.ndarray
    prior_rel_m: np.ndarray | None
    field: SilhouetteField | None
    temporal_target: np.ndarray | None
    temporal_scale: float
    other: Capsules | None
    pairs: tuple[np.ndarray, np.ndarray]
    shape_free: bool
    cover_candidates: np.ndarray | None = None

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """(B, R) float64 stacked dimensionless residuals for (B, NUM_PARAMS) ``theta``."""
        o = self.options
        joints = joints_cam_batch(theta, self.side)
        parts = []
        if self.target_px is not None:
            model_px = project(joints, self.intrinsics)
            parts.append(reprojection_residual(model_px, self.target_px, self.weight,
                                               o.reproj_sigma_px, o.reproj_robust_px))
        if self.prior_rel_m is not None:
            parts.append(prior_residual(joints, self.prior_rel_m, o.prior_sigma_m))
        caps = None
        if self.field is not None or self.pairs[0].size:
            caps = hand_capsules(joints, theta[:, BONE_SCALE.start])
        if self.field is not None:
            parts.extend(self._silhouette(caps))
        if self.temporal_target is not None:
            parts.append(temporal_residual(theta, self.temporal_target,
                                           o.temporal_sigma_deg * self.temporal_scale,
                                           o.temporal_sigma_m * self.temporal_scale))
        if self.shape_free:
            parts.append(shape_prior_residual(theta, o.shape_sigma))
        if self.pairs[0].size and self.other is not None:
            parts.append(penetration_residual(caps, self.other, self.pairs[0], self.pairs[1],
                                              o.penetration_sigma_m))
        if not parts:
            return np.zeros((len(joints), 1))
        return np.concatenate(parts, axis=1)

    def _silhouette(self, caps: Capsules) -> list[np.ndarray]:
        o = self.options
        a_px, b_px, radius_px = projected_capsules(caps, self.intrinsics)
        # the capsule axes sampled at the joints (each capsule's end) and at their midpoints
        axis_px = np.concatenate([a_px[:, :1], b_px, 0.5 * (a_px + b_px)], axis=1)
        inside = inside_residual(self.field, axis_px, o.silhouette_sigma_px)
        if not self.field.cover:
            return [inside]
        return [inside, coverage_residual(self.field, a_px, b_px, radius_px,
                                          self.cover_candidates, o.silhouette_sigma_px)]


def projected_capsules(caps: Capsules, intrinsics: Intrinsics) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Projected capsule axis ends (B, C, 2) px, (B, C, 2) px and radii (B, C) px (the radius
    scaled by focal / mean depth of the two ends)."""
    a_px, b_px = project(caps.start_m, intrinsics), project(caps.end_m, intrinsics)
    depth = np.maximum(0.5 * (caps.start_m[..., 2] + caps.end_m[..., 2]), MIN_DEPTH_M)
    return a_px, b_px, intrinsics.focal_px * caps.radius_m / depth


def capsules_at(theta: np.ndarray, side: Side) -> Capsules:
    """The (1, 20) capsules of the hand with parameters ``theta`` (P,), camera frame."""
    t = theta[None]
    return hand_capsules(joints_cam_batch(t, side), t[:, BONE_SCALE.start])


def candidates_for(caps: Capsules, field: SilhouetteField | None,
                   intrinsics: Intrinsics) -> np.ndarray | None:
    """(M, K) int coverage candidates of the hand with capsules ``caps`` (1, 20) at the start
    of a solve; None without a field."""
    if field is None:
        return None
    return nearest_capsules(field, *projected_capsules(caps, intrinsics), COVER_CANDIDATES)


def pairs_for(caps: Capsules, other: Capsules | None) -> tuple[np.ndarray, np.ndarray]:
    """Capsule pairs of the hand with capsules ``caps`` (1, 20) near the other hand's capsules
    (empty arrays when there is no other hand or their bounding spheres are apart)."""
    empty = np.zeros(0, dtype=int)
    if other is None:
        return empty, empty
    centre_a, centre_b = caps.end_m[0].mean(axis=0), other.end_m[0].mean(axis=0)
    reach = (np.linalg.norm(caps.end_m[0] - centre_a, axis=1).max()
             + np.linalg.norm(other.end_m[0] - centre_b, axis=1).max() + 0.05 + PAIR_MARGIN_M)
    if np.linalg.norm(centre_a - centre_b) > reach:
        return empty, empty
    return near_pairs(caps, other, PAIR_MARGIN_M)
