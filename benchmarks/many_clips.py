"""Many clips at once: ``process --out-dir`` one after the other, with ``--jobs N`` worker
processes, and on a local Ray instance, on copies of one clip made in a temporary folder; prints
each mode's wall time and whether the pose logs are byte-identical to the sequential run's.

    .venv/bin/python benchmarks/many_clips.py [--clip assets/demo_two_hands.mp4] [--copies 4]
        [--jobs 2] [--no-ray]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import load_average  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _run(inputs: Path, out: Path, *extra: str) -> float:
    """Wall seconds of one ``hdr-live process`` over the copies (a fresh process, as a user)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hdr_live.cli", "process", str(inputs / "*.mp4"),
                    "--out-dir", str(out), *extra], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _files(folder: Path) -> dict[str, bytes]:
    """The pose logs' bytes (the videos show each run's own frame rate and milliseconds, so they
    differ between runs by design)."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.poses.jsonl"))}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clip", type=Path, default=REPO / "assets" / "demo_two_hands.mp4")
    p.add_argument("--copies", type=int, default=4)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--no-ray", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = tmp / "in"
        inputs.mkdir()
        for i in range(args.copies):
            shutil.copy(args.clip, inputs / f"copy{i}.mp4")
        print(f"many_clips: {args.copies} copies of {args.clip.name}; load average "
              f"{load_average()}")
        modes = [("one after the other", ()), (f"--jobs {args.jobs}", ("--jobs", str(args.jobs)))]
        if not args.no_ray:
            modes.append((f"--ray local --jobs {args.jobs}", ("--ray", "local", "--jobs",
                                                              str(args.jobs))))
        reference = None
        for i, (name, extra) in enumerate(modes):
            wall = _run(inputs, tmp / f"out{i}", *extra)
            files = _files(tmp / f"out{i}")
            reference = reference or files
            same = "identical" if files == reference else "DIFFERENT"
            print(f"  {name:28s} wall {wall:6.1f} s  pose logs {same} ({len(files)} files)")
        print(f"load average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
