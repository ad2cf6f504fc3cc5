"""Where the two wrists go in an animated export, and the time of each row.

With the 3D stage (``joints_cam_m`` logged for every row a hand is present) each wrist follows
the fitted hand model's wrist in the camera frame: absolute metres, the camera at the origin, so
the hands move in depth and sit at their fitted distance from each other. Without it the log
has wrist-relative joints only, and each wrist is put on the image plane: its pixel position,
relative to the clip's median wrist pixel, divided by the clip's median image scale (pixels per
metre, :meth:`hdr_live.types.HandGeometry.px_per_m`), at depth 0.
"""

from __future__ import annotations

import numpy as np

from hdr_live.types import HandGeometry

#: Camera axes (x right, y down, z away) to the exports' Y-up axes (x right, y up, z towards the
#: viewer): a 180° turn about x, a proper rotation (a right hand stays a right hand).
CAMERA_TO_OUTPUT = np.diag([1.0, -1.0, -1.0])
#: Frame time used when the log's times give none (no two increasing times).
DEFAULT_FRAME_TIME_S = 1.0 / 30.0


def to_output_axes(points: np.ndarray) -> np.ndarray:
    """(..., 3) float camera-axes points → the same points in the exports' Y-up axes."""
    return np.asarray(points, dtype=np.float64) @ CAMERA_TO_OUTPUT.T


def hold_index(valid: np.ndarray) -> np.ndarray:
    """For each row, the row whose pose to write: itself when valid, else the last valid row
    before it, else the first valid row after it.

    Args:
        valid: (F,) bool.

    Returns:
        (F,) int64 row indices, or all -1 when no row is valid.
    """
    valid = np.asarray(valid, dtype=bool)
    if not valid.any():
        return np.full(valid.shape, -1, dtype=np.int64)
    last = np.maximum.accumulate(np.where(valid, np.arange(valid.size), -1))
    return np.where(last >= 0, last, int(np.argmax(valid))).astype(np.int64)


def in_camera_space(joints_cam_m: np.ndarray | None, valid: np.ndarray) -> bool:
    """Whether the wrists can follow the fitted model: ``joints_cam_m`` (F, 2, 21, 3) has a
    finite wrist on every valid row (and there is one)."""
    if joints_cam_m is None or not valid.any():
        return False
    return bool(np.isfinite(joints_cam_m[:, :, 0][valid]).all())


def wrist_positions_m(joints_px: np.ndarray, joints_rel_m: np.ndarray, valid: np.ndarray,
                      joints_cam_m: np.ndarray | None = None) -> np.ndarray:
    """Wrist placement (see the module docstring), held over invalid rows: the fitted wrists in
    the camera frame when :func:`in_camera_space`, else on the image plane.

    Args:
        joints_px: (F, 2, 21, 2) float64 frame pixels.
        joints_rel_m: (F, 2, 21, 3) float64 wrist-relative metres, camera axes.
        valid: (F, 2) bool, rows whose pose is usable.
        joints_cam_m: (F, 2, 21, 3) float64 camera-frame metres of the fitted model, or None.

    Returns:
        (F, 2, 3) float64 metres in the exports' Y-up axes; zeros for a hand never valid.
    """
    frames, hands = np.nonzero(valid)
    out = np.zeros((valid.shape[0], 2, 3))
    if frames.size == 0:
        return out
    if in_camera_space(joints_cam_m, valid):
        for h in range(2):
            if valid[:, h].any():
                out[:, h] = to_output_axes(joints_cam_m[hold_index(valid[:, h]), h, 0])
        return out
    scales = [HandGeometry(joints_px[f, h], joints_rel_m[f, h]).px_per_m()
              for f, h in zip(frames, hands)]
    scale = float(np.median(scales))
    centre = np.median(joints_px[frames, hands, 0], axis=0)
    for h in range(2):
        if not valid[:, h].any():
            continue
        index = hold_index(valid[:, h])
        plane = (joints_px[index, h, 0] - centre) / scale
        out[:, h] = to_output_axes(np.column_stack([plane, np.zeros(len(index))]))
    return out


def frame_time_s(t_s: np.ndarray) -> float:
    """Median positive step of the finite times in ``t_s`` (seconds), or 1/30 s without one."""
    t = np.asarray(t_s, dtype=np.float64)
    steps = np.diff(t[np.isfinite(t)])
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else DEFAULT_FRAME_TIME_S


def sample_times_s(t_s: np.ndarray) -> np.ndarray:
    """(F,) float64 animation times from 0: ``t_s - t_s[0]`` when every time is finite and
    strictly increasing, else ``row × frame_time_s(t_s)`` (evenly spaced rows)."""
    t = np.asarray(t_s, dtype=np.float64)
    if t.size and np.isfinite(t).all() and np.all(np.diff(t) > 0):
        return t - t[0]
    return np.arange(t.size, dtype=np.float64) * frame_time_s(t)
