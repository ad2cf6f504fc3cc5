"""Anchor centres of MediaPipe's single-shot detectors (the palm and pose detectors).

MediaPipe's SsdAnchorsCalculator with ``fixed_anchor_size`` and one aspect ratio plus the
interpolated scale gives two anchors per cell and layer; layers sharing a stride share one grid.
Only the centres matter with fixed-size anchors (the regressors are relative to the anchor
centre, in input pixels).
"""

from __future__ import annotations

import cv2
import numpy as np


def anchor_centres(input_px: int, grids: tuple[tuple[int, int], ...]) -> np.ndarray:
    """(N, 2) float64 anchor centres (x, y) in [0, 1], in the detector's output order.

    Args:
        input_px: the square input's side in pixels.
        grids: (stride, anchors per cell) per distinct stride, in layer order; e.g. the palm
            detector's strides 8, 16, 16, 16 are ``((8, 2), (16, 6))``.
    """
    centres = []
    for stride, per_cell in grids:
        cells = input_px // stride
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 2)
        centres.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float64)


def letterbox(rgb: np.ndarray, input_px: int) -> tuple[np.ndarray, int, int, int]:
    """An image letterboxed into a square (zero borders, centred) and shrunk to a detector's
    ``input_px`` input in one bilinear warp (the same pixels as padding then resizing, without
    an image-sized copy).

    Args:
        rgb: (H, W, 3) uint8 image.
        input_px: the detector's square input side.

    Returns:
        (input_px, input_px, 3) uint8 input; the square's side in image pixels; the image's
        x and y offsets inside the square (a point at normalised input position p lies at
        ``p * side - (ox, oy)`` in the image).
    """
    h, w = rgb.shape[:2]
    side = max(h, w)
    ox, oy = (side - w) // 2, (side - h) // 2
    k = side / input_px
    to_image = np.array([[k, 0.0, 0.5 * k - 0.5 - ox], [0.0, k, 0.5 * k - 0.5 - oy]])
    x = cv2.warpAffine(rgb, to_image, (input_px, input_px),
                       flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return x, side, ox, oy
