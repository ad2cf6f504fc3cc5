"""Capsules of the hand model and their distances, against brute-force sampling."""

from __future__ import annotations

import numpy as np

from hdr_live.hand_model.capsules import (Capsules, axis_samples, bone_radii_m, hand_capsules,
                                          penetration_m, point_segment_distance, segment_distance)
from hdr_live.hand_model.skeleton import RADII_M
from hdr_live.joints import BONES


def _brute_segment(p0, p1, q0, q1, n=400):
    s = np.linspace(0, 1, n)[:, None]
    a, b = p0 + s * (p1 - p0), q0 + s * (q1 - q0)
    return np.linalg.norm(a[:, None] - b[None], axis=-1).min()


def test_segment_distance_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    p0, p1, q0, q1 = (rng.normal(size=(30, 3)) for _ in range(4))
    q1[0] = q0[0] + (p1[0] - p0[0])  # a parallel pair
    got = segment_distance(p0, p1, q0, q1)
    for k in range(30):
        ref = _brute_segment(p0[k], p1[k], q0[k], q1[k])
        assert got[k] <= ref + 1e-9 and got[k] >= ref - 0.02


def test_point_segment_distance_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    pts, a, b = rng.normal(size=(1, 7, 2)), rng.normal(size=(1, 4, 2)), rng.normal(size=(1, 4, 2))
    got = point_segment_distance(pts, a, b)[0]
    s = np.linspace(0, 1, 2001)[:, None]
    for c in range(4):
        line = a[0, c] + s * (b[0, c] - a[0, c])
        ref = np.linalg.norm(pts[0][:, None] - line[None], axis=-1).min(axis=1)
        assert np.allclose(got[:, c], ref, atol=2e-3)


def test_hand_capsules_follow_joints_and_scale() -> None:
    rng = np.random.default_rng(2)
    joints = rng.normal(size=(3, 21, 3))
    caps = hand_capsules(joints, np.array([1.0, 1.1, 0.9]))
    idx = np.array(BONES)
    assert np.array_equal(caps.start_m, joints[:, idx[:, 0]]) and np.array_equal(caps.end_m, joints[:, idx[:, 1]])
    assert np.allclose(caps.radius_m[1], 1.1 * bone_radii_m())
    radii = bone_radii_m()
    for f in range(5):  # palm bone takes the base radius; segments taper towards the tip
        assert radii[4 * f] == RADII_M[f, 0]
        seg = radii[4 * f + 1 : 4 * f + 4]
        assert np.all(np.diff(seg) < 0) and RADII_M[f, 1] < seg.min() < seg.max() < RADII_M[f, 0]
    pts = axis_samples(caps, 3)
    assert pts.shape == (3, 60, 3) and np.allclose(pts[:, 1], 0.5 * (caps.start_m[:, 0] + caps.end_m[:, 0]))


def test_penetration_depth() -> None:
    a = Capsules(np.array([[[0.0, 0, 0]]]), np.array([[[0.1, 0, 0]]]), np.array([[0.01]]))
    for gap, expected in ((0.005, 0.015), (0.02, 0.0), (0.015, 0.005)):
        b = Capsules(np.array([[[0.0, gap, 0]]]), np.array([[[0.1, gap, 0]]]), np.array([[0.01]]))
        assert np.isclose(penetration_m(a, b)[0, 0, 0], expected)
    far = Capsules(a.start_m + 1.0, a.end_m + 1.0, a.radius_m)
    assert penetration_m(a, far).max() == 0.0
