"""The runtime's optional prepare stage (three-stage pipeline), with fake pipelines."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from hdr_live.runtime import Runtime, RuntimeOptions
from hdr_live.types import Frame, FrameResult, HandMasks, Hands, StageTimings

RGB = np.zeros((4, 4, 3), dtype=np.uint8)
LIVENESS_S = 10.0  # bound for "did not hang", not a speed requirement


def frames(n: int, delay_s: float = 0.0) -> Iterator[Frame]:
    for i in range(n):
        if delay_s:
            time.sleep(delay_s)
        yield Frame(RGB, i, i / 30.0)


def result(f: Frame) -> FrameResult:
    return FrameResult(f, HandMasks.empty(4, 4), Hands(), Hands(), StageTimings())


def test_prepare_and_process_run_on_two_threads_in_order_and_overlap() -> None:
    prepare_threads, process_threads = set(), set()
    overlap = threading.Event()
    in_process = threading.Event()

    def prepare(f: Frame) -> tuple[int, Frame]:
        prepare_threads.add(threading.get_ident())
        if in_process.is_set():
            overlap.set()  # frame t+1 prepared while frame t is being processed
        return (f.index * 10, f)

    def process(item: tuple[int, Frame]) -> FrameResult:
        process_threads.add(threading.get_ident())
        in_process.set()
        time.sleep(0.003)
        in_process.clear()
        assert item[0] == item[1].index * 10  # receives what prepare returned
        return result(item[1])

    with Runtime(frames(40), process, RuntimeOptions.file(), prepare=prepare) as rt:
        got = list(rt.results())
    assert [r.result.frame.index for r in got] == list(range(40))
    assert len(prepare_threads) == 1 and len(process_threads) == 1
    assert prepare_threads.isdisjoint(process_threads)
    assert overlap.is_set()
    for r in got:
        t = r.timings
        assert t.prepare_ms >= 0 and t.prepared_wait_ms >= 0
        assert t.latency_ms >= t.queue_wait_ms + t.prepare_ms + t.inference_ms - 1e-6


def test_a_failing_prepare_reaches_the_caller_with_its_cause() -> None:
    boom = ValueError("detector boom")

    def prepare(f: Frame) -> Frame:
        if f.index == 4:
            raise boom
        return f

    indices = []
    with pytest.raises(RuntimeError, match="prepare stage failed") as info:
        with Runtime(frames(10), result, RuntimeOptions.file(), prepare=prepare) as rt:
            for r in rt.results():
                indices.append(r.result.frame.index)
    assert info.value.__cause__ is boom
    assert indices == [0, 1, 2, 3]


def test_live_mode_prepares_the_newest_frame_just_in_time() -> None:
    """While frame 0 is processed, frames 1..9 arrive: the prepare worker waits for the
    inference worker and then takes the newest frame (9), not a stale one."""
    processing, burst_done = threading.Event(), threading.Event()

    def source() -> Iterator[Frame]:
        yield Frame(RGB, 0, 0.0)
        assert processing.wait(LIVENESS_S)
        for i in range(1, 10):
            yield Frame(RGB, i, i / 30.0)
        burst_done.set()

    def process(f: Frame) -> FrameResult:
        if f.index == 0:
            processing.set()
            assert burst_done.wait(LIVENESS_S)
        return result(f)

    with Runtime(source(), process, RuntimeOptions(is_live=True), prepare=lambda f: f) as rt:
        got = [r.result.frame.index for r in rt.results()]
    assert got == [0, 9]
    assert rt.stats().frames_dropped == 8


def test_stop_ends_all_three_threads() -> None:
    release = threading.Event()

    def slow_prepare(f: Frame) -> Frame:
        release.wait(0.05)
        return f

    rt = Runtime(frames(1000), result, RuntimeOptions.file(), prepare=slow_prepare).start()
    first = next(rt.results())
    assert first.result.frame.index == 0
    assert rt.stop(timeout_s=LIVENESS_S) is True
