"""Video and image sources on damaged or hostile input: skipped packets are counted, times stay
sane, non-regular files and bad frame rates end in one clear InputError (never a hang)."""

import itertools
import logging
import os
import shutil
import struct

import numpy as np
import pytest

from support import CLIP, REPO, need_real
from hdr_live.io.sources import (ImageFolderSource, InputError, VideoFileSource, check_frame_rate,
                                 open_source, read_image, to_rgb)

DEMO = REPO / "assets" / "demo_two_hands.mp4"


def _damage_middle(src, dst, seed=1, spans=((0.4, 4000), (0.42, 4000), (0.45, 4000), (0.6, 4000))):
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(seed)
    for frac, length in spans:
        start = int(len(data) * frac)
        data[start : start + length] = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
    dst.write_bytes(bytes(data))
    return dst


def _decode(path):
    with VideoFileSource(path) as source:
        frames = list(source)
    return source, frames


def _assert_sane_times(frames):
    times = [f.t_capture_s for f in frames]
    assert times[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(times))
    assert [f.index for f in frames] == list(range(len(frames)))


def test_damaged_middle_is_skipped_and_counted(tmp_path, caplog):
    clip = _damage_middle(need_real(CLIP), tmp_path / "damaged.mp4")
    before = clip.read_bytes()
    with caplog.at_level(logging.WARNING, logger="hdr_live"):
        source, frames = _decode(clip)
    assert source.skipped > 0
    assert len(frames) >= 0.85 * 500  # a decoder that stops at the first bad packet gets ~200
    _assert_sane_times(frames)
    # the frames after the damage keep their own presentation times (30 fps clip)
    assert frames[-1].t_capture_s == pytest.approx(499 / 30, abs=0.05)
    assert any(f"skipped {source.skipped} undecodable" in r.getMessage() for r in caplog.records)
    assert clip.read_bytes() == before


def test_bundled_clip_decodes_whole_with_stream_times():
    source, frames = _decode(DEMO)
    assert len(frames) == source.frame_count == 90 and source.skipped == 0
    _assert_sane_times(frames)
    assert np.allclose([f.t_capture_s for f in frames], np.arange(90) / source.fps, atol=1e-6)


def _zero_duration_clip(path):
    """An MP4 whose sample durations (stts) are all 0: no usable timing, 0 fps."""
    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 20, np.uint8), "rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    data = bytearray(path.read_bytes())
    at = data.find(b"stts")
    for k in range(struct.unpack(">I", data[at + 8 : at + 12])[0]):
        data[at + 16 + 8 * k : at + 20 + 8 * k] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    return path


def test_clip_without_timing_starts_at_zero_and_never_goes_back(tmp_path):
    source, frames = _decode(_zero_duration_clip(tmp_path / "zero_fps.mp4"))
    assert frames and 1.0 <= source.fps <= 1000.0
    _assert_sane_times(frames)


def _faststart_clip(path, frames):
    """An MP4 with its index first (a cut keeps the header's frame count)."""
    import av

    with av.open(str(path), "w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for f in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(f.rgb[::4, ::4], "rgb24")))
        container.mux(stream.encode(None))
    return path


def test_truncated_clip_warns(tmp_path, caplog):
    _, frames = _decode(DEMO)
    full = _faststart_clip(tmp_path / "full.mp4", frames[:30])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 3 // 4])
    with caplog.at_level(logging.WARNING, logger="hdr_live"):
        _, frames = _decode(cut)
    assert 0 < len(frames) < 30
    _assert_sane_times(frames)
    assert any("truncated" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("make", ["devnull", "fifo", "folder_as_file"])
def test_non_regular_inputs_fail_fast(tmp_path, make):
    if make == "devnull":
        path = "/dev/null"
    elif make == "fifo":
        path = tmp_path / "pipe.mp4"
        os.mkfifo(path)  # opening it for reading would block forever
    else:
        path = tmp_path
    if make == "folder_as_file":
        with pytest.raises(InputError, match="not a regular file"):
            VideoFileSource(path)
        return
    with pytest.raises(InputError, match="not a regular file"):
        open_source(str(path))
    with pytest.raises(InputError, match="not a regular file"):
        read_image(path)


def test_missing_input_says_no_such_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_source(str(tmp_path / "nope.mp4"))


@pytest.mark.parametrize("fps", [0, -5, float("nan"), float("inf"), "x"])
def test_folder_rejects_bad_frame_rates(tmp_path, fps):
    shutil.copy(need_real(CLIP.parent / "interwild_demo_eating_two_hands_holding.jpg"),
                tmp_path / "0.jpg")
    with pytest.raises(InputError, match="frame rate"):
        ImageFolderSource(tmp_path, fps)
    with pytest.raises(InputError, match="frame rate"):
        open_source(str(tmp_path), folder_fps=fps)


def test_check_frame_rate_accepts_finite_positive():
    assert check_frame_rate("12.5") == 12.5 and check_frame_rate(1e-3) == 1e-3


def test_to_rgb_handles_floats_with_nan_and_rejects_empty():
    img = np.array([[0.0, 0.5], [np.nan, np.inf]], np.float32)
    out = to_rgb(img)
    assert out.dtype == np.uint8 and out.shape == (2, 2, 3)
    assert out[0, 1, 0] == 128 and out[1, 0, 0] == 0 and out[1, 1, 0] == 0
    assert to_rgb(np.full((2, 2, 3), 200.0, np.float16))[0, 0].tolist() == [200, 200, 200]
    with pytest.raises(InputError, match="shape"):
        to_rgb(np.zeros((0, 4, 3), np.uint8))


def test_negative_camera_index_is_rejected():
    with pytest.raises(InputError, match="N must be 0 or more"):
        open_source("camera:-1")
