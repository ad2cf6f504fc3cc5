"""Batched rotation helpers: axis-angle <-> matrix (Rodrigues' formula) and the Kabsch fit.

All rotations are proper (det +1) 3x3 matrices acting on column vectors, float64, radians.
Sources: Rodrigues' rotation formula; Kabsch, "A solution for the best rotation to relate two
sets of vectors", Acta Cryst. A32, 1976 (with the determinant correction of Umeyama 1991).
"""

from __future__ import annotations

import numpy as np

#: Below this angle (rad) the series expansions of sin(θ)/θ and (1-cos θ)/θ² are used.
_SMALL_RAD = 1e-6


def rotvec_to_matrix(rot_vec: np.ndarray) -> np.ndarray:
    """Rotation matrices from axis-angle vectors (Rodrigues' formula).

    Args:
        rot_vec: (..., 3) float64 axis times angle, radians.

    Returns:
        (..., 3, 3) float64 rotation matrices.
    """
    v = np.asarray(rot_vec, dtype=np.float64)
    theta2 = np.sum(v * v, axis=-1)
    theta = np.sqrt(theta2)
    small = theta < _SMALL_RAD
    safe = np.where(small, 1.0, theta)
    a = np.where(small, 1.0 - theta2 / 6.0, np.sin(safe) / safe)
    b = np.where(small, 0.5 - theta2 / 24.0, (1.0 - np.cos(safe)) / (safe * safe))
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    bxy, bxz, byz = b * x * y, b * x * z, b * y * z
    entries = [1.0 - b * (y * y + z * z), bxy - a * z, bxz + a * y,
               bxy + a * z, 1.0 - b * (x * x + z * z), byz - a * x,
               bxz - a * y, byz + a * x, 1.0 - b * (x * x + y * y)]
    return np.stack(entries, axis=-1).reshape(v.shape[:-1] + (3, 3))


def matrix_to_rotvec(rot: np.ndarray) -> np.ndarray:
    """Axis-angle vector of one rotation matrix (inverse of :func:`rotvec_to_matrix`).

    Args:
        rot: (3, 3) float64 proper rotation matrix.

    Returns:
        (3,) float64 axis times angle, radians, angle in [0, π].
    """
    r = np.asarray(rot, dtype=np.float64)
    cos_t = np.clip((np.trace(r) - 1.0) / 2.0, -1.0, 1.0)
    theta = float(np.arccos(cos_t))
    w = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    if theta < _SMALL_RAD:
        return w / 2.0
    if np.pi - theta > 1e-4:
        return w * (theta / (2.0 * np.sin(theta)))
    # Near π: the axis is the dominant column of (R + I) / 2.
    m = (r + np.eye(3)) / 2.0
    col = int(np.argmax(np.diag(m)))
    axis = m[:, col] / np.sqrt(max(m[col, col], 1e-12))
    axis /= np.linalg.norm(axis)
    if np.dot(axis, w) < 0:
        axis = -axis
    return axis * theta


def kabsch(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The rotation R minimising Σ |R·(src_i − mean src) − (dst_i − mean dst)|².

    Args:
        src: (N, 3) float64 points, N ≥ 3 and not collinear.
        dst: (N, 3) float64 corresponding points.

    Returns:
        (3, 3) float64 proper rotation (reflections are excluded).
    """
    a = src - src.mean(axis=0)
    b = dst - dst.mean(axis=0)
    u, _, vt = np.linalg.svd(b.T @ a)
    d = np.sign(np.linalg.det(u @ vt)) or 1.0
    return u @ np.diag([1.0, 1.0, d]) @ vt
