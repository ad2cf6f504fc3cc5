"""Over a sequence: shape estimation then freezing, reset, hidden hands inferred then dropped."""

from __future__ import annotations

import dataclasses

import numpy as np

from hdr_live.fitting.evidence import FitEvidence
from hdr_live.fitting.fitter import HandFitter
from hdr_live.fitting.options import FitOptions
from hdr_live.fitting.synthetic import camera, evidence_of, moving_sequence
from hdr_live.hand_model.capsules import hand_capsules, penetration_m
from hdr_live.joints import BONES, NUM_JOINTS, Side
from hdr_live.types import Hands

FPS = 30.0


def _bone_lengths(joints: np.ndarray) -> np.ndarray:
    idx = np.array(BONES)
    return np.linalg.norm(joints[idx[:, 1]] - joints[idx[:, 0]], axis=1)


def _evidence(rng, frames, side=Side.RIGHT):
    cam = camera()
    return [evidence_of(p, side, cam, rng, 2.0, 0.005, False) for p in moving_sequence(rng, frames)]


def test_shape_is_frozen_after_shape_frames_and_reset_starts_over() -> None:
    rng = np.random.default_rng(30)
    cam = camera()
    options = FitOptions(shape_frames=4)
    fitter = HandFitter(options)
    evs = _evidence(rng, 10)
    fits = [fitter.fit(Hands(right=ev), cam, k / FPS).right for k, ev in enumerate(evs)]
    lengths = np.array([_bone_lengths(f.joints_cam_m) for f in fits])
    scales = np.array([f.params.bone_scale for f in fits])
    frozen = scales[:options.shape_frames].mean(axis=0)
    for k in range(options.shape_frames, len(fits)):
        assert np.array_equal(scales[k], frozen)
        assert np.allclose(lengths[k], lengths[options.shape_frames], rtol=0, atol=1e-12)
    # while estimating, the scales move frame to frame
    assert np.abs(np.diff(scales[:options.shape_frames], axis=0)).max() > 1e-6
    fitter.reset()
    first = fitter.fit(Hands(right=evs[0]), cam, 0.0).right
    assert not np.array_equal(first.params.bone_scale, frozen)
    # frames whose mean joint weight is below shape_min_weight do not count: no freezing
    picky = HandFitter(FitOptions(shape_frames=2, shape_min_weight=0.5))
    weak = [dataclasses.replace(ev, joint_weight=np.full(NUM_JOINTS, 0.3)) for ev in evs[:5]]
    seq = [picky.fit(Hands(right=ev), cam, k / FPS).right for k, ev in enumerate(weak)]
    assert not np.array_equal(seq[4].params.bone_scale, seq[3].params.bone_scale)


def test_hidden_hand_is_inferred_then_dropped() -> None:
    rng = np.random.default_rng(31)
    cam = camera()
    options = FitOptions(max_hidden_s=0.5)
    fitter = HandFitter(options)
    evs = _evidence(rng, 8)
    last = None
    for k, ev in enumerate(evs):
        last = fitter.fit(Hands(right=ev), cam, k / FPS).right
        assert not last.inferred
    seen_until = (len(evs) - 1) / FPS
    hidden_ev = FitEvidence(None, np.zeros(NUM_JOINTS))
    ages, wrists = [], []
    k = len(evs)
    while True:
        t = k / FPS
        ev = hidden_ev if k % 2 else None  # hidden-evidence and absent-evidence frames
        fit = fitter.fit(Hands(right=ev), cam, t).right
        if fit is None:
            break
        assert fit.inferred and fit.age_s > 0
        ages.append(fit.age_s)
        wrists.append(fit.joints_cam_m[0])
        k += 1
    assert ages == sorted(ages) and ages[-1] <= options.max_hidden_s + 1e-9
    # dropped at the first frame more than max_hidden_s after the last 2D evidence
    assert k / FPS - seen_until > options.max_hidden_s >= (k - 1) / FPS - seen_until - 1e-9
    steps = np.linalg.norm(np.diff(np.array(wrists), axis=0), axis=1)
    assert np.all(steps[1:] <= steps[:-1] + 1e-12)  # the motion is damped
    # the hand comes back: seen again, not inferred, age 0
    back = fitter.fit(Hands(right=evs[-1]), cam, (k + 1) / FPS).right
    assert back is not None and not back.inferred and back.age_s == 0.0


def test_hidden_hand_continues_its_motion() -> None:
    cam = camera()
    rng = np.random.default_rng(32)
    params = moving_sequence(rng, 2)[0]
    fitter = HandFitter(FitOptions())
    velocity = np.array([0.3, 0.0, 0.0])  # m/s to the right
    for k in range(6):
        p = dataclasses.replace(params, trans_m=params.trans_m + velocity * k / FPS)
        fit = fitter.fit(Hands(right=evidence_of(p, Side.RIGHT, cam, rng, 0.5, 0.002, False)),
                         cam, k / FPS).right
    x_seen = fit.params.trans_m[0]
    hidden = fitter.fit(Hands(), cam, 6 / FPS).right
    moved = hidden.params.trans_m[0] - x_seen
    assert hidden.inferred and 0.2 * velocity[0] / FPS < moved < 1.5 * velocity[0] / FPS


def test_hidden_hand_is_pushed_out_of_the_seen_hand() -> None:
    cam = camera()
    rng = np.random.default_rng(33)
    right_p, left_p = moving_sequence(rng, 2)[0], moving_sequence(rng, 2)[0]
    left_p = dataclasses.replace(left_p, trans_m=right_p.trans_m + [-0.25, 0.0, 0.0])
    fitter = HandFitter(FitOptions(iterations=20))
    both = Hands(left=evidence_of(left_p, Side.LEFT, cam, rng, 1.0, 0.003, False),
                 right=evidence_of(right_p, Side.RIGHT, cam, rng, 1.0, 0.003, False))
    before = fitter.fit(both, cam, 0.0).left
    # the right hand jumps onto where the (now hidden) left hand was
    moved = dataclasses.replace(right_p, trans_m=left_p.trans_m + [0.045, 0.0, 0.0],
                                rot_vec=right_p.rot_vec)
    out = fitter.fit(Hands(right=evidence_of(moved, Side.RIGHT, cam, rng, 1.0, 0.003, False)),
                     cam, 1.0 / FPS)
    assert out.left is not None and out.left.inferred
    caps_of = lambda f: hand_capsules(f.joints_cam_m[None], f.params.bone_scale[None, 0])
    stayed = penetration_m(caps_of(before), caps_of(out.right)).max()
    pushed = penetration_m(caps_of(out.left), caps_of(out.right)).max()
    assert stayed > 0.005 and pushed < 0.003


def test_a_hidden_hand_with_a_wrist_anchor_is_inferred_at_it() -> None:
    cam = camera()
    rng = np.random.default_rng(33)
    params = moving_sequence(rng, 2)[0]
    fitter = HandFitter(FitOptions())
    for k in range(4):
        fit = fitter.fit(Hands(right=evidence_of(params, Side.RIGHT, cam, rng, 0.5, 0.002, False)),
                         cam, k / FPS).right
    anchor = fit.joints_px[0] + np.array([60.0, -25.0])  # the body puts the wrist elsewhere
    hidden_ev = FitEvidence(None, np.zeros(NUM_JOINTS), wrist_anchor_px=anchor)
    for k in range(4, 8):
        hidden = fitter.fit(Hands(right=hidden_ev), cam, k / FPS).right
        assert hidden.inferred
        assert np.linalg.norm(hidden.joints_px[0] - anchor) < 1.0
    free = fitter.fit(Hands(right=FitEvidence(None, np.zeros(NUM_JOINTS))), cam, 8 / FPS).right
    assert free.inferred  # without the anchor it goes on from where it was, by its motion
