"""Cost of the test-time hand fitter (:mod:`hdr_live.fitting`) per hand and frame.

Generated sequences (:mod:`hdr_live.fitting.synthetic`): two hands moving smoothly, evidence =
projected joints + 2 px noise, the lifted pose + 5 mm noise, and the rendered silhouettes. The
evidence is generated before timing; the first frame of each sequence (the initialisation,
``init_iterations``) is left out of the per-frame figure and reported on its own line.

Usage: .venv/bin/python benchmarks/bench_fit.py [--sequences N] [--frames N]
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from hdr_live.fitting.evidence import FitEvidence
from hdr_live.fitting.fitter import HandFitter
from hdr_live.config import LIVE_FIT_ITERATIONS, ThreeDConfig
from hdr_live.fitting.options import FitOptions
from hdr_live.fitting.synthetic import camera, evidence_of, moving_sequence
from hdr_live.joints import Side
from hdr_live.types import Hands


def make_sequences(count: int, frames: int) -> list[list[Hands[FitEvidence]]]:
    """``count`` sequences of ``frames`` two-hand evidences (left hand shifted 0.2 m left)."""
    rng = np.random.default_rng(7)
    cam = camera()
    out = []
    for _ in range(count):
        right, left = moving_sequence(rng, frames), moving_sequence(rng, frames)
        seq = []
        for pr, pl in zip(right, left):
            pl = dataclasses.replace(pl, trans_m=pl.trans_m + np.array([-0.2, 0.0, 0.0]))
            pr = dataclasses.replace(pr, trans_m=pr.trans_m + np.array([0.1, 0.0, 0.0]))
            seq.append(Hands(left=evidence_of(pl, Side.LEFT, cam, rng, 2.0, 0.005, True),
                             right=evidence_of(pr, Side.RIGHT, cam, rng, 2.0, 0.005, True)))
        out.append(seq)
    return out


def run(options: FitOptions, sequences: list[list[Hands[FitEvidence]]]
        ) -> tuple[list[float], list[float], list[float]]:
    """(init wall ms per hand, tracked wall ms per hand per frame, tracked CPU ms per hand per
    frame) over all sequences (CPU time: this process only, robust to a shared machine)."""
    cam = camera()
    init, tracked, cpu = [], [], []
    for seq in sequences:
        fitter = HandFitter(options)
        for k, ev in enumerate(seq):
            t0, c0 = time.perf_counter(), time.process_time()
            fits = fitter.fit(ev, cam, k / 30.0)
            n = max(len(fits), 1)
            ms, cpu_ms = (time.perf_counter() - t0) * 1e3 / n, (time.process_time() - c0) * 1e3 / n
            (init if k == 0 else tracked).append(ms)
            if k:
                cpu.append(cpu_ms)
    return init, tracked, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=3)
    parser.add_argument("--frames", type=int, default=30)
    args = parser.parse_args()
    sequences = make_sequences(args.sequences, args.frames)
    live = FitOptions(iterations=LIVE_FIT_ITERATIONS)
    batch = dataclasses.replace(live, iterations=ThreeDConfig().fit_iterations)
    settings = (("live", live), ("batch", batch))
    for name, options in settings:
        init, tracked, cpu = run(options, sequences)
        print(f"{name:5s} iterations={options.iterations:2d}: {np.median(tracked):.2f} ms/hand/frame "
              f"median, {np.mean(tracked):.2f} mean, p90 {np.percentile(tracked, 90):.2f} "
              f"(CPU {np.median(cpu):.2f} median); "
              f"first frame (init_iterations={options.init_iterations}) "
              f"{np.mean(init):.1f} ms/hand")


if __name__ == "__main__":
    main()
