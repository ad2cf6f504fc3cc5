"""Jitter of the joints on a real clip: HDR raw vs smoothed (One-Euro, Kalman) vs MediaPipe.

Runs the clip through the threaded runtime as the live app does (its default configuration), with
smoothing off to get the raw poses; the smoothers are then applied to that sequence with the
frames' capture times (they are causal, so this equals smoothing online). MediaPipe Hands
(model complexity 1, full frame) runs on the same frames.

Jitter: mean joint acceleration, |x[t+1] − 2x[t] + x[t−1]| in px/frame², averaged over the 21
joints and the frames where the hand is present three frames in a row
(:func:`hdr_live.temporal.smoothing.mean_joint_acceleration_px`), then over the two hands.
Added latency: the time shift (frames, 0.05 steps) that best aligns the smoothed joints with the
raw ones, ``argmin_τ mean |smoothed(t) − raw(t − τ)|`` with raw linearly interpolated.

The same for the 3D stage's camera-frame joints (``joints_cam_m``, mm/frame² and frames), which
the smoothers filter in the camera frame.

Usage: .venv/bin/python benchmarks/jitter.py [--frames N]
"""

from __future__ import annotations

import sys

from _real import clip_cli, clip_frames  # noqa: E402  (also quiets native loggers)

import numpy as np  # noqa: E402

from hdr_live.joints import Side  # noqa: E402
from hdr_live.live.settings import LiveSettings  # noqa: E402
from hdr_live.temporal.smoothing import Smoothing  # noqa: E402
from _measure import run_frames  # noqa: E402
from hdr_live.config import Mode  # noqa: E402
from hdr_live.temporal.smoothing import PoseSmoother, mean_joint_acceleration_px  # noqa: E402
from hdr_live.types import FrameResult, HandPose, Hands  # noqa: E402



def jitter(seq: list[Hands[HandPose]]) -> tuple[float, dict[Side, float]]:
    """(mean over hands, per hand) mean joint acceleration in px/frame²."""
    per = {}
    for side in Side:
        try:
            per[side] = mean_joint_acceleration_px([p.get(side) for p in seq])
        except ValueError:
            continue
    return float(np.mean(list(per.values()))), per


def smoothed(results: list[FrameResult], smoothing: Smoothing) -> list[Hands[HandPose]]:
    smoother = PoseSmoother(smoothing.smoother_options())
    return [smoother.smooth(r.poses, r.frame.t_capture_s) for r in results]


def cam_jitter_mm(seq: list[Hands[HandPose]]) -> float:
    """Mean acceleration of ``joints_cam_m`` in mm/frame² (both hands, frames where a hand has
    camera joints three frames in a row), NaN without the 3D stage."""
    acc = []
    for side in Side:
        cams = [None if p.get(side) is None else p.get(side).joints_cam_m for p in seq]
        for a, b, c in zip(cams, cams[1:], cams[2:]):
            if a is not None and b is not None and c is not None:
                acc.append(1e3 * np.linalg.norm(c - 2 * b + a, axis=1).mean())
    return float(np.mean(acc)) if acc else float("nan")


def added_latency_frames(raw: list[Hands[HandPose]], out: list[Hands[HandPose]],
                         field: str = "joints_px") -> float:
    """The shift τ in frames (0..3) minimising mean |out(t) − raw(t − τ)| of the joints in
    ``field`` (``joints_px`` or ``joints_cam_m``) over both hands."""
    shifts = np.arange(0.0, 3.0001, 0.05)
    cost = np.zeros(len(shifts))
    for i, tau in enumerate(shifts):
        k, frac = int(np.floor(tau)), tau - np.floor(tau)
        errs = []
        for t in range(k + 1, len(raw)):
            for side in Side:
                a, b0, b1 = out[t].get(side), raw[t - k].get(side), raw[t - k - 1].get(side)
                if a is None or b0 is None or b1 is None or getattr(a, field) is None \
                        or getattr(b0, field) is None or getattr(b1, field) is None:
                    continue
                ref = (1 - frac) * getattr(b0, field) + frac * getattr(b1, field)
                errs.append(np.linalg.norm(getattr(a, field) - ref, axis=1).mean())
        cost[i] = np.mean(errs)
    return float(shifts[int(np.argmin(cost))])


def main() -> int:
    args = clip_cli("jitter", __doc__.split("\n\n")[0])
    if args is None:
        return 2

    def frames():
        return clip_frames(args.clip, args.frames)

    runs = {}
    for mode in (Mode.HDR, Mode.MEDIAPIPE):
        rec = run_frames(frames(), LiveSettings(mode=mode, smoothing=Smoothing.OFF))
        runs[mode] = rec.results
    rows = []
    for mode, results in runs.items():
        raw = [r.poses for r in results]
        rows.append((f"{mode.value} raw", raw, 0.0))
        for kind in (Smoothing.ONE_EURO, Smoothing.KALMAN):
            out = smoothed(results, kind)
            rows.append((f"{mode.value} {kind.value}", out, added_latency_frames(raw, out)))
    mp_raw = jitter(rows[3][1])[0]
    for name, seq, lag in rows:
        mean, per = jitter(seq)
        sides = ", ".join(f"{s.value} {v:.2f}" for s, v in per.items())
        print(f"{name:22s} jitter {mean:5.2f} px/frame² ({sides}); {mean / mp_raw:4.2f}× "
              f"MediaPipe raw; added latency {lag:.2f} frames")
    for name, seq, _ in rows[:3]:  # the 3D stage's camera-frame joints (hdr mode)
        lag = 0.0 if name.endswith("raw") else added_latency_frames(rows[0][1], seq,
                                                                     "joints_cam_m")
        print(f"{name:22s} joints_cam_m jitter {cam_jitter_mm(seq):5.2f} mm/frame²; added "
              f"latency {lag:.2f} frames")
    hdr_one_euro = jitter(rows[1][1])[0]
    print(f"jitter_hdr_raw={jitter(rows[0][1])[0]:.2f} jitter_hdr_one_euro={hdr_one_euro:.2f} "
          f"jitter_mediapipe={mp_raw:.2f} lag_one_euro_frames={rows[1][2]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
