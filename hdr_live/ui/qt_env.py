"""Qt start-up environment.

``opencv-contrib-python`` (pulled in by mediapipe) points ``QT_QPA_PLATFORM_PLUGIN_PATH`` (and
``QT_QPA_FONTDIR``) at its own bundled Qt 5 plugins when ``cv2`` is imported; PyQt6 then fails to
load its platform plugin ("Could not load the Qt platform plugin xcb in .../cv2/qt/plugins").
"""

from __future__ import annotations

import os

import cv2  # noqa: F401 - imported first on purpose: it sets the variables fixed below


def use_pyqt6_plugins() -> None:
    """Point Qt at PyQt6's own plugins; call before creating the QApplication."""
    from PyQt6.QtCore import QLibraryInfo

    os.environ["QT_QPA_PLATFORM_PLUGIN_PATH"] = QLibraryInfo.path(
        QLibraryInfo.LibraryPath.PluginsPath
    )
    font_dir = os.environ.get("QT_QPA_FONTDIR", "")
    if os.sep + "cv2" + os.sep in font_dir:
        del os.environ["QT_QPA_FONTDIR"]
