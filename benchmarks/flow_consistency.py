"""Optical-flow consistency of the restored crops, off vs on, on a real clip.

Runs the live HDR pipeline (the live defaults, smoothing off) through the threaded runtime
twice: crop consistency off and on (:attr:`hdr_live.config.PipelineConfig.crop_consistency`,
between HDRM and SHPE). For every pair of consecutive frames holding the same hand it computes
the warping error of the restored crops (:func:`hdr_live.temporal.flow.warping_error`: mean
absolute difference, 8-bit levels, between the current restored crop and the previous one carried
along the optical flow, inside the current inpainted regions M_D ∪ M_R) — the flicker measure of
Lai et al., ECCV 2018. Also reported: joint jitter, HDRM milliseconds and the frame rate.

Usage: .venv/bin/python benchmarks/flow_consistency.py [--frames N]
"""

from __future__ import annotations

import sys

from _real import clip_cli, clip_frames  # noqa: E402  (also quiets native loggers)

import numpy as np  # noqa: E402

from hdr_live.joints import Side  # noqa: E402
from hdr_live.live.settings import LiveSettings  # noqa: E402
from hdr_live.temporal.smoothing import Smoothing  # noqa: E402
from _measure import run_frames  # noqa: E402
from hdr_live.temporal.flow import warping_error  # noqa: E402
from hdr_live.temporal.smoothing import mean_joint_acceleration_px  # noqa: E402
from hdr_live.types import FrameResult  # noqa: E402



def warping_errors(results: list[FrameResult]) -> np.ndarray:
    """Warping error of every consecutive same-hand crop pair (NaN pairs left out)."""
    out = []
    for prev, cur in zip(results, results[1:]):
        for side in Side:
            a, b = prev.crops.get(side), cur.crops.get(side)
            if a is not None and b is not None:
                out.append(warping_error(a, b))
    arr = np.array(out, np.float64)
    return arr[np.isfinite(arr)]


def main() -> int:
    args = clip_cli("flow_consistency", __doc__.split("\n\n")[0])
    if args is None:
        return 2

    def frames():
        return clip_frames(args.clip, args.frames)

    summary = {}
    for flow in (False, True):
        rec = run_frames(frames(), LiveSettings(smoothing=Smoothing.OFF, crop_flow=flow))
        errors = warping_errors(rec.results)
        jit = np.mean([
            mean_joint_acceleration_px([r.poses.get(s) for r in rec.results]) for s in Side
        ])
        name = "on " if flow else "off"
        summary[flow] = float(errors.mean())
        print(f"flow {name}: warping error mean {errors.mean():.2f} median "
              f"{np.median(errors):.2f} p90 {np.percentile(errors, 90):.2f} (8-bit levels, "
              f"{len(errors)} crop pairs) | jitter {jit:.2f} px/frame² | HDRM "
              f"{rec.stage_ms[:, 1].mean():.1f} ms | {rec.fps:.1f} fps | both hands "
              f"{100 * np.mean(rec.hands == 2):.1f}%", flush=True)
    print(f"warping_error_off={summary[False]:.2f} warping_error_on={summary[True]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
