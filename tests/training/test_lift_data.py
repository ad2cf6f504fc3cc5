"""The lifter's synthetic data: batched kinematics, crop camera, occluders, SHPE-like noise."""

import numpy as np

from hdr_live.hand_model.articulation import forward_kinematics
from hdr_live.hand_model.skeleton import HandShape, rest_skeleton
from hdr_live.lift.features import spread
from training.lift_data import SPREAD_MEDIAN_PX, batched_joints, clean_hands, occlude
from training.lift_degrade import ErrorModel, degrade, fit_error_model
from training.synth.pose_prior import sample_articulation


def test_batched_kinematics_equal_the_hand_model():
    rng = np.random.default_rng(0)
    rests = [rest_skeleton(HandShape.sample(rng)) for _ in range(6)]
    arts = [sample_articulation(rng) for _ in range(6)]
    got = batched_joints(np.stack([r.bases for r in rests]), np.stack([r.lengths for r in rests]),
                         np.stack([a.fingers for a in arts]))
    want = np.stack([forward_kinematics(r, a).joints for r, a in zip(rests, arts)])
    assert np.allclose(got, want, atol=1e-12)


def test_clean_hands_are_consistent_pinhole_crops():
    h = clean_hands(3000, seed=5)
    cam = h.rel_m + np.stack([np.zeros_like(h.root_z_m)] * 2 + [h.root_z_m], 1)[:, None]
    # back-projecting the crop pixels with the crop camera gives the 3D joints back
    z = cam[..., 2]
    a = (h.joints_px[..., 0] - h.cx_px[:, None]) / h.focal_px[:, None] * z
    assert np.allclose(a - a[:, :1], h.rel_m[..., 0], atol=1e-9)
    assert np.allclose(h.rel_depth * h.keybone_m[:, None], h.rel_m[..., 2])
    assert np.allclose(np.linalg.norm(h.rel_m[:, 10] - h.rel_m[:, 9], axis=-1), h.keybone_m)
    assert abs(np.median(spread(h.joints_px)) / SPREAD_MEDIAN_PX - 1) < 0.05
    assert np.array_equal(clean_hands(50, seed=5).joints_px, clean_hands(50, seed=5).joints_px)


def test_occluder_gives_a_good_share_of_severe_occlusion():
    h = clean_hands(4000, seed=1)
    hidden = (~occlude(h.joints_px, np.random.default_rng(0))).sum(1)
    assert 0.25 < (hidden > 10).mean() < 0.6
    assert 0.1 < (hidden == 0).mean() < 0.35


def test_degrade_then_fit_recovers_the_error_model():
    h = clean_hands(6000, seed=2)
    rng = np.random.default_rng(1)
    vis = occlude(h.joints_px, rng)
    model = ErrorModel(np.full((2, 21), 0.08) * [[1.0], [2.0]], np.full((2, 21), 0.1),
                       np.full((2, 21), 0.05) * [[1.0], [3.0]], np.array([1.0, 1.0]))
    px, rel = degrade(model, h.joints_px, h.rel_m, vis, np.ones(len(vis)), rng)
    fit = fit_error_model(h.joints_px, px, h.rel_m, rel, vis)
    assert np.allclose(fit.sigma2d.mean(1), [0.08, 0.16], rtol=0.15)
    assert np.allclose(fit.outlier_rate.mean(1), [0.05, 0.15], atol=0.03)
    assert np.allclose(rel[:, 0], 0.0)
    assert ErrorModel.from_json(fit.to_json()).sigma2d.shape == (2, 21)
