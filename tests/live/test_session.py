"""LiveSession / LiveProcessor / LiveRecorder / live sources, with a fake pipeline (test double
of the HDR pipeline) on generated frames: ordering, switching, recording, and a camera that
fails or hangs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from support import CLIP_CONFIG, LIVENESS_S, H, W, Factory, count_video_frames, fake_result, gen_frames
from hdr_live.io.sources import InputError
from hdr_live.live.settings import LiveSettings
from hdr_live.temporal.smoothing import Smoothing
from hdr_live.live.processor import LiveProcessor
from hdr_live.live.recorder import LiveRecorder
from hdr_live.live.session import LiveSession, SessionOptions
from hdr_live.live.sources import looped_video, paced
from hdr_live.config import Mode
from hdr_live.types import Frame

def test_file_session_delivers_every_frame_and_records_a_playable_mp4(tmp_path: Path) -> None:
    factory = Factory()
    session = LiveSession(gen_frames(25), 30.0, config=CLIP_CONFIG, factory=factory)
    out = tmp_path / "rec.mp4"
    session.start_recording(out)
    seen = []
    session.start()
    assert session.wait(LIVENESS_S)
    view = session.latest()
    assert session.stop() is True
    assert session.error is None
    assert view is not None and view.seq == 25 and view.result.frame.index == 24
    assert view.overlay_rgb.shape == (H, W, 3) and view.recording == out
    assert len(view.result.poses) == 2 and view.description.startswith("fake hdr")
    assert count_video_frames(out) == 25
    assert factory.made[0].closed == 1  # stop() closed the pipeline
    seen.append(view)


def test_stop_recording_mid_run_leaves_a_complete_file(tmp_path: Path) -> None:
    gate = threading.Event()

    def frames() -> Iterator[Frame]:
        for f in gen_frames(40):
            if f.index == 10:
                assert gate.wait(LIVENESS_S)
            yield f

    session = LiveSession(frames(), 30.0, config=CLIP_CONFIG, factory=Factory())
    out = tmp_path / "part.mp4"
    session.start_recording(out)
    session.start()
    while (session.latest() is None or session.latest().seq < 10) and not session.finished:
        session.wait(0.01)
    assert session.stop_recording() == out
    gate.set()
    assert session.wait(LIVENESS_S)
    session.stop()
    n = count_video_frames(out)
    assert 9 <= n <= 12  # frames up to the stop request, not after
    assert session.last_recording == out


def test_switching_settings_builds_a_new_pipeline_closes_the_old_and_loses_no_frame() -> None:
    factory = Factory()
    processor = LiveProcessor(LiveSettings(), CLIP_CONFIG, factory)
    frames = list(gen_frames(6))
    out = []
    for f in frames[:3]:
        out.append(processor.smooth(processor.finish(processor.prepare(f))))
    processor.settings = LiveSettings(mode=Mode.MEDIAPIPE, mirror=True, smoothing=Smoothing.OFF)
    for f in frames[3:]:
        out.append(processor.smooth(processor.finish(processor.prepare(f))))
    assert [r.frame.index for r in out] == list(range(6))
    first, second = factory.made
    assert first.closed == 1 and second.closed == 0
    assert second.config.mode is Mode.MEDIAPIPE
    # the new pipeline sees mirrored frames (dark half now on the right)
    np.testing.assert_array_equal(second.frames_seen[0], frames[3].rgb[:, ::-1])
    # one-euro smoothing was on for the first frames, off after the switch
    assert not np.array_equal(out[2].poses.right.joints_px, fake_result(frames[2], "").poses.right.joints_px)
    np.testing.assert_array_equal(out[5].poses.right.joints_px, fake_result(frames[5], "").poses.right.joints_px)
    processor.close()
    assert second.closed == 1


def test_a_camera_that_disappears_ends_the_session_with_its_message() -> None:
    def camera() -> Iterator[Frame]:
        yield from gen_frames(5)
        raise InputError("camera 0 stopped delivering frames (disconnected?)")

    session = LiveSession(camera(), 30.0, factory=Factory()).start()
    assert session.wait(LIVENESS_S)
    assert session.error == "camera 0 stopped delivering frames (disconnected?)"
    assert session.stop() is True


def test_a_camera_whose_driver_hangs_is_reported_not_waited_for() -> None:
    release = threading.Event()

    def camera() -> Iterator[Frame]:
        yield from gen_frames(3)
        release.wait()  # a read() that never returns

    options = SessionOptions(stall_timeout_s=0.5, stop_timeout_s=0.3)
    session = LiveSession(camera(), 30.0, options=options, factory=Factory()).start()
    try:
        assert session.wait(LIVENESS_S)
        assert "delivered no frame" in (session.error or "")
        assert session.stop() is False  # the capture thread is still stuck in the driver
    finally:
        release.set()


def test_recorder_repeats_frames_to_follow_live_capture_time(tmp_path: Path) -> None:
    rgb = np.zeros((32, 48, 3), np.uint8)
    live = LiveRecorder(tmp_path / "live.mp4", 30.0, fill_gaps=True)
    for t in (10.0, 10.0 + 1 / 30, 10.0 + 4 / 30):  # two frames dropped before the third
        live.write(rgb, t)
    live.close()
    assert live.frames_written == 5 == count_video_frames(tmp_path / "live.mp4")
    file_rec = LiveRecorder(tmp_path / "file.mp4", 30.0, fill_gaps=False)
    for t in (0.0, 1.0):
        file_rec.write(rgb, t)
    file_rec.close()
    assert file_rec.frames_written == 2


def test_looped_video_keeps_indices_and_time_increasing(short_clip: Path) -> None:
    frames = list(looped_video(short_clip, loops=2))
    assert [f.index for f in frames] == list(range(24))
    t = np.array([f.t_capture_s for f in frames])
    assert np.all(np.diff(t) > 0)
    np.testing.assert_allclose(np.diff(t), 1 / 30.0, atol=2e-3)
    with pytest.raises(ValueError):
        next(looped_video(short_clip, loops=0))


def test_paced_follows_capture_time_on_the_given_clock() -> None:
    now = [100.0]
    slept = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    frames = [Frame(np.zeros((2, 2, 3), np.uint8), i, 5.0 + i * 0.1) for i in range(4)]
    out = list(paced(frames, clock=lambda: now[0], sleep=sleep))
    assert [f.index for f in out] == [0, 1, 2, 3]
    np.testing.assert_allclose(slept, [0.1, 0.1, 0.1])
