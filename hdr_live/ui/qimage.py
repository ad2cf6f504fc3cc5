"""numpy RGB images → Qt images."""

from __future__ import annotations

import numpy as np
from PyQt6.QtGui import QImage, QPixmap


def qimage_from_rgb(rgb: np.ndarray) -> QImage:
    """A QImage (RGB888) holding its own copy of ``rgb``.

    Args:
        rgb: (H, W, 3) uint8.

    Raises:
        ValueError: another shape or dtype.
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
    data = np.ascontiguousarray(rgb)
    h, w = data.shape[:2]
    image = QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()  # detach from the numpy buffer


def pixmap_from_rgb(rgb: np.ndarray) -> QPixmap:
    """:func:`qimage_from_rgb` as a QPixmap."""
    return QPixmap.fromImage(qimage_from_rgb(rgb))
