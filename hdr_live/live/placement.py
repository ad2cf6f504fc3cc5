"""Both hands in one 3D camera frame: each wrist placed from its image position and apparent size.

``HandPose.joints_rel_m`` is wrist-relative. A pinhole camera (:mod:`hdr_live.camera`) with focal
length ``f`` pixels and principal point ``(cx, cy)`` puts the wrist at depth ``z = f / px_per_m``
(the hand's own pixels-per-metre, :meth:`hdr_live.types.HandGeometry.px_per_m`) and at the
back-projection of its pixel ``(u, v)`` to that depth. Without a 3D stage the camera is the
guess of :meth:`hdr_live.camera.Intrinsics.guess`, the same one HASM's depth ordering uses.
"""

from __future__ import annotations

import numpy as np

from hdr_live.camera import Intrinsics, backproject
from hdr_live.types import HandGeometry, HandPose


def wrist_camera_m(pose: HandPose, camera: Intrinsics) -> np.ndarray:
    """(3,) float64 wrist position in metres, camera axes (x right, y down, z away).

    Args:
        pose: the hand (joints in frame pixels and wrist-relative metres).
        camera: the frame's camera.
    """
    geometry = HandGeometry(pose.joints_px, pose.joints_rel_m)
    z = camera.focal_px / max(geometry.px_per_m(), 1e-6)
    return backproject(pose.joints_px[0], z, camera)


def joints_camera_m(pose: HandPose, camera: Intrinsics) -> np.ndarray:
    """(21, 3) float64 joints in metres in camera axes: the fitted ``pose.joints_cam_m`` when
    the 3D stage ran, else the placed wrist (:func:`wrist_camera_m`) + ``joints_rel_m``."""
    if pose.joints_cam_m is not None:
        return pose.joints_cam_m
    return wrist_camera_m(pose, camera) + pose.joints_rel_m
