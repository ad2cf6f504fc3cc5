"""Both hands in one 3D camera frame: each wrist placed from its image position and apparent size.

``HandPose.joints_rel_m`` is wrist-relative. A pinhole camera with focal length ``f`` pixels and
the principal point at the image centre puts the wrist at depth ``z = f / px_per_m`` (the hand's
own pixels-per-metre, :meth:`hdr_live.stages.hasm.silhouette.HandGeometry.px_per_m`) and at
``x = (u − cx)·z / f``, ``y = (v − cy)·z / f`` from its pixel ``(u, v)``. ``f`` defaults to
``max(H, W)`` (about a 53° field of view), the same guess HASM's depth ordering uses.
"""

from __future__ import annotations

import numpy as np

from hdr_live.threed.camera import focal_guess_px, principal_point_px
from hdr_live.types import HandGeometry, HandPose


def wrist_camera_m(pose: HandPose, height: int, width: int, focal_px: float | None = None):
    """(3,) float64 wrist position in metres, camera axes (x right, y down, z away).

    Args:
        pose: the hand (joints in frame pixels and wrist-relative metres).
        height, width: frame size in pixels.
        focal_px: focal length in pixels (default :func:`focal_guess_px`).
    """
    f = focal_guess_px(height, width) if focal_px is None else float(focal_px)
    geometry = HandGeometry(pose.joints_px, pose.joints_rel_m)
    z = f / max(geometry.px_per_m(), 1e-6)
    cx, cy = principal_point_px(height, width)
    u, v = pose.joints_px[0]
    return np.array([(u - cx) * z / f, (v - cy) * z / f, z], dtype=np.float64)


def joints_camera_m(
    pose: HandPose, height: int, width: int, focal_px: float | None = None
) -> np.ndarray:
    """(21, 3) float64 joints in metres in camera axes: the fitted ``pose.joints_cam_m`` when
    the 3D stage ran, else the placed wrist + ``joints_rel_m``."""
    if pose.joints_cam_m is not None:
        return pose.joints_cam_m
    return wrist_camera_m(pose, height, width, focal_px) + pose.joints_rel_m
