"""The silhouette and interpenetration terms move the hand as they should; the LM solver."""

from __future__ import annotations

import numpy as np

from hdr_live.fitting.lm import solve
from hdr_live.fitting.options import FitOptions
from hdr_live.fitting.problem import HandProblem, candidates_for, capsules_at, fd_steps, pairs_for
from hdr_live.fitting.silhouette import silhouette_field
from hdr_live.fitting.synthetic import camera, random_params, render_silhouette
from hdr_live.camera import project
from hdr_live.hand_model.capsules import hand_capsules, penetration_m
from hdr_live.hand_model.kinematics import BONE_SCALE, NUM_PARAMS, TRANS, joints_cam_batch, param_bounds
from hdr_live.joints import NUM_JOINTS, Side


def _problem(side, cam, prior, field, target, other, x0):
    return HandProblem(side=side, intrinsics=cam, options=FitOptions(), target_px=None,
                       weight=np.zeros(NUM_JOINTS), prior_rel_m=prior, field=field,
                       temporal_target=target, temporal_scale=1.0, other=other,
                       pairs=pairs_for(capsules_at(x0, side), other), shape_free=False,
                       cover_candidates=candidates_for(capsules_at(x0, side), field, cam))


def _inside_fraction(theta, side, cam, sil) -> float:
    px = project(joints_cam_batch(theta, side)[0], cam)
    grid = np.round(px / sil.mask_to_frame[0, 0]).astype(int)
    h, w = sil.mask.shape
    ok = (grid[:, 0] >= 0) & (grid[:, 0] < w) & (grid[:, 1] >= 0) & (grid[:, 1] < h)
    return float(np.mean(ok & sil.mask[np.clip(grid[:, 1], 0, h - 1), np.clip(grid[:, 0], 0, w - 1)]))


def test_silhouette_term_moves_a_misplaced_hand_into_its_mask() -> None:
    rng = np.random.default_rng(20)
    cam = camera()
    low, high = param_bounds()
    free = np.ones(NUM_PARAMS, bool)
    free[BONE_SCALE] = False
    for side in (Side.RIGHT, Side.LEFT):
        truth = random_params(rng)
        sil = render_silhouette(truth, side, cam)
        field = silhouette_field(sil, FitOptions().silhouette_samples)
        gt = joints_cam_batch(truth.to_vector(), side)[0]
        x0 = truth.to_vector()
        x0[TRANS] += [0.035, -0.02, 0.0]  # a few centimetres off in the image plane
        problem = _problem(side, cam, gt - gt[0], field, None, None, x0)
        before = problem.residuals(x0[None])[0] @ problem.residuals(x0[None])[0]
        x = x0
        for _ in range(3):  # refresh the coverage candidates as the fitter does
            problem = _problem(side, cam, gt - gt[0], field, None, None, x)
            x = solve(problem.residuals, x, free, low, high, fd_steps(), 10).x
        after = problem.residuals(x[None])[0] @ problem.residuals(x[None])[0]
        assert after < 0.1 * before
        assert _inside_fraction(x, side, cam, sil) > 0.95 > _inside_fraction(x0, side, cam, sil)
        err_before = np.linalg.norm(x0[TRANS][:2] - truth.trans_m[:2])
        assert np.linalg.norm(x[TRANS][:2] - truth.trans_m[:2]) < 0.25 * err_before


def test_interpenetration_term_separates_overlapping_hands() -> None:
    rng = np.random.default_rng(21)
    cam = camera()
    low, high = param_bounds()
    free = np.ones(NUM_PARAMS, bool)
    free[BONE_SCALE] = False
    caps_of = lambda t, s: hand_capsules(joints_cam_batch(t[None], s), t[None, BONE_SCALE.start])
    for _ in range(3):
        right = random_params(rng).to_vector()
        left = right.copy()
        left[TRANS] += [0.05, 0.0, 0.0]  # side by side, overlapping by a finger or two
        other = caps_of(right, Side.RIGHT)
        depth_before = penetration_m(caps_of(left, Side.LEFT), other).max()
        assert depth_before > 0.005
        x = left
        for _ in range(3):  # refresh the near pairs as the fitter does
            problem = _problem(Side.LEFT, cam, None, None, left, other, x)
            x = solve(problem.residuals, x, free, low, high, fd_steps(), 10).x
        depth_after = penetration_m(caps_of(x, Side.LEFT), other).max()
        assert depth_after < 0.002 and depth_after < 0.2 * depth_before
        # without the other hand nothing pushes: the temporal term keeps the hand where it was
        still = solve(_problem(Side.LEFT, cam, None, None, left, None, left).residuals, left,
                      free, low, high, fd_steps(), 10).x
        assert np.allclose(still, left)


def test_lm_solves_a_bounded_nonlinear_problem() -> None:
    rng = np.random.default_rng(22)
    t = np.linspace(0, 2, 40)
    truth = np.array([1.5, -1.2, 0.3])
    y = truth[0] * np.exp(truth[1] * t) + truth[2] + rng.normal(0, 1e-4, t.size)
    fn = lambda p: p[:, :1] * np.exp(p[:, 1:2] * t) + p[:, 2:3] - y
    free = np.ones(3, bool)
    res = solve(fn, np.array([1.0, 0.0, 0.0]), free, np.full(3, -5.0), np.full(3, 5.0),
                np.full(3, 1e-6), 40)
    assert np.allclose(res.x, truth, atol=5e-3) and res.cost < 1e-5
    capped = solve(fn, np.array([1.0, 0.0, 0.0]), free, np.array([-5.0, -5.0, 0.5]),
                   np.full(3, 5.0), np.full(3, 1e-6), 40)
    assert capped.x[2] >= 0.5 and capped.cost > res.cost
    fixed = free.copy()
    fixed[0] = False
    assert solve(fn, np.array([1.0, 0.0, 0.0]), fixed, np.full(3, -5.0), np.full(3, 5.0),
                 np.full(3, 1e-6), 10).x[0] == 1.0
