"""Batched kinematics, rotations and the pinhole camera against the reference model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from hdr_live.hand_model.articulation import ANGLE_HIGH, ANGLE_LOW, HandArticulation, forward_kinematics
from hdr_live.camera import Intrinsics, backproject, project
from hdr_live.hand_model.kinematics import (ANGLES, BONE_SCALE, NUM_PARAMS, ROT, TRANS, HandParams,
                                            bone_scale_of, joints_cam_batch, joints_hand_batch,
                                            pack, param_bounds, unpack)
from hdr_live.hand_model.rotation import kabsch, matrix_to_rotvec, rotvec_to_matrix
from hdr_live.hand_model.skeleton import HandShape, rest_skeleton
from hdr_live.joints import Side, mirror_joints_3d


def _random_case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(theta, reference right-hand joints in the hand frame with the global scale)."""
    shape = HandShape.sample(rng)
    angles = rng.uniform(ANGLE_LOW, ANGLE_HIGH)
    ref = forward_kinematics(rest_skeleton(shape), HandArticulation(angles, np.zeros(2))).joints
    theta = np.zeros(NUM_PARAMS)
    theta[ANGLES], theta[BONE_SCALE] = angles.ravel(), bone_scale_of(shape)
    theta[ROT], theta[TRANS] = rng.normal(0, 1.0, 3), rng.normal(0, 0.2, 3) + [0, 0, 0.5]
    return theta, ref * shape.scale


def test_batched_fk_matches_reference_right_hand() -> None:
    rng = np.random.default_rng(0)
    cases = [_random_case(rng) for _ in range(16)]
    theta = np.stack([c[0] for c in cases])
    hand = joints_hand_batch(theta)
    cam = joints_cam_batch(theta, Side.RIGHT)
    for b, (t, ref) in enumerate(cases):
        assert np.abs(hand[b] - ref).max() <= 1e-9
        rot = Rotation.from_rotvec(t[ROT]).as_matrix()
        assert np.abs(cam[b] - (ref @ rot.T + t[TRANS])).max() <= 1e-9


def test_left_hand_is_the_mirror_in_the_hand_frame() -> None:
    rng = np.random.default_rng(1)
    theta, ref = _random_case(rng)
    rot = Rotation.from_rotvec(theta[ROT]).as_matrix()
    left = joints_cam_batch(theta, Side.LEFT)[0]
    expected = (ref * [-1.0, 1.0, 1.0]) @ rot.T + theta[TRANS]
    assert np.abs(left - expected).max() <= 1e-9
    theta[ROT] = 0.0
    theta[TRANS] = 0.0
    assert np.allclose(joints_cam_batch(theta, Side.LEFT)[0],
                       mirror_joints_3d(joints_cam_batch(theta, Side.RIGHT)[0]), atol=1e-12)


def test_batch_rows_are_independent() -> None:
    rng = np.random.default_rng(2)
    theta = np.stack([_random_case(rng)[0] for _ in range(5)])
    together = joints_cam_batch(theta, Side.RIGHT)
    for b in range(5):
        assert np.array_equal(joints_cam_batch(theta[b], Side.RIGHT)[0], together[b])


def test_pack_unpack_round_trip_and_validation() -> None:
    rng = np.random.default_rng(3)
    theta, _ = _random_case(rng)
    theta[BONE_SCALE] = np.clip(theta[BONE_SCALE], 0.7, 1.3)
    params = unpack(theta)
    assert np.array_equal(pack(params), theta)
    assert params.angles_deg.shape == (5, 4)
    bad = params.angles_deg.copy()
    bad[1, 2] = ANGLE_HIGH[1, 2] + 1.0
    with pytest.raises(ValueError):
        HandParams(bad, params.bone_scale, params.rot_vec, params.trans_m)
    with pytest.raises(ValueError):
        unpack(theta[:-1])
    low, high = param_bounds()
    assert np.array_equal(low[ANGLES], ANGLE_LOW.ravel()) and np.array_equal(high[ANGLES], ANGLE_HIGH.ravel())


def test_rotations_against_scipy_and_kabsch() -> None:
    rng = np.random.default_rng(4)
    vecs = rng.normal(0, 1.2, size=(50, 3))
    vecs = vecs[np.linalg.norm(vecs, axis=1) < 3.0]
    assert np.abs(rotvec_to_matrix(vecs) - Rotation.from_rotvec(vecs).as_matrix()).max() < 1e-12
    for v in vecs:
        assert np.allclose(matrix_to_rotvec(rotvec_to_matrix(v)), v, atol=1e-9)
    assert np.allclose(rotvec_to_matrix(np.zeros(3)), np.eye(3))
    pts = rng.normal(size=(6, 3))
    rot = rotvec_to_matrix(vecs[0])
    assert np.allclose(kabsch(pts, pts @ rot.T + [1.0, 2.0, 3.0]), rot, atol=1e-9)


def test_projection_round_trip() -> None:
    rng = np.random.default_rng(5)
    cam = Intrinsics.from_fov(640, 480, 60.0)
    pts = np.column_stack([rng.uniform(-0.3, 0.3, (40, 2)), rng.uniform(0.2, 2.0, 40)])
    px = project(pts, cam)
    assert np.allclose(backproject(px, pts[:, 2], cam), pts, atol=1e-12)
    centre = project(np.array([0.0, 0.0, 1.0]), cam)
    assert np.allclose(centre, [cam.cx_px, cam.cy_px])
    # x right / y down: a point right of and below the axis lands right of and below the centre
    off = project(np.array([0.1, 0.1, 1.0]), cam)
    assert off[0] > cam.cx_px and off[1] > cam.cy_px
    with pytest.raises(ValueError):
        Intrinsics(0.0, 1.0, 1.0)
