"""``.npz`` export: the :class:`~hdr_live.export.series.PoseSeries` arrays, one per key.

The keys, their shapes, dtypes and units are listed in :data:`SCHEMA`, which is also stored in
the file under ``schema`` (one string per line). F is the number of frames; the hand axis is in
the order of the ``hands`` key: right, left (the person's own hands). Load with
``numpy.load(path)`` (no pickle needed).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from hdr_live.export._files import atomic_output
from hdr_live.export.series import HAND_ORDER, JOINT_NAMES, PoseSeries

#: The note stored under ``schema``.
SCHEMA: tuple[str, ...] = (
    "hdr-live pose export, npz schema 2; F = frames; hand axis order: hands = [right, left]",
    "frame         (F,)          int64    input frame index",
    "t_s           (F,)          float64  capture time, seconds (NaN: unknown)",
    "joints_px     (F, 2, 21, 2) float64  frame pixels, x right, y down (NaN: hand absent)",
    "joints_rel_m  (F, 2, 21, 3) float64  metres from the wrist, camera axes: x right, y down,"
    " z away from the camera (NaN: hand absent)",
    "presence      (F, 2)        bool     hand estimated in the frame",
    "visibility    (F, 2, 21)    bool     joint on its hand's visible mask (False: absent)",
    "scores        (F, 2)        float64  hand presence confidence in [0, 1] (NaN: absent)",
    "joints_cam_m  (F, 2, 21, 3) float64  metres, camera frame, absolute: the fitted hand model"
    " (NaN: absent, or no 3D stage)",
    "inferred      (F, 2)        bool     hand hidden, its pose inferred (False: absent)",
    "hands         (2,)          str      'right', 'left' (the person's own hands)",
    "joint_names   (21,)         str      'wrist', 'thumb_cmc', ..., 'pinky_tip' (joint order)",
    "schema        (K,)          str      this note",
)


def write_npz(path: Path, series: PoseSeries) -> None:
    """Write ``series`` to ``path`` as a compressed ``.npz`` (keys: :data:`SCHEMA`).

    The file is written to a temporary name in the same folder and renamed when complete.

    Raises:
        OSError: the file cannot be written.
    """
    buffer = io.BytesIO()  # compressed in memory: a failed disk write cannot leave a half zip
    np.savez_compressed(
        buffer,
        frame=series.frame, t_s=series.t_s, joints_px=series.joints_px,
        joints_rel_m=series.joints_rel_m, presence=series.presence,
        visibility=series.visible, scores=series.score,
        joints_cam_m=series.joints_cam_m, inferred=series.inferred,
        hands=np.array([side.value for side in HAND_ORDER]),
        joint_names=np.array(JOINT_NAMES), schema=np.array(SCHEMA),
    )
    with atomic_output(Path(path)) as tmp, open(tmp, "wb") as f:
        f.write(buffer.getbuffer())
