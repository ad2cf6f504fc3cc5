"""Shared fixtures: real footage from ../shared/real (skipped with a reason when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support import CLIP, REAL, REPO, need_real  # noqa: F401  (re-exported for fixtures)


@pytest.fixture(scope="session")
def clip_frames() -> list[np.ndarray]:
    """The first 45 frames of the real two-hand clip, RGB uint8 (1280×720)."""
    import cv2

    cap = cv2.VideoCapture(str(need_real(CLIP)))
    frames = []
    for _ in range(45):
        ok, bgr = cap.read()
        assert ok
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    return frames


@pytest.fixture(scope="session")
def shpe():
    from hdr_live.stages.shpe.mediapipe_landmark import MediaPipeLandmarkShpe

    return MediaPipeLandmarkShpe()


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory, clip_frames) -> Path:
    """A 12-frame 640×360 H.264 clip cut from the real clip (frames 30-41)."""
    import cv2

    from hdr_live.io.video_writer import Mp4Writer

    path = tmp_path_factory.mktemp("clip") / "short.mp4"
    with Mp4Writer(path, 30.0) as writer:
        for rgb in clip_frames[30:42]:
            writer.write(cv2.resize(rgb, (640, 360), interpolation=cv2.INTER_AREA))
    return path
