"""Where the benchmarks find the real footage (third-party, read from ../shared/real, never
copied), and quiet native loggers; imported first by each benchmark script."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "real"
REAL_CLIP = REAL_DIR / "video_dynhamr_demo3_two_hand_gestures_1280x720_16s.mp4"


def clip_cli(name: str, description: str):
    """Parse ``--clip`` (default: the real clip) and ``--frames`` for benchmark ``name``; print
    its header line. Returns the arguments, or None (after an error line) when the clip is
    missing."""
    import argparse
    import sys

    from _measure import load_average

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--clip", type=Path, default=REAL_CLIP)
    parser.add_argument("--frames", type=int, default=None)
    args = parser.parse_args()
    if not args.clip.is_file():
        print(f"{name}: clip not found: {args.clip}", file=sys.stderr)
        return None
    print(f"{name}: {args.clip.name}; load average {load_average()}")
    return args


def clip_frames(clip: Path, limit: int | None):
    """The clip's frames (at most ``limit``), decoded with OpenCV."""
    import itertools

    from hdr_live.io.sources import VideoFileSource

    with VideoFileSource(clip) as source:
        yield from itertools.islice(source, limit)
