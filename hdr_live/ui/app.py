"""``hdr-live live``: open the input, start a :class:`LiveSession`, show the :class:`LiveWindow`.

Exit codes: 0 after the window is closed, 2 for an input problem (camera missing or gone, bad
file), 130 after Ctrl-C (SIGINT) or SIGTERM. Every way out stops the session, which closes the
recording (a fragmented MP4, playable even if the process is killed).
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from pathlib import Path

from hdr_live.config import App, InputKind, PipelineConfig, default_config
from hdr_live.live.session import LiveSession
from hdr_live.live.settings import LiveSettings
from hdr_live.live.sources import open_live_source


@dataclasses.dataclass(frozen=True)
class LiveAppOptions:
    """What ``hdr-live live`` was asked to do.

    Attributes:
        camera: camera index, or None for a clip.
        source: clip path, or None for a camera.
        settings: initial mode / smoothing / flow / mirror.
        loop: replay the clip forever.
        realtime: play the clip at its frame rate (False: as fast as processed).
        record: start recording to this .mp4 at once (None: only with the button).
        record_dir: folder for recordings started with the button.
        quit_after_frames: close after this many results (None: when the user closes).
        screenshot: save the window (and ``<stem>_3d.png``, the 3D view) here before closing.
        config: the pipeline's configuration (under ``settings``).
    """

    camera: int | None = None
    source: Path | None = None
    settings: LiveSettings = LiveSettings()
    loop: bool = False
    realtime: bool = True
    record: Path | None = None
    record_dir: Path = Path("out")
    quit_after_frames: int | None = None
    screenshot: Path | None = None
    config: PipelineConfig = default_config(App.LIVE, InputKind.LIVE)


def save_screenshots(window, path: Path) -> tuple[Path, Path]:
    """Save the whole window and the 3D view as PNG; returns both paths.

    Raises:
        OSError: a file cannot be written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path_3d = path.with_name(path.stem + "_3d.png")
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"cannot write screenshot {path}")
    if not window.view3d.grab().save(str(path_3d), "PNG"):
        raise OSError(f"cannot write screenshot {path_3d}")
    return path, path_3d


def run_live_app(options: LiveAppOptions) -> int:
    """Run the window until closed; returns the exit code (see the module docstring).

    Raises:
        hdr_live.io.sources.InputError: the camera or clip cannot be opened.
    """
    from hdr_live.ui.qt_env import use_pyqt6_plugins

    use_pyqt6_plugins()
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from hdr_live.ui.window import LiveWindow

    source = open_live_source(options.camera, options.source, options.loop, options.realtime)
    session = LiveSession(source.frames, source.fps, options.settings, options.config)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = LiveWindow(session, options.record_dir)
    window.resize(1500, 900)
    if options.record is not None:
        window.start_recording(options.record)
    interrupted = []

    def on_signal(signum, _frame) -> None:
        interrupted.append(signum)
        window.close()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    watcher = QTimer()
    watcher.timeout.connect(lambda: _maybe_quit(window, session, options))
    watcher.start(50)  # also lets Python run signal handlers while Qt waits
    session.start()
    window.show()
    try:
        app.exec()
    finally:
        window.stop_session()
        source.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    fps = session.mean_fps
    print(f"hdr-live: {session.results_count} frames shown"
          + ("" if fps is None else f", {fps:.1f} fps on average"), file=sys.stderr)
    recording = session.last_recording
    if recording is not None:
        print(f"hdr-live: recording saved: {recording}", file=sys.stderr)
    if interrupted:
        print("hdr-live: interrupted; stopped cleanly", file=sys.stderr)
        return 130
    if session.error is not None:
        print(f"hdr-live: error: {session.error}", file=sys.stderr)
        return 2
    return 0


def _maybe_quit(window, session: LiveSession, options: LiveAppOptions) -> None:
    if not window.isVisible():
        return
    view = session.latest()
    done = options.quit_after_frames is not None and view is not None and (
        view.seq >= options.quit_after_frames
    )
    if done or (session.error is not None and options.quit_after_frames is not None):
        if options.screenshot is not None and view is not None:
            window.poll()
            window.view3d.update_result(view.result, force=True)
            for path in save_screenshots(window, options.screenshot):
                print(f"hdr-live: screenshot {path}", file=sys.stderr)
        window.close()
