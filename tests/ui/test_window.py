"""The Qt window, offscreen, on a LiveSession with a fake pipeline: it shows results, edits
settings, records, and closing it stops the session and leaves a playable MP4."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from hdr_live.config import Mode
from hdr_live.live.session import LiveSession
from hdr_live.temporal.smoothing import Smoothing
from support import CLIP_CONFIG, Factory, count_video_frames, gen_frames

LIVENESS_S = 15.0


@pytest.fixture(scope="module")
def qapp():
    from hdr_live.ui.qt_env import use_pyqt6_plugins

    use_pyqt6_plugins()
    from PyQt6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _rgb_from_qimage(image) -> np.ndarray:
    """(H, W, 3) uint8 RGB copy of a QImage (any format): what the window shows."""
    from PyQt6.QtGui import QImage

    converted = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = converted.width(), converted.height()
    ptr = converted.constBits()
    ptr.setsize(converted.sizeInBytes())
    rows = np.frombuffer(ptr, np.uint8).reshape(h, converted.bytesPerLine())
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


def _pump(qapp, until, timeout_s: float = LIVENESS_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not until():
        qapp.processEvents()
        time.sleep(0.005)
        assert time.monotonic() < deadline, "timed out"


def test_window_shows_results_controls_and_records(qapp, tmp_path: Path) -> None:
    from hdr_live.ui.window import LiveWindow

    factory = Factory()
    session = LiveSession(gen_frames(60), 30.0, config=CLIP_CONFIG, factory=factory)
    window = LiveWindow(session, record_dir=tmp_path)
    window.resize(1200, 800)
    window.show()
    window.controls.record.click()  # start recording with the button
    session.start()
    _pump(qapp, lambda: session.finished)
    window.poll()
    view = session.latest()
    assert view is not None and view.seq == 60
    pixmap = window.video.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    shown = _rgb_from_qimage(pixmap.toImage())
    assert shown.std() > 10  # the frame, not a blank label
    assert window.view3d.renders >= 1
    assert "fps" in window.stats.text() and "HASM" in window.stats.text()
    window.controls.mode.setCurrentIndex(list(Mode).index(Mode.MEDIAPIPE))
    window.controls.smoothing.setCurrentIndex(list(Smoothing).index(Smoothing.KALMAN))
    window.controls.mirror.setChecked(True)
    s = session.settings
    assert (s.mode, s.smoothing, s.mirror) == (Mode.MEDIAPIPE, Smoothing.KALMAN, True)
    renders = window.view3d.renders
    window.view3d.orbit(30.0, 10.0)  # as a mouse drag does: re-renders at once
    assert window.view3d.renders == renders + 1
    window.close()  # stops the session and closes the recording
    qapp.processEvents()
    assert session.finished
    recordings = list(tmp_path.glob("live_*.mp4"))
    assert len(recordings) == 1 and count_video_frames(recordings[0]) == 60
    assert factory.made[0].closed == 1


def test_window_shows_a_camera_error(qapp) -> None:
    from hdr_live.io.sources import InputError
    from hdr_live.ui.window import LiveWindow

    def camera():
        yield from gen_frames(3)
        raise InputError("camera 0 stopped delivering frames (disconnected?)")

    session = LiveSession(camera(), 30.0, factory=Factory())
    window = LiveWindow(session)
    window.show()
    session.start()
    _pump(qapp, lambda: session.finished)
    window.poll()
    assert not window.banner.isHidden()
    assert "disconnected" in window.banner.text()
    window.close()


def test_crop_panel_outlines_the_inpainted_regions():
    from hdr_live.joints import Side
    from hdr_live.types import HandCrop
    from hdr_live.ui.widgets import crop_panel_image

    s = 64
    m_d = np.zeros((s, s), bool)
    m_d[10:20, 10:20] = True
    m_r = np.zeros((s, s), bool)
    m_r[40:50, 40:50] = True
    rgb = np.full((s, s, 3), 50, np.uint8)
    crop = HandCrop(Side.RIGHT, rgb, rgb, np.array([[1.0, 0, 0], [0, 1.0, 0]]), False, m_d, m_r,
                    np.zeros((s, s), bool))
    out = crop_panel_image(crop)
    yellow, cyan = out[10, 10].astype(int), out[40, 40].astype(int)
    assert yellow[0] > 150 and yellow[1] > 150 and yellow[2] < 100
    assert cyan[0] < 100 and cyan[1] > 150 and cyan[2] > 150
    assert tuple(out[30, 30]) == (50, 50, 50)
