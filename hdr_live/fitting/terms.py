"""Residual terms of the hand fit that need no image look-ups, each batched over B parameter
vectors and normalised by its scale σ (the term's weight is 1/σ).

Sources: the 2D joint / 3D prior / temporal / collision terms follow the energy of
Baek et al. CVPR 2019 (eq. 4-8, a 2D keypoint term, a 3D pose term, regularisers) with a
soft-L1 robust loss on the keypoints (Triggs et al., "Bundle adjustment — a modern synthesis",
§4.3; scipy's ``soft_l1``), and the capsule collision term of Tzionas et al. IJCV 2016.
"""

from __future__ import annotations

import numpy as np

from hdr_live.hand_model.capsules import Capsules, segment_distance
from hdr_live.hand_model.kinematics import ANGLES, BONE_SCALE, ROT, TRANS


def reprojection_residual(model_px: np.ndarray, target_px: np.ndarray, weight: np.ndarray,
                          sigma_px: float, robust_px: float) -> np.ndarray:
    """Robust weighted 2D joint residual.

    Per joint the squared residual norm is ``w_j · ρ(e_j) / σ²`` with ``e_j`` the pixel
    distance and ``ρ(e) = 2k²(√(1 + (e/k)²) − 1)`` (soft-L1, ≈ e² below the knee k).

    Args:
        model_px: (B, 21, 2) float64 projected model joints, frame pixels.
        target_px: (21, 2) float64 SHPE joints, frame pixels.
        weight: (21,) float64 ≥ 0 joint weights (0 = no evidence).
        sigma_px: scale, pixels.
        robust_px: the soft-L1 knee k, pixels.

    Returns:
        (B, 42) float64 dimensionless residuals.
    """
    diff = model_px - target_px
    e2 = np.sum(diff * diff, axis=-1)
    rho = 2.0 * robust_px**2 * (np.sqrt(1.0 + e2 / robust_px**2) - 1.0)
    scale = np.sqrt(np.where(e2 > 1e-18, rho / np.maximum(e2, 1e-18), 1.0))
    return (diff * (scale * np.sqrt(weight))[..., None]).reshape(len(diff), -1) / sigma_px


def prior_residual(joints_cam_m: np.ndarray, prior_rel_m: np.ndarray, sigma_m: float) -> np.ndarray:
    """Wrist-relative 3D joints against the lifted pose.

    Args:
        joints_cam_m: (B, 21, 3) float64 model joints, camera axes, metres.
        prior_rel_m: (21, 3) float64 lifted pose relative to the wrist, camera axes, metres.
        sigma_m: scale, metres.

    Returns:
        (B, 60) float64 dimensionless residuals (joints 1..20).
    """
    rel = joints_cam_m[:, 1:] - joints_cam_m[:, :1]
    return (rel - prior_rel_m[1:]).reshape(len(rel), -1) / sigma_m


def temporal_residual(theta: np.ndarray, target: np.ndarray, sigma_deg: float,
                      sigma_m: float) -> np.ndarray:
    """Change of pose parameters from a target (the previous or the predicted fit).

    Args:
        theta: (B, P) float64 parameter vectors.
        target: (P,) float64 target vector.
        sigma_deg: scale of angle and global-rotation change, degrees.
        sigma_m: scale of wrist-position change, metres.

    Returns:
        (B, 26) float64 dimensionless residuals (20 angles, 3 rotation, 3 translation).
    """
    d = theta - target
    return np.concatenate([d[:, ANGLES] / sigma_deg, np.degrees(d[:, ROT]) / sigma_deg,
                           d[:, TRANS] / sigma_m], axis=1)


def shape_prior_residual(theta: np.ndarray, sigma: float) -> np.ndarray:
    """Relative bone-scale factors (palm, fingers) around 1: ``log(factor) / σ``.

    Args:
        theta: (B, P) float64 parameter vectors.
        sigma: spread of the log factors, dimensionless.

    Returns:
        (B, 7) float64 dimensionless residuals (the global scale is left free).
    """
    return np.log(theta[:, BONE_SCALE][:, 1:]) / sigma


def near_pairs(a: Capsules, b: Capsules, margin_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Capsule pairs (index into a, index into b) of batch item 0 that are closer than
    ``r_a + r_b + margin_m``; each (K,) int."""
    dist = segment_distance(a.start_m[0, :, None], a.end_m[0, :, None], b.start_m[0, None],
                            b.end_m[0, None])
    ia, ib = np.nonzero(dist < a.radius_m[0, :, None] + b.radius_m[0, None] + margin_m)
    return ia, ib


def penetration_residual(a: Capsules, b: Capsules, ia: np.ndarray, ib: np.ndarray,
                         sigma_m: float) -> np.ndarray:
    """Penetration depth of selected capsule pairs between two hands.

    Args:
        a: this hand's capsules (B, C).
        b: the other hand's capsules (1, C), fixed.
        ia, ib: (K,) int capsule pairs (see :func:`near_pairs`).
        sigma_m: scale, metres.

    Returns:
        (B, K) float64 dimensionless ``max(0, r_a + r_b − distance) / σ``.
    """
    dist = segment_distance(a.start_m[:, ia], a.end_m[:, ia], b.start_m[:, ib], b.end_m[:, ib])
    depth = a.radius_m[:, ia] + b.radius_m[:, ib] - dist
    return np.maximum(depth, 0.0) / sigma_m
