"""A running live session: source → runtime (pipelined) → smoothing → overlay → recorder.

UI-agnostic: a Qt window (:mod:`hdr_live.ui`) polls :meth:`LiveSession.latest`; tests and
benchmarks use it without any UI. Threads: the runtime's capture, prepare and inference threads,
plus a consumer (draws the overlay, writes the recording) and a watchdog (a live source that
stops delivering ends the session with a message instead of hanging).
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from hdr_live.io.sources import InputError
from hdr_live.io.video_writer import VideoWriteError
from hdr_live.build import build_pipeline
from hdr_live.config import App, InputKind, PipelineConfig, default_config
from hdr_live.live.processor import LiveProcessor, PipelineFactory
from hdr_live.live.settings import LiveSettings
from hdr_live.live.recorder import LiveRecorder
from hdr_live.render import OverlayOptions, draw_overlay
from hdr_live.runtime import Runtime, RuntimeOptions, RuntimeTimings, TimedResult
from hdr_live.types import Frame, FrameResult


@dataclasses.dataclass(frozen=True)
class SessionOptions:
    """Options of :class:`LiveSession`.

    Attributes:
        stall_timeout_s: a live source that delivers no result for this long ends the session
            with an error (seconds).
        first_result_timeout_s: the same for the first result (models load first), seconds.
        stop_timeout_s: how long :meth:`LiveSession.stop` waits for the threads, seconds.
        fps_window: results over which the displayed rate is measured.
    """

    stall_timeout_s: float = 5.0
    first_result_timeout_s: float = 30.0
    stop_timeout_s: float = 3.0
    fps_window: int = 30


@dataclasses.dataclass(frozen=True)
class LiveView:
    """One processed frame as the UI shows it.

    Attributes:
        seq: 1-based count of results so far (a new value means a new view).
        result: the smoothed pipeline result.
        overlay_rgb: (H, W, 3) uint8 annotated frame (masks, boxes, skeletons, insets, rates).
        display_rgb: the same shrunk (bilinear) to fit :attr:`LiveSession.display_size`, or
            ``overlay_rgb`` itself when it already fits or no size was given.
        timings: the runtime's timings of this frame.
        fps: results per second over the last ``fps_window`` results (monotonic delivery
            clock), None for the first.
        description: the pipeline that made it.
        recording: the file being recorded, or None.
    """

    seq: int
    result: FrameResult
    overlay_rgb: np.ndarray
    display_rgb: np.ndarray
    timings: RuntimeTimings
    fps: float | None
    description: str
    recording: Path | None


class RateMeter:
    """Events per second over the last ``window`` events, from given times (seconds)."""

    def __init__(self, window: int) -> None:
        self._times: collections.deque[float] = collections.deque(maxlen=max(2, window))

    def tick(self, t_s: float) -> float | None:
        self._times.append(t_s)
        if len(self._times) < 2 or self._times[-1] <= self._times[0]:
            return None
        return (len(self._times) - 1) / (self._times[-1] - self._times[0])


class LiveSession:
    """Runs the live pipeline over ``frames`` until the source ends or :meth:`stop`.

    Args:
        frames: the frames (a camera iterator, a clip, a looped/paced clip).
        fps: the source's nominal rate (recording).
        settings: initial settings (change later with :attr:`settings`).
        config: the pipeline's configuration; its ``input_kind`` :attr:`InputKind.LIVE` (a
            camera) keeps only the newest frame and watches for stalls, and its ``pipelined``
            runs HASM's detector on its own thread.
        options: session options.
        factory: builds pipelines (tests pass fakes).
    """

    def __init__(
        self,
        frames: Iterable[Frame],
        fps: float,
        settings: LiveSettings = LiveSettings(),
        config: PipelineConfig = default_config(App.LIVE, InputKind.LIVE),
        options: SessionOptions = SessionOptions(),
        factory: PipelineFactory = build_pipeline,
    ) -> None:
        is_live = config.input_kind is InputKind.LIVE
        self.is_live, self.fps, self.options = is_live, fps, options
        self.processor = LiveProcessor(settings, config, factory)
        # a clip played live loses no frame; short queues keep its latency down when the
        # pipeline is slower than the clip's rate
        runtime_options = RuntimeOptions.camera() if is_live else RuntimeOptions(
            is_live=False, frame_queue_size=2, result_queue_size=1
        )
        pipelined = config.pipelined
        self._runtime = Runtime(
            frames,
            self.processor.finish if pipelined else self.processor.process,
            runtime_options,
            postprocess=self.processor.smooth,
            prepare=self.processor.prepare if pipelined else None,
        )
        self._lock = threading.Lock()
        self._latest: LiveView | None = None
        self._error: str | None = None
        self._done = threading.Event()
        self._record_path: Path | None = None  # requested by the UI thread
        self._recorder: LiveRecorder | None = None  # owned by the consumer thread
        self._last_recording: Path | None = None
        self._progress_t = time.monotonic()
        self._seq = 0
        self._first_t: float | None = None
        self._threads: list[threading.Thread] = []
        #: (width, height) in pixels the UI shows the image at; set by the UI thread, read by
        #: the consumer (a tuple is replaced whole, so no lock is needed).
        self.display_size: tuple[int, int] | None = None

    # control (any thread) ---------------------------------------------------------------------

    @property
    def settings(self) -> LiveSettings:
        return self.processor.settings

    @settings.setter
    def settings(self, value: LiveSettings) -> None:
        self.processor.settings = value

    def start(self) -> LiveSession:
        """Start the runtime, the consumer and the watchdog; returns self."""
        self._progress_t = time.monotonic()
        self._runtime.start()
        self._threads = [
            threading.Thread(target=self._consume, name="hdr-live-consumer", daemon=True),
            threading.Thread(target=self._watch, name="hdr-live-watchdog", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def latest(self) -> LiveView | None:
        """The newest view, or None before the first result."""
        with self._lock:
            return self._latest

    @property
    def error(self) -> str | None:
        """Why the session ended early (one line), or None."""
        with self._lock:
            return self._error

    @property
    def results_count(self) -> int:
        """Results delivered so far."""
        return self._seq

    @property
    def mean_fps(self) -> float | None:
        """Results per second from the first to the latest result (None before two)."""
        if self._first_t is None or self._seq < 2 or self._progress_t <= self._first_t:
            return None
        return (self._seq - 1) / (self._progress_t - self._first_t)

    @property
    def finished(self) -> bool:
        """The stream ended (source done, error, or stopped)."""
        return self._done.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the stream to end; True when it did."""
        return self._done.wait(timeout_s)

    def start_recording(self, path: Path) -> None:
        """Record the annotated view to ``path`` (.mp4) from the next frame on."""
        with self._lock:
            self._record_path = Path(path)

    def stop_recording(self) -> Path | None:
        """Stop recording (the file is closed by the next frame or at the end); the path."""
        with self._lock:
            path, self._record_path = self._record_path, None
        return path

    @property
    def last_recording(self) -> Path | None:
        """The most recent file that was recorded to (closed or not)."""
        with self._lock:
            return self._last_recording

    def stop(self) -> bool:
        """Stop everything, close the recording and the pipelines.

        Returns:
            True when every thread ended; False when one is stuck in the source (a hung camera
            driver): the pipelines are then left to the process's end.
        """
        try:
            joined = self._runtime.stop(self.options.stop_timeout_s)
        except RuntimeError:
            joined = True  # the failure is already in self.error (or reported by the consumer)
        for thread in self._threads:
            thread.join(self.options.stop_timeout_s)
        # the consumer closes the recording as it ends; a consumer stuck elsewhere cannot
        # be writing any more once the runtime stopped delivering, so close it here then.
        if any(t.name == "hdr-live-consumer" and t.is_alive() for t in self._threads):
            joined = False
        else:
            self._close_recorder()
        if joined:
            self.processor.close()
        return joined

    # threads ----------------------------------------------------------------------------------

    def _consume(self) -> None:
        meter = RateMeter(self.options.fps_window)
        try:
            for timed in self._runtime.results():
                self._progress_t = time.monotonic()
                if self._first_t is None:
                    self._first_t = self._progress_t
                self._show(timed, meter.tick(self._progress_t))
        except RuntimeError as exc:
            self._set_error(_reason(exc))
        except VideoWriteError as exc:
            self._set_error(f"recording failed: {exc}")
            self._runtime.stop(0.0)
        finally:
            self._close_recorder()
            self._done.set()

    def _show(self, timed: TimedResult, fps: float | None) -> None:
        description = self.processor.description
        overlay = draw_overlay(timed.result, fps, OverlayOptions(caption=description))
        recording = self._record(overlay, timed.result.frame.t_capture_s)
        self._seq += 1
        view = LiveView(
            self._seq,
            timed.result,
            overlay,
            fit_within(overlay, self.display_size),
            timed.timings,
            fps,
            description,
            recording,
        )
        with self._lock:
            self._latest = view

    def _record(self, overlay: np.ndarray, t_s: float) -> Path | None:
        with self._lock:
            wanted = self._record_path
        if self._recorder is not None and self._recorder.path != wanted:
            self._close_recorder()
        if wanted is not None and self._recorder is None:
            self._recorder = LiveRecorder(wanted, self.fps, fill_gaps=self.is_live)
            with self._lock:
                self._last_recording = wanted
        if self._recorder is not None:
            self._recorder.write(overlay, t_s)
            return self._recorder.path
        return None

    def _close_recorder(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            recorder.close()

    def _watch(self) -> None:
        o = self.options
        while not self._done.wait(0.1):
            if not self.is_live:
                continue
            limit = o.stall_timeout_s if self._seq else o.first_result_timeout_s
            idle = time.monotonic() - self._progress_t
            if idle > limit:
                self._set_error(
                    f"the camera delivered no frame for {idle:.0f} s (disconnected, or its "
                    "driver hung)"
                )
                try:
                    self._runtime.stop(0.2)
                except RuntimeError:
                    pass
                return

    def _set_error(self, message: str) -> None:
        with self._lock:
            if self._error is None:
                self._error = message


def fit_within(rgb: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    """``rgb`` shrunk (bilinear, aspect kept) to fit ``size`` = (width, height) pixels; the
    same array when it fits already or ``size`` is None. Done on the consumer thread so the UI
    thread only converts a screen-sized image. Bilinear, not INTER_AREA: the cheaper of the two
    (figures: docs/benchmarks.md, "Live runtime and speed"), and a window shows the frame at
    least about half size."""
    if size is None:
        return rgb
    h, w = rgb.shape[:2]
    scale = min(size[0] / w, size[1] / h)
    if scale >= 1.0 or scale <= 0.0:
        return rgb
    target = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, target, interpolation=cv2.INTER_LINEAR)


def _reason(exc: RuntimeError) -> str:
    """One line for the user: the original error's text when it is an input problem."""
    cause = exc.__cause__
    if isinstance(cause, InputError):
        return str(cause)
    return str(exc)
