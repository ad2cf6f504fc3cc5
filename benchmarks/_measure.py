"""Measuring the live pipeline without a UI: run frames through the threaded runtime and keep
what the benchmarks report (rates, latencies, per-stage times, poses, memory).

Used by ``benchmarks/bench_live.py``, ``jitter.py``, ``flow_consistency.py`` and ``soak.py``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from hdr_live.config import App, InputKind, PipelineConfig, default_config
from hdr_live.live.settings import LiveSettings
from hdr_live.live.processor import LiveProcessor
from hdr_live.runtime import Runtime, RuntimeOptions, RuntimeTimings
from hdr_live.types import Frame, FrameResult, StageTimings


def rss_mb() -> float:
    """This process's resident memory in MiB (Linux ``/proc/self/status`` VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) / 1024.0
    raise OSError("VmRSS not found in /proc/self/status")


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """What one run through the runtime produced.

    Attributes:
        results: the (smoothed, if smoothing was on) results in delivery order; empty when
            ``keep_results`` was False.
        stage_ms: (N, 5) float64 per result: hasm, hdrm, shpe, reference, 3D milliseconds.
        runtime_ms: (N, 5) float64 per result: capture wait, prepare, inference (finish),
            postprocess, latency milliseconds (:class:`~hdr_live.runtime.RuntimeTimings`).
        capture_latency_ms: (N,) float64 capture → delivery ms (NaN unless monotonic stamps).
        hands: (N,) int number of hands per result.
        wall_s: first result delivered → last result delivered, seconds (steady state: model
            loading before the first result is left out).
        frames_read, frames_dropped: the runtime's counters.
    """

    results: list[FrameResult]
    stage_ms: np.ndarray
    runtime_ms: np.ndarray
    capture_latency_ms: np.ndarray
    hands: np.ndarray
    wall_s: float
    frames_read: int
    frames_dropped: int

    @property
    def fps(self) -> float:
        """Delivered results per second of wall time (intervals between first and last)."""
        return (len(self.hands) - 1) / self.wall_s if self.wall_s > 0 else float("nan")


def _stage_row(t: StageTimings) -> list[float]:
    return [t.hasm_ms, t.hdrm_ms, t.shpe_ms, t.reference_ms, t.threed_ms]


def _runtime_row(t: RuntimeTimings) -> list[float]:
    return [t.capture_wait_ms, t.prepare_ms, t.inference_ms, t.postprocess_ms, t.latency_ms]


def run_frames(
    frames: Iterable[Frame],
    settings: LiveSettings,
    config: PipelineConfig = default_config(App.LIVE, InputKind.VIDEO),
    keep_results: bool = True,
    on_result: Callable[[int, FrameResult], None] | None = None,
) -> RunRecord:
    """Run ``frames`` through a :class:`LiveProcessor` on the threaded runtime, as the app does.

    Args:
        frames: the input (decoded on the runtime's capture thread as it is iterated).
        settings: mode / smoothing / flow / mirror.
        config: the pipeline's configuration (``pipelined`` adds the prepare thread; input kind
            :attr:`InputKind.LIVE`: camera semantics, newest frame only, monotonic stamps).
        keep_results: keep every result (memory grows; off for soak runs).
        on_result: called on the consumer thread with (count, result) after each result.

    Raises:
        RuntimeError: a stage failed (``__cause__`` is the original error).
    """
    processor = LiveProcessor(settings, config)
    is_live = config.input_kind is InputKind.LIVE
    options = RuntimeOptions.camera() if is_live else RuntimeOptions.file()
    runtime = Runtime(
        frames,
        processor.finish if config.pipelined else processor.process,
        options,
        postprocess=processor.smooth,
        prepare=processor.prepare if config.pipelined else None,
    )
    results, stage, rt, cap, hands = [], [], [], [], []
    t_first = t_last = 0.0
    try:
        with runtime:
            for timed in runtime.results():
                t_last = time.perf_counter()
                t_first = t_first or t_last
                r = timed.result
                if keep_results:
                    results.append(r)
                stage.append(_stage_row(r.timings))
                rt.append(_runtime_row(timed.timings))
                lat = timed.timings.capture_latency_ms
                cap.append(np.nan if lat is None else lat)
                hands.append(len(r.poses))
                if on_result is not None:
                    on_result(len(hands), r)
    finally:
        processor.close()
    stats = runtime.stats()
    return RunRecord(
        results,
        np.array(stage, np.float64).reshape(-1, 5),
        np.array(rt, np.float64).reshape(-1, 5),
        np.array(cap, np.float64),
        np.array(hands, np.int64),
        t_last - t_first,
        stats.frames_read,
        stats.frames_dropped,
    )


def load_average() -> str:
    """The 1/5/15-minute load averages, for the record of a timing run."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
