"""Helpers of the SHPE error measurement (crop framing, joint visibility, records I/O)."""

import numpy as np

from hdr_live.geometry import apply_affine, invert_affine
from hdr_live.joints import Side
from training.shpe_errors import ShpeRecords, hand_crop_affine, joint_visibility


def test_crop_is_centred_on_the_amodal_box_and_mirrors_a_left_hand():
    mask = np.zeros((200, 300), bool)
    mask[50:90, 100:180] = True
    right, left = hand_crop_affine(mask, Side.RIGHT), hand_crop_affine(mask, Side.LEFT)
    centre = apply_affine(invert_affine(right), np.array([[139.5, 69.5]]))[0]
    assert np.allclose(centre, 127.5)
    assert np.linalg.det(right[:, :2]) > 0 > np.linalg.det(left[:, :2])
    assert hand_crop_affine(np.zeros((4, 4), bool), Side.RIGHT) is None


def test_joint_visibility_reads_the_mask_and_rejects_outside_joints():
    mask = np.zeros((10, 10), bool)
    mask[:, :5] = True
    joints = np.tile([[2.2, 3.0]], (21, 1))
    joints[1] = [7.0, 3.0]
    joints[2] = [-3.0, 3.0]
    vis = joint_visibility(mask, joints)
    assert vis[0] and not vis[1] and not vis[2]


def test_records_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    n = 3
    rec = ShpeRecords(rng.random((n, 21, 2)), rng.random((n, 21, 2)), rng.random((n, 21, 3)),
                      rng.random((n, 21, 3)), rng.random((n, 21)) > 0.5, np.ones(n, bool),
                      np.zeros(n, int), np.zeros(n, bool), np.ones(n), np.ones(n), np.ones(n),
                      np.ones(n))
    rec.save(tmp_path / "r.npz")
    back = ShpeRecords.load(tmp_path / "r.npz")
    assert np.array_equal(back.shpe_px, rec.shpe_px) and back.visible.dtype == bool
