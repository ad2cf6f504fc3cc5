"""``.csv`` export: one row per frame, hand and joint, with a header row.

Columns (:data:`COLUMNS`)::

    frame       int    input frame index
    t_s         float  capture time in seconds (empty: unknown)
    hand        str    "right" or "left" (the person's own hand)
    joint       int    joint index 0-20 (hdr_live.joints.Joint order)
    joint_name  str    "wrist", "thumb_cmc", ..., "pinky_tip"
    x_px, y_px  float  frame pixels, x right, y down
    x_m, y_m, z_m float  metres from the wrist, camera axes: x right, y down, z away
    visible     bool   True/False: the joint is on its hand's visible mask
    score       float  the hand's presence confidence in [0, 1]
    inferred    bool   True/False: the hand was hidden and its pose inferred (hdr_live.threed)
    cam_x_m, cam_y_m, cam_z_m float  metres in the camera frame, absolute: the fitted hand model
                       (empty without the 3D stage)

Rows go frame by frame, right hand before left, joints in order. A hand absent from a frame has
no rows for that frame (a frame with no hand has none at all). A number the pose log lacks is
an empty field. ``pandas.read_csv(path)`` reads it as is (``visible`` as bool).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from hdr_live.export._files import atomic_output
from hdr_live.export.series import HAND_ORDER, JOINT_NAMES, PoseSeries

COLUMNS: tuple[str, ...] = ("frame", "t_s", "hand", "joint", "joint_name", "x_px", "y_px",
                            "x_m", "y_m", "z_m", "visible", "score", "inferred",
                            "cam_x_m", "cam_y_m", "cam_z_m")


def _num(value: float) -> str:
    value = float(value)
    return repr(value) if math.isfinite(value) else ""


def _hand_rows(series: PoseSeries, i: int, h: int) -> list[list[str | int]]:
    frame, t_s = int(series.frame[i]), _num(series.t_s[i])
    hand, score = HAND_ORDER[h].value, _num(series.score[i, h])
    px, rel, visible = series.joints_px[i, h], series.joints_rel_m[i, h], series.visible[i, h]
    cam, inferred = series.joints_cam_m[i, h], bool(series.inferred[i, h])
    return [
        [frame, t_s, hand, j, name, *map(_num, px[j]), *map(_num, rel[j]), bool(visible[j]), score,
         inferred, *map(_num, cam[j])]
        for j, name in enumerate(JOINT_NAMES)
    ]


def write_csv(path: Path, series: PoseSeries) -> None:
    """Write ``series`` to ``path`` as CSV (columns: see the module docstring).

    The file is written to a temporary name in the same folder and renamed when complete.

    Raises:
        OSError: the file cannot be written.
    """
    with atomic_output(Path(path)) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for i, h in zip(*np.nonzero(series.presence)):
            writer.writerows(_hand_rows(series, int(i), int(h)))
