"""``.bvh`` export: both hands as one animated skeleton (Biovision Hierarchy, text).

Layout (see :mod:`hdr_live.export.skeleton` for the nodes, rest pose and rotations):

- One file-level ``ROOT hands`` (most BVH readers accept a single root only), with 6 channels
  that stay zero; its two children are ``right_wrist`` and ``left_wrist``.
- Each wrist has 6 channels ``Xposition Yposition Zposition Zrotation Xrotation Yrotation``:
  its placement (:mod:`hdr_live.export.placement`: the fitted wrist in the camera frame when the
  3D stage ran, the camera at the origin; else the image plane) and the palm orientation. BVH
  has no place for a per-row flag that readers accept, so inferred (hidden) hands are flagged in
  the ``.glb``, ``.npz`` and ``.csv`` exports only.
  The position channels replace the wrist's OFFSET, which is 0.
- Every other joint has 3 channels ``Zrotation Xrotation Yrotation`` (intrinsic Z, then X, then
  Y: R = Rz·Rx·Ry, degrees). ``<side>_<finger>_metacarpal`` joints sit at the wrist (OFFSET 0)
  and turn the wrist→finger-base bone. A fingertip's rotation is always 0; its ``End Site`` is a
  stub one fifth of the last bone long, so viewers draw the tip.
- Units: centimetres. Axes: Y up, x to the camera's right, z towards the camera (the camera
  axes turned 180° about x).
- OFFSETs: the clip's median bone lengths along the mean bone directions (the rest pose).
- ``Frame Time``: the median step of the log's times; rows are the log's rows (BVH has a fixed
  rate, so gaps in the frame numbers are not kept).
- A hand absent from a row holds its last pose (before its first appearance: its first pose);
  a hand never seen stays in the rest pose at the origin. BVH has no "missing" value: use the
  ``.npz`` or ``.csv`` export for presence.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from hdr_live.export._files import atomic_output
from hdr_live.export.series import PoseSeries
from hdr_live.export.skeleton import SkeletonAnimation, build_animation

#: Metres to the file's centimetres.
UNITS_PER_M = 100.0
ROTATION_CHANNELS = "Zrotation Xrotation Yrotation"
EULER_ORDER = "ZXY"  # scipy: upper case = intrinsic, matching BVH's channel order
POSITION_CHANNELS = "Xposition Yposition Zposition"
_DECIMALS = 4
_TRAILING = re.compile(r"(\.\d*?)0+(?=\s|$)")


def _compact(values: np.ndarray) -> str:
    text = " ".join(f"{v:.{_DECIMALS}f}" for v in values)
    text = _TRAILING.sub(r"\1", text).replace(". ", " ")
    text = text.removesuffix(".")
    return re.sub(r"(?<!\S)-0(?=\s|$)", "0", text)


def _has_position(anim: SkeletonAnimation, node: int) -> bool:
    return node == 0 or node in anim.wrist_nodes


def _hierarchy_lines(anim: SkeletonAnimation, node: int, depth: int) -> list[str]:
    pad, kind = "  " * depth, "ROOT" if node == 0 else "JOINT"
    channels = ROTATION_CHANNELS
    if _has_position(anim, node):
        channels = f"6 {POSITION_CHANNELS} {channels}"
    else:
        channels = f"3 {channels}"
    lines = [f"{pad}{kind} {anim.names[node]}", pad + "{",
             f"{pad}  OFFSET {_compact(anim.offsets[node] * UNITS_PER_M)}",
             f"{pad}  CHANNELS {channels}"]
    children = anim.children[node]
    for child in children:
        lines += _hierarchy_lines(anim, child, depth + 1)
    if not children:
        stub = anim.offsets[node] * UNITS_PER_M / 5.0
        lines += [f"{pad}  End Site", pad + "  {", f"{pad}    OFFSET {_compact(stub)}", pad + "  }"]
    return lines + [pad + "}"]


def _preorder(anim: SkeletonAnimation, node: int = 0) -> list[int]:
    order = [node]
    for child in anim.children[node]:
        order += _preorder(anim, child)
    return order


def motion_table(anim: SkeletonAnimation) -> np.ndarray:
    """(F, C) float64 channel values, in the file's channel order (centimetres, degrees)."""
    columns = []
    for node in _preorder(anim):
        if _has_position(anim, node):
            position = np.zeros((anim.rotations.shape[0], 3))
            if node in anim.wrist_nodes:
                position = anim.wrist_positions[:, list(anim.wrist_nodes).index(node)]
            columns.append(position * UNITS_PER_M)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # gimbal lock: still the same rotation
            columns.append(Rotation.from_quat(anim.rotations[:, node]).as_euler(
                EULER_ORDER, degrees=True) if len(anim.rotations) else np.zeros((0, 3)))
    return np.concatenate(columns, axis=1)


def bvh_text(series: PoseSeries) -> str:
    """The whole BVH file for ``series`` (layout: see the module docstring)."""
    anim = build_animation(series)
    lines = ["HIERARCHY", *_hierarchy_lines(anim, 0, 0), "MOTION",
             f"Frames: {series.num_frames}", f"Frame Time: {anim.frame_time_s:.6f}"]
    lines += [_compact(row) for row in motion_table(anim)]
    return "\n".join(lines) + "\n"


def write_bvh(path: Path, series: PoseSeries) -> None:
    """Write ``series`` to ``path`` as BVH (see the module docstring).

    The file is written to a temporary name in the same folder and renamed when complete.

    Raises:
        OSError: the file cannot be written.
    """
    text = bvh_text(series)
    with atomic_output(Path(path)) as tmp:
        tmp.write_text(text, encoding="utf-8")
