"""Where the two wrists go in an animated export, and the time of each row.

The pose log's 3D joints are wrist-relative: it has no absolute wrist position in metres. An
animated export (BVH, glTF) still has to place the two hands, so each wrist is put on the image
plane: its pixel position, relative to the clip's median wrist pixel, divided by the clip's
median image scale (pixels per metre, :meth:`hdr_live.types.HandGeometry.px_per_m`), at depth 0.
Left/right and up/down placement and the distance between the hands are therefore right at the
clip's typical scale; depth between the hands is not represented.
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


def wrist_positions_m(joints_px: np.ndarray, joints_rel_m: np.ndarray,
                      valid: np.ndarray) -> np.ndarray:
    """Image-plane wrist placement (see the module docstring), held over invalid rows.

    Args:
        joints_px: (F, 2, 21, 2) float64 frame pixels.
        joints_rel_m: (F, 2, 21, 3) float64 wrist-relative metres, camera axes.
        valid: (F, 2) bool, rows whose pose is usable.

    Returns:
        (F, 2, 3) float64 metres in the exports' Y-up axes; zeros for a hand never valid.
    """
    frames, hands = np.nonzero(valid)
    out = np.zeros((valid.shape[0], 2, 3))
    if frames.size == 0:
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
