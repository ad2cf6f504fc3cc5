"""Tests of hdr_live.temporal.smoothing: jitter reduction, lag, resets, dt, occlusion."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hdr_live.joints import NUM_JOINTS, Side, hand_scale_px
from hdr_live.temporal.smoothing import (
    DEFAULT_KALMAN_M,
    DEFAULT_ONE_EURO_M,
    LIVE_KALMAN_PX,
    LIVE_ONE_EURO_PX,
    FilterKind,
    PoseSmoother,
    Smoothing,
    SmootherOptions,
    mean_joint_acceleration_px,
)
from hdr_live.types import Frame, FrameResult, HandMasks, HandPose, Hands, StageTimings

FPS = 30.0
NOISE_PX = 2.0
NOISE_M = 0.004
M_PER_PX = 0.09 / 40.0  # a 40 px wrist-to-middle-MCP hand is 9 cm


def hand_template_px() -> np.ndarray:
    """(21, 2) upright right hand, wrist at the origin, 40 px from wrist to middle MCP."""
    angles = np.deg2rad([-50.0, -20.0, -5.0, 10.0, 25.0])
    bones = [
        (18, 16, 13, 11),
        (40, 22, 14, 12),
        (40, 25, 16, 13),
        (38, 22, 15, 12),
        (35, 17, 12, 10),
    ]
    joints = [np.zeros(2)]
    for angle, lengths in zip(angles, bones):
        direction, p = np.array([np.sin(angle), -np.cos(angle)]), np.zeros(2)
        for length in lengths:
            p = p + direction * length
            joints.append(p.copy())
    return np.array(joints)


TEMPLATE = hand_template_px()


def true_px(t: np.ndarray | float) -> np.ndarray:
    """(..., 21, 2) smooth hand motion at times ``t`` (s): translation (peak ≈ 150 px/s) and an
    in-plane rotation."""
    t = np.asarray(t, dtype=np.float64)[..., None, None]
    cx = 320 + 60 * np.sin(2 * np.pi * 0.4 * t)
    cy = 240 + 36 * np.sin(2 * np.pi * 0.3 * t + 0.5)
    a = 0.3 * np.sin(2 * np.pi * 0.25 * t)
    p = TEMPLATE - TEMPLATE.mean(axis=0)
    x = np.cos(a) * p[:, :1] - np.sin(a) * p[:, 1:] + cx
    y = np.sin(a) * p[:, :1] + np.cos(a) * p[:, 1:] + cy
    return np.concatenate([x, y], axis=-1)


def true_rel_m(t: np.ndarray | float) -> np.ndarray:
    """(..., 21, 3) wrist-relative metres at times ``t`` (s): the template turning about the
    camera's y axis."""
    t = np.asarray(t, dtype=np.float64)[..., None, None]
    p = TEMPLATE * M_PER_PX
    b = 0.5 * np.sin(2 * np.pi * 0.3 * t)
    x = np.cos(b) * p[:, :1]
    y = np.broadcast_to(p[:, 1:], x.shape)
    z = -np.sin(b) * p[:, :1]
    return np.concatenate([x, y, z], axis=-1)


def pose(px: np.ndarray, rel_m: np.ndarray, visible: np.ndarray | None = None) -> HandPose:
    vis = np.ones(NUM_JOINTS, dtype=bool) if visible is None else visible
    return HandPose(Side.RIGHT, px.astype(np.float64), rel_m - rel_m[0], vis, 0.9)


def noisy_sequence(seed: int, n: int = 300) -> tuple[np.ndarray, list[HandPose]]:
    """Capture times with a ±20 % jittered frame interval, and noisy poses of the motion."""
    rng = np.random.default_rng(seed)
    ts = np.concatenate([[0.0], np.cumsum(rng.uniform(0.8, 1.2, n - 1) / FPS)])
    poses = [
        pose(
            true_px(t) + rng.normal(0, NOISE_PX, (NUM_JOINTS, 2)),
            true_rel_m(t) + rng.normal(0, NOISE_M, (NUM_JOINTS, 3)),
        )
        for t in ts
    ]
    return ts, poses


def run(
    smoother: PoseSmoother, ts: np.ndarray, poses: list[HandPose | None]
) -> list[HandPose | None]:
    return [smoother.smooth(Hands(right=p), float(t)).right for t, p in zip(ts, poses)]


def lag_frames(ts: np.ndarray, est: np.ndarray, truth, warmup: int = 30) -> float:
    """The delay τ (frames) minimising mean |est(t) − truth(t − τ)|, searched on a 0.02 grid."""
    taus = np.arange(-2.0, 3.0, 0.02)
    shifted = truth(ts[None, warmup:] - taus[:, None] / FPS)  # (taus, T, 21, D)
    errors = np.linalg.norm(est[None, warmup:] - shifted, axis=-1).mean(axis=(1, 2))
    return float(taus[int(np.argmin(errors))])


def acceleration(seq: np.ndarray) -> float:
    return float(np.linalg.norm(seq[2:] - 2 * seq[1:-1] + seq[:-2], axis=-1).mean())


@pytest.mark.parametrize("kind", list(FilterKind))
def test_jitter_halved_with_at_most_one_frame_of_lag(kind: FilterKind) -> None:
    ts, raw = noisy_sequence(seed=0)
    out = run(PoseSmoother(SmootherOptions.defaults(kind)), ts, raw)
    ratio_px = mean_joint_acceleration_px(out) / mean_joint_acceleration_px(raw)
    est_px = np.stack([p.joints_px for p in out])
    est_m = np.stack([p.joints_rel_m for p in out])
    raw_m = np.stack([p.joints_rel_m for p in raw])
    ratio_m = acceleration(est_m) / acceleration(raw_m)
    lag_px = lag_frames(ts, est_px, true_px)
    lag_m = lag_frames(ts, est_m, true_rel_m)
    print(
        f"{kind.value}: acceleration ratio px={ratio_px:.3f} m={ratio_m:.3f}; "
        f"lag px={lag_px:.2f} m={lag_m:.2f} frames"
    )
    assert ratio_px <= 0.5
    assert ratio_m <= 0.5
    assert -0.5 <= lag_px <= 1.0
    assert -0.5 <= lag_m <= 1.0


@pytest.mark.parametrize("kind", list(FilterKind))
@pytest.mark.parametrize("speed_px_s", [150.0, 300.0])
def test_ramp_tracking_lag_below_one_frame(kind: FilterKind, speed_px_s: float) -> None:
    """Constant velocity along x: the mean along-track error is less than one frame of motion."""
    rng = np.random.default_rng(1)
    ts = np.arange(120) / FPS
    zero = np.zeros((NUM_JOINTS, 3))
    truth = [TEMPLATE + [100 + speed_px_s * t, 200.0] for t in ts]
    raw = [pose(x + rng.normal(0, NOISE_PX, x.shape), zero) for x in truth]
    out = run(PoseSmoother(SmootherOptions.defaults(kind)), ts, raw)
    along = np.mean([(p.joints_px - x)[:, 0].mean() for p, x in zip(out[30:], truth[30:])])
    lag = -along / (speed_px_s / FPS)
    print(f"{kind.value} at {speed_px_s:.0f} px/s: lag {lag:.2f} frames")
    assert lag <= 1.0


def test_kalman_has_no_lag_on_a_slow_ramp() -> None:
    ts = np.arange(120) / FPS
    zero = np.zeros((NUM_JOINTS, 3))
    truth = [TEMPLATE + [100 + 30.0 * t, 200.0] for t in ts]
    out = run(
        PoseSmoother(SmootherOptions.defaults(FilterKind.KALMAN)),
        ts,
        [pose(x, zero) for x in truth],
    )
    np.testing.assert_allclose(out[-1].joints_px, truth[-1], atol=0.05)


def test_output_does_not_depend_on_future_frames() -> None:
    ts, raw = noisy_sequence(seed=2, n=60)
    other = raw[:40] + [dataclasses.replace(p, joints_px=p.joints_px + 5.0) for p in raw[40:]]
    for kind in FilterKind:
        a = run(PoseSmoother(SmootherOptions.defaults(kind)), ts, raw)
        b = run(PoseSmoother(SmootherOptions.defaults(kind)), ts, other)
        for pa, pb in zip(a[:40], b[:40]):
            np.testing.assert_array_equal(pa.joints_px, pb.joints_px)
        assert not np.array_equal(a[45].joints_px, b[45].joints_px)


@pytest.mark.parametrize("kind", list(FilterKind))
def test_reset_after_absence_returns_the_new_measurement(kind: FilterKind) -> None:
    ts, raw = noisy_sequence(seed=3, n=40)
    smoother = PoseSmoother(SmootherOptions.defaults(kind))
    first = smoother.smooth(Hands(right=raw[0]), ts[0]).right
    np.testing.assert_array_equal(first.joints_px, raw[0].joints_px)
    for t, p in zip(ts[1:20], raw[1:20]):
        smoothed = smoother.smooth(Hands(right=p), t).right
    assert not np.array_equal(smoothed.joints_px, raw[19].joints_px)
    assert smoother.smooth(Hands(), ts[20]).right is None
    back = smoother.smooth(Hands(right=raw[21]), ts[21]).right
    np.testing.assert_array_equal(back.joints_px, raw[21].joints_px)
    np.testing.assert_array_equal(back.joints_rel_m, raw[21].joints_rel_m)
    # and filtering resumes afterwards
    nxt = smoother.smooth(Hands(right=raw[22]), ts[22]).right
    assert not np.array_equal(nxt.joints_px, raw[22].joints_px)


@pytest.mark.parametrize("kind", list(FilterKind))
def test_jump_larger_than_k_hand_sizes_resets(kind: FilterKind) -> None:
    opts = dataclasses.replace(SmootherOptions.defaults(kind), jump_reset_hand_scales=1.5)
    smoother = PoseSmoother(opts)
    zero = np.zeros((NUM_JOINTS, 3))
    base = TEMPLATE + [300.0, 200.0]
    scale = hand_scale_px(base)
    for k in range(10):
        smoother.smooth(Hands(right=pose(base, zero)), k / FPS)
    small = base + [1.0 * scale, 0.0]
    out_small = smoother.smooth(Hands(right=pose(small, zero)), 10 / FPS).right
    assert not np.allclose(out_small.joints_px, small)  # smoothed, no reset
    far = small + [2.0 * scale, 0.0]
    out_far = smoother.smooth(Hands(right=pose(far, zero)), 11 / FPS).right
    np.testing.assert_array_equal(out_far.joints_px, far)  # reset: exactly the measurement


@pytest.mark.parametrize("kind", list(FilterKind))
def test_time_going_back_or_a_long_gap_resets(kind: FilterKind) -> None:
    ts, raw = noisy_sequence(seed=4, n=20)
    opts = SmootherOptions.defaults(kind)
    for t_next in (ts[9] - 0.5, ts[9] + opts.max_gap_s + 0.1):
        smoother = PoseSmoother(opts)
        run(smoother, ts[:10], raw[:10])
        out = smoother.smooth(Hands(right=raw[10]), t_next).right
        np.testing.assert_array_equal(out.joints_px, raw[10].joints_px)


def test_repeated_timestamp_is_handled() -> None:
    """dt = 0: Kalman fuses a second measurement of the same instant; One-Euro keeps its
    estimate. Neither produces NaN or resets."""
    zero = np.zeros((NUM_JOINTS, 3))
    a, b = TEMPLATE + [300.0, 200.0], TEMPLATE + [304.0, 200.0]
    for kind in FilterKind:
        smoother = PoseSmoother(SmootherOptions.defaults(kind))
        for k in range(5):
            smoother.smooth(Hands(right=pose(a, zero)), k / FPS)
        out = smoother.smooth(Hands(right=pose(b, zero)), 4 / FPS).right
        assert np.all(np.isfinite(out.joints_px))
        shift = float(np.mean(out.joints_px[:, 0] - a[:, 0]))
        if kind is FilterKind.KALMAN:
            assert 0.0 < shift < 4.0
        else:
            assert shift == pytest.approx(0.0, abs=1e-9)


def test_one_euro_uses_the_real_interval() -> None:
    """With β = 0 the One-Euro filter is a first-order low-pass at min_cutoff: its step
    response reaches 1 − 1/e after τ = 1 / (2π f_c) seconds whatever the frame timing."""
    from hdr_live.temporal.filters import OneEuroOptions

    cutoff = 1.0
    opts = SmootherOptions(
        px=OneEuroOptions(min_cutoff_hz=cutoff, beta=0.0), rel_m=OneEuroOptions(1.0, 0.0)
    )
    zero = np.zeros((NUM_JOINTS, 3))
    tau = 1.0 / (2 * np.pi * cutoff)
    rng = np.random.default_rng(5)
    timelines = {
        "30 fps": np.arange(60) / 30.0,
        "120 fps": np.arange(240) / 120.0,
        "irregular": np.concatenate([[0.0], np.cumsum(rng.uniform(0.005, 0.06, 80))]),
    }
    for name, ts in timelines.items():
        smoother = PoseSmoother(opts)
        smoother.smooth(Hands(right=pose(TEMPLATE, zero)), -1e-3)
        step = TEMPLATE + [10.0, 0.0]
        xs = np.array(
            [smoother.smooth(Hands(right=pose(step, zero)), t).right.joints_px[0, 0] for t in ts]
        )
        crossed = ts[np.argmax(xs - TEMPLATE[0, 0] >= 10.0 * (1 - np.exp(-1)))]
        assert abs(crossed - tau) < 0.06, (name, crossed, tau)


@pytest.mark.parametrize("kind", list(FilterKind))
def test_occluded_joints_trust_the_prediction_more(kind: FilterKind) -> None:
    """The same 4 px error moves an occluded joint's estimate less than a visible one's."""
    ts, raw = noisy_sequence(seed=7, n=40)
    visible = np.ones(NUM_JOINTS, dtype=bool)
    visible[8] = False
    bumped = raw[30].joints_px.copy()
    bumped[[4, 8]] += [4.0, 0.0]
    bumped_m = raw[30].joints_rel_m.copy()
    bumped_m[[4, 8]] += [0.008, 0.0, 0.0]
    outs = []
    for px, rel_m in ((raw[30].joints_px, raw[30].joints_rel_m), (bumped, bumped_m)):
        smoother = PoseSmoother(SmootherOptions.defaults(kind))
        run(smoother, ts[:30], [dataclasses.replace(p, visible=visible) for p in raw[:30]])
        outs.append(
            smoother.smooth(
                Hands(right=HandPose(Side.RIGHT, px, rel_m, visible, 0.9)), ts[30]
            ).right
        )
    moved_px = np.linalg.norm(outs[1].joints_px - outs[0].joints_px, axis=1)
    moved_m = np.linalg.norm(outs[1].joints_rel_m - outs[0].joints_rel_m, axis=1)
    print(
        f"{kind.value}: response visible/occluded px {moved_px[4]:.2f}/{moved_px[8]:.2f}, "
        f"m {moved_m[4] * 1e3:.2f}/{moved_m[8] * 1e3:.2f} mm"
    )
    assert 0.0 < moved_px[8] < 0.9 * moved_px[4]
    assert 0.0 < moved_m[8] < 0.9 * moved_m[4]


def test_pose_fields_and_wrist_row_are_kept() -> None:
    ts, raw = noisy_sequence(seed=8, n=10)
    for kind in FilterKind:
        out = run(PoseSmoother(SmootherOptions.defaults(kind)), ts, raw)
        for p, r in zip(out, raw):
            assert p.side is r.side and p.score == r.score
            np.testing.assert_array_equal(p.visible, r.visible)
            np.testing.assert_array_equal(p.joints_rel_m[0], np.zeros(3))


def test_sides_are_independent_and_apply_uses_the_capture_time() -> None:
    ts, raw = noisy_sequence(seed=9, n=10)
    smoother = PoseSmoother()
    masks = HandMasks.empty(4, 4)
    rgb = np.zeros((4, 4, 3), dtype=np.uint8)
    for k, (t, p) in enumerate(zip(ts, raw)):
        left = dataclasses.replace(p, side=Side.LEFT) if k < 5 else None
        result = FrameResult(
            Frame(rgb, k, float(t)), masks, Hands(), Hands(right=p, left=left), StageTimings()
        )
        out = smoother.apply(result)
        assert out.frame is result.frame
        assert (out.poses.left is None) == (left is None)
    reference = run(PoseSmoother(), ts, raw)
    np.testing.assert_array_equal(out.poses.right.joints_px, reference[-1].joints_px)


def test_mean_joint_acceleration_px() -> None:
    zero = np.zeros((NUM_JOINTS, 3))
    quadratic = [pose(TEMPLATE + [float(t) ** 2, 0.0], zero) for t in range(6)]
    assert mean_joint_acceleration_px(quadratic) == pytest.approx(2.0)
    linear = [pose(TEMPLATE + [3.0 * t, -t], zero) for t in range(4)]
    assert mean_joint_acceleration_px(linear) == pytest.approx(0.0, abs=1e-12)
    # a frame without the hand breaks the triples around it; a far jump across it is ignored
    gap = linear[:3] + [None] + [pose(TEMPLATE + [500.0 + t, 0.0], zero) for t in range(3)]
    assert mean_joint_acceleration_px(gap) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        mean_joint_acceleration_px([linear[0], None, linear[1], linear[2]])


def test_invalid_inputs_raise() -> None:
    from hdr_live.temporal.filters import KalmanOptions
    from hdr_live.temporal.smoothing import make_joint_filter

    with pytest.raises(TypeError):
        SmootherOptions(px="kalman")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        make_joint_filter(object(), NUM_JOINTS, 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        KalmanOptions(measurement_std=0.0, acceleration_std=1.0, initial_velocity_std=1.0)
    with pytest.raises(ValueError):
        PoseSmoother().smooth(Hands(), float("nan"))
    f = make_joint_filter(KalmanOptions(2.0, 700.0, 300.0), NUM_JOINTS, 2)
    with pytest.raises(ValueError):
        f.step(0.0, np.zeros((NUM_JOINTS, 3)), np.ones(NUM_JOINTS, dtype=bool))


def test_smoothing_choice_gives_the_tuned_pixel_filters_and_default_metre_filters() -> None:
    from hdr_live.live import settings

    assert Smoothing.OFF.smoother_options() is None
    from hdr_live.temporal.smoothing import LIVE_KALMAN_CAM_M, LIVE_ONE_EURO_CAM_M

    assert Smoothing.ONE_EURO.smoother_options() == SmootherOptions(
        LIVE_ONE_EURO_PX, DEFAULT_ONE_EURO_M, LIVE_ONE_EURO_CAM_M)
    assert Smoothing.KALMAN.smoother_options() == SmootherOptions(
        LIVE_KALMAN_PX, DEFAULT_KALMAN_M, LIVE_KALMAN_CAM_M)
    assert Smoothing("one_euro") is Smoothing.ONE_EURO and Smoothing.KALMAN == "kalman"
    assert settings.Smoothing is Smoothing  # the live settings re-export the one class
