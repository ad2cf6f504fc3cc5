"""Signed-distance primitives (vectorised numpy) used to build the hand surface.

Each function takes points ``p`` of shape (N, 3) float64 (metres) and returns (N,) float64
distances, negative inside. Formulas follow Inigo Quilez, "distance functions"
(iquilezles.org/articles/distfunctions) and "smooth minimum" (iquilezles.org/articles/smin).
"""

from __future__ import annotations

import numpy as np


def smin(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum of two distance fields.

    Args:
        a, b: (N,) distances.
        k: blend radius in metres (0 gives ``min``).

    Returns:
        (N,) blended distances; the blend adds at most k/4 of material.
    """
    if k <= 0:
        return np.minimum(a, b)
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b * (1 - h) + a * h - k * h * (1 - h)


def round_cone(p: np.ndarray, a: np.ndarray, b: np.ndarray, ra: float, rb: float) -> np.ndarray:
    """Exact distance to a cone with spherical caps of radius ``ra`` at ``a`` and ``rb`` at ``b``.

    Args:
        p: (N, 3) points. a, b: (3,) end centres. ra, rb: radii (metres), |ra - rb| < |b - a|.

    Returns:
        (N,) signed distance.
    """
    ba = b - a
    l2 = float(ba @ ba)
    rr = ra - rb
    a2 = l2 - rr * rr
    il2 = 1.0 / l2
    pa = p - a
    y = pa @ ba
    z = y - l2
    x2 = np.einsum("ij,ij->i", pa * l2 - y[:, None] * ba, pa * l2 - y[:, None] * ba)
    y2 = y * y * l2
    z2 = z * z * l2
    k = np.sign(rr) * rr * rr * x2
    d_mid = (np.sqrt(np.maximum(x2 * a2 * il2, 0)) + y * rr) * il2 - ra
    d_b = np.sqrt(x2 + z2) * il2 - rb
    d_a = np.sqrt(x2 + y2) * il2 - ra
    out = np.where(np.sign(y) * a2 * y2 < k, d_a, d_mid)
    return np.where(np.sign(z) * a2 * z2 > k, d_b, out)


def ellipsoid(
    p: np.ndarray, centre: np.ndarray, radii: np.ndarray, rot: np.ndarray | None = None
) -> np.ndarray:
    """Approximate (bound-correct near the surface) distance to an ellipsoid.

    Args:
        p: (N, 3) points. centre: (3,). radii: (3,) semi-axes along the ellipsoid's own axes.
        rot: optional (3, 3) whose columns are the ellipsoid axes in the frame of ``p``.

    Returns:
        (N,) signed distance.
    """
    q = p - centre
    if rot is not None:
        q = q @ rot
    k0 = np.linalg.norm(q / radii, axis=1)
    k1 = np.linalg.norm(q / (radii * radii), axis=1)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-12)


def polygon_2d(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Signed distance from 2D points to a simple closed polygon (negative inside).

    Args:
        xy: (N, 2) points. poly: (M, 2) vertices in order.

    Returns:
        (N,) signed distance.
    """
    d = np.full(len(xy), np.inf)
    inside = np.zeros(len(xy), dtype=bool)
    for i in range(len(poly)):
        v0, v1 = poly[i], poly[(i + 1) % len(poly)]
        e = v1 - v0
        w = xy - v0
        t = np.clip((w @ e) / float(e @ e), 0.0, 1.0)
        d = np.minimum(d, np.linalg.norm(w - t[:, None] * e, axis=1))
        cond = (xy[:, 1] >= v0[1]) != (xy[:, 1] >= v1[1])
        x_cross = v0[0] + (xy[:, 1] - v0[1]) * e[0] / np.where(e[1] == 0, 1e-12, e[1])
        inside ^= cond & (xy[:, 0] < x_cross)
    return np.where(inside, -d, d)


def rounded_slab(
    p: np.ndarray, poly: np.ndarray, z_centre: float, half_thickness: float, rounding: float
) -> np.ndarray:
    """Distance to a polygon extruded along z, with all edges rounded.

    Args:
        p: (N, 3) points. poly: (M, 2) outline in xy. z_centre: slab mid-plane z.
        half_thickness: half the slab thickness. rounding: edge radius (< half_thickness).

    Returns:
        (N,) signed distance (the outline is the polygon grown by nothing: the rounding eats
        into the polygon, not out of it).
    """
    d2 = polygon_2d(p[:, :2], poly) + rounding
    dz = np.abs(p[:, 2] - z_centre) - (half_thickness - rounding)
    outside = np.sqrt(np.maximum(d2, 0) ** 2 + np.maximum(dz, 0) ** 2)
    return outside + np.minimum(np.maximum(d2, dz), 0) - rounding
