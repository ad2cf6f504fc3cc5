"""HandTracker's life cycle: close() any number of times, a clear error after it or from a
second thread, and times that must increase (issue "Real-world inputs and faults", row 12)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import hdr_live
from hdr_live.api import HandTracker, TrackerUseError

BLANK = np.full((120, 160, 3), 90, np.uint8)


@pytest.fixture(scope="module")
def config():
    return hdr_live.PipelineConfig(input_kind=hdr_live.InputKind.VIDEO)


def test_close_twice_and_inside_with_then_use_after_close(config):
    with HandTracker(config) as tracker:
        tracker.process(BLANK, 0.0)
        tracker.close()
    tracker.close()
    with pytest.raises(TrackerUseError, match="closed"):
        tracker.process(BLANK, 1.0)
    with pytest.raises(TrackerUseError, match="closed"):
        next(iter(tracker.track("unused.mp4")))


def test_times_must_increase_until_reset(config):
    with HandTracker(config) as tracker:
        tracker.process(BLANK, 1.0)
        for t in (1.0, 0.5):
            with pytest.raises(ValueError, match="must increase"):
                tracker.process(BLANK, t)
        tracker.process(BLANK, 1.1)
        tracker.reset()
        assert tracker.process(BLANK, 0.0).frame.t_capture_s == 0.0


def test_a_second_thread_gets_a_clear_error_while_a_call_runs(config):
    with HandTracker(config) as tracker:
        started, release = threading.Event(), threading.Event()
        run = tracker._run

        def slow_run(frame):  # hold the first call inside the pipeline
            started.set()
            release.wait(30)
            return run(frame)

        tracker._run = slow_run
        first = threading.Thread(target=tracker.process, args=(BLANK, 0.0))
        first.start()
        assert started.wait(30)
        with pytest.raises(TrackerUseError, match="another thread"):
            tracker.process(BLANK, 1.0)
        release.set()
        first.join(30)
        tracker._run = run
        assert tracker.process(BLANK, 2.0).frame.index == 1


def test_a_frame_of_another_size_restarts_tracking_with_a_warning(config, caplog):
    with HandTracker(config) as tracker:
        tracker.process(BLANK, 0.0)
        with caplog.at_level("WARNING", logger="hdr_live"):
            tracker.process(np.full((240, 320, 3), 90, np.uint8), 0.1)
        assert "changed from 160×120 to 320×240" in caplog.text
