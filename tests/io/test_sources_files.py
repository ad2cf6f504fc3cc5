"""Image files that libjpeg half-decodes are skipped, and any valid file name opens
(issue "Real-world inputs and faults", rows 7 and 8)."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from hdr_live.io.sources import ImageFolderSource, InputError, open_source, read_image

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo_two_hands.mp4"


def _jpeg(path: Path, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    image = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), np.uint8), (0, 0), 3)
    assert cv2.imwrite(str(path), image)
    return path.read_bytes()


def test_a_truncated_jpeg_is_refused_and_a_whole_one_read(tmp_path):
    data = _jpeg(tmp_path / "whole.jpg", 1)
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) * 2 // 3])
    assert read_image(tmp_path / "whole.jpg").shape == (120, 160, 3)
    with pytest.raises(InputError, match="truncated JPEG"):
        read_image(tmp_path / "cut.jpg")
    # trailing bytes after the end-of-image marker (cameras add some) are not truncation
    (tmp_path / "padded.jpg").write_bytes(data + b"\0" * 64)
    assert read_image(tmp_path / "padded.jpg").shape == (120, 160, 3)


def test_a_folder_skips_the_truncated_image_and_names_the_others(tmp_path, caplog):
    data = _jpeg(tmp_path / "a.jpg", 2)
    (tmp_path / "b.jpg").write_bytes(data[:-600])
    _jpeg(tmp_path / "c.jpg", 3)
    with ImageFolderSource(tmp_path) as source:
        frames = list(source)
    assert [f.source_name for f in frames] == ["a.jpg", "c.jpg"]
    assert "b.jpg" in caplog.text


@pytest.mark.parametrize("name", ["2024-05-01T10:30:00.mp4", "file:odd.mp4", "http:x.mp4"])
def test_a_video_named_like_a_url_opens(tmp_path, monkeypatch, name):
    shutil.copy(DEMO, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    with open_source(name) as source:
        frame = next(iter(source))
    assert frame.rgb.shape == (480, 640, 3)
