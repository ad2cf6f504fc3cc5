"""How far the tracker's prior lags behind the hand: the previous frame's pose as it is, or moved
forward by optical flow (:mod:`hdr_live.stages.hasm.joint_flow`, the tracker's default).

For each frame t where a hand has a pose at t-1 and at t in a pose log, the prior for t is the
pose of t-1 (a) unchanged and (b) moved by the flow from frame t-1 to t. The error is the mean
joint distance from the prior to the pose at t, in hand sizes (wrist → middle MCP) and pixels.
The pose at t stands in for the truth (the clip has no ground truth); it is the pipeline's own
output, so read the figure as "prior lag", not as accuracy.

    python benchmarks/prior_flow.py --log out/clip_hdr.jsonl [--clip CLIP] [--frames N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import _real  # noqa: F401  (quiet loggers; real-clip path)
import numpy as np

from hdr_live.io.pose_log import read_pose_log
from hdr_live.joints import hand_scale_px
from hdr_live.stages.hasm.joint_flow import JointFlow


def prior_errors(log: Path, clip: Path, limit: int | None) -> dict[str, np.ndarray]:
    """Per (frame, hand) prior errors: {"static_px", "flow_px", "static_hs", "flow_hs"} arrays
    (hs = hand sizes; the static error is also the hand's own motion from t-1 to t), and
    "flow_ms": per frame, the flow's cost (grey frame + both hands' joints)."""
    records = list(read_pose_log(log))
    flow = JointFlow()
    out: dict[str, list[float]] = {k: [] for k in ("static_px", "flow_px", "static_hs",
                                                   "flow_hs", "flow_ms")}
    for t, frame in enumerate(_real.clip_frames(clip, limit)):
        t0 = time.perf_counter()
        flow.push(frame.rgb)
        spent = time.perf_counter() - t0
        if t == 0 or t >= len(records):
            continue
        for side in ("left", "right"):
            before, now = records[t - 1]["hands"][side], records[t]["hands"][side]
            if before is None or now is None:
                continue
            prev_px, now_px = np.array(before["joints_px"]), np.array(now["joints_px"])
            scale = max(hand_scale_px(now_px), 1.0)
            t0 = time.perf_counter()
            moved = flow.advance(prev_px).joints_px
            spent += time.perf_counter() - t0
            static = float(np.linalg.norm(prev_px - now_px, axis=1).mean())
            flowed = float(np.linalg.norm(moved - now_px, axis=1).mean())
            out["static_px"].append(static)
            out["flow_px"].append(flowed)
            out["static_hs"].append(static / scale)
            out["flow_hs"].append(flowed / scale)
        out["flow_ms"].append(1e3 * spent)
    return {k: np.array(v) for k, v in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--log", type=Path, required=True, help="pose log of the clip (--poses)")
    p.add_argument("--clip", type=Path, default=_real.REAL_CLIP)
    p.add_argument("--frames", type=int)
    args = p.parse_args()
    if not args.clip.is_file() or not args.log.is_file():
        sys.exit(f"prior_flow: missing clip {args.clip} or log {args.log}")
    e = prior_errors(args.log, args.clip, args.frames)
    fast = e["static_hs"] > np.quantile(e["static_hs"], 0.75)
    print(f"prior_flow: {args.clip.name}, {len(e['flow_px'])} hand-frames; flow cost "
          f"{e['flow_ms'].mean():.2f} ms per frame (mean)")
    for name, sel in (("all", slice(None)), ("fastest quarter", fast)):
        print(f"  {name:16s} prior → pose: static {e['static_px'][sel].mean():6.2f} px "
              f"({e['static_hs'][sel].mean():.3f} hand sizes), flow {e['flow_px'][sel].mean():6.2f}"
              f" px ({e['flow_hs'][sel].mean():.3f}); flow closer in "
              f"{100 * np.mean(e['flow_px'][sel] < e['static_px'][sel]):.0f}% of hand-frames")


if __name__ == "__main__":
    main()
