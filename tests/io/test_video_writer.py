"""The MP4 writer and the pose log: one fragment per frame (a crash loses at most the newest
frame), clear errors for bad frame rates and unwritable paths, strict JSON lines."""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from support import REPO, count_video_frames
from hdr_live.io.pose_log import PoseLogError, PoseLogWriter, read_pose_log
from hdr_live.io.video_writer import Mp4Writer, VideoWriteError
from hdr_live.joints import Side
from hdr_live.types import Frame, FrameResult, HandMasks, HandPose, Hands, StageTimings


def _frame(i, h=48, w=64):
    return np.full((h, w, 3), (7 * i) % 256, np.uint8)


@pytest.mark.parametrize("fragments, lag_max", [("frame", 1), ("keyframe", 15)])
def test_frames_on_disk_while_writing(tmp_path, fragments, lag_max):
    path, snap = tmp_path / "v.mp4", tmp_path / "snap.mp4"
    lags = []
    with Mp4Writer(path, 30.0, fragments=fragments) as writer:
        for i in range(20):
            writer.write(_frame(i))
            shutil.copy(path, snap)  # what a reader (or a crash) would find now
            lags.append(writer.frames_written - count_video_frames(snap))
    assert max(lags) <= lag_max
    if fragments == "frame":
        assert lags == [1] * 20  # the newest frame is muxed when the next one arrives
    assert count_video_frames(path) == 20


_CHILD = textwrap.dedent("""
    import sys, numpy as np
    from hdr_live.io.video_writer import Mp4Writer
    video, log = sys.argv[1], sys.argv[2]
    writer = Mp4Writer(video, 30.0)
    with open(log, "w") as lines:
        for i in range(100000):
            writer.write(np.full((120, 160, 3), (7 * i) % 256, np.uint8))
            lines.write(f"{i}\\n")
            lines.flush()
""")


def test_kill_9_loses_at_most_the_newest_frame(tmp_path):
    video, log = tmp_path / "v.mp4", tmp_path / "lines.txt"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(video), str(log)], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if log.exists() and log.read_text().count("\n") >= 40:
            break
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    lines = log.read_text().count("\n")  # frames whose write() had returned
    assert lines >= 40
    assert lines - 1 <= count_video_frames(video) <= lines + 1


@pytest.mark.parametrize("fps", [0, -5, float("nan"), float("inf"), 1e9, "x"])
def test_bad_frame_rate_is_a_clear_error(tmp_path, fps):
    with pytest.raises(VideoWriteError, match="frame rate"):
        Mp4Writer(tmp_path / "v.mp4", fps)
    assert not (tmp_path / "v.mp4").exists()


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (3, 5), (2, 600), (601, 3)])
def test_tiny_and_odd_frames(tmp_path, shape):
    path = tmp_path / "v.mp4"
    with Mp4Writer(path, 25.0) as writer:
        for i in range(3):
            writer.write(np.full((*shape, 3), 40 * i, np.uint8))
    assert count_video_frames(path) == 3


def test_unwritable_video_path_names_the_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    writer = Mp4Writer(blocker / "v.mp4", 30.0)
    with pytest.raises(VideoWriteError, match="cannot create video .*file/v.mp4"):
        writer.write(_frame(0))
    writer.close()
    writer.close()  # safe after a failure, twice
    for bad in (np.zeros((8, 8), np.uint8), np.zeros((0, 8, 3), np.uint8), "frame"):
        with pytest.raises(VideoWriteError, match="frames must be"):
            Mp4Writer(tmp_path / "w.mp4", 30.0).write(bad)


def _result(joints, t_s=0.5):
    pose = HandPose(Side.LEFT, joints, np.zeros((21, 3)), np.ones(21, bool), 0.5)
    return FrameResult(Frame(np.zeros((8, 8, 3), np.uint8), 0, t_s), HandMasks.empty(8, 8),
                       Hands(), Hands(left=pose), StageTimings())


def test_pose_log_writes_strict_json(tmp_path):
    joints = np.ones((21, 2))
    joints[3] = [math.nan, math.inf]
    path = tmp_path / "p.jsonl"
    with PoseLogWriter(path) as writer:
        writer.write(_result(joints))
    line = path.read_text().splitlines()[0]
    assert "NaN" not in line and "Infinity" not in line
    json.loads(line, parse_constant=lambda name: pytest.fail(f"non-strict JSON {name}"))
    (record,) = read_pose_log(path)
    assert record["hands"]["left"]["joints_px"][3] == [None, None]


@pytest.mark.parametrize("where", ["/proc/hdr_live_x.jsonl", "FILE/p.jsonl"])
def test_unwritable_pose_log_is_one_clear_line(tmp_path, where):
    blocker = tmp_path / "FILE"
    blocker.write_text("x")
    path = where.replace("FILE", str(blocker))
    with pytest.raises(PoseLogError, match=f"cannot create pose log {path}") as caught:
        PoseLogWriter(path)
    assert isinstance(caught.value, OSError) and "\n" not in str(caught.value)
