"""Throughput of the synthetic AIH data engine (issue 3 target: 2,000 samples of 256×256 in
at most 5 minutes on 2 cores, i.e. >= 6.7 samples/s, files written included).

Usage::

    python benchmarks/bench_synth.py [--count 2000] [--workers 2] [--size 256] [--keep DIR]

Prints wall time, samples/second (mesh-bank build included and also shown separately), CPU
seconds per sample, bytes per sample, and the machine load during the run.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from training.synth.generate import GenerateOptions, generate  # noqa: E402
from training.synth.mesh_bank import preload  # noqa: E402


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--keep", type=pathlib.Path, default=None, help="write here and keep the files")
    args = parser.parse_args()
    opts = GenerateOptions(seed=args.seed, size=args.size)
    root = args.keep or pathlib.Path(tempfile.mkdtemp(prefix="bench_synth_"))
    load_before = os.getloadavg()[0]
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    preload(opts.seed, opts.bank_size, args.workers)
    t_bank = time.perf_counter() - t0
    generate(root, args.count, opts, workers=args.workers, progress=False)
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    if args.keep is None:
        shutil.rmtree(root)
    print(f"samples: {args.count} at {args.size}x{args.size}, workers: {args.workers}")
    print(f"mesh bank ({opts.bank_size} shapes): {t_bank:.1f} s")
    print(
        f"wall: {wall:.1f} s  ->  {args.count / wall:.2f} samples/s (incl. bank); "
        f"{args.count / (wall - t_bank):.2f} samples/s (generation only)"
    )
    print(f"cpu: {cpu / args.count * 1000:.0f} ms/sample  disk: {size / args.count / 1024:.0f} KiB/sample")
    print(f"load average (1 min) before: {load_before:.2f}  after: {os.getloadavg()[0]:.2f}")
    print(
        f"target 2000 in <= 300 s: {'PASS' if args.count / wall >= 2000 / 300 else 'FAIL'} "
        f"(needs >= 6.67 samples/s)"
    )


if __name__ == "__main__":
    main()
