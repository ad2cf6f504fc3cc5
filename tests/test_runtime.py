"""Tests of hdr_live.runtime with a fake frame source and a fake pipeline (test doubles of the
runtime's surroundings)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from hdr_live.runtime import Runtime, RuntimeOptions
from hdr_live.types import Frame, FrameResult, HandMasks, Hands, StageTimings

RGB = np.zeros((4, 4, 3), dtype=np.uint8)
MASKS = HandMasks.empty(4, 4)
LIVENESS_S = 10.0  # generous bound for "did not hang"; not a speed requirement


def frame(i: int, t: float | None = None) -> Frame:
    return Frame(RGB, i, i / 30.0 if t is None else t)


def fake_result(f: Frame) -> FrameResult:
    return FrameResult(f, MASKS, Hands(), Hands(), StageTimings())


def slow_source(n: int, delay_s: float = 0.0) -> Iterator[Frame]:
    for i in range(n):
        if delay_s:
            time.sleep(delay_s)
        yield frame(i)


def slow_pipeline(delay_s: float):
    def process(f: Frame) -> FrameResult:
        time.sleep(delay_s)
        return fake_result(f)

    return process


def run_in_thread(fn) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def test_file_mode_loses_no_frame_and_keeps_order() -> None:
    opts = RuntimeOptions(is_live=False, frame_queue_size=2, result_queue_size=2)
    rng = np.random.default_rng(0)
    delays = iter(rng.uniform(0.0, 0.004, 1000))

    def jittery(f: Frame) -> FrameResult:
        time.sleep(next(delays))
        return fake_result(f)

    with Runtime(slow_source(60, delay_s=0.001), jittery, opts) as rt:
        got = list(rt.results())
    assert [r.result.frame.index for r in got] == list(range(60))
    stats = rt.stats()
    assert (
        stats.frames_read,
        stats.frames_dropped,
        stats.frames_processed,
        stats.results_delivered,
    ) == (60, 0, 60, 60)
    for r in got:
        t = r.timings
        assert t.dropped_before == 0 and t.capture_latency_ms is None
        assert min(t.capture_wait_ms, t.queue_wait_ms, t.inference_ms, t.result_wait_ms) >= 0.0
        assert t.latency_ms >= t.queue_wait_ms + t.inference_ms


def test_live_mode_drops_stale_frames_and_processes_the_newest() -> None:
    """Frame 0 is in the pipeline while frames 1..9 arrive: 1..8 are dropped, 9 is next."""
    first_taken, burst_done = threading.Event(), threading.Event()

    def source() -> Iterator[Frame]:
        yield frame(0)
        assert first_taken.wait(LIVENESS_S)
        for i in range(1, 10):
            yield frame(i)
        burst_done.set()

    def process(f: Frame) -> FrameResult:
        if f.index == 0:
            first_taken.set()
            assert burst_done.wait(LIVENESS_S)
        return fake_result(f)

    with Runtime(source(), process, RuntimeOptions(is_live=True)) as rt:
        got = list(rt.results())
    assert [r.result.frame.index for r in got] == [0, 9]
    assert [r.timings.dropped_before for r in got] == [0, 8]
    assert rt.stats().frames_dropped == 8


def test_live_mode_with_a_fast_source_keeps_up_with_the_newest() -> None:
    with Runtime(slow_source(200), slow_pipeline(0.005), RuntimeOptions.camera()) as rt:
        got = [r.result.frame.index for r in rt.results()]
    stats = rt.stats()
    assert got == sorted(set(got))  # increasing, no repeats
    assert got[-1] == 199  # the newest frame is always the one processed at the end
    assert len(got) < 200 and stats.frames_dropped > 0
    assert stats.frames_read == 200 == stats.frames_processed + stats.frames_dropped


@pytest.mark.parametrize("is_live", [False, True])
def test_pipeline_exception_reaches_the_caller_with_its_cause(is_live: bool) -> None:
    boom = ValueError("pipeline boom")

    def process(f: Frame) -> FrameResult:
        if f.index == 3:
            raise boom
        return fake_result(f)

    indices = []
    with pytest.raises(RuntimeError, match="pipeline failed") as info:
        with Runtime(slow_source(10, 0.002), process, RuntimeOptions(is_live=is_live)) as rt:
            for r in rt.results():
                indices.append(r.result.frame.index)
    assert info.value.__cause__ is boom
    if not is_live:
        assert indices == [0, 1, 2]


def test_source_exception_reaches_the_caller_after_the_frames_before_it() -> None:
    boom = OSError("camera unplugged")

    def source() -> Iterator[Frame]:
        yield from slow_source(5)
        raise boom

    indices = []
    with Runtime(
        source(), slow_pipeline(0.002), RuntimeOptions(is_live=False, frame_queue_size=1)
    ) as rt:
        with pytest.raises(RuntimeError, match="frame source failed") as info:
            for r in rt.results():
                indices.append(r.result.frame.index)
    assert info.value.__cause__ is boom
    assert indices == [0, 1, 2, 3, 4]


def test_postprocess_hook_runs_and_its_exception_is_reported() -> None:
    seen = []

    def hook(result: FrameResult) -> FrameResult:
        seen.append(result.frame.index)
        return result

    with Runtime(slow_source(5), fake_result, RuntimeOptions.file(), postprocess=hook) as rt:
        assert [r.result.frame.index for r in rt.results()] == [0, 1, 2, 3, 4]
    assert seen == [0, 1, 2, 3, 4]

    boom = KeyError("hook")

    def bad_hook(result: FrameResult) -> FrameResult:
        raise boom

    with pytest.raises(RuntimeError, match="postprocess hook failed") as info:
        with Runtime(
            slow_source(5), fake_result, RuntimeOptions.file(), postprocess=bad_hook
        ) as rt:
            list(rt.results())
    assert info.value.__cause__ is boom


def test_stop_returns_although_the_source_blocks_forever() -> None:
    release = threading.Event()

    def source() -> Iterator[Frame]:
        yield frame(0)
        release.wait()  # blocks until the end of the test
        yield frame(1)

    try:
        rt = Runtime(source(), fake_result, RuntimeOptions.file()).start()
        results = rt.results()
        assert next(results).result.frame.index == 0
        outcome = {}
        stopper = run_in_thread(lambda: outcome.setdefault("joined", rt.stop(timeout_s=0.2)))
        stopper.join(LIVENESS_S)
        assert not stopper.is_alive()
        assert outcome["joined"] is False  # the capture thread is still stuck in the source
        assert list(results) == []  # the generator ends after stop()
    finally:
        release.set()


def test_stop_from_another_thread_ends_a_waiting_consumer() -> None:
    release = threading.Event()

    def source() -> Iterator[Frame]:
        release.wait()
        yield frame(0)

    try:
        rt = Runtime(source(), fake_result, RuntimeOptions.camera()).start()
        consumed = {}
        consumer = run_in_thread(lambda: consumed.setdefault("n", len(list(rt.results()))))
        rt.stop(timeout_s=0.2)
        consumer.join(LIVENESS_S)
        assert not consumer.is_alive() and consumed["n"] == 0
    finally:
        release.set()


@pytest.mark.parametrize("is_live", [False, True])
def test_a_source_that_ends_finishes_the_results(is_live: bool) -> None:
    closed = threading.Event()

    def source() -> Iterator[Frame]:
        try:
            yield from slow_source(3)
        finally:
            closed.set()

    done = {}
    with Runtime(source(), fake_result, RuntimeOptions(is_live=is_live)) as rt:
        consumer = run_in_thread(lambda: done.setdefault("n", len(list(rt.results()))))
        consumer.join(LIVENESS_S)
    assert not consumer.is_alive()
    assert done["n"] == 3 if not is_live else 1 <= done["n"] <= 3
    assert closed.is_set()
    with Runtime(iter(()), fake_result, RuntimeOptions(is_live=is_live)) as rt:
        assert list(rt.results()) == []


def test_an_unseen_failure_is_raised_by_stop() -> None:
    failing = threading.Event()

    def process(f: Frame) -> FrameResult:
        failing.set()
        raise ZeroDivisionError("late")

    rt = Runtime(slow_source(3), process, RuntimeOptions.file()).start()
    assert failing.wait(LIVENESS_S)
    with pytest.raises(RuntimeError, match="pipeline failed") as info:
        rt.stop()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    rt.stop()  # reported once


def test_an_exception_in_the_with_block_is_not_masked() -> None:
    def process(f: Frame) -> FrameResult:
        raise ValueError("pipeline")

    with pytest.raises(KeyError):
        with Runtime(slow_source(3), process, RuntimeOptions.file()):
            raise KeyError("consumer")


def test_capture_latency_uses_monotonic_capture_stamps_only_when_told() -> None:
    def camera() -> Iterator[Frame]:
        for i in range(3):
            yield frame(i, t=time.monotonic())

    with Runtime(camera(), fake_result, RuntimeOptions.camera()) as rt:
        got = list(rt.results())
    assert got and all(r.timings.capture_latency_ms is not None for r in got)
    assert all(r.timings.capture_latency_ms >= r.timings.latency_ms for r in got)


def test_misuse_raises() -> None:
    rt = Runtime(slow_source(1), fake_result, RuntimeOptions.file())
    with pytest.raises(RuntimeError):
        next(rt.results())
    rt.start()
    with pytest.raises(RuntimeError):
        rt.start()
    rt.stop()
    with pytest.raises(ValueError):
        RuntimeOptions(is_live=False, frame_queue_size=0)


def test_results_after_the_end_is_empty() -> None:
    with Runtime(slow_source(2), fake_result, RuntimeOptions.file()) as rt:
        assert len(list(rt.results())) == 2
        assert list(rt.results()) == []
