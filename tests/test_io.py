"""I/O: image conversions, frame checks, the MP4 writer, video sources, the pose log."""

import json

import numpy as np
import pytest

from support import count_video_frames
from hdr_live.io.pose_log import PoseLogWriter, pose_record, read_pose_log
from hdr_live.io.sources import InputError, open_source, to_rgb
from hdr_live.io.video_writer import Mp4Writer, VideoWriteError
from hdr_live.joints import Side
from hdr_live.types import Frame, FrameResult, HandMasks, HandPose, Hands, StageTimings


def test_to_rgb_conversions():
    bgr = np.zeros((4, 5, 3), np.uint8)
    bgr[..., 0] = 200  # blue
    assert to_rgb(bgr)[0, 0].tolist() == [0, 0, 200]
    assert to_rgb(np.full((4, 5), 7, np.uint8)).shape == (4, 5, 3)
    assert to_rgb(np.zeros((4, 5, 4), np.uint8)).shape == (4, 5, 3)
    assert to_rgb(np.full((4, 5), 65535, np.uint16))[0, 0].tolist() == [255, 255, 255]
    with pytest.raises(InputError):
        to_rgb(np.zeros((4, 5, 2), np.uint8))
    with pytest.raises(InputError):
        to_rgb(np.zeros((4, 5, 3), np.int64))


def test_frame_rejects_wrong_dtype_and_shape():
    with pytest.raises(TypeError):
        Frame(np.zeros((4, 5, 3), np.float32), 0, 0.0)
    with pytest.raises(ValueError):
        Frame(np.zeros((4, 5), np.uint8), 0, 0.0)


def test_mp4_writer_odd_sizes_and_resizing(tmp_path):
    path = tmp_path / "v.mp4"
    with Mp4Writer(path, 25.0) as w:
        w.write(np.zeros((101, 75, 3), np.uint8))
        w.write(np.full((50, 40, 3), 255, np.uint8))  # another size: resized
    assert count_video_frames(path) == 2
    with pytest.raises(VideoWriteError):
        Mp4Writer(tmp_path / "w.mp4", 25.0).write(np.zeros((8, 8), np.uint8))


def test_video_round_trip_through_source(tmp_path):
    path = tmp_path / "v.mp4"
    with Mp4Writer(path, 30.0) as w:
        for i in range(7):
            w.write(np.full((64, 96, 3), 30 * i, np.uint8))
    with open_source(str(path)) as src:
        frames = list(src)
    assert len(frames) == 7 and src.frame_count in (None, 7)
    assert [f.index for f in frames] == list(range(7))
    assert np.allclose([f.t_capture_s for f in frames], np.arange(7) / 30.0, atol=0.02)
    assert abs(int(frames[3].rgb.mean()) - 90) <= 3


def test_pose_log_schema_and_flush(tmp_path):
    rng = np.random.default_rng(0)
    pose = HandPose(Side.RIGHT, rng.uniform(0, 100, (21, 2)), np.zeros((21, 3)),
                    np.arange(21) % 2 == 0, 0.75)
    result = FrameResult(Frame(np.zeros((8, 8, 3), np.uint8), 3, 0.1), HandMasks.empty(8, 8),
                         Hands(), Hands(right=pose), StageTimings())
    path = tmp_path / "p.jsonl"
    writer = PoseLogWriter(path)
    writer.write(result)
    # flushed before close: another reader sees the whole line already
    rec = json.loads(path.read_text().splitlines()[0])
    assert rec == pose_record(result)
    assert rec["frame"] == 3 and rec["t_s"] == 0.1 and rec["hands"]["left"] is None
    assert rec["hands"]["right"]["visible"][:3] == [True, False, True]
    assert rec["hands"]["right"]["score"] == 0.75
    writer.close()
    path.write_text(path.read_text() + "{broken\n")
    with pytest.raises(ValueError, match=":2:"):
        list(read_pose_log(path))
