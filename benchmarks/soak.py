"""Soak test: the real clip looped through the live session (runtime + pipeline + smoothing +
overlay drawing, no window) for many frames, watching resident memory.

Every frame is processed (file semantics, not paced). RSS (``/proc/self/status`` VmRSS) is
sampled every ``--sample-s`` seconds; "start" is the first sample after ``--warmup`` frames
(models loaded, caches filled), "end" the last one. With ``--cycle N`` the settings change every
N frames (flow, smoothing, mode, mirror in turn), so pipelines are rebuilt and closed too.

Last line: ``frames=<n> rss_start_mb=<f> rss_end_mb=<f> rss_growth_mb=<f> fps=<f>``.

Usage: .venv/bin/python benchmarks/soak.py [--frames 20000] [--cycle 0]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from _real import REAL_CLIP  # noqa: E402,F401  (also quiets native loggers)

import numpy as np  # noqa: E402

from hdr_live.io.sources import VideoFileSource  # noqa: E402
from hdr_live.live.settings import LiveSettings  # noqa: E402
from hdr_live.temporal.smoothing import Smoothing  # noqa: E402
from _measure import load_average, rss_mb  # noqa: E402
from hdr_live.live.session import LiveSession  # noqa: E402
from hdr_live.live.sources import looped_video  # noqa: E402
from hdr_live.config import App, InputKind, Mode, default_config  # noqa: E402

CYCLE = [
    LiveSettings(),
    LiveSettings(crop_flow=True),
    LiveSettings(smoothing=Smoothing.KALMAN),
    LiveSettings(mode=Mode.MEDIAPIPE),
    LiveSettings(mirror=True),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=REAL_CLIP)
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument("--cycle", type=int, default=0, help="change settings every N frames")
    args = parser.parse_args()
    if not args.clip.is_file():
        print(f"soak: clip not found: {args.clip}", file=sys.stderr)
        return 2
    with VideoFileSource(args.clip) as probe:
        per_loop = probe.frame_count or 500
    loops = math.ceil(args.frames / per_loop)
    frames = looped_video(args.clip, loops)
    print(f"soak: {args.clip.name} x{loops} ({loops * per_loop} frames), cycle={args.cycle}, "
          f"load average {load_average()}, rss at start {rss_mb():.1f} MB", flush=True)
    session = LiveSession(frames, 30.0, config=default_config(App.LIVE, InputKind.VIDEO)).start()
    samples: list[tuple[int, float]] = []
    t0 = time.monotonic()
    next_switch = args.cycle
    while not session.wait(args.sample_s):
        view = session.latest()
        n = 0 if view is None else view.seq
        samples.append((n, rss_mb()))
        if args.cycle and n >= next_switch:
            session.settings = CYCLE[(n // args.cycle) % len(CYCLE)]
            next_switch = n + args.cycle
        print(f"  frames {n:6d}  rss {samples[-1][1]:7.1f} MB  {n / (time.monotonic() - t0):5.1f} "
              f"fps  load {load_average()}", flush=True)
    view = session.latest()
    total = 0 if view is None else view.seq
    wall = time.monotonic() - t0
    samples.append((total, rss_mb()))  # the stream ended; pipelines still open
    session.stop()
    print(f"  rss after stop (pipelines closed): {rss_mb():.1f} MB")
    if session.error:
        print(f"soak: error: {session.error}", file=sys.stderr)
        return 1
    after = [(n, r) for n, r in samples if n >= args.warmup]
    start, end = after[0][1], after[-1][1]
    peak = max(r for _, r in after)
    slope = np.polyfit([n for n, _ in after], [r for _, r in after], 1)[0] * 1000 if len(after) > 2 else 0.0
    print(f"rss after warm-up {start:.1f} MB, end {end:.1f} MB, peak {peak:.1f} MB, trend "
          f"{slope:+.3f} MB per 1000 frames; load average {load_average()}")
    print(f"frames={total} rss_start_mb={start:.1f} rss_end_mb={end:.1f} "
          f"rss_growth_mb={end - start:.1f} fps={total / wall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
