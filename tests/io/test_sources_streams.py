"""Which stream, in which order, at which rate (issue "Real-world inputs and faults", row 13):
the main video stream of a two-stream file, time-lapse rates kept, no false damage warning on a
tiny clip, frames numbered without leading zeros in number order, sub-folders named."""

from __future__ import annotations

import logging
from fractions import Fraction

import av
import cv2
import numpy as np

from hdr_live.io.sources import ImageFolderSource, VideoFileSource
from hdr_live.io.video_writer import Mp4Writer


def _frames(w: int, h: int, n: int, value: int) -> list[np.ndarray]:
    return [np.full((h, w, 3), (value + 10 * i) % 255, np.uint8) for i in range(n)]


def _write_plain_mp4(path, streams: list[list[np.ndarray]]) -> None:
    """A plain (not fragmented) MP4 with one H.264 stream per frame list, in that order."""
    with av.open(str(path), "w") as out:
        made = []
        for frames in streams:
            stream = out.add_stream("libx264", rate=30)
            stream.height, stream.width = frames[0].shape[:2]
            stream.pix_fmt = "yuv420p"
            made.append(stream)
        for stream, frames in zip(made, streams):
            for i, rgb in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = i
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)


def test_the_largest_video_stream_is_read_not_the_preview(tmp_path):
    path = tmp_path / "two_streams.mp4"
    _write_plain_mp4(path, [_frames(160, 90, 5, 0), _frames(640, 360, 5, 50)])
    with VideoFileSource(path) as source:
        shapes = {f.rgb.shape for f in source}
    assert shapes == {(360, 640, 3)}


def test_a_time_lapse_keeps_its_rate_in_and_out(tmp_path):
    path = tmp_path / "lapse.mp4"
    with Mp4Writer(path, 0.5) as writer:
        for rgb in _frames(64, 48, 3, 0):
            writer.write(rgb)
    with VideoFileSource(path) as source:
        assert abs(source.fps - 0.5) < 1e-6
        times = [f.t_capture_s for f in source]
    assert np.allclose(times, [0.0, 2.0, 4.0])
    with av.open(str(path)) as c:
        assert c.streams.video[0].average_rate == Fraction(1, 2)


def test_a_tiny_valid_clip_gives_no_damage_warning(tmp_path, caplog):
    path = tmp_path / "tiny.mp4"  # a plain MP4, its index (moov) after the frames
    _write_plain_mp4(path, [_frames(16, 16, 3, 0)])
    with caplog.at_level(logging.WARNING, logger="hdr_live"), VideoFileSource(path) as source:
        assert len(list(source)) == 3
    assert "damaged" not in caplog.text and "truncated" not in caplog.text


def test_frames_without_leading_zeros_in_number_order_and_sub_folders_named(tmp_path, caplog):
    for i in (1, 2, 10, 11, 3):
        cv2.imwrite(str(tmp_path / f"frame{i}.png"), np.full((8, 8, 3), i, np.uint8))
    (tmp_path / "more").mkdir()
    with caplog.at_level(logging.WARNING, logger="hdr_live"):
        source = ImageFolderSource(tmp_path)
    assert [f.source_name for f in source] == [f"frame{i}.png" for i in (1, 2, 3, 10, 11)]
    assert "sub-folders are not read" in caplog.text and "more" in caplog.text
