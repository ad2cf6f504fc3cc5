"""Phone footage upright: a video's display matrix and a JPEG's EXIF orientation are honoured,
``--no-autorotate`` keeps the stored frame (issue "Real-world inputs and faults", row 2)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from hdr_live.cli import main
from hdr_live.io.sources import open_source, read_image

W, H = 160, 96


def _marked() -> np.ndarray:
    """(H, W, 3) grey frame with a white square at its stored top-left corner."""
    rgb = np.full((H, W, 3), 60, np.uint8)
    rgb[:24, :24] = 255
    return rgb


def _white_corner(rgb: np.ndarray) -> str:
    h, w = rgb.shape[:2]
    corners = {"top-left": rgb[:8, :8], "top-right": rgb[:8, -8:],
               "bottom-left": rgb[-8:, :8], "bottom-right": rgb[-8:, -8:]}
    return max(corners, key=lambda k: corners[k].mean())


@pytest.fixture()
def phone_clip(tmp_path) -> Path:
    """A clip stored landscape whose display matrix turns it a quarter counterclockwise."""
    path = tmp_path / "phone.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.set_display_rotation(90)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(_marked(), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_a_video_is_turned_as_players_show_it(phone_clip):
    with open_source(str(phone_clip)) as source:
        frame = next(iter(source))
    assert frame.rgb.shape == (W, H, 3)
    assert _white_corner(frame.rgb) == "bottom-left"  # a quarter turn counterclockwise
    with open_source(str(phone_clip), autorotate=False) as source:
        raw = next(iter(source))
    assert raw.rgb.shape == (H, W, 3) and _white_corner(raw.rgb) == "top-left"


def _with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """The JPEG with an APP1 EXIF segment holding only the orientation tag (0x0112)."""
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
    tiff += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    body = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def test_a_jpeg_with_exif_orientation_6_is_read_upright(tmp_path):
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(_marked(), cv2.COLOR_RGB2BGR))
    path = tmp_path / "phone.jpg"
    path.write_bytes(_with_exif_orientation(data.tobytes(), 6))
    rgb = read_image(path)
    assert rgb.shape == (W, H, 3) and _white_corner(rgb) == "top-right"  # turned clockwise
    raw = read_image(path, autorotate=False)
    assert raw.shape == (H, W, 3) and _white_corner(raw) == "top-left"


def test_process_writes_upright_poses_and_video(phone_clip, tmp_path):
    out, poses = tmp_path / "o.mp4", tmp_path / "p.jsonl"
    assert main(["process", str(phone_clip), "--out", str(out), "--poses", str(poses),
                 "--mode", "mediapipe", "--no-progress"]) == 0
    assert json.loads(poses.read_text().splitlines()[0])["size_wh"] == [H, W]
    with av.open(str(out)) as c:
        frame = next(c.decode(video=0))
        assert (frame.width, frame.height) == (H, W) and not frame.rotation
    raw_poses = tmp_path / "raw.jsonl"
    assert main(["process", str(phone_clip), "--poses", str(raw_poses), "--mode", "mediapipe",
                 "--no-progress", "--no-autorotate"]) == 0
    assert json.loads(raw_poses.read_text().splitlines()[0])["size_wh"] == [W, H]
