"""Shared fixtures: real footage from ../shared/real (skipped with a reason when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("HDR_LIVE_REAL_DIR", REPO.parent / "shared" / "real"))
CLIP = REAL / "video_dynhamr_demo3_two_hand_gestures_1280x720_16s.mp4"
SINGLE_RIGHT = REAL / "ih26m_cap04_0007_thumbup_normal_cam410028_f2017_CONTROL_single_right"
CLASPED = REAL / "ih26m_cap03_0390_dh_touchROM_cam400026_f69148"


def need_real(path: Path) -> Path:
    """Skip the calling test when a real-footage file is absent."""
    if not path.exists():
        pytest.skip(f"real footage not available: {path} (expects ../shared/real beside the repo)")
    return path


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


def count_video_frames(path: Path) -> int:
    """Frames decodable from a video file with PyAV (0 when it cannot be opened)."""
    import av

    try:
        with av.open(str(path)) as container:
            return sum(1 for _ in container.decode(video=0))
    except av.error.FFmpegError:
        return 0
