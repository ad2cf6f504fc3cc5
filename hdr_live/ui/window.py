"""The main window: live image, restored crops, 3D view, rates, controls; polls a LiveSession."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from hdr_live.live.settings import LiveSettings
from hdr_live.live.session import LiveSession, LiveView
from hdr_live.ui.controls import ControlBar
from hdr_live.ui.view3d import Skeleton3DView
from hdr_live.ui.widgets import CropsPanel, ImageView


def stats_text(view: LiveView, render3d_ms: float) -> str:
    """The rates line: fps, per-stage ms of the pipeline and of the runtime."""
    t, r = view.result.timings, view.timings
    fps = "–" if view.fps is None else f"{view.fps:.1f}"
    camera = view.result.intrinsics
    focal = "" if camera is None else f" (focal {camera.focal_px:.0f} px)"
    n_inferred = sum(1 for _, p in view.result.poses.items() if p.inferred)
    inferred = f" ({n_inferred} inferred)" if n_inferred else ""
    stages = (
        f"HASM {t.hasm_ms:.1f}  HDRM {t.hdrm_ms:.1f}  SHPE {t.shpe_ms:.1f}"
        f"  lift+fit {t.threed_ms:.1f}"
        if not t.reference_ms
        else f"MediaPipe {t.reference_ms:.1f}"
    )
    return (
        f"<b>{fps} fps</b> &nbsp; ms: {stages} &nbsp; | prepare {r.prepare_ms:.1f} "
        f"finish {r.inference_ms:.1f} smooth {r.postprocess_ms:.1f} "
        f"latency {r.latency_ms:.0f} &nbsp; | 3D view {render3d_ms:.0f}{focal} &nbsp; | frame "
        f"{view.result.frame.index}, hands {len(view.result.poses)}{inferred}"
    )


class LiveWindow(QMainWindow):
    """Shows a :class:`LiveSession`; closing the window stops it (and closes any recording).

    Signals:
        closed(): the window closed and the session stopped.
    """

    closed = pyqtSignal()

    def __init__(
        self, session: LiveSession, record_dir: Path = Path("out"), poll_ms: int = 15
    ) -> None:
        super().__init__()
        self.session = session
        self.record_dir = Path(record_dir)
        self.setWindowTitle("hdr-live — two interacting hands")
        self.video = ImageView("starting…")
        self.crops = CropsPanel()
        self.view3d = Skeleton3DView()
        self.controls = ControlBar(session.settings)
        self.stats = QLabel("starting…")
        self.stats.setTextFormat(Qt.TextFormat.RichText)
        self.stats.setFixedHeight(self.stats.sizeHint().height() + 6)
        self.banner = QLabel("")
        self.banner.setStyleSheet("background: #7a1010; color: white; padding: 4px;")
        self.banner.hide()
        self._build_layout()
        self.controls.settings_changed.connect(self._settings_changed)
        self.controls.record_toggled.connect(self._record_toggled)
        self._seq = 0
        self._stopped = False
        self.crops_rate_hz = 15.0
        self.stats_rate_hz = 4.0
        self._crops_shown = self._stats_shown = 0.0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.poll)
        self._timer.start(poll_ms)

    def _build_layout(self) -> None:
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.crops, 3)
        right_layout.addWidget(QLabel("3D: both hands in camera space (drag to orbit)"))
        right_layout.addWidget(self.view3d, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.video)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.controls)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        layout.addWidget(self.stats)
        self.setCentralWidget(central)
        self.statusBar().showMessage("running")

    # session ------------------------------------------------------------------------------------

    def poll(self) -> None:
        """Show the newest result (if new) and any error; called by the timer."""
        view = self.session.latest()
        if view is not None and view.seq != self._seq:
            self._seq = view.seq
            self.show_view(view)
        error = self.session.error
        if error is not None and self.banner.isHidden():
            self.banner.setText(f"⚠ {error}")
            self.banner.show()
            self.statusBar().showMessage("stopped: " + error)
            self.controls.set_recording(False)
        elif self.session.finished and error is None and view is not None:
            self.statusBar().showMessage("end of the input; close the window to quit")

    def show_view(self, view: LiveView) -> None:
        """Put one result on screen (the crops panel at most ``crops_rate_hz``)."""
        area = self.video.contentsRect().size()
        self.session.display_size = (area.width(), area.height())
        self.video.set_rgb(view.display_rgb)
        now = time.monotonic()
        if now - self._crops_shown >= 1.0 / self.crops_rate_hz:
            self.crops.show_crops(view.result.crops)
            self._crops_shown = now
        self.view3d.update_result(view.result)
        if now - self._stats_shown >= 1.0 / self.stats_rate_hz:
            self.stats.setText(stats_text(view, self.view3d.render_ms))
            self._stats_shown = now
        message = None if view.recording is None else f"recording to {view.recording}"
        if message is not None and self.statusBar().currentMessage() != message:
            self.statusBar().showMessage(message)

    def _settings_changed(self, settings: LiveSettings) -> None:
        self.session.settings = settings
        self.statusBar().showMessage(f"settings: {settings.mode.value}, {settings.smoothing.value}")

    def _record_toggled(self, on: bool) -> None:
        if on:
            stamp = datetime.datetime.now().strftime("%Y%m%d_%H%M%S")
            path = self.record_dir / f"live_{stamp}.mp4"
            self.session.start_recording(path)
            self.statusBar().showMessage(f"recording to {path}")
        else:
            path = self.session.stop_recording()
            self.statusBar().showMessage(f"recording stopped: {path}")

    def start_recording(self, path: Path) -> None:
        """Record to ``path`` now (as the button does, with a chosen file)."""
        self.session.start_recording(path)
        self.controls.set_recording(True)

    # lifetime -----------------------------------------------------------------------------------

    def stop_session(self) -> None:
        """Stop the session once (closes the recording); safe to call again."""
        if not self._stopped:
            self._stopped = True
            self._timer.stop()
            self.session.stop()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.stop_session()
        self.closed.emit()
        super().closeEvent(event)
