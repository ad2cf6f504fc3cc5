"""Run a pipeline over a frame source, writing the annotated video and the pose log as it goes.

:func:`run_batch` runs one of two ways; both give the same results in the same order, so the pose
log is byte for byte the same (the video differs only in the drawn frame rate, a wall-clock
reading).

*Serial* (``pipelined=False``, the reference): one thread, frame after frame: read, process,
draw + encode the video frame, write the pose line, ``on_result``; nothing else runs.

*Pipelined* (the default): three threads, frames in order on each, none lost::

    helper thread  (hdr-live-prepare):  read frame t+1, prepare(t+1)        ─┐ one frame ahead
    caller's thread:                    finish(t), smoother, rate meter  ◀──┘
                                             │  bounded queue (``queue_size`` results, 4)
                                             ▼
    writer thread  (hdr-live-writer):   draw_overlay + Mp4Writer.write, PoseLogWriter.write,
                                        stats, on_result  (frame t-1, t-2, ...)

For a :class:`~hdr_live.pipeline.StagedPipeline` the helper runs ``prepare`` of frame t+1 while
the caller's thread runs ``finish`` of frame t (``process(f) == finish(prepare(f))``); prepare is
never more than one frame ahead of finish, so a pipeline that makes ``prepare(k)`` wait for
``finish(k-2)`` cannot deadlock. For another pipeline the helper only reads (decodes) the next
frame and the caller's thread runs ``process``. Drawing, H.264 encoding and the pose log run on
the writer thread, off the inference thread. Both threads are daemons and are joined before
:func:`run_batch` returns or raises.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from hdr_live.io.pose_log import PoseLogWriter
from hdr_live.io.video_writer import Mp4Writer
from hdr_live.pipeline import Pipeline, StagedPipeline
from hdr_live.render import OverlayOptions, draw_overlay
from hdr_live.temporal.smoothing import PoseSmoother
from hdr_live.types import Frame, FrameResult, StageTimings

_log = logging.getLogger(__name__)


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
    threed_ms: float = 0.0
    frames_inferred: int = 0
    frames_two_seen: int = 0
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
        self.threed_ms += t.threed_ms
        self.frames_inferred += any(p.inferred for _, p in result.poses.items())
        self.frames_two_seen += sum(not p.inferred for _, p in result.poses.items()) == 2

    def summary(self) -> str:
        """Two lines: hands found (seen or inferred), and mean per-stage milliseconds and the
        wall frame rate."""
        if self.frames == 0:
            return "no frames processed"
        n = self.frames
        pct = lambda k: 100.0 * k / n  # noqa: E731
        parts = [f"{name} {total / n:.1f}" for name, total in (
            ("hasm", self.hasm_ms), ("hdrm", self.hdrm_ms), ("shpe", self.shpe_ms),
            ("mediapipe", self.reference_ms), ("3d", self.threed_ms)) if total > 0]
        inferred = (f" (both seen {pct(self.frames_two_seen):.1f}%, a hidden hand inferred in "
                    f"{pct(self.frames_inferred):.1f}%)" if self.frames_inferred else "")
        fps = n / self.wall_s if self.wall_s > 0 else float("nan")
        return (
            f"frames {n}: two hands {pct(self.frames_two_hands):.1f}%, "
            f"at least one hand {pct(self.frames_any_hand):.1f}%{inferred}\n"
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


def write_image(path: Path, rgb: np.ndarray) -> None:
    """Write an RGB image file (format from the suffix). Raises OSError when it cannot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f"cannot write image {path}")


#: How long blocked hand-overs wait before looking again whether the other side failed, s.
_POLL_S = 0.05
#: After a second Ctrl-C (KeyboardInterrupt): how long the helper and writer threads are waited
#: for before they are left behind (daemons), seconds.
_URGENT_JOIN_S = 10.0

#: What the writer gets per frame: (result, raw result before smoothing or None, drawn fps).
_Item = tuple[FrameResult, "FrameResult | None", "float | None"]
_END = object()


class _AheadWorker:
    """One daemon thread that runs the jobs it is given one after the other, in order.

    :meth:`submit` returns a :class:`concurrent.futures.Future` whose ``result()`` is the job's
    return value or raises its exception (of its own type) in the caller's thread. Unlike a
    ``ThreadPoolExecutor`` its thread is a daemon, so a job stuck forever cannot keep the
    process from exiting.
    """

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], Any]) -> Future:
        future: Future = Future()
        self._jobs.put((future, job))
        return future

    def _loop(self) -> None:
        while True:
            got = self._jobs.get()
            if got is None:
                return
            future, job = got
            if not future.set_running_or_notify_cancel():
                continue
            try:
                value = job()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                future.set_exception(exc)
            else:
                future.set_result(value)
            del got, future, job

    def close(self, timeout_s: float | None) -> bool:
        """End the thread after the jobs already given; True when it ended within ``timeout_s``."""
        self._jobs.put(None)
        self._thread.join(timeout_s)
        return not self._thread.is_alive()


class _Writer:
    """The writer thread: ``write_one(item)`` for each queued item, in queue order.

    The queue holds at most ``size`` items; :meth:`put` waits while it is full. The first
    exception of ``write_one`` ends the thread (later items are not written) and is kept in
    :attr:`error`; :meth:`put` and :meth:`raise_error` raise that same exception object in the
    caller's thread.
    """

    def __init__(self, write_one: Callable[[_Item], None], size: int) -> None:
        self._write_one = write_one
        self._queue: queue.Queue = queue.Queue(maxsize=size)
        self._abort = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="hdr-live-writer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END or self._abort.is_set():
                return
            try:
                self._write_one(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self.error = exc
                return
            del item

    def raise_error(self) -> None:
        """Raise the writer's exception, if it failed."""
        if self.error is not None:
            raise self.error

    def put(self, item: _Item) -> None:
        """Queue one item (waits while the queue is full).

        Raises:
            The writer's own exception (its original type) once it has failed.
        """
        while True:
            self.raise_error()
            try:
                self._queue.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def close(self, drain: bool, timeout_s: float | None) -> bool:
        """End the writer: after every queued item (``drain``) or after the item in hand.

        Returns:
            True when the thread ended within ``timeout_s`` (None = wait as long as it takes).
        """
        if not drain:
            self._abort.set()
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while self._thread.is_alive():  # a dead writer needs no end marker
            try:
                self._queue.put(_END, timeout=_POLL_S)
                break
            except queue.Full:
                if deadline is not None and time.monotonic() > deadline:
                    return False
        self._thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not self._thread.is_alive()


def _wind_down(pending: Future | None, helper: _AheadWorker, writer: _Writer,
               urgent: bool) -> None:
    """Wait for the helper's job in flight (the pipeline must be idle when the caller closes
    it; its outcome is dropped), then end the writer (``urgent``: after its item in hand, else
    after every queued item) and the helper. ``urgent`` waits at most :data:`_URGENT_JOIN_S`
    per step; a KeyboardInterrupt while winding down switches to urgent and is re-raised."""
    timeout_s = _URGENT_JOIN_S if urgent else None
    try:
        if pending is not None:
            wait_futures([pending], timeout_s)
        writer.close(drain=not urgent, timeout_s=timeout_s)
        helper.close(timeout_s)
    except KeyboardInterrupt:
        if not urgent:
            _wind_down(pending, helper, writer, urgent=True)
        raise


@dataclasses.dataclass(frozen=True)
class _Cut:
    """A frame read after a change of frame size, not yet prepared."""

    frame: Frame


def size_cuts(frames: Iterable[Frame]) -> Iterator[tuple[Frame, bool]]:
    """``(frame, cut)`` for each frame; ``cut`` is True where the frame size differs from the
    previous frame's (a stream that changes resolution): positions of the old size mean nothing
    there, so tracking restarts as after a cut. Each change is logged as a warning."""
    size = None
    for frame in frames:
        cut = is_size_cut(size, frame)
        size = frame.width, frame.height
        yield frame, cut


def is_size_cut(previous_wh: tuple[int, int] | None, frame: Frame) -> bool:
    """Whether ``frame`` is of another size than the previous frame's ``previous_wh`` (None:
    the first frame); a change is logged as a warning naming both sizes and the frame."""
    if previous_wh is None or (frame.width, frame.height) == tuple(previous_wh):
        return False
    _log.warning("frame %d: the frame size changed from %d×%d to %d×%d; tracking restarts there "
                 "(as after a cut)", frame.index, *previous_wh, frame.width, frame.height)
    return True


def _restart(pipeline: Pipeline, smoother: PoseSmoother | None) -> None:
    """Forget what the pipeline and the smoother carry from earlier frames (both idle)."""
    pipeline.reset()
    if smoother is not None:
        smoother.reset()


def _run_pipelined(
    frames: Iterable[Frame],
    pipeline: Pipeline,
    write_one: Callable[[_Item], None],
    stop: Callable[[], bool] | None,
    smoother: PoseSmoother | None,
    queue_size: int,
) -> None:
    """The pipelined loop of :func:`run_batch` (see the module docstring)."""
    if isinstance(pipeline, StagedPipeline):
        first: Callable[[Frame], Any] = pipeline.prepare
        second: Callable[[Any], FrameResult] = pipeline.finish
    else:
        first, second = (lambda frame: frame), pipeline.process
    iterator = size_cuts(frames)

    def read_and_prepare() -> Any:
        # on the helper thread: the source is only ever iterated here, one call at a time
        for frame, cut in iterator:
            return _Cut(frame) if cut else first(frame)  # a cut is prepared once idle
        return None  # the source has ended

    meter = _RateMeter()
    helper = _AheadWorker("hdr-live-prepare")
    writer = _Writer(write_one, queue_size)
    pending: Future | None = helper.submit(read_and_prepare)
    urgent = True
    try:
        while True:
            ahead = pending.result()  # raises the source's or prepare's own exception
            pending = None
            if ahead is None:
                break
            if isinstance(ahead, _Cut):  # every earlier frame is finished, the helper idle
                _restart(pipeline, smoother)
                ahead = first(ahead.frame)
            pending = helper.submit(read_and_prepare)  # frame t+1, while finish(t) runs here
            raw = second(ahead)
            result = raw if smoother is None else smoother.apply(raw)
            writer.put((result, None if smoother is None else raw, meter.tick()))
            if stop is not None and stop():
                break
        urgent = False
    except Exception:
        urgent = False  # a stage failed: write what was queued before it, then raise it
        raise
    finally:
        # urgent only for KeyboardInterrupt & co. (a second Ctrl-C): the item in hand, no more
        _wind_down(pending, helper, writer, urgent)
    writer.raise_error()  # the writer failed on the last frames


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
    pipelined: bool = True,
    queue_size: int = 4,
) -> RunStats:
    """Process every frame, writing each result (video frame, then pose line) in frame order.

    Per result, in this order: ``video.write(draw_overlay(result, fps, overlay))``,
    ``poses.write(result, raw=...)``, ``stats`` counted, ``on_result(result)``. ``fps`` is the
    processing rate (results per second over the last 15 results, taken as each result leaves
    the pipeline), so the drawn rate is a wall-clock reading; the pose log is the same byte for
    byte in both modes. With a ``smoother`` the video and ``on_result`` get the smoothed poses
    and the pose log keeps the raw joints beside them.

    Args:
        frames: the frames, in order (iterated on the helper thread when ``pipelined``).
        pipeline: the pipeline; a :class:`~hdr_live.pipeline.StagedPipeline` gets ``prepare``
            and ``finish`` pipelined, another only ``process``.
        video, poses: the writers, or None. The caller owns (and closes) them, so whatever was
            written survives an exception raised from here; both are idle (no thread uses them)
            when this returns or raises (after a second Ctrl-C: unless the writer was still
            stuck in a write after 10 s).
        overlay: what to draw.
        on_result: called with each result in frame order, after it was written (on the writer
            thread when ``pipelined``).
        stats: totals to add to (pass one in to keep them after an interruption); counted as
            each result is written, so ``stats.frames`` is the number of results written.
            ``stats.wall_s`` is from the start until the last result was written.
        stop: asked after each result is produced (in the caller's thread, e.g.
            :class:`~hdr_live.stop_signals.GracefulStop`); once it returns True no further result is produced, every
            result produced so far is written, and this returns normally. With it true after
            ``k`` calls, both outputs hold exactly ``k`` frames, in both modes (pipelined, one
            more frame has been read and prepared and is dropped).
        smoother: joint filter, run in frame order on the caller's thread.
        pipelined: run as in the module docstring (default); False = the serial reference.
        queue_size: results that may wait for the writer thread (>= 1).

    What survives a crash: each video frame and pose line is written and flushed as it comes
    (the MP4 has one fragment per frame, its muxer holding back the newest one until the next
    arrives). After a ``kill -9`` the pose log holds whole lines for every result the writer
    had finished; the MP4 holds those frames, or one fewer. Pipelined, the results lost beyond
    the serial path are those produced but not yet written: at most ``queue_size + 2`` (6 by
    default): ``queue_size`` waiting in the queue, the one the writer is on and the one the
    caller's thread is handing over; the frames in ``finish`` and ``prepare`` were not results
    yet.

    Failures: an exception of the source, ``prepare``, ``finish``/``process``, the smoother, a
    writer or ``on_result`` ends the run and is raised here, in the caller's thread, as itself
    (e.g. ``OSError``, :class:`~hdr_live.io.video_writer.VideoWriteError`,
    :class:`~hdr_live.io.sources.InputError`). A pipeline or source failure is raised after the
    results queued before it have been written; a writer failure writes nothing after the item
    it failed on. A ``KeyboardInterrupt`` (a second Ctrl-C) lets the writer finish only its item
    in hand and waits at most 10 s per thread.

    Returns:
        ``stats``, the run's totals.

    Raises:
        ValueError: ``queue_size`` < 1.
    """
    if queue_size < 1:
        raise ValueError(f"queue_size must be >= 1, got {queue_size}")
    stats = stats if stats is not None else RunStats()
    start = time.perf_counter()

    def write_one(item: _Item) -> None:
        result, raw, fps = item
        # the video frame first: its muxer holds the newest frame until the next arrives, so
        # after a kill the MP4 lags the pose log by at most that one frame
        if video is not None:
            video.write(draw_overlay(result, fps, overlay))
        if poses is not None:
            poses.write(result, raw=raw)
        stats.add(result)
        stats.wall_s = time.perf_counter() - start
        if on_result is not None:
            on_result(result)

    if pipelined:
        _run_pipelined(frames, pipeline, write_one, stop, smoother, queue_size)
        return stats
    meter = _RateMeter()
    for frame, cut in size_cuts(frames):
        if cut:
            _restart(pipeline, smoother)
        raw = pipeline.process(frame)
        result = raw if smoother is None else smoother.apply(raw)
        write_one((result, None if smoother is None else raw, meter.tick()))
        if stop is not None and stop():
            break
    return stats
