"""The control bar: mode, smoothing, optical flow, mirror, record."""

from __future__ import annotations

import dataclasses

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from hdr_live.live.settings import LiveSettings
from hdr_live.temporal.smoothing import Smoothing
from hdr_live.config import Mode

_SMOOTHING_LABELS = {
    Smoothing.OFF: "off",
    Smoothing.ONE_EURO: "One-Euro",
    Smoothing.KALMAN: "Kalman (const. velocity)",
}


class ControlBar(QWidget):
    """Widgets that edit :class:`LiveSettings`; emits the new settings on every change.

    Signals:
        settings_changed(LiveSettings): a control changed.
        record_toggled(bool): the record button was pressed (True = start).
    """

    settings_changed = pyqtSignal(object)
    record_toggled = pyqtSignal(bool)

    def __init__(self, settings: LiveSettings) -> None:
        super().__init__()
        self._settings = settings
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.mode = QComboBox()
        for mode in Mode:
            self.mode.addItem(mode.value, mode)
        self.mode.setCurrentIndex(list(Mode).index(settings.mode))
        self.smoothing = QComboBox()
        for kind, label in _SMOOTHING_LABELS.items():
            self.smoothing.addItem(label, kind)
        self.smoothing.setCurrentIndex(list(_SMOOTHING_LABELS).index(settings.smoothing))
        self.flow = QCheckBox("optical-flow crops")
        self.flow.setChecked(settings.crop_flow)
        self.mirror = QCheckBox("mirror")
        self.mirror.setChecked(settings.mirror)
        self.record = QPushButton("● Record")
        self.record.setCheckable(True)
        for label, widget in (("mode", self.mode), ("smoothing", self.smoothing)):
            layout.addWidget(QLabel(label))
            layout.addWidget(widget)
        layout.addWidget(self.flow)
        layout.addWidget(self.mirror)
        layout.addStretch(1)
        layout.addWidget(self.record)
        self.mode.currentIndexChanged.connect(self._changed)
        self.smoothing.currentIndexChanged.connect(self._changed)
        self.flow.toggled.connect(self._changed)
        self.mirror.toggled.connect(self._changed)
        self.record.toggled.connect(self._record_toggled)

    def set_recording(self, on: bool) -> None:
        """Show the record state without emitting ``record_toggled``."""
        self.record.blockSignals(True)
        self.record.setChecked(on)
        self.record.setText("■ Stop recording" if on else "● Record")
        self.record.blockSignals(False)

    def _changed(self, *_: object) -> None:
        self._settings = dataclasses.replace(
            self._settings,
            mode=self.mode.currentData(),
            smoothing=self.smoothing.currentData(),
            crop_flow=self.flow.isChecked(),
            mirror=self.mirror.isChecked(),
        )
        self.flow.setEnabled(self._settings.mode is Mode.HDR)
        self.settings_changed.emit(self._settings)

    def _record_toggled(self, on: bool) -> None:
        self.record.setText("■ Stop recording" if on else "● Record")
        self.record_toggled.emit(on)
