"""``run_batch``: the pipelined path (prepare of frame t+1 beside finish of frame t, drawing,
encoding and the pose log on a writer thread) gives the serial path's outputs; failures are
raised as themselves with nothing left running; a stop ends after exactly the frames produced."""

from __future__ import annotations

import errno
import itertools
import os
import signal
import threading
import time

import numpy as np
import pytest
from support import LIVENESS_S, REPO, count_video_frames, fake_result, gen_frames

from hdr_live.batch import RunStats, run_batch
from hdr_live.stop_signals import GracefulStop
from hdr_live.io.pose_log import PoseLogError, PoseLogWriter, read_pose_log
from hdr_live.io.sources import InputError
from hdr_live.io.video_writer import Mp4Writer, VideoWriteError
from hdr_live.pipeline import PreparedFrame, StagedPipeline
from hdr_live.render import OverlayOptions

DEMO = REPO / "assets" / "demo_two_hands.mp4"
OURS = ("hdr-live-prepare", "hdr-live-writer")
MODES = pytest.mark.parametrize("pipelined", [True, False], ids=["pipelined", "serial"])


def _our_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in OURS]


def _bounded(call, *args, **kwargs):
    """``call(*args, **kwargs)`` on a daemon thread; fails the test (instead of hanging) when it
    does not return within LIVENESS_S; re-raises what it raised."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = call(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(LIVENESS_S)
    assert not thread.is_alive(), "run_batch hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class Boom(Exception):
    """A pipeline's own exception type."""


class Staged:
    """A StagedPipeline double: optional sleeps, a failure at a frame, and a log of
    (event, frame index, thread name, finishes done) to check order and overlap."""

    description = "staged double"

    def __init__(self, prepare_s=0.0, finish_s=0.0, fail_prepare_at=None, fail_finish_at=None,
                 sigint_at=None):
        self.prepare_s, self.finish_s = prepare_s, finish_s
        self.fail_prepare_at, self.fail_finish_at = fail_prepare_at, fail_finish_at
        self.sigint_at = sigint_at
        self.events: list[tuple[str, int, str, int]] = []
        self.finished = 0
        self.busy = 0  # calls in progress
        self._lock = threading.Lock()

    def _log(self, event: str, index: int) -> None:
        with self._lock:
            self.events.append((event, index, threading.current_thread().name, self.finished))

    def prepare(self, frame):
        self._log("prepare", frame.index)
        self.busy += 1
        try:
            time.sleep(self.prepare_s)
            if frame.index == self.fail_prepare_at:
                raise Boom(f"prepare {frame.index}")
            return PreparedFrame(frame, None, 1.0)
        finally:
            self.busy -= 1

    def finish(self, prepared):
        index = prepared.frame.index
        self._log("finish", index)
        self.busy += 1
        try:
            time.sleep(self.finish_s)
            if index == self.fail_finish_at:
                raise Boom(f"finish {index}")
            if index == self.sigint_at:
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while this frame is in hand
            return fake_result(prepared.frame, self.description)
        finally:
            with self._lock:
                self.finished += 1
            self.busy -= 1

    def process(self, frame):
        return self.finish(self.prepare(frame))

    def reset(self):
        pass

    def close(self):
        pass


class ProcessOnly:
    """A plain Pipeline (no prepare/finish)."""

    description = "process only"

    def process(self, frame):
        return fake_result(frame, self.description)

    def reset(self):
        pass

    def close(self):
        pass


class FailingVideo:
    """An Mp4Writer stand-in whose write raises ``error`` at frame ``at`` (0-based)."""

    def __init__(self, error: BaseException, at: int, delay_s: float = 0.0):
        self.error, self.at, self.delay_s = error, at, delay_s
        self.written = 0

    def write(self, rgb: np.ndarray) -> None:
        assert rgb.dtype == np.uint8 and rgb.ndim == 3
        time.sleep(self.delay_s)
        if self.written == self.at:
            raise self.error
        self.written += 1


def _lines(path) -> list[dict]:
    return list(read_pose_log(path)) if path.exists() else []


def _run(tmp_path, pipeline, n, pipelined, video=None, **kwargs):
    """run_batch over ``n`` generated frames into tmp_path/p.jsonl (and ``video`` or an MP4);
    returns (stats, pose records, MP4 path)."""
    log, mp4 = tmp_path / "p.jsonl", tmp_path / "v.mp4"
    with PoseLogWriter(log) as poses:
        writer = video if video is not None else Mp4Writer(mp4, 30.0)
        try:
            stats = _bounded(run_batch, gen_frames(n), pipeline, writer, poses, OverlayOptions(),
                             pipelined=pipelined, **kwargs)
        finally:
            if isinstance(writer, Mp4Writer):
                writer.close()
    return stats, _lines(log), mp4


# the same outputs ---------------------------------------------------------------------------


def _demo_run(out_dir, pipelined: bool, n: int = 24) -> tuple[bytes, int, RunStats]:
    from hdr_live.build import build_pipeline
    from hdr_live.config import App, InputKind, StageChoices, config_for
    from hdr_live.io.inputs import open_input
    from hdr_live.temporal.smoothing import PoseSmoother, Smoothing

    out_dir.mkdir()
    pipeline = build_pipeline(config_for(StageChoices(), App.BATCH, InputKind.VIDEO))
    assert isinstance(pipeline, StagedPipeline)
    smoother = PoseSmoother(Smoothing.ONE_EURO.smoother_options())
    try:
        with open_input(str(DEMO)) as source, Mp4Writer(out_dir / "v.mp4", source.fps) as video, \
                PoseLogWriter(out_dir / "p.jsonl") as poses:
            stats = run_batch(itertools.islice(iter(source), n), pipeline, video, poses,
                              OverlayOptions(caption=pipeline.description), smoother=smoother,
                              pipelined=pipelined)
    finally:
        pipeline.close()
    return (out_dir / "p.jsonl").read_bytes(), count_video_frames(out_dir / "v.mp4"), stats


def test_pipelined_and_serial_give_the_same_pose_log_on_the_demo_clip(tmp_path):
    """The real default pipeline (staged, smoothed, so the raw joints are logged too)."""
    serial, serial_frames, _ = _demo_run(tmp_path / "serial", pipelined=False)
    piped, piped_frames, stats = _demo_run(tmp_path / "piped", pipelined=True)
    assert serial.count(b"\n") == 24 and b"joints_px_raw" in serial
    assert piped == serial  # byte for byte
    assert serial_frames == piped_frames == stats.frames == 24
    assert not _our_threads()


@MODES
def test_every_frame_in_order_in_both_outputs_and_on_result(tmp_path, pipelined):
    seen, threads = [], set()

    def on_result(result):
        seen.append(result.frame.index)
        threads.add(threading.current_thread().name)

    stats, records, mp4 = _run(tmp_path, Staged(), 30, pipelined, on_result=on_result)
    assert [r["frame"] for r in records] == seen == list(range(30))
    assert count_video_frames(mp4) == 30 and stats.frames == 30
    assert stats.frames_two_hands == 30 and stats.hasm_ms == pytest.approx(30.0)
    assert stats.wall_s > 0
    # pipelined: on the writer thread; serial: on the caller's thread (here _bounded's)
    assert len(threads) == 1 and (("hdr-live-writer" in threads) == pipelined)
    assert not _our_threads()


def test_a_plain_pipeline_runs_pipelined_too(tmp_path):
    _, records, mp4 = _run(tmp_path, ProcessOnly(), 12, True)
    assert [r["frame"] for r in records] == list(range(12)) and count_video_frames(mp4) == 12


# the overlap ---------------------------------------------------------------------------------


def test_prepare_runs_one_frame_ahead_beside_finish(tmp_path):
    """prepare on the helper thread, finish on the caller's, each frame once and in order;
    prepare(k) starts only after finish(k-2) ended; and the two overlap in time."""
    n, step_s = 10, 0.05
    serial_pipe, piped_pipe = Staged(step_s, step_s), Staged(step_s, step_s)
    t0 = time.perf_counter()
    _run(tmp_path, serial_pipe, n, False, video=FailingVideo(OSError(), at=-1))
    serial_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    _run(tmp_path, piped_pipe, n, True, video=FailingVideo(OSError(), at=-1))
    piped_s = time.perf_counter() - t0
    prepares = [e for e in piped_pipe.events if e[0] == "prepare"]
    finishes = [e for e in piped_pipe.events if e[0] == "finish"]
    assert [e[1] for e in prepares] == [e[1] for e in finishes] == list(range(n))
    assert {e[2] for e in prepares} == {"hdr-live-prepare"}
    assert "hdr-live-prepare" not in {e[2] for e in finishes}
    assert all(done >= k - 1 for _, k, _, done in prepares)  # never more than 2 ahead
    assert piped_s < 0.75 * serial_s, (piped_s, serial_s)  # ~n*step vs ~2*n*step


def test_the_writer_queue_bounds_what_a_kill_could_lose(tmp_path):
    """With a slow writer, results produced but not yet written stay <= queue_size + 2 (the
    queue, the writer's item in hand, the caller's item being handed over)."""
    pipe = Staged()
    lag = []
    log_path = tmp_path / "p.jsonl"

    class Slow(FailingVideo):
        def write(self, rgb):
            time.sleep(0.02)
            lag.append(pipe.finished - self.written)  # produced, not yet written
            self.written += 1

    with PoseLogWriter(log_path) as poses:
        _bounded(run_batch, gen_frames(20), pipe, Slow(OSError(), -1), poses,
                 OverlayOptions(), queue_size=3)
    assert len(_lines(log_path)) == 20
    assert 3 + 1 <= max(lag) <= 3 + 2, lag


# failures ------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   VideoWriteError("cannot write video v.mp4: disk full")],
                         ids=["OSError", "VideoWriteError"])
def test_a_writer_error_is_raised_as_itself_with_no_thread_left(tmp_path, pipelined, error):
    pipe = Staged()
    with pytest.raises(type(error)) as caught:
        _run(tmp_path, pipe, 40, pipelined, video=FailingVideo(error, at=5))
    assert caught.value is error
    records = _lines(tmp_path / "p.jsonl")
    # frames 0..4 whole (video frame, then pose line); nothing after the failed frame
    assert [r["frame"] for r in records] == list(range(5))
    assert not _our_threads() and pipe.busy == 0
    assert pipe.finished <= 5 + 1 + 4 + 1  # the run stopped soon after the failure


@MODES
def test_a_pose_log_error_is_raised_as_itself(tmp_path, pipelined):
    class FullLog(PoseLogWriter):
        def write(self, result, raw=None):
            if self.lines_written == 3:
                raise PoseLogError("cannot write pose log p.jsonl: No space left on device")
            super().write(result, raw)

    with FullLog(tmp_path / "p.jsonl") as poses, pytest.raises(PoseLogError):
        _bounded(run_batch, gen_frames(20), Staged(), None, poses, OverlayOptions(),
                 pipelined=pipelined)
    assert len(_lines(tmp_path / "p.jsonl")) == 3 and not _our_threads()


@MODES
@pytest.mark.parametrize("where", ["prepare", "finish"])
def test_a_failing_stage_propagates_after_the_frames_before_it(tmp_path, pipelined, where):
    pipe = Staged(**{f"fail_{where}_at": 7})
    stats = RunStats()
    with pytest.raises(Boom, match=f"{where} 7"):
        _run(tmp_path, pipe, 20, pipelined, stats=stats)
    records = _lines(tmp_path / "p.jsonl")
    assert [r["frame"] for r in records] == list(range(7)) and stats.frames == 7
    assert count_video_frames(tmp_path / "v.mp4") == 7
    assert not _our_threads() and pipe.busy == 0


@MODES
def test_a_failing_source_propagates_after_the_frames_before_it(tmp_path, pipelined):
    def frames():
        yield from gen_frames(4)
        raise InputError("cannot decode frame 4 of clip.mp4")

    log = tmp_path / "p.jsonl"
    with PoseLogWriter(log) as poses, pytest.raises(InputError, match="frame 4"):
        _bounded(run_batch, frames(), Staged(), None, poses, OverlayOptions(),
                 pipelined=pipelined)
    assert [r["frame"] for r in _lines(log)] == list(range(4)) and not _our_threads()


# stopping ------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize("k", [1, 6])
def test_stop_after_k_results_gives_exactly_k_frames(tmp_path, pipelined, k):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= k

    pipe = Staged()
    stats, records, mp4 = _run(tmp_path, pipe, 30, pipelined, stop=stop)
    assert len(calls) == k and stats.frames == k
    assert [r["frame"] for r in records] == list(range(k)) and count_video_frames(mp4) == k
    assert pipe.finished == k  # no result beyond the stop
    prepared = sum(1 for e in pipe.events if e[0] == "prepare")
    assert prepared == (k + 1 if pipelined else k)  # pipelined: one read ahead, dropped
    assert not _our_threads() and pipe.busy == 0


@MODES
def test_ctrl_c_ends_after_the_frame_in_hand_and_returns_normally(tmp_path, pipelined):
    """A real SIGINT with GracefulStop, as in ``hdr-live process`` (main thread only)."""
    assert threading.current_thread() is threading.main_thread()
    pipe = Staged(sigint_at=5)
    log, mp4 = tmp_path / "p.jsonl", tmp_path / "v.mp4"
    with PoseLogWriter(log) as poses, Mp4Writer(mp4, 30.0) as video:
        with GracefulStop() as ctrl_c:
            stats = run_batch(gen_frames(40), pipe, video, poses, OverlayOptions(),
                              stop=lambda: ctrl_c.requested, pipelined=pipelined)
        assert ctrl_c.requested
    assert stats.frames == 6 and [r["frame"] for r in _lines(log)] == list(range(6))
    assert count_video_frames(mp4) == 6 and not _our_threads()


def test_a_bad_queue_size_is_refused(tmp_path):
    with pytest.raises(ValueError, match="queue_size"):
        run_batch(gen_frames(1), Staged(), None, None, OverlayOptions(), queue_size=0)
