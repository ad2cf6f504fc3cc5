"""The live 3D view: both hands' skeletons placed in camera space, orbitable with the mouse.

Rendering (:class:`~hdr_live.ui.skeleton3d.SkeletonRenderer`, Open3D ray casting on the CPU) runs
on the UI thread at most ``max_rate_hz`` times a second, so it never takes more than a small
share of the CPU from the pipeline; a mouse drag re-renders at once. The orbit centre and the
viewing distance follow the hands smoothly (exponential, ``follow``).
"""

from __future__ import annotations

import time

import numpy as np
from PyQt6.QtCore import QPointF, QSize

from hdr_live.joints import Side
from hdr_live.camera import Intrinsics
from hdr_live.live.placement import joints_camera_m
from hdr_live.types import FrameResult
from hdr_live.ui.skeleton3d import OrbitCamera, SkeletonRenderer, SkeletonStyle, fit_distance_m
from hdr_live.ui.widgets import ImageView


#: The view a session starts with: three-quarter, from the upper right (eye moved right and up),
#: so the two hands' depth difference shows; double-click toggles to the video camera's own
#: viewpoint and back.
THREE_QUARTER = OrbitCamera(azimuth_deg=35.0, elevation_deg=20.0)
CAMERA_VIEW = OrbitCamera()


class Skeleton3DView(ImageView):
    """Shows :meth:`update_result`'s hands in 3D; drag to orbit, wheel to zoom, double-click to
    switch between the three-quarter view and the video camera's viewpoint."""

    def __init__(
        self,
        style: SkeletonStyle = SkeletonStyle(),
        max_rate_hz: float = 8.0,
        follow: float = 0.25,
    ) -> None:
        super().__init__("3D view: waiting for hands", QSize(240, 180))
        self._renderer = SkeletonRenderer(style)
        self._camera = THREE_QUARTER
        self._zoom = 1.0
        self._hands: list[tuple[Side, np.ndarray]] = []
        self._inferred: frozenset[Side] = frozenset()
        self._target: np.ndarray | None = None
        self._distance = 0.5
        self._min_interval_s = 1.0 / max_rate_hz
        self._last_render = 0.0
        self._follow = follow
        self._drag_from: QPointF | None = None
        self.render_ms = 0.0
        self.renders = 0

    def update_result(self, result: FrameResult, force: bool = False) -> None:
        """Take this frame's poses; re-render if the rate limit allows (or ``force``)."""
        h, w = result.frame.height, result.frame.width
        camera = result.intrinsics or Intrinsics.guess(h, w)
        self._hands = [(side, joints_camera_m(pose, camera))
                       for side, pose in result.poses.items()]
        self._inferred = frozenset(side for side, pose in result.poses.items() if pose.inferred)
        if self._hands:
            joints = np.concatenate([j for _, j in self._hands])
            target, distance = joints.mean(axis=0), fit_distance_m(joints, self._camera.fov_deg)
            if self._target is None:
                self._target, self._distance = target, distance
            else:
                a = self._follow
                self._target = (1 - a) * self._target + a * target
                self._distance = (1 - a) * self._distance + a * distance
        if force or time.monotonic() - self._last_render >= self._min_interval_s:
            self._render()

    def render_rgb(self) -> np.ndarray:
        """Render the current hands now; (H, W, 3) uint8."""
        camera = OrbitCamera(
            self._camera.azimuth_deg,
            self._camera.elevation_deg,
            self._distance / self._zoom,
            self._camera.fov_deg,
        )
        return self._renderer.render(self._hands, camera, self._target, self._inferred)

    def _render(self) -> None:
        t0 = time.perf_counter()
        self.set_rgb(self.render_rgb())
        self._last_render = time.monotonic()
        self.render_ms = 1e3 * (time.perf_counter() - t0)
        self.renders += 1

    # mouse --------------------------------------------------------------------------------------

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt name
        self._drag_from = event.position()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt name
        if self._drag_from is None:
            return
        delta = event.position() - self._drag_from
        self._drag_from = event.position()
        self.orbit(0.4 * delta.x(), 0.4 * delta.y())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt name
        self._drag_from = None

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt name
        self._camera = CAMERA_VIEW if self._camera != CAMERA_VIEW else THREE_QUARTER
        self._zoom = 1.0
        self._render()

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt name
        steps = event.angleDelta().y() / 120.0
        self._zoom = float(np.clip(self._zoom * (1.15**steps), 0.2, 5.0))
        self._render()

    def orbit(self, d_azimuth: float, d_elevation: float) -> None:
        """Turn the view (as a mouse drag does) and re-render."""
        self._camera = self._camera.orbited(d_azimuth, d_elevation)
        self._render()
