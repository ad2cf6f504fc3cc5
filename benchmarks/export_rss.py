"""Resident memory of ``hdr-live process --export`` over a long clip: the real clip repeated
(remuxed, no re-encoding) to ``--minutes`` minutes, processed with ``--poses`` and
``--export``; the process's RSS (``/proc/PID/status`` VmRSS) is read each time the pose log
passes a multiple of ``--every`` frames.

Prints one line per sample, ``frames=<n> rss_mb=<f>``, then the growth per 1,000 frames from the
first sample to the last.

Usage: .venv/bin/python benchmarks/export_rss.py [--minutes 5] [--every 1000] [--mode hdr]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from _real import REAL_CLIP


def looped_clip(source: Path, out: Path, minutes: float) -> int:
    """Write ``source`` repeated until ``minutes`` long to ``out`` (packets copied); returns the
    number of frames."""
    import av

    with av.open(str(source)) as src, av.open(str(out), "w") as dst:
        stream = src.streams.video[0]
        ostream = dst.add_stream_from_template(stream)
        packets = [p for p in src.demux(stream) if p.pts is not None]
        span = max(p.pts for p in packets) + int(packets[1].pts - packets[0].pts)
        seconds = float(span * stream.time_base)
        loops = max(1, round(minutes * 60 / seconds))
        for k in range(loops):
            for p in packets:
                p.pts += span if k else 0
                if p.dts is not None and k:
                    p.dts += span
                p.stream = ostream
                dst.mux(p)
        rate = stream.average_rate or Fraction(30)
    return int(round(loops * seconds * float(rate)))


def vm_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--every", type=int, default=1000)
    p.add_argument("--mode", default="hdr")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "looped.mp4"
        frames = looped_clip(REAL_CLIP, clip, args.minutes)
        print(f"clip: {REAL_CLIP.name} looped to {frames} frames", flush=True)
        poses = Path(tmp) / "p.jsonl"
        proc = subprocess.Popen(
            [sys.executable, "-m", "hdr_live.cli", "process", str(clip), "--poses", str(poses),
             "--export", str(Path(tmp) / "e.npz"), "--mode", args.mode, "--no-progress"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples, next_at, seen, offset = [], args.every, 0, 0
        while proc.poll() is None:
            time.sleep(0.2)
            if poses.exists():
                with open(poses, "rb") as f:
                    f.seek(offset)
                    chunk = f.read()
                complete = chunk[: chunk.rfind(b"\n") + 1]
                seen += complete.count(b"\n")
                offset += len(complete)
            if seen >= next_at:
                samples.append((seen, vm_rss_mb(proc.pid)))
                print(f"frames={seen} rss_mb={samples[-1][1]:.1f}", flush=True)
                next_at += args.every
        print(f"exit {proc.returncode}; export {(Path(tmp) / 'e.npz').stat().st_size} bytes")
    if len(samples) >= 2:
        (f0, r0), (f1, r1) = samples[0], samples[-1]
        print(f"growth {1000 * (r1 - r0) / (f1 - f0):.2f} MB per 1000 frames "
              f"({r0:.1f} -> {r1:.1f} MB, frames {f0}-{f1})")


if __name__ == "__main__":
    main()
