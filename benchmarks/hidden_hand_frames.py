"""The hidden hand in a stretch of the real clip: per frame, whether each hand is seen, inferred
or absent, where the inferred hand's wrist is against the body's wrist on that side, and HASM's
milliseconds there against the clip's median; a strip of frames with both wrists drawn.

    .venv/bin/python benchmarks/hidden_hand_frames.py --start 315 --stop 343 --strip out/hidden.png

The pipeline is the default batch pipeline for a video (tracked from frame 0). Red dot: the
left hand's wrist as the app gives it (inferred or seen); blue: BlazePose's left wrist (the body
tracker's, measured or extrapolated); green: the right hand's wrist.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import _real  # noqa: F401  (quiet native loggers first)
import cv2
import numpy as np

from hdr_live.build import build_pipeline
from hdr_live.config import App, InputKind, default_config
from hdr_live.io.sources import VideoFileSource
from hdr_live.joints import Side
from hdr_live.stages.body.pose import BodyJoint


def _state(pose) -> str:
    return "absent" if pose is None else ("inferred" if pose.inferred else "seen")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=_real.REAL_CLIP)
    parser.add_argument("--start", type=int, default=315)
    parser.add_argument("--stop", type=int, default=343)
    parser.add_argument("--strip", type=Path, help="PNG strip of every 7th frame of the range")
    args = parser.parse_args()
    if not args.clip.is_file():
        print(f"clip not found: {args.clip}", file=sys.stderr)
        return 2
    pipeline = build_pipeline(default_config(App.BATCH, InputKind.VIDEO))
    tracker = getattr(pipeline.hasm, "tracker", None)
    hasm_ms, tiles = [], []
    with VideoFileSource(args.clip) as source:
        for frame in source:
            result = pipeline.process(frame)
            hasm_ms.append(result.timings.hasm_ms)
            if frame.index < args.start:
                continue
            body = None if tracker is None else tracker.last_body
            left, right = result.poses.get(Side.LEFT), result.poses.get(Side.RIGHT)
            body_wrist = None if body is None else body.landmarks_px[BodyJoint.LEFT_WRIST]
            gap = ("n/a" if left is None or body_wrist is None
                   else f"{np.linalg.norm(left.joints_px[0] - body_wrist):.0f} px")
            print(f"frame {frame.index}: left {_state(left)}, right {_state(right)}, "
                  f"left wrist to body's left wrist {gap}, HASM {result.timings.hasm_ms:.0f} ms")
            if args.strip is not None and (frame.index - args.start) % 7 == 0:
                tiles.append(_tile(frame.rgb, left, right, body_wrist, frame.index))
            if frame.index >= args.stop:
                break
    pipeline.close()
    stretch = hasm_ms[args.start:args.stop + 1]
    print(f"HASM ms: frames {args.start}-{args.stop} median {statistics.median(stretch):.1f}, "
          f"max {max(stretch):.1f}; clip up to {args.stop} median {statistics.median(hasm_ms):.1f}")
    if tiles:
        cv2.imwrite(str(args.strip), cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR))
        print(f"strip: {args.strip}")
    return 0


def _tile(rgb, left, right, body_wrist, index):
    img = rgb.copy()
    for pose, colour in ((left, (230, 30, 30)), (right, (30, 200, 30))):
        if pose is not None:
            cv2.circle(img, tuple(int(v) for v in pose.joints_px[0]), 9, colour, -1)
    if body_wrist is not None:
        cv2.circle(img, tuple(int(v) for v in body_wrist), 9, (30, 60, 255), 3)
    cv2.putText(img, str(index), (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 0), 3)
    return cv2.resize(img, (img.shape[1] // 3, img.shape[0] // 3), interpolation=cv2.INTER_AREA)


if __name__ == "__main__":
    sys.exit(main())
