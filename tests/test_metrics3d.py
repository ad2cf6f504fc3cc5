"""3D metrics on constructed data: root-aligned errors, PCK/AUC, occlusion split, MRRPE, bone
stability, occlusion counting from masks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hdr_live.joints import BONES, NUM_JOINTS
from hdr_live.metrics3d import (EVAL_JOINTS, bone_length_stats, bone_lengths_mm, is_severe,
                                mpjpe_mm, mrrpe_mm, occluded_joints, pck_by_occlusion,
                                pck_curve, root_aligned_errors_mm)

RNG = np.random.default_rng(7)


def skeleton_m(rng: np.random.Generator = RNG) -> np.ndarray:
    """(21, 3) a random hand-sized skeleton, camera metres, about 0.5 m away."""
    return np.r_[0.0, 0.0, 0.5] + rng.normal(0.0, 0.04, (NUM_JOINTS, 3))


def offset_by_mm(gt_m: np.ndarray, dist_mm: np.ndarray, rng=RNG) -> np.ndarray:
    """Joints moved by ``dist_mm`` in random directions, the wrist kept."""
    d = rng.normal(size=(NUM_JOINTS, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    out = gt_m + d * (np.broadcast_to(dist_mm, (NUM_JOINTS,))[:, None] / 1000.0)
    out[0] = gt_m[0]
    return out


def test_root_aligned_errors_ignore_a_translation() -> None:
    gt = skeleton_m()
    dist = np.linspace(1.0, 40.0, NUM_JOINTS)
    est = offset_by_mm(gt, dist) + np.array([0.3, -0.2, 1.0])  # far away, same relative pose
    err = root_aligned_errors_mm(est, gt)
    assert err[0] == 0.0
    np.testing.assert_allclose(err[1:], dist[1:], rtol=1e-9)
    assert mpjpe_mm(est, gt) == pytest.approx(dist[1:].mean())
    rel = est - est[0]  # a wrist-relative estimate scores the same
    np.testing.assert_allclose(root_aligned_errors_mm(rel, gt), err, atol=1e-9)
    with pytest.raises(ValueError):
        root_aligned_errors_mm(gt[:20], gt)


def test_pck_of_a_constant_error_is_a_step() -> None:
    err = np.full((5, NUM_JOINTS), 25.0)
    curve = pck_curve(err, thresholds_mm=(20.0, 24.9, 25.0, 30.0, 50.0))
    np.testing.assert_array_equal(curve.pck, [0, 0, 1, 1, 1])
    assert curve.auc == pytest.approx((50 - 25) / 30)  # the step's exact area, normalised
    assert curve.joint_count == 5 * len(EVAL_JOINTS) and curve.hand_count == 5
    assert curve.at(25.0) == 1.0
    with pytest.raises(KeyError):
        curve.at(33.0)


def test_auc_matches_a_dense_trapezoid_and_clips() -> None:
    err = RNG.uniform(0.0, 80.0, (40, NUM_JOINTS))
    grid = np.linspace(20.0, 50.0, 3001)
    dense = pck_curve(err, thresholds_mm=tuple(grid))
    trapz = float(np.sum((dense.pck[1:] + dense.pck[:-1]) / 2 * np.diff(grid)) / 30.0)
    assert dense.auc == pytest.approx(trapz, abs=1e-3)
    assert pck_curve(np.full((2, NUM_JOINTS), 5.0)).auc == 1.0  # below the range: all correct
    assert pck_curve(np.full((2, NUM_JOINTS), 60.0)).auc == 0.0


def test_mask_and_joint_selection() -> None:
    err = np.full((2, NUM_JOINTS), 60.0)
    err[:, 1:6] = 10.0
    mask = np.zeros_like(err, dtype=bool)
    mask[:, :6] = True  # the wrist is masked in but never scored
    curve = pck_curve(err, mask)
    assert curve.joint_count == 10 and curve.auc == 1.0
    assert pck_curve(err).auc == pytest.approx(5 / 20)
    empty = pck_curve(np.zeros((0, NUM_JOINTS)))
    assert empty.joint_count == 0 and math.isnan(empty.auc) and np.isnan(empty.pck).all()
    with pytest.raises(ValueError):
        pck_curve(np.full((1, NUM_JOINTS), np.nan))


def test_occlusion_split_counts_and_relative_value() -> None:
    counts = np.array([0, 10, 11, 21, 3])
    np.testing.assert_array_equal(is_severe(counts), [False, False, True, True, False])
    err = np.where(is_severe(counts)[:, None], 35.0, 20.0) * np.ones((5, NUM_JOINTS))
    split = pck_by_occlusion(err, counts)
    assert split.small.hand_count == 3 and split.severe.hand_count == 2
    assert split.small.auc == 1.0 and split.severe.auc == pytest.approx(0.5)
    assert split.relative_auc == pytest.approx(0.5)
    none_severe = pck_by_occlusion(err[:2], counts[:2])
    assert none_severe.severe.hand_count == 0 and math.isnan(none_severe.relative_auc)
    with pytest.raises(ValueError):
        pck_by_occlusion(err, counts[:4])


def test_mrrpe_of_a_known_translation() -> None:
    right, left = skeleton_m(), skeleton_m() + np.array([0.15, 0.0, 0.02])
    shift = np.array([0.0, 0.03, 0.04])  # the estimated left hand sits 50 mm off
    assert mrrpe_mm(right + 1.0, left + 1.0 + shift, right, left) == pytest.approx(50.0)
    assert mrrpe_mm(right - 0.2, left - 0.2, right, left) == pytest.approx(0.0, abs=1e-9)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


def test_bone_std_is_zero_for_a_rigid_moving_hand_and_grows_with_jitter() -> None:
    hand = skeleton_m()
    frames = np.stack([(hand - hand[0]) @ random_rotation(RNG).T + RNG.normal(0, 0.1, 3)
                       for _ in range(30)])
    frames[4] = np.nan  # an absent frame is left out
    rigid = bone_length_stats(frames)
    assert rigid.frame_count == 29
    np.testing.assert_allclose(rigid.bone_std_mm, 0.0, atol=1e-9)
    np.testing.assert_allclose(rigid.bone_mean_mm, bone_lengths_mm(hand), rtol=1e-9)
    jittery = bone_length_stats(frames + RNG.normal(0, 0.003, frames.shape))
    assert jittery.bone_std_mm.shape == (len(BONES),)
    assert 1.0 < jittery.mean_std_mm < 10.0  # 3 mm per coordinate on both ends of each bone
    single = bone_length_stats(frames[:1])
    assert single.frame_count == 1 and math.isnan(single.mean_std_mm)
    assert bone_length_stats(np.full((3, NUM_JOINTS, 3), np.nan)).frame_count == 0


def test_occluded_joints_from_a_mask() -> None:
    mask = np.zeros((40, 60), dtype=bool)
    mask[10:20, 10:30] = True
    px = np.full((NUM_JOINTS, 2), 15.0)  # (x, y) = (15, 15): on the mask
    px[1] = (29.4, 19.4)  # rounds onto the mask's last pixel
    px[2] = (30.6, 15.0)  # rounds off it
    px[3] = (-3.0, 15.0)  # outside the image
    px[4] = (15.0, 40.2)
    px[5] = (np.nan, 15.0)
    px[6] = (15.0, 5.0)  # in the image, off the mask
    occ = occluded_joints(px, mask)
    assert occ.dtype == bool and occ.shape == (NUM_JOINTS,)
    np.testing.assert_array_equal(np.flatnonzero(occ), [2, 3, 4, 5, 6])
    with pytest.raises(ValueError):
        occluded_joints(px[:, :1], mask)
