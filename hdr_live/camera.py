"""The one camera model of hdr-live: pinhole intrinsics, the default guess, projection of
camera-frame points and back-projection.

Camera axes: x right, y down, z away from the camera, metres. Pixels follow OpenCV: x right,
y down, origin at the centre of the top-left pixel. Model: u = f·x/z + cx, v = f·y/z + cy
(Hartley & Zisserman, "Multiple View Geometry", eq. 6.1, square pixels, no skew or distortion).
Every placement in 3D (the 3D stage, HASM's depth ordering of silhouettes, the live 3D view,
the exports) takes its :class:`Intrinsics` from here; a frame's result carries the ones the 3D
stage used (:attr:`hdr_live.types.FrameResult.intrinsics`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Depth floor (m) used by :func:`project`, so points at or behind the camera stay finite.
MIN_DEPTH_M = 1e-3


@dataclasses.dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics of the frame camera.

    Attributes:
        focal_px: focal length in pixels (> 0), the same for x and y.
        cx_px: principal point x, frame pixels.
        cy_px: principal point y, frame pixels.

    Raises:
        ValueError: ``focal_px`` is not a finite positive number.
    """

    focal_px: float
    cx_px: float
    cy_px: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.focal_px) and self.focal_px > 0):
            raise ValueError(f"Intrinsics.focal_px must be finite and > 0, got {self.focal_px}")

    @staticmethod
    def guess(height_px: int, width_px: int, focal_px: float | None = None) -> "Intrinsics":
        """The camera assumed when only the frame size is known: the principal point at the
        image centre (pixel centres at integer coordinates) and the focal length ``focal_px``
        when given, else ``max(height, width)`` pixels: a horizontal field of view of about 53°
        for a landscape frame (2·atan(0.5)), close to a webcam's. A wrong focal length scales
        the hands' distance from the camera, not their wrist-relative shape.

        Raises:
            ValueError: ``focal_px`` given and not finite and positive.
        """
        f = float(max(height_px, width_px)) if focal_px is None else float(focal_px)
        return Intrinsics(f, (width_px - 1) / 2.0, (height_px - 1) / 2.0)

    @staticmethod
    def from_fov(width_px: int, height_px: int, hfov_deg: float) -> "Intrinsics":
        """Intrinsics for an image ``width_px`` × ``height_px`` with horizontal field of view
        ``hfov_deg`` degrees and the principal point at the image centre."""
        focal = (width_px / 2.0) / np.tan(np.radians(hfov_deg) / 2.0)
        return Intrinsics(float(focal), (width_px - 1) / 2.0, (height_px - 1) / 2.0)


def project(points_cam_m: np.ndarray, intrinsics: Intrinsics) -> np.ndarray:
    """Project camera-frame points to frame pixels.

    Args:
        points_cam_m: (..., 3) float64 points, camera axes, metres. Depths below
            :data:`MIN_DEPTH_M` are raised to it (the result stays finite).
        intrinsics: the camera.

    Returns:
        (..., 2) float64 frame pixels.
    """
    p = np.asarray(points_cam_m, dtype=np.float64)
    z = np.maximum(p[..., 2:3], MIN_DEPTH_M)
    return intrinsics.focal_px * p[..., :2] / z + np.array([intrinsics.cx_px, intrinsics.cy_px])


def backproject(points_px: np.ndarray, depth_m: np.ndarray | float, intrinsics: Intrinsics) -> np.ndarray:
    """Camera-frame points at depth ``depth_m`` that project onto ``points_px``.

    Args:
        points_px: (..., 2) float64 frame pixels.
        depth_m: depth z in metres, broadcastable to ``points_px.shape[:-1]``.
        intrinsics: the camera.

    Returns:
        (..., 3) float64 points, camera axes, metres.
    """
    px = np.asarray(points_px, dtype=np.float64)
    z = np.broadcast_to(np.asarray(depth_m, dtype=np.float64), px.shape[:-1])
    xy = (px - np.array([intrinsics.cx_px, intrinsics.cy_px])) / intrinsics.focal_px
    return np.concatenate([xy * z[..., None], z[..., None]], axis=-1)
