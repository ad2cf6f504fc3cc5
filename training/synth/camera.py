"""Pinhole camera: intrinsics, per-pixel rays and projection.

Camera axes: x right, y down, z forward, metres. Pixel centres sit at integer coordinates
(OpenCV), so pixel (u, v) covers [u-0.5, u+0.5] x [v-0.5, v+0.5].
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Camera:
    """Pinhole intrinsics of an image ``width`` x ``height`` pixels.

    Attributes:
        fx, fy: focal lengths in pixels.
        cx, cy: principal point in pixels.
        width, height: image size in pixels.
    """

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    @staticmethod
    def from_fov(width: int, height: int, hfov_deg: float) -> "Camera":
        """A camera with square pixels, centred principal point and horizontal FOV ``hfov_deg``."""
        f = (width / 2.0) / np.tan(np.radians(hfov_deg) / 2.0)
        return Camera(f, f, (width - 1) / 2.0, (height - 1) / 2.0, width, height)

    @property
    def matrix(self) -> np.ndarray:
        """(3, 3) float64 intrinsic matrix K."""
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1.0]])

    def rays(self, supersample: int = 1) -> np.ndarray:
        """Unit-direction rays from the camera centre through (sub-)pixel centres.

        Args:
            supersample: ``s`` rays per pixel side; sub-pixel centres are at
                ``u - 0.5 + (i + 0.5) / s``.

        Returns:
            (H*s, W*s, 6) float32 rays (origin xyz = 0, unit direction xyz), open3d layout.
        """
        s = int(supersample)
        us = (np.arange(self.width * s) + 0.5) / s - 0.5
        vs = (np.arange(self.height * s) + 0.5) / s - 0.5
        uu, vv = np.meshgrid(us, vs)
        d = np.stack([(uu - self.cx) / self.fx, (vv - self.cy) / self.fy, np.ones_like(uu)], axis=-1)
        d /= np.linalg.norm(d, axis=-1, keepdims=True)
        return np.concatenate([np.zeros_like(d), d], axis=-1).astype(np.float32)

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """Project camera-frame points to pixels.

        Args:
            points_cam: (N, 3) float array, metres, z > 0.

        Returns:
            (N, 2) float64 pixel coordinates (x, y).

        Raises:
            ValueError: a point is not in front of the camera.
        """
        p = np.asarray(points_cam, dtype=np.float64)
        if np.any(p[:, 2] <= 1e-6):
            raise ValueError("cannot project points at or behind the camera")
        return np.stack(
            [self.fx * p[:, 0] / p[:, 2] + self.cx, self.fy * p[:, 1] / p[:, 2] + self.cy], axis=1
        )

    def scaled(self, factor: float) -> "Camera":
        """The same camera for an image resized by ``factor`` (pixel-centre convention kept)."""
        return Camera(
            self.fx * factor,
            self.fy * factor,
            (self.cx + 0.5) * factor - 0.5,
            (self.cy + 0.5) * factor - 0.5,
            int(round(self.width * factor)),
            int(round(self.height * factor)),
        )
