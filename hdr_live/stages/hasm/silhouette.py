"""Hand silhouettes drawn from 21 joints: amodal and visible masks without a learned model.

Each hand is a filled palm polygon plus one thick segment per bone, widths in metres turned into
pixels by the hand's own pixels-per-metre. Overlaps between the two hands are resolved with the
painter's algorithm on per-shape depth, so the nearer hand's shapes hide the farther hand's.
This is the *baseline* HASM (no learned segmentation).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from hdr_live.joints import BONES, PALM_POLYGON, Joint, Side
from hdr_live.camera import Intrinsics
from hdr_live.types import HandGeometry, HandMasks, Hands

#: Bone diameter in metres for the thumb and the other fingers (adult average, with a margin
#: for landmark error).
THUMB_WIDTH_M = 0.025
FINGER_WIDTH_M = 0.022
#: Extra rim drawn around the palm polygon, metres.
PALM_RIM_M = 0.018


@dataclasses.dataclass(frozen=True)
class _Shape:
    depth_m: float
    side: Side
    points: np.ndarray  # (K, 2) int32 pixel coordinates (polygon) or (2, 2) segment
    width_px: int  # 0 = filled polygon


def _hand_shapes(side: Side, hand: HandGeometry, focal_px: float) -> list[_Shape]:
    depth = hand.joint_depth_m(focal_px)
    scale = hand.px_per_m()
    pts = np.round(hand.joints_px).astype(np.int32)
    palm = list(PALM_POLYGON)
    shapes = [
        _Shape(float(depth[palm].mean()), side, pts[palm], 0),
        _Shape(float(depth[palm].mean()), side, pts[palm], max(1, round(PALM_RIM_M * scale))),
    ]
    for a, b in BONES:
        width_m = THUMB_WIDTH_M if b <= Joint.THUMB_TIP else FINGER_WIDTH_M
        seg = pts[[a, b]]
        shapes.append(_Shape(float(depth[[a, b]].mean()), side, seg, max(1, round(width_m * scale))))
    return shapes


def _draw(canvas: np.ndarray, shape: _Shape, value: int) -> None:
    if shape.width_px == 0:
        cv2.fillPoly(canvas, [shape.points], value)
    elif len(shape.points) == 2:
        p, q = shape.points
        cv2.line(canvas, tuple(map(int, p)), tuple(map(int, q)), value, shape.width_px, cv2.LINE_8)
    else:
        cv2.polylines(canvas, [shape.points], True, value, shape.width_px, cv2.LINE_8)


def masks_from_joints(
    hands: Hands[HandGeometry], height: int, width: int, focal_px: float | None = None
) -> HandMasks:
    """The four HASM masks drawn from each hand's joints.

    Amodal: every shape of that hand. Visible: the pixels where that hand's shapes are the
    nearest drawn (painter's algorithm, far to near, on per-shape mean joint depth).

    Args:
        hands: joint geometry per side (a missing side gives empty masks).
        height, width: frame size in pixels.
        focal_px: focal length in pixels used to turn hand scale into wrist depth; defaults to
            ``max(height, width)`` (about a 53° field of view). Only the two hands' depth order
            depends on it.

    Returns:
        HandMasks with (height, width) bool masks; visible ⊆ amodal holds by construction.
    """
    focal = Intrinsics.guess(height, width, focal_px).focal_px
    per_side = {side: _hand_shapes(side, hand, focal) for side, hand in hands.items()}
    shapes = [shape for side_shapes in per_side.values() for shape in side_shapes]
    full = {name: np.zeros((height, width), bool) for name in ("ra", "rv", "la", "lv")}
    roi = _shapes_roi(shapes, height, width)
    if roi is not None:
        # Draw inside the region the shapes can touch only (translation by whole pixels and the
        # same clipping at the frame's edges give the very pixels a full-frame canvas gets).
        x0, y0, x1, y1 = roi
        offset = np.array([x0, y0], np.int32)
        size = (y1 - y0, x1 - x0)
        owner = np.zeros(size, np.uint8)  # 0 none, 1 right, 2 left
        for side, side_shapes in per_side.items():
            canvas = np.zeros(size, np.uint8)
            for shape in side_shapes:
                _draw(canvas, _moved(shape, offset), 1)
            full["ra" if side is Side.RIGHT else "la"][y0:y1, x0:x1] = canvas.astype(bool)
        for shape in sorted(shapes, key=lambda s: -s.depth_m):
            _draw(owner, _moved(shape, offset), 1 if shape.side is Side.RIGHT else 2)
        full["rv"][y0:y1, x0:x1] = owner == 1
        full["lv"][y0:y1, x0:x1] = owner == 2
    return HandMasks(
        right_amodal=full["ra"],
        right_visible=full["rv"],
        left_amodal=full["la"],
        left_visible=full["lv"],
    )


def _moved(shape: _Shape, offset: np.ndarray) -> _Shape:
    return dataclasses.replace(shape, points=shape.points - offset)


def _shapes_roi(shapes: list[_Shape], height: int, width: int) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1), exclusive ends, clipped to the frame: every pixel a shape can set."""
    if not shapes:
        return None
    pts = np.concatenate([s.points for s in shapes])
    margin = max(s.width_px for s in shapes) // 2 + 3
    x0 = max(int(pts[:, 0].min()) - margin, 0)
    y0 = max(int(pts[:, 1].min()) - margin, 0)
    x1 = min(int(pts[:, 0].max()) + margin + 1, width)
    y1 = min(int(pts[:, 1].max()) + margin + 1, height)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None
