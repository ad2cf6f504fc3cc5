"""Size and encode-speed cost of one MP4 fragment per frame against one per keyframe.

Encodes the same decoded frames with :class:`hdr_live.io.video_writer.Mp4Writer` in both modes,
alternating the order over ``--repeats`` rounds (the machine is shared), and prints the file
size, the encode time per frame (write + close, median over rounds), the extra bytes per frame,
and the frames a reader finds in each file.

    .venv/bin/python benchmarks/mp4_fragments.py [--clip CLIP] [--frames N] [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _real import REAL_CLIP  # noqa: E402

MODES = ("keyframe", "frame")


def _frames(clip: Path, limit: int | None) -> list:
    import itertools

    from hdr_live.io.sources import VideoFileSource

    with VideoFileSource(clip) as source:
        return [f.rgb for f in itertools.islice(source, limit)], source.fps


def _encode(frames: list, fps: float, path: Path, mode: str) -> float:
    """Seconds to write and close ``frames`` in fragment ``mode``."""
    from hdr_live.io.video_writer import Mp4Writer

    start = time.perf_counter()
    with Mp4Writer(path, fps, fragments=mode) as writer:
        for rgb in frames:
            writer.write(rgb)
    return time.perf_counter() - start


def _count(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _measure(frames: list, fps: float, repeats: int) -> dict[str, dict]:
    seconds = {mode: [] for mode in MODES}
    sizes, counts = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            for mode in MODES if r % 2 == 0 else MODES[::-1]:
                path = Path(tmp) / f"{mode}.mp4"
                seconds[mode].append(_encode(frames, fps, path, mode))
                sizes[mode], counts[mode] = path.stat().st_size, _count(path)
    return {m: {"s": seconds[m], "bytes": sizes[m], "frames": counts[m]} for m in MODES}


def _report(results: dict[str, dict], n: int) -> None:
    base = results["keyframe"]
    base_ms = 1000 * statistics.median(base["s"]) / n
    for mode in MODES:
        r = results[mode]
        ms = 1000 * statistics.median(r["s"]) / n
        spread = ", ".join(f"{1000 * s / n:.2f}" for s in r["s"])
        print(f"fragments per {mode:8s}: {r['bytes']:>10,d} bytes "
              f"({100 * (r['bytes'] / base['bytes'] - 1):+.2f} %), {ms:.2f} ms/frame "
              f"({100 * (ms / base_ms - 1):+.1f} %; rounds {spread}), "
              f"{r['frames']} frames readable")
    extra = (results["frame"]["bytes"] - base["bytes"]) / n
    print(f"extra bytes per frame with a fragment per frame: {extra:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=REAL_CLIP)
    parser.add_argument("--frames", type=int, default=None, help="first N frames (default all)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not args.clip.is_file():
        print(f"mp4_fragments: clip not found: {args.clip}", file=sys.stderr)
        return 2
    frames, fps = _frames(args.clip, args.frames)
    h, w = frames[0].shape[:2]
    print(f"mp4_fragments: {args.clip.name}, {len(frames)} frames {w}x{h} at {fps:g} fps, "
          f"{args.repeats} rounds; load average {os.getloadavg()[0]:.2f}")
    _report(_measure(frames, fps, args.repeats), len(frames))
    return 0


if __name__ == "__main__":
    sys.exit(main())
