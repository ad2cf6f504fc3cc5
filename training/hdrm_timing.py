"""Timing of HDRNet runners on a random input: what the export uses to choose the engine
(:func:`training.hdrm_export.choose_engine`), and what benchmarks and tests feed a runner."""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np

from hdr_live.models.hdrnet_spec import HdrmSpec
from hdr_live.stages.hdrm.learned import HdrNetRunner


def random_network_input(spec: HdrmSpec, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random (x (1, 8, N, N) uniform in [0, 1), valid (1, 2, N, N) {0, 1} with ~10 % zeros)
    float32 input pair, N = ``spec.input_px``."""
    rng = np.random.default_rng(seed)
    n = spec.input_px
    x = rng.random((1, 8, n, n), dtype=np.float32)
    valid = (rng.random((1, 2, n, n)) > 0.1).astype(np.float32)
    return x, valid


def median_ms_per_call(runners: Sequence[HdrNetRunner], spec: HdrmSpec, repeats: int = 20,
                       warmup: int = 3, seed: int = 0) -> list[float]:
    """Median wall time of one network call per runner, ms (batch 1, N×N, ~10 % holes), after
    ``warmup`` untimed rounds.

    The runners are called in turn within each repetition, so a machine whose load changes
    during the measurement affects them alike.
    """
    x, valid = random_network_input(spec, seed)
    times: list[list[float]] = [[] for _ in runners]
    for i in range(warmup + repeats):
        for k, runner in enumerate(runners):
            t0 = time.perf_counter()
            runner(x, valid)
            if i >= warmup:
                times[k].append(time.perf_counter() - t0)
    return [float(np.median(t) * 1e3) for t in times]
