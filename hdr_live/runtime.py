"""Threaded runtime: a capture thread, an inference worker and a results generator.

Knows nothing of any UI. Data flow::

    source ──capture thread──▶ frame channel ──inference worker──▶ result queue ──▶ results()

With a ``prepare`` function the runtime is a three-stage pipeline (two cores busy at once)::

    source ─capture─▶ frame channel ─prepare worker─▶ 1-slot FIFO ─inference worker─▶ results()

``prepare(frame)`` runs on its own thread (e.g. HASM's detector of frame t+1,
:meth:`hdr_live.pipeline.StagedPipeline.prepare`) while ``process(prepared)`` runs for frame t
(:meth:`~hdr_live.pipeline.StagedPipeline.finish`). Both see frames in capture order, so the
results are those of ``process(prepare(frame))`` one frame after the other. In live mode the
prepare worker takes a new frame only once the inference worker has taken the previous prepared
one (just in time: a prepared frame does not grow stale in the slot, and the newest camera
frame is the one prepared); for files it works up to two frames ahead.

* Live sources (``is_live=True``, a camera): the frame channel holds only the newest frame; a
  frame not yet taken by the worker is replaced (dropped on purpose) when a newer one arrives,
  so the worker always processes the newest frame and latency does not build up.
* Files (``is_live=False``): a bounded FIFO; the capture thread waits when it is full, so no frame
  is lost and the order is kept.

Time stamps are the runtime's own ``time.monotonic()`` readings (a video's ``t_capture_s`` is a
presentation time, not a clock reading). An exception in the source, the prepare stage, the
pipeline or the postprocess hook ends the stream: the results before it are delivered, then
:meth:`results` raises ``RuntimeError`` whose ``__cause__`` is the original exception. Threads
are daemons: a source blocked forever cannot keep :meth:`Runtime.stop` or the process from
ending.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from hdr_live.types import Frame, FrameResult

#: What ``prepare`` hands to ``process`` (the :class:`~hdr_live.types.Frame` itself without one).
P = TypeVar("P")


@dataclasses.dataclass(frozen=True)
class RuntimeOptions:
    """Options of :class:`Runtime`.

    Attributes:
        is_live: live camera (keep only the newest frame) vs file (lose none).
        frame_queue_size: capacity of the file-mode frame queue, frames (>= 1).
        result_queue_size: capacity of the result queue, results (>= 1); the worker waits
            when the consumer lags.
        stop_timeout_s: default time :meth:`Runtime.stop` waits for the threads, seconds.
        poll_interval_s: how often blocked threads look for a stop request, seconds.
        t_capture_is_monotonic: ``Frame.t_capture_s`` is a ``time.monotonic()`` reading (a
            camera source), so the capture-to-delivery latency can be reported.
    """

    is_live: bool
    frame_queue_size: int = 8
    result_queue_size: int = 4
    stop_timeout_s: float = 1.0
    poll_interval_s: float = 0.02
    t_capture_is_monotonic: bool = False

    def __post_init__(self) -> None:
        if self.frame_queue_size < 1 or self.result_queue_size < 1:
            raise ValueError(f"queue sizes must be >= 1: {self}")
        if not (self.stop_timeout_s > 0 and self.poll_interval_s > 0):
            raise ValueError(f"timeouts must be positive: {self}")

    @staticmethod
    def camera() -> RuntimeOptions:
        """Live camera: newest frame only, one pending result, monotonic capture stamps."""
        return RuntimeOptions(is_live=True, result_queue_size=1, t_capture_is_monotonic=True)

    @staticmethod
    def file() -> RuntimeOptions:
        """Video file or image folder: every frame, in order."""
        return RuntimeOptions(is_live=False)


@dataclasses.dataclass(frozen=True)
class RuntimeTimings:
    """Where one frame's time went, milliseconds (monotonic clock).

    Attributes:
        capture_wait_ms: time the capture thread waited in the source for this frame.
        queue_wait_ms: from enqueue (right after capture) until the worker took the frame.
        inference_ms: the ``process`` call.
        postprocess_ms: the postprocess hook (0.0 without one).
        result_wait_ms: from the result being ready until the consumer received it.
        latency_ms: from enqueue until the consumer received the result.
        capture_latency_ms: from ``Frame.t_capture_s`` until received, only when
            ``RuntimeOptions.t_capture_is_monotonic``; otherwise None.
        dropped_before: live mode: frames dropped since the previous frame the worker took.
        prepare_ms: the ``prepare`` call (0.0 without one).
        prepared_wait_ms: from ``prepare`` done until the inference worker took the frame
            (0.0 without ``prepare``). With ``prepare``, ``queue_wait_ms`` ends when the
            prepare worker took the frame.
    """

    capture_wait_ms: float
    queue_wait_ms: float
    inference_ms: float
    postprocess_ms: float
    result_wait_ms: float
    latency_ms: float
    capture_latency_ms: float | None
    dropped_before: int
    prepare_ms: float = 0.0
    prepared_wait_ms: float = 0.0


@dataclasses.dataclass(frozen=True)
class TimedResult:
    """A pipeline result with the runtime's timings."""

    result: FrameResult
    timings: RuntimeTimings


@dataclasses.dataclass(frozen=True)
class RuntimeStats:
    """Counters since start: frames read from the source, dropped (live), processed, delivered."""

    frames_read: int
    frames_dropped: int
    frames_processed: int
    results_delivered: int


@dataclasses.dataclass(frozen=True)
class _Item:
    frame: Frame
    t_enqueued: float
    capture_wait_s: float


@dataclasses.dataclass(frozen=True)
class _Prepared(Generic[P]):
    """A frame after the prepare worker; ``payload`` is what ``prepare`` returned."""

    item: _Item
    payload: P
    dropped_before: int
    t_taken: float
    prepare_s: float
    t_prepared: float


@dataclasses.dataclass(frozen=True)
class _Done:
    result: FrameResult
    item: _Item
    dropped_before: int
    t_taken: float
    inference_s: float
    postprocess_s: float
    t_ready: float
    prepared: _Prepared | None = None


@dataclasses.dataclass(frozen=True)
class _End:
    """End of stream; ``error`` set when a stage failed (``where`` names it)."""

    error: BaseException | None = None
    where: str = ""


class _LatestSlot:
    """Live-mode frame channel: holds the newest item only; an end marker is never dropped."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: _Item | None = None
        self._end: _End | None = None
        self._dropped_since_get = 0
        self.dropped_total = 0

    def put(self, item: _Item, give_up: Callable[[], bool], poll_s: float) -> bool:
        with self._cond:
            if self._item is not None:
                self._dropped_since_get += 1
                self.dropped_total += 1
            self._item = item
            self._cond.notify()
        return True

    def close(self, end: _End, give_up: Callable[[], bool], poll_s: float) -> None:
        with self._cond:
            self._end = end
            self._cond.notify()

    def get(self, timeout_s: float) -> tuple[_Item | _End | None, int]:
        with self._cond:
            self._cond.wait_for(lambda: self._item is not None or self._end is not None, timeout_s)
            if self._item is not None:
                item, dropped = self._item, self._dropped_since_get
                self._item, self._dropped_since_get = None, 0
                return item, dropped
            return self._end, 0


class _FifoChannel:
    """File-mode frame channel: bounded FIFO; producers wait (polling ``give_up``) when full."""

    def __init__(self, size: int) -> None:
        self._queue: queue.Queue[_Item | _End] = queue.Queue(maxsize=size)
        self.dropped_total = 0

    def wait_empty(self, give_up: Callable[[], bool], poll_s: float) -> bool:
        """Wait until the channel is empty; False when ``give_up()`` turned true first."""
        q = self._queue
        with q.not_full:  # notified by every get(); shares the queue's mutex
            while len(q.queue) > 0:
                if give_up():
                    return False
                q.not_full.wait(poll_s)
        return True

    def put(self, item: _Item, give_up: Callable[[], bool], poll_s: float) -> bool:
        return _put_unless(self._queue, item, give_up, poll_s)

    def close(self, end: _End, give_up: Callable[[], bool], poll_s: float) -> None:
        _put_unless(self._queue, end, give_up, poll_s)

    def get(self, timeout_s: float) -> tuple[_Item | _End | None, int]:
        try:
            return self._queue.get(timeout=timeout_s), 0
        except queue.Empty:
            return None, 0


def _put_unless(q: queue.Queue, item: object, give_up: Callable[[], bool], poll_s: float) -> bool:
    """Blocking put that gives up (returns False) once ``give_up()`` is true."""
    while not give_up():
        try:
            q.put(item, timeout=poll_s)
            return True
        except queue.Full:
            continue
    return False


class Runtime(Generic[P]):
    """Runs ``process`` over ``source`` on worker threads; consume with :meth:`results`.

    ``P`` is what ``prepare`` returns and ``process`` takes (a :class:`Frame` without
    ``prepare``).

    Use as a context manager (``with Runtime(...) as rt: for r in rt.results(): ...``) or call
    :meth:`start` / :meth:`stop`. One consumer at a time; a Runtime runs once.
    """

    def __init__(
        self,
        source: Iterable[Frame],
        process: Callable[[P], FrameResult],
        options: RuntimeOptions,
        postprocess: Callable[[FrameResult], FrameResult] | None = None,
        prepare: Callable[[Frame], P] | None = None,
    ) -> None:
        """Prepare (no thread runs until :meth:`start`).

        Args:
            source: frames in capture order; iterated on the capture thread. If its iterator has
                a ``close()`` (a generator), it is called when capture ends normally.
            process: the pipeline, ``Frame -> FrameResult`` (or, with ``prepare``, takes what
                ``prepare`` returned); called on the inference thread only.
            options: runtime options.
            postprocess: optional hook run on the inference thread after ``process``, e.g.
                :meth:`hdr_live.temporal.smoothing.PoseSmoother.apply`.
            prepare: optional first stage, ``Frame -> P``, run on its own thread in frame order
                (see the module docstring); ``process`` then receives its ``P``.
        """
        self._source = source
        self._process = process
        self._postprocess = postprocess
        self._prepare = prepare
        self._options = options
        self._frames = _LatestSlot() if options.is_live else _FifoChannel(options.frame_queue_size)
        # between the prepare and the inference worker: one prepared frame waits at most
        self._prepared = _FifoChannel(1)
        self._results: queue.Queue[_Done | _End] = queue.Queue(maxsize=options.result_queue_size)
        self._stop = threading.Event()  # the user asked to stop: everything ends now
        self._halt = threading.Event()  # producers should stop (user stop or a failure)
        self._worker_done = threading.Event()
        self._prepare_done = threading.Event()
        self._error: _End | None = None
        self._error_raised = False
        self._finished = False  # the consumer has seen the end of the stream
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._started = False
        self._read = self._processed = self._delivered = 0

    # lifecycle -------------------------------------------------------------------------------

    def start(self) -> Runtime:
        """Start the capture and inference threads; returns self.

        Raises:
            RuntimeError: already started.
        """
        if self._started:
            raise RuntimeError("a Runtime can only be started once")
        self._started = True
        self._threads = [
            threading.Thread(target=self._capture_loop, name="hdr-live-capture", daemon=True),
            threading.Thread(target=self._inference_loop, name="hdr-live-inference", daemon=True),
        ]
        if self._prepare is not None:
            self._threads.append(
                threading.Thread(target=self._prepare_loop, name="hdr-live-prepare", daemon=True)
            )
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout_s: float | None = None) -> bool:
        """Ask the threads to end and wait for them, at most ``timeout_s`` seconds in total
        (default ``options.stop_timeout_s``). A thread still blocked (in the source or the
        pipeline) is left behind as a daemon and ends with them.

        Returns:
            True when every thread ended. False means a thread is still inside the source or
            ``process``: do not free what they use yet (call ``stop`` again to wait longer).

        Raises:
            RuntimeError: a stage failed and :meth:`results` has not raised it yet; its
                ``__cause__`` is the original exception.
        """
        joined = self._shutdown(timeout_s)
        self._raise_pending()
        return joined

    def __enter__(self) -> Runtime:
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        self._shutdown(None)
        if exc_type is None:
            self._raise_pending()

    def stats(self) -> RuntimeStats:
        """A snapshot of the counters."""
        return RuntimeStats(
            self._read, self._frames.dropped_total, self._processed, self._delivered
        )

    # consumer --------------------------------------------------------------------------------

    def results(self) -> Iterator[TimedResult]:
        """Results in processing order, until the source ends or :meth:`stop` is called.

        Yields:
            :class:`TimedResult` per processed frame.

        Raises:
            RuntimeError: not started; or a stage failed (after the results before the failure
                were yielded); ``__cause__`` is the original exception.
        """
        if not self._started:
            raise RuntimeError("Runtime.results() before start()")
        poll = self._options.poll_interval_s
        while not (self._stop.is_set() or self._finished):
            try:
                got = self._results.get(timeout=poll)
            except queue.Empty:
                continue
            if isinstance(got, _End):
                self._finished = True
                if got.error is not None:
                    self._error_raised = True
                    raise RuntimeError(_failure_message(got)) from got.error
                return
            t_now = time.monotonic()
            self._delivered += 1
            yield TimedResult(got.result, self._timings(got, t_now))

    # threads ---------------------------------------------------------------------------------

    def _capture_loop(self) -> None:
        o = self._options
        end = _End()
        iterator = None
        try:
            iterator = iter(self._source)
            while not self._halt.is_set():
                t0 = time.monotonic()
                try:
                    frame = next(iterator)
                except StopIteration:
                    break
                t1 = time.monotonic()
                if self._halt.is_set():
                    break
                self._read += 1
                if not self._frames.put(
                    _Item(frame, t1, t1 - t0), self._halt.is_set, o.poll_interval_s
                ):
                    break
            close = getattr(iterator, "close", None)
            if callable(close):
                close()
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            end = self._fail(exc, "frame source")
        # The end marker must reach a running worker even after a failure halted capture.
        self._frames.close(end, self._capture_end_unwanted, o.poll_interval_s)

    def _capture_end_unwanted(self) -> bool:
        first_worker_done = self._prepare_done if self._prepare is not None else self._worker_done
        return self._stop.is_set() or first_worker_done.is_set()

    def _prepared_unwanted(self) -> bool:
        return self._stop.is_set() or self._worker_done.is_set()

    def _prepare_loop(self) -> None:
        try:
            self._prepare_steps()
        finally:
            self._prepare_done.set()

    def _prepare_steps(self) -> None:
        o = self._options
        assert self._prepare is not None
        while not self._stop.is_set():
            if o.is_live and not self._prepared.wait_empty(self._prepared_unwanted, o.poll_interval_s):
                return
            got, dropped = self._frames.get(o.poll_interval_s)
            if got is None:
                continue
            if isinstance(got, _End):
                self._prepared.close(got, self._prepared_unwanted, o.poll_interval_s)
                return
            t_taken = time.monotonic()
            try:
                payload = self._prepare(got.frame)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                end = self._fail(exc, "prepare stage")
                self._prepared.close(end, self._prepared_unwanted, o.poll_interval_s)
                return
            t_prepared = time.monotonic()
            prepared = _Prepared(got, payload, dropped, t_taken, t_prepared - t_taken, t_prepared)
            if not self._prepared.put(prepared, self._prepared_unwanted, o.poll_interval_s):
                return

    def _inference_loop(self) -> None:
        try:
            self._inference_steps()
        finally:
            self._worker_done.set()

    def _inference_steps(self) -> None:
        o = self._options
        channel = self._frames if self._prepare is None else self._prepared
        while not self._stop.is_set():
            got, dropped = channel.get(o.poll_interval_s)
            if got is None:
                continue
            if isinstance(got, _End):
                _put_unless(self._results, got, self._stop.is_set, o.poll_interval_s)
                return
            t_taken = time.monotonic()
            prepared = got if isinstance(got, _Prepared) else None
            item = got.item if isinstance(got, _Prepared) else got
            argument = item.frame if prepared is None else prepared.payload
            dropped = dropped if prepared is None else prepared.dropped_before
            stage = "pipeline"
            try:
                result = self._process(argument)
                t_inferred = time.monotonic()
                if self._postprocess is not None:
                    stage = "postprocess hook"
                    result = self._postprocess(result)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                _put_unless(
                    self._results, self._fail(exc, stage), self._stop.is_set, o.poll_interval_s
                )
                return
            t_ready = time.monotonic()
            self._processed += 1
            done = _Done(
                result,
                item,
                dropped,
                t_taken,
                t_inferred - t_taken,
                t_ready - t_inferred,
                t_ready,
                prepared,
            )
            if not _put_unless(self._results, done, self._stop.is_set, o.poll_interval_s):
                return

    def _fail(self, exc: BaseException, where: str) -> _End:
        end = _End(exc, where)
        with self._lock:
            if self._error is None:
                self._error = end
        self._halt.set()
        return end

    def _shutdown(self, timeout_s: float | None) -> bool:
        self._stop.set()
        self._halt.set()
        deadline = time.monotonic() + (
            self._options.stop_timeout_s if timeout_s is None else timeout_s
        )
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def _raise_pending(self) -> None:
        with self._lock:
            error = self._error
        if error is not None and not self._error_raised:
            self._error_raised = True
            raise RuntimeError(_failure_message(error)) from error.error

    def _timings(self, done: _Done, t_now: float) -> RuntimeTimings:
        item = done.item
        capture_latency = None
        if self._options.t_capture_is_monotonic:
            capture_latency = (t_now - item.frame.t_capture_s) * 1e3
        prep = done.prepared
        t_first_taken = done.t_taken if prep is None else prep.t_taken
        return RuntimeTimings(
            capture_wait_ms=item.capture_wait_s * 1e3,
            queue_wait_ms=(t_first_taken - item.t_enqueued) * 1e3,
            inference_ms=done.inference_s * 1e3,
            postprocess_ms=done.postprocess_s * 1e3,
            result_wait_ms=(t_now - done.t_ready) * 1e3,
            latency_ms=(t_now - item.t_enqueued) * 1e3,
            capture_latency_ms=capture_latency,
            dropped_before=done.dropped_before,
            prepare_ms=0.0 if prep is None else prep.prepare_s * 1e3,
            prepared_wait_ms=0.0 if prep is None else (done.t_taken - prep.t_prepared) * 1e3,
        )


def _failure_message(end: _End) -> str:
    return f"hdr-live runtime: the {end.where} failed: {end.error!r}"
