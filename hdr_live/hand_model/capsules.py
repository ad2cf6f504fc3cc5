"""Capsules (a segment with a radius) per bone of the hand model, batched, and their distances.

One capsule per bone of :data:`hdr_live.joints.BONES` (20, in that order): the four palm bones
wrist → finger base take the finger's base radius; the three segments of a chain take radii
interpolated linearly from the base radius to the tip radius of
:data:`hdr_live.hand_model.skeleton.RADII_M`. Radii are multiplied by the hand's global scale.
Geometry: the closest points of two segments minimise ``|p0 + s·u − q0 − t·v|²`` over
``s, t ∈ [0, 1]`` (the clamped solution of e.g. Ericson, "Real-Time Collision Detection",
§5.1.9); two capsules penetrate by ``max(0, r_a + r_b − distance)`` (as in the collision
terms of hand trackers, e.g. Tzionas et al. IJCV 2016 and Baek et al. CVPR 2019).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.hand_model.skeleton import RADII_M
from hdr_live.joints import BONES

NUM_CAPSULES = len(BONES)
_BONES = np.array(BONES)
_EPS = 1e-12


def bone_radii_m() -> np.ndarray:
    """(20,) float64 capsule radius per bone of BONES at unit scale, metres."""
    out = np.zeros(NUM_CAPSULES)
    for f in range(5):
        base, tip = RADII_M[f]
        out[4 * f] = base
        out[4 * f + 1 : 4 * f + 4] = base + (tip - base) * (np.arange(3) + 0.5) / 3.0
    return out


_RADII = bone_radii_m()


@dataclasses.dataclass(frozen=True)
class Capsules:
    """A batch of capsule sets.

    Attributes:
        start_m: (B, C, 3) float64 segment start points, metres (any common frame).
        end_m: (B, C, 3) float64 segment end points, metres.
        radius_m: (B, C) float64 radii, metres.
    """

    start_m: np.ndarray
    end_m: np.ndarray
    radius_m: np.ndarray


def hand_capsules(joints_m: np.ndarray, global_scale: np.ndarray) -> Capsules:
    """The 20 bone capsules of a batch of posed hands.

    Args:
        joints_m: (B, 21, 3) float64 joints (camera or hand frame), metres.
        global_scale: (B,) float64 global size factor (bone_scale[0] of the parameters).

    Returns:
        :class:`Capsules` with C = 20 in BONES order, in the frame of ``joints_m``.
    """
    j = np.asarray(joints_m, dtype=np.float64)
    radius = _RADII[None] * np.asarray(global_scale, dtype=np.float64)[:, None]
    return Capsules(j[:, _BONES[:, 0]], j[:, _BONES[:, 1]], radius)


def axis_samples(caps: Capsules, per_capsule: int) -> np.ndarray:
    """Points spaced evenly along each capsule axis, ends included.

    Args:
        caps: the capsules (B, C).
        per_capsule: samples per axis (≥ 2).

    Returns:
        (B, C * per_capsule, 3) float64 points, capsule-major order.

    Raises:
        ValueError: ``per_capsule`` < 2.
    """
    if per_capsule < 2:
        raise ValueError(f"per_capsule must be >= 2, got {per_capsule}")
    s = np.linspace(0.0, 1.0, per_capsule)[None, None, :, None]
    pts = caps.start_m[:, :, None] + s * (caps.end_m - caps.start_m)[:, :, None]
    return pts.reshape(len(pts), -1, pts.shape[-1])


def point_segment_distance(points: np.ndarray, seg_a: np.ndarray, seg_b: np.ndarray) -> np.ndarray:
    """Distance of each point to each segment (any dimension D).

    Args:
        points: (B, M, D) float64 points.
        seg_a: (B, C, D) float64 segment starts.
        seg_b: (B, C, D) float64 segment ends.

    Returns:
        (B, M, C) float64 Euclidean distances, in the units of the inputs.
    """
    u = seg_b - seg_a  # (B, C, D)
    rel = points[:, :, None] - seg_a[:, None]  # (B, M, C, D)
    uu = np.maximum(np.sum(u * u, axis=-1), _EPS)[:, None]
    s = np.clip(np.sum(rel * u[:, None], axis=-1) / uu, 0.0, 1.0)
    diff = rel - s[..., None] * u[:, None]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def segment_distance(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """Closest distance between segments p0–p1 and q0–q1 (broadcast over leading axes).

    Args:
        p0, p1: (..., 3) float64 ends of the first segments.
        q0, q1: (..., 3) float64 ends of the second segments (broadcastable with p).

    Returns:
        (...,) float64 distances, units of the inputs.
    """
    u, v, r = p1 - p0, q1 - q0, p0 - q0
    a = np.maximum(np.sum(u * u, -1), _EPS)
    e = np.maximum(np.sum(v * v, -1), _EPS)
    b, c, f = np.sum(u * v, -1), np.sum(u * r, -1), np.sum(v * r, -1)
    denom = a * e - b * b
    s = np.where(denom > 1e-14, np.clip((b * f - c * e) / np.maximum(denom, 1e-14), 0.0, 1.0), 0.0)
    t = (b * s + f) / e
    s = np.where(t < 0.0, np.clip(-c / a, 0.0, 1.0), np.where(t > 1.0, np.clip((b - c) / a, 0.0, 1.0), s))
    t = np.clip(t, 0.0, 1.0)
    diff = r + s[..., None] * u - t[..., None] * v
    return np.sqrt(np.sum(diff * diff, -1))


def penetration_m(a: Capsules, b: Capsules) -> np.ndarray:
    """Penetration depth of every capsule of ``a`` into every capsule of ``b``.

    Args:
        a: capsules (B, Ca) — e.g. a batch of one hand's parameter vectors.
        b: capsules (B, Cb) or (1, Cb) (broadcast), in the same frame.

    Returns:
        (B, Ca, Cb) float64 ``max(0, r_a + r_b − distance)``, metres (0 = apart or touching).
    """
    dist = segment_distance(a.start_m[:, :, None], a.end_m[:, :, None],
                            b.start_m[:, None], b.end_m[:, None])
    return np.maximum(a.radius_m[:, :, None] + b.radius_m[:, None] - dist, 0.0)
