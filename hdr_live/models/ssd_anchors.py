"""Anchor centres of MediaPipe's single-shot detectors (the palm and pose detectors).

MediaPipe's SsdAnchorsCalculator with ``fixed_anchor_size`` and one aspect ratio plus the
interpolated scale gives two anchors per cell and layer; layers sharing a stride share one grid.
Only the centres matter with fixed-size anchors (the regressors are relative to the anchor
centre, in input pixels).
"""

from __future__ import annotations

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
