"""Camera-frame reconstruction from 2D + relative depth + keybone (exact round trip)."""

import numpy as np
import pytest

from hdr_live.hand_model.articulation import forward_kinematics
from hdr_live.hand_model.skeleton import HandShape, rest_skeleton
from hdr_live.lift.reconstruct import (
    backproject_m,
    reconstruct_camera_m,
    reconstruct_relative_m,
    solve_root_depth_m,
)
from training.synth.interaction import random_rotation
from training.synth.pose_prior import sample_articulation


def _hand(rng):
    shape = HandShape.sample(rng)
    joints = forward_kinematics(rest_skeleton(shape), sample_articulation(rng)).joints * shape.scale
    cam = joints @ random_rotation(rng).T + np.array([rng.uniform(-0.2, 0.2), rng.uniform(-0.1, 0.1),
                                                     rng.uniform(0.3, 1.2)])
    f, cx, cy = rng.uniform(500, 1500), rng.uniform(300, 700), rng.uniform(200, 500)
    px = np.stack([f * cam[:, 0] / cam[:, 2] + cx, f * cam[:, 1] / cam[:, 2] + cy], 1)
    s = float(np.linalg.norm(cam[10] - cam[9]))
    return cam, px, (cam[:, 2] - cam[0, 2]) / s, s, f, cx, cy


@pytest.mark.parametrize("seed", range(20))
def test_round_trip_is_exact(seed):
    cam, px, d, s, f, cx, cy = _hand(np.random.default_rng(seed))
    assert np.allclose(reconstruct_camera_m(px, d, s, f, cx, cy), cam, atol=1e-9)
    assert np.allclose(reconstruct_relative_m(px, d, s, f, cx, cy), cam - cam[0], atol=1e-9)
    assert np.allclose(backproject_m(px, d, s, cam[0, 2], f, cx, cy), cam, atol=1e-12)


def test_noisy_input_without_a_real_root_still_returns_a_depth():
    _, px, d, s, f, cx, cy = _hand(np.random.default_rng(3))
    z = solve_root_depth_m(px, d, 10.0 * s, f, cx, cy)  # keybone too long: no real root
    assert np.isfinite(z)


def test_bad_inputs_raise():
    _, px, d, s, f, cx, cy = _hand(np.random.default_rng(4))
    px2 = px.copy()
    px2[10] = px2[9]
    d2 = d.copy()
    d2[10] = d2[9]
    with pytest.raises(ValueError, match="not observable"):
        reconstruct_camera_m(px2, d2, s, f, cx, cy)
    with pytest.raises(ValueError):
        reconstruct_camera_m(px[:20], d, s, f, cx, cy)
    with pytest.raises(ValueError):
        reconstruct_camera_m(px, d, -1.0, f, cx, cy)


def _bone_sum(cam):
    from hdr_live.joints import BONES
    b = np.asarray(BONES)
    return float(np.linalg.norm(cam[b[:, 1]] - cam[b[:, 0]], axis=1).sum())


@pytest.mark.parametrize("seed", range(10))
def test_reconstruction_by_hand_size_round_trip(seed):
    from hdr_live.lift.reconstruct import reconstruct_by_size_m
    cam, px, d, s, f, cx, cy = _hand(np.random.default_rng(seed))
    got = reconstruct_by_size_m(px, d, s, _bone_sum(cam), f, cx, cy)
    assert abs(got[0, 2] - cam[0, 2]) < 2e-3 * cam[0, 2]
    assert np.allclose(got - got[0], cam - cam[0], atol=2e-3)


def test_hand_size_survives_a_bad_keybone():
    """A wrong keybone pixel (its PIP hidden, SHPE's guess 40 % of the bone off) throws the
    keybone quadratic far off; the whole hand's size keeps the depth within a few per cent."""
    from hdr_live.lift.reconstruct import reconstruct_by_size_m
    errors_size, errors_key = [], []
    for seed in range(20):
        cam, px, d, s, f, cx, cy = _hand(np.random.default_rng(seed))
        bad = px.copy()
        bad[10] = px[9] + 0.6 * (px[10] - px[9])  # the keybone looks 40 % shorter
        z = cam[0, 2]
        errors_size.append(abs(reconstruct_by_size_m(bad, d, s, _bone_sum(cam), f, cx, cy)[0, 2]
                               - z) / z)
        errors_key.append(abs(solve_root_depth_m(bad, d, s, f, cx, cy) - z) / z)
    assert np.median(errors_size) < 0.05
    assert np.median(errors_key) > 2 * np.median(errors_size)
