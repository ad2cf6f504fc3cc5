"""Small widgets: an aspect-keeping image view and the restored-crops panel."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QPixmap
from PyQt6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from hdr_live.joints import Side
from hdr_live.types import HandCrop, Hands
from hdr_live.ui.qimage import pixmap_from_rgb


class ImageView(QLabel):
    """Shows an RGB numpy image scaled to the widget, keeping its aspect ratio.

    Its size policy ignores the image's size, so a new image never re-lays out (and repaints)
    the whole window; only this label repaints.
    """

    def __init__(self, placeholder: str = "", minimum: QSize = QSize(160, 120)) -> None:
        super().__init__(placeholder)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(minimum)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setStyleSheet("background: #181818; color: #aaa;")
        self._pixmap: QPixmap | None = None

    def set_rgb(self, rgb: np.ndarray) -> None:
        """Show (H, W, 3) uint8 RGB."""
        self._pixmap = pixmap_from_rgb(rgb)
        self._rescale()

    def show_text(self, text: str) -> None:
        """Replace the image by a line of text."""
        self._pixmap = None
        self.clear()
        self.setText(text)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._pixmap is None:
            return
        size = self.contentsRect().size()
        pw, ph = self._pixmap.width(), self._pixmap.height()
        fits = pw <= size.width() and ph <= size.height()
        if fits and (pw >= size.width() - 2 or ph >= size.height() - 2):
            self.setPixmap(self._pixmap)  # already shrunk to fit by the producer
            return
        self.setPixmap(
            self._pixmap.scaled(
                size,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


def crop_panel_image(crop: HandCrop) -> np.ndarray:
    """The restored crop with M_D (de-occluded, yellow) and M_R (removed, cyan) outlined.

    Returns:
        (S, S, 3) uint8 RGB.
    """
    import cv2

    image = crop.rgb.copy()
    for mask, colour in ((crop.m_d, (255, 220, 0)), (crop.m_r, (0, 220, 255))):
        if mask.any():
            contours, _ = cv2.findContours(
                mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
            )
            cv2.drawContours(image, contours, -1, colour, 1, cv2.LINE_AA)
    return image


class CropsPanel(QWidget):
    """The two restored crops (HDRM's output, what SHPE sees), right hand first."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._views: dict[Side, ImageView] = {}
        self._titles: dict[Side, QLabel] = {}
        for side in (Side.RIGHT, Side.LEFT):
            title = QLabel(f"{side.value} hand: restored crop")
            view = ImageView("no hand", QSize(150, 150))
            layout.addWidget(title)
            layout.addWidget(view, 1)
            self._views[side], self._titles[side] = view, title

    def show_crops(self, crops: Hands[HandCrop]) -> None:
        """Show this frame's crops (a missing hand shows a note)."""
        for side, view in self._views.items():
            crop = crops.get(side)
            title = f"{side.value} hand: restored crop"
            if crop is None:
                view.show_text("no crop (hand absent, or mediapipe mode)")
            else:
                view.set_rgb(crop_panel_image(crop))
                title += " (mirrored)" if crop.mirrored else ""
            self._titles[side].setText(title + "  — yellow M_D, cyan M_R")
