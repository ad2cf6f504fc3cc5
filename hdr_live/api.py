"""The Python API, in MediaPipe's spirit: one tracker object built from the one configuration.

    import hdr_live

    config = hdr_live.PipelineConfig(input_kind=hdr_live.InputKind.VIDEO)
    with hdr_live.HandTracker(config) as tracker:
        for result in tracker.track("clip.mp4"):
            right = result.poses.right          # a HandPose or None
            if right is not None:
                print(result.frame.index, right.joints_px[8], right.score)

Each result is a :class:`hdr_live.types.FrameResult`: per hand (the person's own ``left`` /
``right``) ``joints_px`` (21, 2) frame pixels, ``joints_rel_m`` (21, 3) wrist-relative metres in
camera axes, ``visible`` (21,) and ``score``; the four masks, the restored crops and the per-stage
``timings`` (ms). Joint order: 0 wrist, 1–4 thumb CMC→tip, …, 17–20 pinky.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hdr_live.batch import is_size_cut
from hdr_live.build import build_pipeline
from hdr_live.config import PipelineConfig
from hdr_live.io.inputs import open_input
from hdr_live.temporal.smoothing import PoseSmoother, SmootherOptions
from hdr_live.types import Frame, FrameResult


class TrackerUseError(RuntimeError):
    """A :class:`HandTracker` was used after :meth:`~HandTracker.close`, or from a second
    thread while a call was running."""


class HandTracker:
    """Both hands' poses, frame after frame (see the module docstring).

    Not thread-safe by design: a tracker holds one sequence's state, so frames from two threads
    would mix two sequences. A call made while another thread's call is running raises
    :class:`TrackerUseError` (use one tracker per thread). :meth:`close` may be called any number
    of times; any other call after it raises :class:`TrackerUseError`.

    Args:
        config: the pipeline's configuration; its ``input_kind`` says whether frames given to
            :meth:`process` are unrelated stills (``IMAGES``) or a sequence (``VIDEO``/``LIVE``).
        smoothing: a temporal filter for the joints (:class:`~hdr_live.temporal.smoothing.
            SmootherOptions`, e.g. ``hdr_live.Smoothing.ONE_EURO.smoother_options()``), or None
            for the raw joints. Ignored for stills.

    Raises:
        hdr_live.weights.WeightsError: a model file is missing or corrupt.
    """

    def __init__(self, config: PipelineConfig = PipelineConfig(),
                 smoothing: SmootherOptions | None = None) -> None:
        self.config = config
        self._pipeline = build_pipeline(config)
        self._smoothing = smoothing if config.input_kind.tracks else None
        self._smoother = None if self._smoothing is None else PoseSmoother(self._smoothing)
        self._next_index = 0
        self._last_t_s: float | None = None
        self._size: tuple[int, int] | None = None
        self._closed = False
        self._busy = threading.Lock()

    @property
    def description(self) -> str:
        """The stages that run, e.g. ``hdr (HASM learned-segformer, HDRM baseline-inpaint, …)``."""
        return self._pipeline.description

    def process(self, rgb: np.ndarray, t_s: float | None = None) -> FrameResult:
        """The hands in one frame.

        Args:
            rgb: (H, W, 3) uint8 RGB image, H and W ≥ 2.
            t_s: capture time in seconds (increasing within a sequence); None = the frame's
                index over 30 fps.

        Raises:
            ValueError: ``rgb`` is not an (H, W, 3) uint8 array, or ``t_s`` is not finite or
                not later than the previous frame's (call :meth:`reset` for a new sequence).
            TrackerUseError: after :meth:`close`, or while another thread's call is running.
        """
        index = self._next_index
        t = index / 30.0 if t_s is None else float(t_s)
        if not np.isfinite(t):
            raise ValueError(f"t_s must be a finite number of seconds, got {t_s}")
        if self._last_t_s is not None and t <= self._last_t_s:
            raise ValueError(f"t_s must increase within a sequence: {t} s after {self._last_t_s} s "
                             "(call reset() to start a new sequence)")
        with self._in_use():
            result = self._run(Frame(rgb, index, t))
        self._next_index += 1
        self._last_t_s = t
        return result

    @contextlib.contextmanager
    def _in_use(self) -> Iterator[None]:
        """Hold the tracker for one call (see the class docstring).

        Raises:
            TrackerUseError: closed, or another thread's call is running.
        """
        if self._closed:
            raise TrackerUseError("HandTracker is closed")
        if not self._busy.acquire(blocking=False):
            raise TrackerUseError("HandTracker is in use by another thread "
                                  "(it is not thread-safe: use one tracker per thread)")
        try:
            if self._closed:
                raise TrackerUseError("HandTracker is closed")
            yield
        finally:
            self._busy.release()

    def track(self, source: str | Path, max_frames: int | None = None,
              folder_fps: float = 30.0) -> Iterator[FrameResult]:
        """Results for every frame of ``source``: a video file, an image, a folder of images
        (a sequence in name order, timed at ``folder_fps``) or ``"camera:N"``; the tracker is
        reset first, so each source is a new sequence.

        Raises:
            hdr_live.io.sources.InputError: the source cannot be opened or read.
            TrackerUseError: after :meth:`close`, or while another thread's call is running.
        """
        self.reset()
        with open_input(str(source), folder_fps=folder_fps) as frames:
            for frame in itertools.islice(frames, max_frames):
                with self._in_use():
                    result = self._run(frame)
                yield result

    def _run(self, frame: Frame) -> FrameResult:
        """The pipeline on ``frame``, then the joint filter when there is one; a frame of
        another size than the last restarts tracking first (with a warning, as
        :func:`hdr_live.batch.size_cuts` does for files: :func:`~hdr_live.batch.is_size_cut`)."""
        if is_size_cut(self._size, frame):
            self._pipeline.reset()
            if self._smoothing is not None:
                self._smoother = PoseSmoother(self._smoothing)
        self._size = frame.width, frame.height
        result = self._pipeline.process(frame)
        return result if self._smoother is None else self._smoother.apply(result)

    def reset(self) -> None:
        """Start a new sequence: forget the tracked hands, the filters and the last time.

        Raises:
            TrackerUseError: after :meth:`close`, or while another thread's call is running.
        """
        with self._in_use():
            self._pipeline.reset()
        self._next_index = 0
        self._last_t_s = None
        self._size = None
        if self._smoothing is not None:
            self._smoother = PoseSmoother(self._smoothing)

    def close(self) -> None:
        """Release the models (also done by ``with``); later calls do nothing. Waits for a
        call running in another thread to finish first."""
        with self._busy:
            if not self._closed:
                self._closed = True
                self._pipeline.close()

    def __enter__(self) -> HandTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

