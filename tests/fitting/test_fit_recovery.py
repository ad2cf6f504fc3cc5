"""The fitter recovers generated hands from noisy 2D joints and a noisy lifted pose."""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.fitting.evidence import FitEvidence
from hdr_live.fitting.fitter import HandFitter
from hdr_live.fitting.options import FitOptions
from hdr_live.fitting.synthetic import camera, evidence_of, random_params
from hdr_live.hand_model.articulation import ANGLE_HIGH, ANGLE_LOW
from hdr_live.camera import project
from hdr_live.hand_model.kinematics import joints_cam_batch
from hdr_live.joints import Side
from hdr_live.types import Hands

PRIOR_NOISE_M = 0.005
NOISE_PX = 2.0


def _rel(j: np.ndarray) -> np.ndarray:
    return j - j[0]


def test_recovers_pose_and_depth_from_noisy_evidence() -> None:
    rng = np.random.default_rng(10)
    cam = camera()
    for side in (Side.RIGHT, Side.LEFT):
        for _ in range(3):
            truth = random_params(rng)
            gt = joints_cam_batch(truth.to_vector(), side)[0]
            ev = evidence_of(truth, side, cam, rng, NOISE_PX, PRIOR_NOISE_M, False)
            fit = HandFitter(FitOptions()).fit(Hands().with_side(side, ev), cam, 0.0).get(side)
            assert fit is not None and not fit.inferred and fit.age_s == 0.0
            err = np.linalg.norm(_rel(fit.joints_cam_m) - _rel(gt), axis=1)[1:].mean()
            prior_err = np.linalg.norm(ev.prior_rel_m - _rel(gt), axis=1)[1:].mean()
            # The prior alone is off by |N(0, 5 mm)³| ≈ 8 mm per joint; with the 2D joints and
            # the kinematic model the fit must do clearly better than the prior it was given.
            assert err < 6e-3 and err < 0.8 * prior_err
            # Depth comes from the metric hand size against its pixel size; a 1-2 % error of the
            # fitted scale (noisy prior) moves the depth by as much, so allow 8 % of the depth.
            assert abs(fit.joints_cam_m[0, 2] - gt[0, 2]) < 0.08 * gt[0, 2]
            assert np.abs(fit.joints_px - project(fit.joints_cam_m, cam)).max() < 1e-9


def test_joints_without_weight_follow_the_prior() -> None:
    rng = np.random.default_rng(11)
    cam = camera()
    truth = random_params(rng)
    gt = joints_cam_batch(truth.to_vector(), Side.RIGHT)[0]
    ev = evidence_of(truth, Side.RIGHT, cam, rng, 1.0, 0.002, False)
    index = [5, 6, 7, 8]
    wrong_px = ev.joints_px.copy()
    wrong_px[index] += [120.0, -90.0]  # garbage 2D for the index finger ...
    weight = ev.joint_weight.copy()
    weight[index] = 0.0  # ... which carries no weight
    ev = dataclasses.replace(ev, joints_px=wrong_px, joint_weight=weight)
    fit = HandFitter(FitOptions()).fit(Hands(right=ev), cam, 0.0).right
    err = np.linalg.norm(_rel(fit.joints_cam_m)[index] - ev.prior_rel_m[index], axis=1)
    assert err.max() < 6e-3
    # the unweighted 2D was ignored: the projection is near the true joints, far from the garbage
    true_px = project(gt, cam)
    assert np.linalg.norm(fit.joints_px[index] - true_px[index], axis=1).max() < 15.0
    assert np.linalg.norm(fit.joints_px[index] - wrong_px[index], axis=1).min() > 80.0


def test_angles_stay_within_limits_under_bad_evidence() -> None:
    rng = np.random.default_rng(12)
    cam = camera()
    fitter = HandFitter(FitOptions())
    for k in range(4):
        truth = random_params(rng)
        ev = evidence_of(truth, Side.RIGHT, cam, rng, 25.0, 0.04, False)  # very noisy
        # a prior that asks for impossible hyper-flexion of every finger
        prior = ev.prior_rel_m * [1.0, -1.0, 1.0]
        ev = FitEvidence(ev.joints_px, ev.joint_weight, prior, None)
        fit = fitter.fit(Hands(right=ev), cam, k / 30.0).right
        a = fit.params.angles_deg
        assert np.all(a >= ANGLE_LOW - 1e-9) and np.all(a <= ANGLE_HIGH + 1e-9)


def test_no_evidence_and_no_history_is_absent() -> None:
    cam = camera()
    fitter = HandFitter(FitOptions())
    hidden = FitEvidence(None, np.zeros(21))
    out = fitter.fit(Hands(right=hidden), cam, 0.0)
    assert out.right is None and out.left is None
    zero = FitEvidence(np.zeros((21, 2)), np.zeros(21))  # joints but no weight: no evidence
    assert fitter.fit(Hands(left=zero), cam, 0.1).left is None


def test_evidence_is_validated() -> None:
    import pytest

    from hdr_live.fitting.evidence import Silhouette

    with pytest.raises(ValueError):
        FitEvidence(np.zeros((20, 2)), np.ones(21))
    with pytest.raises(ValueError):
        FitEvidence(np.full((21, 2), np.nan), np.ones(21))
    with pytest.raises(ValueError):
        FitEvidence(np.zeros((21, 2)), -np.ones(21))
    with pytest.raises(TypeError):
        Silhouette(np.zeros((4, 4)), np.eye(2, 3))
    with pytest.raises(ValueError):
        Silhouette(np.zeros((4, 4), bool), np.zeros((2, 3)))
    sil = Silhouette(np.zeros((4, 4), bool), np.array([[2.0, 0.0, 5.0], [0.0, 2.0, 7.0]]))
    back = sil.frame_to_mask()
    assert np.allclose(back[:, :2] @ (sil.mask_to_frame[:, :2] @ [1.0, 3.0] + sil.mask_to_frame[:, 2])
                       + back[:, 2], [1.0, 3.0])
