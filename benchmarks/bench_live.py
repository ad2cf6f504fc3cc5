"""End-to-end speed of the live pipeline on a real clip, against MediaPipe Hands in the same run.

Runs the clip through the threaded runtime exactly as ``hdr-live live`` does (capture thread
decoding the video, prepare thread = HASM's detector, inference thread = HASM masks + HDRM +
SHPE, smoothing hook), and MediaPipe Hands (model complexity 1, full frame) through the same
runtime on the same frames. Rounds alternate the order of the two modes so both see the same
machine load. Per round and mode:

- throughput pass: every frame of the clip, file semantics (no frame lost), as fast as possible;
  fps = results per second between the first and the last result.
- latency pass: the clip fed like a camera (paced at its frame rate, newest frame only,
  monotonic capture stamps); latency = capture → result delivered.

Last line: ``fps=<hdr fps> latency_ms_p95=<hdr p95> ratio_to_mediapipe=<mp fps / hdr fps>``
(medians over rounds). Per-stage milliseconds are printed before it.

The first lines name the stages that run (the pipeline's description). ``--size 1920x1080``
resizes every frame as it is decoded (bilinear; nothing is written), to see how the cost grows
with the frame size.

Usage: .venv/bin/python benchmarks/bench_live.py [--frames N] [--rounds R] [--defaults batch]
    [--hasm learned] [--size WxH] [--serial-hands]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import sys
import time
from pathlib import Path

from _real import REAL_CLIP  # noqa: E402,F401  (also quiets native loggers)

import numpy as np  # noqa: E402

from hdr_live.build import build_pipeline  # noqa: E402
from hdr_live.io.sources import VideoFileSource  # noqa: E402
from hdr_live.config import App, HasmKind, InputKind, default_config  # noqa: E402
from hdr_live.live.settings import LiveSettings  # noqa: E402
from hdr_live.temporal.smoothing import Smoothing  # noqa: E402
from _measure import RunRecord, load_average, run_frames  # noqa: E402
from hdr_live.live.sources import paced  # noqa: E402
from hdr_live.config import Mode  # noqa: E402
from hdr_live.types import Frame  # noqa: E402



SIZE: tuple[int, int] | None = None  # --size, set once in main()


def clip_frames(path: Path, limit: int | None):
    """The clip's frames, decoded as iterated (on the runtime's capture thread), resized to
    ``--size`` when given."""
    import cv2

    with VideoFileSource(path) as source:
        for frame in itertools.islice(source, limit):
            if SIZE is not None:
                rgb = cv2.resize(frame.rgb, SIZE, interpolation=cv2.INTER_LINEAR)
                frame = Frame(rgb, frame.index, frame.t_capture_s)
            yield frame


def camera_like(path: Path, limit: int | None):
    """The clip paced at its frame rate with monotonic capture stamps, like a camera."""
    for frame in paced(clip_frames(path, limit)):
        yield Frame(frame.rgb, frame.index, time.monotonic())


def describe(name: str, run: RunRecord) -> str:
    s, r = run.stage_ms.mean(axis=0), run.runtime_ms.mean(axis=0)
    stages = (
        f"HASM {s[0]:.1f} HDRM {s[1]:.1f} SHPE {s[2]:.1f} 3D {s[4]:.1f}" if s[3] == 0
        else f"MediaPipe {s[3]:.1f}"
    )
    return (
        f"  {name:9s} fps {run.fps:5.1f} | ms/frame: {stages} | decode {r[0]:.1f} "
        f"prepare {r[1]:.1f} finish {r[2]:.1f} smooth {r[3]:.2f} | both hands "
        f"{100 * np.mean(run.hands == 2):.1f}% | load {load_average()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", type=Path, default=REAL_CLIP)
    parser.add_argument("--frames", type=int, default=None, help="frames per pass (all)")
    parser.add_argument("--latency-frames", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--defaults", choices=["live", "batch"], default="live",
                        help="the live app's configuration (default) or process's")
    parser.add_argument("--hasm", choices=["auto", "baseline", "learned"], default="auto")
    parser.add_argument("--size", help="resize every frame to WxH, e.g. 1920x1080")
    parser.add_argument("--serial-hands", action="store_true",
                        help="the two hands one after the other, SHPE with two threads (the "
                             "default runs them at once, one SHPE thread each)")
    parser.add_argument("--smoothing", choices=[s.value for s in Smoothing], default="one_euro")
    parser.add_argument("--no-3d", action="store_true", help="the 3D stage off")
    args = parser.parse_args()
    if not args.clip.is_file():
        print(f"bench_live: clip not found: {args.clip}", file=sys.stderr)
        return 2
    app = App.LIVE if args.defaults == "live" else App.BATCH
    config = default_config(app, InputKind.VIDEO).with_backends(
        None if args.hasm == "auto" else HasmKind(args.hasm), None)
    if args.serial_hands:
        config = dataclasses.replace(config, parallel_hands=False,
                                     shpe=dataclasses.replace(config.shpe, cpu_threads=2))
    if args.no_3d:
        config = dataclasses.replace(config, threed=None)
    smoothing = Smoothing(args.smoothing)
    global SIZE
    if args.size:
        w, h = (int(v) for v in args.size.lower().split("x"))
        SIZE = (w, h)
    probe = build_pipeline(config)
    print(f"bench_live: {probe.description}")
    probe.close()
    print(f"bench_live: {args.clip.name}{'' if SIZE is None else f' resized to {w}x{h}'}, "
          f"{app.value} defaults, smoothing={smoothing.value}")
    print(f"load average at start: {load_average()} ({os.cpu_count()} CPUs)")
    fps = {Mode.HDR: [], Mode.MEDIAPIPE: []}
    p95 = {Mode.HDR: [], Mode.MEDIAPIPE: []}
    ratios = []
    for round_ in range(args.rounds):
        order = [Mode.HDR, Mode.MEDIAPIPE] if round_ % 2 == 0 else [Mode.MEDIAPIPE, Mode.HDR]
        print(f"round {round_ + 1}/{args.rounds}")
        got = {}
        for mode in order:
            settings = LiveSettings(mode=mode, smoothing=smoothing)
            mode_config = config if mode is Mode.HDR else dataclasses.replace(config, pipelined=True)
            run = run_frames(clip_frames(args.clip, args.frames), settings, mode_config,
                             keep_results=False)
            print(describe(mode.value, run), flush=True)
            camera = dataclasses.replace(mode_config, input_kind=InputKind.LIVE)
            live = run_frames(camera_like(args.clip, args.latency_frames), settings, camera,
                              keep_results=False)
            lat = np.nanpercentile(live.capture_latency_ms, [50, 95])
            print(f"  {'':9s} camera-like at the clip's rate: {live.fps:.1f} fps processed, "
                  f"{live.frames_dropped} of {live.frames_read} frames dropped, latency p50 "
                  f"{lat[0]:.0f} ms p95 {lat[1]:.0f} ms", flush=True)
            got[mode] = run.fps
            fps[mode].append(run.fps)
            p95[mode].append(lat[1])
        ratios.append(got[Mode.MEDIAPIPE] / got[Mode.HDR])
    print(f"load average at end: {load_average()}")
    print(f"mediapipe: fps={np.median(fps[Mode.MEDIAPIPE]):.2f} "
          f"latency_ms_p95={np.median(p95[Mode.MEDIAPIPE]):.1f}")
    print(f"fps={np.median(fps[Mode.HDR]):.2f} latency_ms_p95={np.median(p95[Mode.HDR]):.1f} "
          f"ratio_to_mediapipe={np.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
