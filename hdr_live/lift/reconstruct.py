"""Camera-frame 3D joints from 2D joints and relative depths (seed 003 eq. 1 inverted).

With pinhole intrinsics (f, cx, cy) in pixels, joint i at pixel (u_i, v_i) and relative depth
d_i = (z_i − z_root)/s (s = keybone length |J10 − J9|, metres), every joint is
P_i = z_i (a_i, b_i, 1) with a_i = (u_i − cx)/f, b_i = (v_i − cy)/f and z_i = Z + s d_i, so only
the wrist depth Z is unknown. Requiring the reconstructed keybone to have length s
(Zimmermann & Brox 2017 §4.3; Iqbal et al. 2018 §3.3) gives the quadratic

    |Δ|² Z² + 2 (Δ·c) Z + |c|² − s² = 0,   Δ = (a10 − a9, b10 − b9, 0),
    c = s (a10 d10 − a9 d9, b10 d10 − b9 d9, d10 − d9),

whose larger root is the wrist depth (the smaller one puts the hand near the camera centre).
Without a real root (noisy inputs) the vertex −(Δ·c)/|Δ|² is used (the depth whose keybone
comes closest to s). Camera axes: x right, y down, z forward.

One bone fixes the scale poorly when its joints are occluded or it points at the camera (its
image length, the quadratic's Δ, is then small or wrong, and Z runs off to metres).
:func:`reconstruct_by_size_m` fixes Z instead by the summed length of all 20 bones (the same
inversion with the whole hand as the measuring rod).
"""

from __future__ import annotations

import numpy as np

from hdr_live.lift.features import KEYBONE


def backproject_m(joints_px: np.ndarray, rel_depth: np.ndarray, keybone_m: np.ndarray,
                  root_z_m: np.ndarray, focal_px: np.ndarray, cx_px: np.ndarray,
                  cy_px: np.ndarray) -> np.ndarray:
    """Camera-frame joints for a known wrist depth (batched; scalars broadcast).

    Args:
        joints_px: (..., 21, 2) pixels. rel_depth: (..., 21) eq. (1). keybone_m, root_z_m,
            focal_px, cx_px, cy_px: (...) metres / pixels.

    Returns:
        (..., 21, 3) float64 metres.
    """
    p = np.asarray(joints_px, dtype=np.float64)
    z = np.asarray(root_z_m, float)[..., None] + np.asarray(keybone_m, float)[..., None] * rel_depth
    f = np.asarray(focal_px, float)[..., None]
    x = (p[..., 0] - np.asarray(cx_px, float)[..., None]) / f * z
    y = (p[..., 1] - np.asarray(cy_px, float)[..., None]) / f * z
    return np.stack([x, y, z], axis=-1)


def solve_root_depth_m(joints_px: np.ndarray, rel_depth: np.ndarray, keybone_m: float,
                       focal_px: float, cx_px: float, cy_px: float) -> float:
    """Wrist depth Z (metres) from the keybone quadratic (module docstring).

    Raises:
        ValueError: non-positive keybone or focal length, or a keybone of zero image length
            (Δ = 0: the depth is not observable from the keybone).
    """
    if not (keybone_m > 0 and focal_px > 0):
        raise ValueError(f"keybone_m and focal_px must be positive, got {keybone_m}, {focal_px}")
    i, j = KEYBONE
    p = np.asarray(joints_px, dtype=np.float64)
    a = (p[:, 0] - cx_px) / focal_px
    b = (p[:, 1] - cy_px) / focal_px
    d = np.asarray(rel_depth, dtype=np.float64)
    delta = np.array([a[j] - a[i], b[j] - b[i], 0.0])
    c = keybone_m * np.array([a[j] * d[j] - a[i] * d[i], b[j] * d[j] - b[i] * d[i], d[j] - d[i]])
    qa, qb, qc = delta @ delta, 2.0 * (delta @ c), c @ c - keybone_m ** 2
    if qa < 1e-12:
        raise ValueError("the keybone has no image length; the root depth is not observable")
    disc = qb * qb - 4.0 * qa * qc
    if disc < 0:
        return float(-qb / (2.0 * qa))
    return float((-qb + np.sqrt(disc)) / (2.0 * qa))


def _checked(joints_px: np.ndarray, rel_depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(21, 2) and (21,) float64 copies of the inputs; ValueError for other shapes or
    non-finite values."""
    p = np.asarray(joints_px, dtype=np.float64)
    d = np.asarray(rel_depth, dtype=np.float64)
    if p.shape != (21, 2) or d.shape != (21,):
        raise ValueError(f"need joints (21, 2) and rel_depth (21,), got {p.shape}, {d.shape}")
    if not (np.isfinite(p).all() and np.isfinite(d).all()):
        raise ValueError("joints and rel_depth must be finite")
    return p, d


def reconstruct_camera_m(joints_px: np.ndarray, rel_depth: np.ndarray, keybone_m: float,
                         focal_px: float, cx_px: float, cy_px: float) -> np.ndarray:
    """Camera-frame joints of one hand with the wrist depth solved from the keybone length.

    Args:
        joints_px: (21, 2) float frame pixels (x, y). rel_depth: (21,) d_i (seed 003 eq. 1).
        keybone_m: the hand's |J10 − J9| in metres. focal_px, cx_px, cy_px: intrinsics, px.

    Returns:
        (21, 3) float64 camera-frame joints, metres (wrist-relative: subtract row 0, or use
        :func:`reconstruct_relative_m`).

    Raises:
        ValueError: wrong shapes, non-finite inputs, or see :func:`solve_root_depth_m`.
    """
    p, d = _checked(joints_px, rel_depth)
    z = solve_root_depth_m(p, d, keybone_m, focal_px, cx_px, cy_px)
    return backproject_m(p, d, keybone_m, z, focal_px, cx_px, cy_px)


def reconstruct_relative_m(joints_px: np.ndarray, rel_depth: np.ndarray, keybone_m: float,
                           focal_px: float, cx_px: float, cy_px: float) -> np.ndarray:
    """:func:`reconstruct_camera_m` minus its wrist: (21, 3) float64 metres, row 0 zero."""
    cam = reconstruct_camera_m(joints_px, rel_depth, keybone_m, focal_px, cx_px, cy_px)
    return cam - cam[0]


def reconstruct_by_size_m(joints_px: np.ndarray, rel_depth: np.ndarray, keybone_m: float,
                          bone_sum_m: float, focal_px: float, cx_px: float,
                          cy_px: float) -> np.ndarray:
    """Camera-frame joints of one hand whose wrist depth Z makes the summed length of the 20
    bones (:data:`hdr_live.joints.BONES`) equal ``bone_sum_m`` (module docstring).

    The summed length grows with Z (the image extent is scaled by depth), so Z is the first
    crossing on a geometric grid of depths from 0.05 to 20 m, refined linearly between the two
    grid depths around it; a hand that is too small even at 20 m gets 20 m.

    Args:
        joints_px: (21, 2) float frame pixels. rel_depth: (21,) d_i (seed 003 eq. 1) in units
            of ``keybone_m``. bone_sum_m: the hand's summed bone length, metres.
        focal_px, cx_px, cy_px: intrinsics, pixels.

    Returns:
        (21, 3) float64 camera-frame joints, metres.

    Raises:
        ValueError: wrong shapes, non-finite inputs, non-positive lengths or focal length.
    """
    from hdr_live.joints import BONES

    p, d = _checked(joints_px, rel_depth)
    if not (keybone_m > 0 and bone_sum_m > 0 and focal_px > 0):
        raise ValueError("keybone_m, bone_sum_m and focal_px must be positive")
    depths = np.geomspace(0.05, 20.0, 160)
    cams = backproject_m(p[None], d[None], keybone_m, depths, focal_px, cx_px, cy_px)
    bones = np.asarray(BONES)
    length = np.linalg.norm(cams[:, bones[:, 1]] - cams[:, bones[:, 0]], axis=2).sum(axis=1)
    above = np.flatnonzero(length >= bone_sum_m)
    if above.size == 0:
        z = depths[-1]
    elif above[0] == 0:
        z = depths[0]
    else:
        k = above[0]
        t = (bone_sum_m - length[k - 1]) / max(length[k] - length[k - 1], 1e-12)
        z = depths[k - 1] + t * (depths[k] - depths[k - 1])
    return backproject_m(p, d, keybone_m, z, focal_px, cx_px, cy_px)
