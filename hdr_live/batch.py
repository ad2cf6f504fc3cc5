"""Run a pipeline over a frame source, writing the annotated video and the pose log as it goes."""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np

from hdr_live.io.pose_log import PoseLogWriter
from hdr_live.io.video_writer import Mp4Writer
from hdr_live.pipeline import Pipeline
from hdr_live.render import OverlayOptions, draw_overlay
from hdr_live.temporal.smoothing import PoseSmoother
from hdr_live.types import Frame, FrameResult, StageTimings


@dataclasses.dataclass
class RunStats:
    """Running totals of a batch run (mutable accumulator, owned by :func:`run_batch`)."""

    frames: int = 0
    frames_two_hands: int = 0
    frames_any_hand: int = 0
    hasm_ms: float = 0.0
    hdrm_ms: float = 0.0
    shpe_ms: float = 0.0
    reference_ms: float = 0.0
    wall_s: float = 0.0

    def add(self, result: FrameResult) -> None:
        """Count one result."""
        self.frames += 1
        n = len(result.poses)
        self.frames_two_hands += n == 2
        self.frames_any_hand += n >= 1
        t: StageTimings = result.timings
        self.hasm_ms += t.hasm_ms
        self.hdrm_ms += t.hdrm_ms
        self.shpe_ms += t.shpe_ms
        self.reference_ms += t.reference_ms

    def summary(self) -> str:
        """Two lines: hands found, and mean per-stage milliseconds and the wall frame rate."""
        if self.frames == 0:
            return "no frames processed"
        n = self.frames
        pct = lambda k: 100.0 * k / n  # noqa: E731
        parts = [f"{name} {total / n:.1f}" for name, total in (
            ("hasm", self.hasm_ms), ("hdrm", self.hdrm_ms), ("shpe", self.shpe_ms),
            ("mediapipe", self.reference_ms)) if total > 0]
        fps = n / self.wall_s if self.wall_s > 0 else float("nan")
        return (
            f"frames {n}: two hands {pct(self.frames_two_hands):.1f}%, "
            f"at least one hand {pct(self.frames_any_hand):.1f}%\n"
            f"ms per frame: {', '.join(parts) or 'none'}; wall rate {fps:.2f} fps "
            f"(incl. decoding, drawing, encoding)"
        )


class _RateMeter:
    """Frames per second over the last few frames, from wall-clock time."""

    def __init__(self, window: int = 15) -> None:
        self._times: list[float] = []
        self._window = window

    def tick(self) -> float | None:
        self._times = (self._times + [time.perf_counter()])[-self._window :]
        if len(self._times) < 2:
            return None
        return (len(self._times) - 1) / (self._times[-1] - self._times[0])


class GracefulStop:
    """Context manager: the first Ctrl-C (SIGINT) only sets :attr:`requested`, so the frame in
    hand is finished and written whole; a second Ctrl-C interrupts at once.

    Outside the main thread it does nothing (signals can only be handled there).
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> "GracefulStop":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def write_image(path: Path, rgb: np.ndarray) -> None:
    """Write an RGB image file (format from the suffix). Raises OSError when it cannot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f"cannot write image {path}")


def run_batch(
    frames: Iterable[Frame],
    pipeline: Pipeline,
    video: Mp4Writer | None,
    poses: PoseLogWriter | None,
    overlay: OverlayOptions,
    on_result: Callable[[FrameResult], None] | None = None,
    stats: RunStats | None = None,
    stop: Callable[[], bool] | None = None,
    smoother: PoseSmoother | None = None,
) -> RunStats:
    """Process every frame; each result is written (video frame, pose line) before the next.

    The caller owns (and closes) the writers, so whatever was written survives an exception
    raised from here. ``stats`` may be passed in to keep totals after an interruption; ``stop``
    is asked after every frame whether to end early (e.g. :class:`GracefulStop`). With a
    ``smoother`` the video and ``on_result`` get the smoothed poses and the pose log keeps the
    raw joints beside them.

    Returns:
        The run's totals.
    """
    stats = stats if stats is not None else RunStats()
    meter = _RateMeter()
    start = time.perf_counter()
    for frame in frames:
        raw = pipeline.process(frame)
        result = raw if smoother is None else smoother.apply(raw)
        fps = meter.tick()
        # the video frame first: its muxer holds the newest frame until the next arrives, so
        # after a kill the MP4 lags the pose log by at most that one frame
        if video is not None:
            video.write(draw_overlay(result, fps, overlay))
        if poses is not None:
            poses.write(result, raw=None if smoother is None else raw)
        stats.add(result)
        stats.wall_s = time.perf_counter() - start
        if on_result is not None:
            on_result(result)
        if stop is not None and stop():
            break
    return stats
