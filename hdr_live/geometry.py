"""Pure 2D geometry: boxes from masks, crop affines, warps.

Convention: pixel centres at integer coordinates (OpenCV). A *crop affine* is a (2, 3) float64
matrix ``A`` mapping crop pixels ``(u, v)`` to frame pixels ``(x, y) = A[:, :2] @ (u, v) + A[:, 2]``.
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from hdr_live.joints import ROI_JOINTS, Joint, hand_scale_px


@dataclasses.dataclass(frozen=True)
class Box:
    """Axis-aligned box in pixels, inclusive pixel-centre bounds (x0 <= x1, y0 <= y1)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)

    @property
    def width(self) -> float:
        return self.x1 - self.x0 + 1.0

    @property
    def height(self) -> float:
        return self.y1 - self.y0 + 1.0


@dataclasses.dataclass(frozen=True)
class Roi:
    """A square, possibly rotated region of interest in some image.

    Attributes:
        center_xy: (x, y) centre in pixels.
        size_px: side length in pixels.
        angle_rad: rotation of the region's "up" axis: 0 means upright; positive turns the
            region's x axis from +x toward +y (clockwise on screen).
    """

    center_xy: tuple[float, float]
    size_px: float
    angle_rad: float = 0.0


def box_iou(a, b) -> float:
    """Intersection over union of two boxes given as (x0, y0, x1, y1) sequences (pixels);
    0 when the union is empty."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def box_from_mask(mask: np.ndarray) -> Box | None:
    """Tight box around the True pixels of a mask.

    Args:
        mask: (H, W) bool.

    Returns:
        The box, or None when the mask is empty.
    """
    ys = np.flatnonzero(mask.any(axis=1))
    if ys.size == 0:
        return None
    xs = np.flatnonzero(mask.any(axis=0))
    return Box(float(xs[0]), float(ys[0]), float(xs[-1]), float(ys[-1]))


def crop_affine(roi: Roi, out_size: int, mirror: bool = False) -> np.ndarray:
    """Affine from an ``out_size``×``out_size`` crop to the image the ROI lives in.

    The crop's centre maps to ``roi.center_xy``; its side spans ``roi.size_px`` image pixels; its
    up axis is turned by ``roi.angle_rad``; with ``mirror`` the crop is the horizontal mirror image
    of the region (a left hand then looks like a right hand; HDR paper §3.3).

    Args:
        roi: the region.
        out_size: crop side in pixels (> 0).
        mirror: flip the crop horizontally.

    Returns:
        (2, 3) float64 crop→image affine.

    Raises:
        ValueError: non-positive sizes.
    """
    if out_size <= 0 or not roi.size_px > 0:
        raise ValueError(f"crop sizes must be positive, got out={out_size} roi={roi.size_px}")
    scale = roi.size_px / out_size
    cos, sin = math.cos(roi.angle_rad), math.sin(roi.angle_rad)
    x_axis = np.array([cos, sin]) * scale * (-1.0 if mirror else 1.0)
    y_axis = np.array([-sin, cos]) * scale
    linear = np.stack([x_axis, y_axis], axis=1)
    c = (out_size - 1) / 2.0
    translation = np.asarray(roi.center_xy, dtype=np.float64) - linear @ np.array([c, c])
    return np.concatenate([linear, translation[:, None]], axis=1)


def invert_affine(affine: np.ndarray) -> np.ndarray:
    """Inverse of a (2, 3) affine (closed form). Raises ValueError when it is singular."""
    (a, b, tx), (c, d, ty) = np.asarray(affine, dtype=np.float64)
    det = a * d - b * c
    if abs(det) < 1e-12:
        raise ValueError("affine is singular")
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return np.array([[ia, ib, -(ia * tx + ib * ty)], [ic, id_, -(ic * tx + id_ * ty)]])


def compose_affine(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The affine ``outer ∘ inner`` (apply ``inner`` first). Both (2, 3)."""
    linear = outer[:, :2] @ inner[:, :2]
    translation = outer[:, :2] @ inner[:, 2] + outer[:, 2]
    return np.concatenate([linear, translation[:, None]], axis=1)


def apply_affine(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a (2, 3) affine to (N, 2) points; returns (N, 2) float64."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ affine[:, :2].T + affine[:, 2]


def affine_rotation(affine: np.ndarray) -> np.ndarray:
    """The scale-free linear part of an affine: (2, 2) rotation or reflection.

    Used to turn crop-axis vectors (e.g. 3D joints' x, y) into frame axes.
    """
    linear = affine[:, :2]
    return linear / math.sqrt(abs(np.linalg.det(linear)))


def warp_crop(
    image: np.ndarray,
    crop_to_image: np.ndarray,
    out_size: int,
    nearest: bool = False,
    border_value: float = 0.0,
) -> np.ndarray:
    """Sample an ``out_size``×``out_size`` crop from ``image`` through a crop affine.

    Args:
        image: (H, W) or (H, W, C) array (uint8 or float32; bool is warped as uint8).
        crop_to_image: (2, 3) crop→image affine (e.g. from :func:`crop_affine`).
        out_size: crop side in pixels.
        nearest: nearest-neighbour sampling (for masks) instead of bilinear.
        border_value: value outside the image.

    Returns:
        The crop, same dtype as ``image`` (bool in, bool out).
    """
    is_bool = image.dtype == np.bool_
    src = image.view(np.uint8) if is_bool else image
    flags = (cv2.INTER_NEAREST if nearest or is_bool else cv2.INTER_LINEAR) | cv2.WARP_INVERSE_MAP
    out = cv2.warpAffine(
        src,
        crop_to_image,
        (out_size, out_size),
        flags=flags,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border_value,
    )
    return out.astype(bool) if is_bool else out


def joints_box(joints_px: np.ndarray, height: int, width: int,
               margin_hand_scales: float = 0.5) -> Box:
    """A hand's joints' box grown by ``margin_hand_scales`` hand sizes (wrist to middle MCP) on
    every side, in whole pixels and clipped to a (height, width) frame.

    Args:
        joints_px: (21, 2) float64 frame pixels.
        height, width: the frame's size in pixels.
        margin_hand_scales: the margin in hand sizes (≥ 0).

    Returns:
        The box in frame pixels (inclusive bounds).
    """
    margin = margin_hand_scales * max(hand_scale_px(joints_px), 1.0)
    x0, y0 = np.clip(np.floor(joints_px.min(axis=0) - margin), 0, (width - 1, height - 1))
    x1, y1 = np.clip(np.ceil(joints_px.max(axis=0) + margin), 0, (width - 1, height - 1))
    return Box(float(x0), float(y0), float(x1), float(y1))


def roi_from_joints(joints_px: np.ndarray, scale: float = 2.0, shift_y: float = -0.1) -> Roi:
    """Hand region from 21 joints, the rule MediaPipe uses to track a hand from its landmarks.

    The region's up axis points from the wrist to the middle-finger MCP; the box around the
    palm-and-lower-finger joints, measured in that rotated frame, is shifted by ``shift_y`` of
    its height along the up axis (negative = toward the fingers), made square on its longer side
    and scaled by ``scale``. Source: MediaPipe hand_landmark_landmarks_to_roi graph.

    Args:
        joints_px: (21, 2) joints in pixels.
        scale: side length as a multiple of the joint box's longer side.
        shift_y: shift along the region's own y axis, in units of the joint box's height.

    Returns:
        The region.
    """
    j = np.asarray(joints_px, dtype=np.float64)
    up = j[Joint.MIDDLE_MCP] - j[Joint.WRIST]
    norm = float(np.linalg.norm(up))
    # angle such that the crop's y axis (down) is -up: (-sin, cos) = -up/|up|.
    angle = math.atan2(up[0], -up[1]) if norm > 1e-6 else 0.0
    cos, sin = math.cos(angle), math.sin(angle)
    to_local = np.array([[cos, sin], [-sin, cos]])  # rows: crop x axis, crop y axis
    pts = j[list(ROI_JOINTS)]
    local = pts @ to_local.T
    lo, hi = local.min(axis=0), local.max(axis=0)
    center_local = (lo + hi) / 2.0 + np.array([0.0, shift_y * float(hi[1] - lo[1])])
    side = float(max(hi - lo)) * scale
    center = to_local.T @ center_local
    return Roi((float(center[0]), float(center[1])), max(side, 1.0), angle)
